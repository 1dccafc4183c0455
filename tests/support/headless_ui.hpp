// Test support: drive the real UI with no window and no GL.
//
// A fresh ImGui context per test, fonts built on the CPU, and input written
// straight into ImGuiIO frame by frame (ImGui 1.86 polls state: a click is a
// frame with the button down and one with it up).
#pragma once

#include <gtest/gtest.h>
#include <imgui.h>

#include <cfloat>
#include <string>

#include "app_state.hpp"
#include "ui/frame.hpp"
#include "ui/theme.hpp"
#include "widgets/texture.hpp"

namespace attnlab::testing {

class HeadlessUi {
 public:
  explicit HeadlessUi(ui::AppState& state, ImVec2 display = ImVec2(1280, 720)) : s_(state) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = display;
    io.DeltaTime = 1.0f / 60.0f;
    io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;  // as the OpenGL3 backend does
    io.KeyMap[ImGuiKey_Tab] = 1;
    io.KeyMap[ImGuiKey_Enter] = 2;
    io.KeyMap[ImGuiKey_Escape] = 3;
    io.KeyMap[ImGuiKey_LeftArrow] = 4;
    io.KeyMap[ImGuiKey_RightArrow] = 5;
    io.KeyMap[ImGuiKey_UpArrow] = 6;
    io.KeyMap[ImGuiKey_DownArrow] = 7;
    io.KeyMap[ImGuiKey_Backspace] = 8;
    io.KeyMap[ImGuiKey_PageUp] = 9;
    io.KeyMap[ImGuiKey_PageDown] = 10;
    s_.ui.fonts = ui::LoadFonts(1.0f);
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    Frame();  // the first frame creates the windows
    Frame();  // the second settles table columns and focus
  }
  ~HeadlessUi() { ImGui::DestroyContext(); }
  // The textures of big heatmaps (kept in memory: tests read their pixels).
  ui::NullTextures& Textures() { return textures_; }
  HeadlessUi(const HeadlessUi&) = delete;
  HeadlessUi& operator=(const HeadlessUi&) = delete;

  void Frame() {
    ImGui::NewFrame();
    ui::DrawFrame(s_);
    ImGui::Render();
  }

  // The centre of a widget recorded under `name` last frame.
  ImVec2 Center(const std::string& name) const {
    auto it = s_.ui.items.find(name);
    return it == s_.ui.items.end() ? ImVec2(-1, -1) : it->second.Center();
  }
  bool Has(const std::string& name) const { return s_.ui.items.count(name) != 0; }

  void MoveTo(ImVec2 p) {
    ImGui::GetIO().MousePos = p;
    Frame();
  }
  void Click(ImVec2 p) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = p;
    io.MouseDown[0] = false;
    Frame();
    io.MouseDown[0] = true;
    Frame();
    io.MouseDown[0] = false;
    Frame();
    Frame();  // the edit is recomputed at the start of the next frame
  }
  void Click(const std::string& name) { Click(Center(name)); }

  void Type(const char* utf8) {
    ImGui::GetIO().AddInputCharactersUTF8(utf8);
    Frame();
  }
  // A named key (ImGuiKey_Enter, ...) pressed and released.
  void Key(ImGuiKey key) {
    ImGuiIO& io = ImGui::GetIO();
    io.KeysDown[io.KeyMap[key]] = true;
    Frame();
    io.KeysDown[io.KeyMap[key]] = false;
    Frame();
  }
  // Ctrl (+ Shift) + a letter, as the GLFW backend reports it (key code = ASCII).
  void Chord(char letter, bool shift = false) {
    ImGuiIO& io = ImGui::GetIO();
    io.KeyCtrl = true;
    io.KeyShift = shift;
    io.KeysDown[static_cast<int>(letter)] = true;
    Frame();
    io.KeysDown[static_cast<int>(letter)] = false;
    io.KeyCtrl = io.KeyShift = false;
    Frame();
    Frame();
  }
  // The centre of cell (row, col) of a panel's grid, `n_cols` columns wide.
  ImVec2 Cell(const std::string& panel, int row, int col, int n_cols) const {
    auto it = s_.ui.items.find(panel);
    if (it == s_.ui.items.end()) return ImVec2(-1, -1);
    const float cell = (it->second.max.x - it->second.min.x) / static_cast<float>(n_cols);
    return ImVec2(it->second.min.x + cell * (static_cast<float>(col) + 0.5f),
                  it->second.min.y + cell * (static_cast<float>(row) + 0.5f));
  }

 private:
  ui::AppState& s_;
  ui::NullTextures textures_;
  ui::ScopedTextures use_textures_{&textures_};
};

#ifdef ATTNLAB_PRESETS_DIR
// A shipped preset, loaded as the window loads it (a failure fails the test).
inline ui::AppState LoadedPreset(const std::string& file) {
  ui::AppState s;
  const Status st = s.LoadScenario(std::string(ATTNLAB_PRESETS_DIR) + "/" + file);
  EXPECT_TRUE(st.ok()) << file << ": " << st.ToString();
  return s;
}
#endif

}  // namespace attnlab::testing
