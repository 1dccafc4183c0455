#include "ui/frame.hpp"

#include <string>

#include <imgui.h>

#include "ui/theme.hpp"

namespace attnlab::ui {
namespace {

void Record(AppState& s, const std::string& name) {
  s.ui.items[name] = ItemRect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

// `text` cut to fit `width` pixels, with an ellipsis (cuts at UTF-8 boundaries).
std::string Ellipsize(const std::string& text, float width) {
  if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
  std::string out = text;
  while (!out.empty()) {
    do out.pop_back();
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80);
    if (!out.empty()) out.pop_back();  // drop the lead byte of the character too
    if (ImGui::CalcTextSize((out + "…").c_str()).x <= width) return out + "…";
  }
  return "";
}

void DrawTopBar(AppState& s) {
  const char* present = s.ui.presentation ? "Exit presentation (F11)" : "Presentation (F11)";
  const char* theme = s.ui.dark ? "Light theme" : "Dark theme";
  const ImGuiStyle& style = ImGui::GetStyle();
  const float buttons_w = ImGui::CalcTextSize(present).x + ImGui::CalcTextSize(theme).x + style.FramePadding.x * 4 +
                          style.ItemSpacing.x;
  const float right = ImGui::GetWindowContentRegionMax().x;

  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("attnlab");
  ImGui::SameLine();
  ImGui::TextDisabled("|");
  ImGui::SameLine();
  const float title_w = right - buttons_w - ImGui::GetCursorPosX() - style.ItemSpacing.x * 2;
  const std::string title = Ellipsize(s.scenario.title.empty() ? "(untitled scenario)" : s.scenario.title, title_w);
  ImGui::TextUnformatted(title.c_str());
  ImGui::SameLine(right - buttons_w);
  if (ImGui::Button(present)) s.ui.presentation = !s.ui.presentation;
  Record(s, "button.presentation");
  ImGui::SameLine();
  if (ImGui::Button(theme)) s.ui.dark = !s.ui.dark;
  Record(s, "button.theme");
  if (!s.ui.message.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.95f, 0.55f, 0.2f, 1));
    ImGui::TextWrapped("%s", s.ui.message.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::Separator();
}

void DrawSidebar(AppState& s) {
  ImGui::TextDisabled("Exercises");
  for (size_t i = 0; i < s.presets.size(); ++i) {
    const PresetEntry& p = s.presets[i];
    ImGui::PushID(static_cast<int>(i));
    const bool current = p.path == s.scenario_path;
    if (ImGui::Selectable(p.title.c_str(), current)) {
      const Status st = s.LoadScenario(p.path);
      s.ui.message = st.ok() ? "" : p.file_name + ": " + st.ToString();
    }
    Record(s, "preset." + p.file_name);
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("%s%s%s", p.title.c_str(), p.error.empty() ? "" : "\n", p.error.c_str());
    }
    ImGui::PopID();
  }
}

}  // namespace

void DrawView(AppState& s) {
  // Views are chosen by the scenario's "view" key; "attention" is the default.
  DrawAttentionView(s);
}

void DrawFrame(AppState& s) {
  s.Recompute();
  s.ui.items.clear();  // re-recorded as the widgets are drawn
  const int theme_key = (s.ui.dark ? 1 : 0) + (s.ui.presentation ? 2 : 0);
  ImFont* font = s.ui.presentation ? s.ui.fonts.presentation : s.ui.fonts.regular;
  if (theme_key != s.ui.applied_theme) {
    ApplyTheme(s.ui.dark, s.ui.presentation, font ? font->FontSize : 13.0f);
    s.ui.applied_theme = theme_key;
  }
  if (font) ImGui::PushFont(font);

  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos, ImGuiCond_Always);
  ImGui::SetNextWindowSize(vp->WorkSize, ImGuiCond_Always);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("attnlab", nullptr, flags);
  DrawTopBar(s);

  const bool sidebar = s.ui.show_sidebar && !s.ui.presentation;
  if (sidebar) {
    ImGui::BeginChild("sidebar", ImVec2(ImGui::GetFontSize() * 15.0f, 0), true);
    DrawSidebar(s);
    ImGui::EndChild();
    ImGui::SameLine();
  }
  ImGui::BeginChild("view", ImVec2(0, 0), false);
  DrawView(s);
  ImGui::EndChild();

  ImGui::End();
  if (font) ImGui::PopFont();
}

}  // namespace attnlab::ui
