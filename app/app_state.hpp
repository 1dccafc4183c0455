// attnlab app: the one state every panel receives.
//
//   AppState { scenario (what the user edits), derived (what core computed), ui }
//
// Panels change `scenario` only through Edit(), which snapshots it for undo
// once per gesture (a drag of many frames is one step) and marks it dirty;
// only Recompute() writes `derived`, once per frame when something changed.
// When the scenario cannot be evaluated, `status` holds the message (with the
// field to show it beside) and `derived` keeps the last good result.
#pragma once

#include <imgui.h>

#include <map>
#include <string>
#include <vector>

#include "attnlab/format.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/status.hpp"
#include "ui/file_browser.hpp"
#include "ui/theme.hpp"
#include "view_caches.hpp"
#include "widgets/colormap.hpp"
#include "widgets/matrix_editor.hpp"

namespace attnlab::ui {

struct ItemRect {
  ImVec2 min{0, 0}, max{0, 0};
  ImVec2 Center() const { return ImVec2((min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f); }
};

struct PresetEntry {
  std::string path;
  std::string file_name;  // "e9-dedupe-sort.json"
  std::string title;      // from the file; the file name when it cannot be read
  std::string name;       // the short name for the list (the title when the file has none)
  std::string view;       // the view it opens: the sidebar groups exercises by it
  std::string error;      // why the file cannot be loaded, or ""
};

// The pipeline's stages, in the order step mode reveals them.
enum class Stage { kInputs, kScores, kScaled, kMasked, kWeights, kOutput, kProjected, kLogits, kLoss, kAll };
inline constexpr int kStageCount = static_cast<int>(Stage::kAll);

// A picture of one panel (or of the whole view, panel "") for notes and slides.
struct ExportRequest {
  std::string panel;        // "P", "scores", ... ; "" = the whole view
  float scale = 1.0f;       // 1, 2 or 3: pixels per logical pixel
  bool dark = false;        // pictures default to the light theme
  bool transparent = false; // else a white (light) or dark background
  bool svg = false;         // vector: every cell a rect, text as text (panels only)
  int width = 1280, height = 720;  // the view's logical size (panel pictures fit their panel)
  std::string out;          // the file to write (atomically)
  std::string report;       // PNG only, optional: where the panels were drawn (JSON, for tests)
};

struct UiState {
  bool presentation = false;  // large font, high contrast, only the panels that matter
  bool dark = true;
  float ui_scale = 1.0f;          // multiplies every font size (2 for a 4K screen)
  float applied_ui_scale = 1.0f;  // the scale the font atlas was built for
  Colormap weights_colormap = Colormap::kViridis;   // sequential: weights, probabilities
  Colormap signed_colormap = Colormap::kBlueOrange; // diverging: everything signed
  bool weights_auto_range = false;                  // P and probs: 0..1, or their own range
  NumberStyle number_style = NumberStyle::kAuto;
  bool step_mode = false;       // reveal the pipeline one stage at a time
  int step = 0;                 // with step_mode: stages shown (0 = inputs only)
  double remembered_temperature = 1.0;  // restored when leaving argmax (T = 0)
  bool show_sidebar = true;
  Fonts fonts;                 // set by whoever builds the font atlas
  int applied_theme = -1;      // which (dark, presentation) the style holds now
  std::string message;         // a one-line notice (e.g. a preset that failed to load)
  ViewCaches caches;           // each view's samples and sweeps (ui/view_NAME.hpp)
  std::map<std::string, bool> collapsed;                 // panel name -> folded
  std::map<std::string, MatrixEditorState> editors;      // panel name -> cell being edited
  std::string tokens_text;     // the token sequence as typed
  bool tokens_text_valid = false;
  std::string hover_explanation;  // "read the maths": how the hovered cell was computed
  char path_buffer[512] = {};     // the Save/Open dialog's path
  std::string file_error;         // why the last save/open failed, shown in its dialog
  FileBrowserState files;         // the Open/Save dialog's browser: folder, recent files
  unsigned random_seed = 0;       // "fill at random": each fill the next seed
  int context_row = -1, context_col = -1;  // the right-clicked cell of an input panel
  bool open_save_dialog = false;  // Ctrl+S with no file of our own yet

  // Export: the window asks, the platform layer (which owns GL) renders.
  bool exporting = false;          // drawing a picture: no buttons, nothing folded
  std::string only_panel;          // with exporting: draw this panel alone
  std::string* svg_out = nullptr;  // with exporting: the panel writes itself here as SVG too
  std::vector<std::string> panel_names;  // the panels the view drew last frame
  bool export_pending = false;     // export_request is ready for the platform layer to render
  bool solution_dialog = false;    // open the "write out the solution" dialog this frame
  bool solution_tex = false;       // its format: LaTeX, else Markdown
  std::string solution_text;       // written when the dialog opens or its format changes
  std::string solution_error;      // why there is none (a view without a derivation)
  bool export_dialog = false;      // open the export dialog for export_request this frame
  ExportRequest export_request;
  std::string hovered_panel;       // the panel under the mouse (Ctrl+E exports it)
  // Presentation: what the view could show last frame (key, label) and its
  // default choice, for the top bar's chooser; and what did not fit.
  std::vector<std::pair<std::string, std::string>> slides;
  std::vector<std::string> slide_defaults;
  std::vector<std::string> slides_hidden;
  std::map<std::string, float> cell_text_px;  // presentation: each panel's smallest cell number, px (0: none)
  // Screen rectangles of the widgets drawn last frame, by name, so that tests
  // and screenshots can find them (ImGui 1.86 has no lookup by ID).
  std::map<std::string, ItemRect> items;
};

struct AppState {
  Scenario scenario;
  std::string scenario_path;  // the file it came from, or ""
  std::vector<PresetEntry> presets;
  bool edited = false;        // differs from `saved` (the unsaved mark)
  Scenario saved;             // as last loaded or saved: undoing back to it clears the mark

  // Undo: whole-scenario snapshots (an exercise is a few KB; 200 steps deep).
  static constexpr size_t kUndoDepth = 200;
  std::vector<Scenario> undo, redo;
  bool gesture_open = false;  // an edit is under way (e.g. a drag)
  Scenario gesture_before;

  std::string autosave_path;  // "" = no autosave (scripted runs, tests)
  bool autosave_pending = false;
  double autosave_due = 0;    // ImGui time at which to write

  Result derived;
  Scenario evaluated;        // what derived's logits were computed from (its loss may be older)
  uint64_t revision = 0;     // counts Recompute() runs: big heatmaps refill their textures on a change
  Status status;             // of the last Recompute()
  bool has_result = false;   // derived holds a result (maybe stale: see status)
  bool dirty = true;

  UiState ui;

  void MarkDirty() { dirty = true; }
  // Remembers where the last ImGui item was drawn, under `name` (ui.items).
  void Record(const std::string& name) { ui.items[name] = ItemRect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()}; }
  // The scenario, to be changed now: snapshots it for undo at the start of a
  // gesture and marks it dirty. Call it only when a change really happens.
  Scenario& Edit();
  // Closes the gesture once no widget is active (called at the end of a frame).
  void EndGesture();
  bool CanUndo() const { return !undo.empty() || gesture_open; }
  bool CanRedo() const { return !redo.empty(); }
  void Undo();
  void Redo();
  // Evaluates the scenario if it changed since the last call; true if it ran.
  bool Recompute();
  // Replaces the scenario with the one in `path`; on failure nothing changes.
  // Unsaved edits are kept in the undo history (one Ctrl+Z brings them back).
  Status LoadScenario(const std::string& path);
  // Writes the scenario to `path` atomically (the old file stays whole on failure).
  Status SaveScenario(const std::string& path);
  // Writes the autosave when one is due (`now`: seconds, monotonic).
  void Autosave(double now, bool force = false);
};

}  // namespace attnlab::ui
