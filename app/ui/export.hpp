// attnlab app: pictures of the view or of one panel, for notes and slides.
//
// Both paths draw with the same panel code as the window, in a scratch ImGui
// context of their own (the window's context, if any, is left untouched):
//   ExportSvg: no GL at all (vector: cells as rects, text as text)
//   ExportPng: needs a current OpenGL 3.3 context (see gl_context.hpp); renders
//              into a framebuffer object at scale x, reads it back, writes PNG.
// Files are written atomically. `request.panel` "" means the whole view.
#pragma once

#include <string>
#include <vector>

#include "app_state.hpp"
#include "widgets/texture.hpp"

namespace attnlab::ui {

// The panels the scenario's view draws (for `attnlab render --list`).
std::vector<std::string> PanelNames(const AppState& state);

Status ExportSvg(const AppState& state, const ExportRequest& request);

// What a picture's file name asks for, by its extension in any case: .png,
// .jpg or .jpeg, .svg. Any other name is refused (nothing is written), and so
// is a transparent JPEG: JPEG has no alpha. The command line and the window's
// Export dialog both decide with this.
enum class PictureFormat { kPng, kJpeg, kSvg };
Status PictureFormatFor(const ExportRequest& request, PictureFormat* format);

// The suggested file name: "<preset stem without its exercise code>_<panel>"
// + extension, e.g. e9-dedupe-sort.json, P -> dedupe-sort_P.png.
std::string SuggestedExportName(const AppState& state, const ExportRequest& request);

// Where every recorded widget was drawn, as JSON (logical pixels), with the
// picture's size in pixels and its scale: for tests that check pictures.
std::string ItemsReport(const AppState& state, int width_px, int height_px, float scale);

// A scratch ImGui context with attnlab's fonts at `scale`, current while it
// lives; the previous context is current again afterwards.
class ScratchImGui {
 public:
  ScratchImGui(AppState& state, float scale);
  ~ScratchImGui();
  ScratchImGui(const ScratchImGui&) = delete;
  ScratchImGui& operator=(const ScratchImGui&) = delete;
  // One frame of DrawExport() at `size` logical pixels.
  void Frame(ImVec2 size);

 private:
  AppState& state_;
  ImGuiContext* previous_;
  ImGuiContext* context_;
  // Big heatmaps draw into these unless a GL picture installs its own.
  NullTextures textures_;
  ScopedTextures use_textures_{&textures_};
};

// Where the picture of `state.ui.only_panel` lies after a Frame(), with the
// window's padding around it; false when the view has no such panel (and
// `error` then lists those it has).
bool PanelBounds(const AppState& state, ImVec2* size, std::string* error);

}  // namespace attnlab::ui
