#include "ui/frame.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <imgui.h>

#include "attnlab/scenario_io.hpp"
#include "attnlab/solution.hpp"
#include "ui/practice.hpp"
#include "ui/export.hpp"
#include "ui/file_browser.hpp"
#include "ui/presentation.hpp"
#include "ui/theme.hpp"
#include "ui/views.hpp"

namespace attnlab::ui {
namespace {


// The presets in the sidebar's order: grouped by the view they open (in the
// table's order; unreadable files last), by file name within a group.
std::vector<size_t> ExerciseOrder(const std::vector<PresetEntry>& presets) {
  auto rank = [](const PresetEntry& p) {
    const std::vector<ViewScreen>& screens = ViewScreens();
    for (size_t v = 0; v < screens.size(); ++v)
      if (p.view == screens[v].key) return v;
    return screens.size();
  };
  std::vector<size_t> order(presets.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return rank(presets[a]) < rank(presets[b]) ||
           (rank(presets[a]) == rank(presets[b]) && presets[a].file_name < presets[b].file_name);
  });
  return order;
}

// The path the Save dialog suggests: the scenario's own file, unless that is a
// shipped preset (never overwritten by default), then one in the home folder.
std::string SuggestedSavePath(const AppState& s) {
  const std::string& p = s.scenario_path;
  const bool preset = p.find("/presets/") != std::string::npos;
  if (!p.empty() && !preset) return p;
  const char* home = std::getenv("HOME");
  std::string name = p.empty() ? "attnlab-session.json" : p.substr(p.rfind('/') + 1);
  return std::string(home ? home : ".") + "/" + name;
}

// The Open or Save popup: a small file browser (ui/file_browser.hpp) sized
// from the font and kept within the display, centred when it opens.
void FileDialog(AppState& s, const char* id, bool save) {
  if (ImGui::IsPopupOpen(id)) {  // Next-window settings apply to the next Begin: only when it is ours
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowSize(FileDialogSize(ImGui::GetFontSize(), vp->WorkSize), ImGuiCond_Always);
    ImGui::SetNextWindowPos(vp->GetWorkCenter(), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  }
  ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_PopupBg);
  bg.w = 1.0f;  // opaque: a list of files over a heatmap is hard to read
  ImGui::PushStyleColor(ImGuiCol_PopupBg, bg);
  const bool open = ImGui::BeginPopup(id);
  ImGui::PopStyleColor();
  if (!open) return;
  const ImVec2 pos = ImGui::GetWindowPos(), size = ImGui::GetWindowSize();
  s.ui.items[std::string("dialog.") + id] = ItemRect{pos, ImVec2(pos.x + size.x, pos.y + size.y)};
  if (DrawFileBrowser(s, save)) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void OpenFileDialog(AppState& s, const char* id, const std::string& path) {
  PrepareFileDialog(s, path);
  ImGui::OpenPopup(id);
}

// The Open and Save dialogs, also in presentation mode (Ctrl+O, Ctrl+S), and
// when asked for before the frame (--dialog).
void DrawFileDialogs(AppState& s) {
  if (s.ui.open_save_dialog) {
    s.ui.open_save_dialog = false;
    OpenFileDialog(s, "save", SuggestedSavePath(s));
  }
  if (s.ui.files.open_requested) {
    s.ui.files.open_requested = false;
    OpenFileDialog(s, "open", s.scenario_path);
  }
  FileDialog(s, "save", true);
  FileDialog(s, "open", false);
}

// Where a picture goes, how big, which theme: filled from the preset and
// panel ("dedupe-sort_P.png" in the home folder), then handed to the
// platform layer, which owns OpenGL.
void ExportDialog(AppState& s) {
  ExportRequest& req = s.ui.export_request;
  if (s.ui.export_dialog) {
    s.ui.export_dialog = false;
    const char* home = std::getenv("HOME");
    std::snprintf(s.ui.path_buffer, sizeof s.ui.path_buffer, "%s/%s", home ? home : ".",
                  SuggestedExportName(s, req).c_str());
    s.ui.file_error.clear();
    ImGui::OpenPopup("export");
  }
  if (!ImGui::BeginPopup("export")) return;
  ImGui::Text("Picture of %s", req.panel.empty() ? "the whole view" : ("panel " + req.panel).c_str());
  int scale = static_cast<int>(req.scale);
  ImGui::RadioButton("1x", &scale, 1);
  ImGui::SameLine();
  ImGui::RadioButton("2x", &scale, 2);
  ImGui::SameLine();
  ImGui::RadioButton("3x", &scale, 3);
  req.scale = static_cast<float>(scale);
  ImGui::SameLine(0, ImGui::GetFontSize() * 2);
  int dark = req.dark ? 1 : 0;
  ImGui::RadioButton("light", &dark, 0);
  ImGui::SameLine();
  ImGui::RadioButton("dark", &dark, 1);
  req.dark = dark == 1;
  ImGui::Checkbox("transparent background", &req.transparent);
  if (!req.panel.empty()) {
    ImGui::SameLine();
    if (ImGui::Checkbox("SVG (vector)", &req.svg)) {
      std::string path = s.ui.path_buffer;
      const size_t dot = path.rfind('.');
      if (dot != std::string::npos) path = path.substr(0, dot) + (req.svg ? ".svg" : ".png");
      std::snprintf(s.ui.path_buffer, sizeof s.ui.path_buffer, "%s", path.c_str());
    }
  }
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 28);
  const bool enter = ImGui::InputText("##export_path", s.ui.path_buffer, sizeof s.ui.path_buffer,
                                      ImGuiInputTextFlags_EnterReturnsTrue);
  if (ImGui::Button("Export") || enter) {
    req.out = s.ui.path_buffer;
    PictureFormat format = PictureFormat::kPng;  // the name decides: .png, .jpg/.jpeg or .svg
    const Status named = PictureFormatFor(req, &format);
    if (named.ok()) {
      req.svg = format == PictureFormat::kSvg;
      s.ui.export_pending = true;
      ImGui::CloseCurrentPopup();
    } else {
      s.ui.file_error = named.message();
    }
  }
  s.Record("dialog.export.ok");
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  if (!s.ui.file_error.empty()) ErrorText(s.ui.file_error);
  ImGui::EndPopup();
}

// "Write out the solution": the scenario's worked solution (solution.hpp) as
// Markdown or LaTeX, saved whole to a file or copied for pasting into notes.
void SolutionDialog(AppState& s) {
  if (s.ui.solution_dialog && s.scenario.practice.on) s.ui.solution_dialog = false;  // it would give the answers away
  if (s.ui.solution_dialog) {
    s.ui.solution_dialog = false;
    const char* home = std::getenv("HOME");
    ExportRequest named;
    named.panel = "solution";
    std::string name = SuggestedExportName(s, named);
    name = name.substr(0, name.rfind('.')) + (s.ui.solution_tex ? ".tex" : ".md");
    std::snprintf(s.ui.path_buffer, sizeof s.ui.path_buffer, "%s/%s", home ? home : ".", name.c_str());
    s.ui.file_error.clear();
    s.ui.solution_text.clear();  // written below, once per opening and format
    ImGui::OpenPopup("solution");
  }
  if (!ImGui::BeginPopup("solution")) return;
  ImGui::TextUnformatted("The worked solution of this scenario");
  ImGui::TextDisabled("every stage's formula, its numbers and the result, in the pipeline's order");
  int tex = s.ui.solution_tex ? 1 : 0;
  const bool changed = ImGui::RadioButton("Markdown ($ maths)", &tex, 0);
  ImGui::SameLine();
  if (ImGui::RadioButton("LaTeX document", &tex, 1) || changed) {
    s.ui.solution_tex = tex == 1;
    std::string path = s.ui.path_buffer;
    const size_t dot = path.rfind('.');
    if (dot != std::string::npos && path.find('/', dot) == std::string::npos) {
      path = path.substr(0, dot) + (s.ui.solution_tex ? ".tex" : ".md");
    }
    std::snprintf(s.ui.path_buffer, sizeof s.ui.path_buffer, "%s", path.c_str());
    s.ui.solution_text.clear();
  }
  if (s.ui.solution_text.empty()) {
    const Status written = WriteSolution(s.scenario, s.ui.solution_tex ? SolutionFormat::kLatex : SolutionFormat::kMarkdown,
                                         &s.ui.solution_text);
    s.ui.solution_error = written.ok() ? "" : written.ToString();
  }
  const std::string& text = s.ui.solution_text;
  if (!s.ui.solution_error.empty()) {
    ErrorText(s.ui.solution_error);
  } else {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 28);
    const bool enter = ImGui::InputText("##solution_path", s.ui.path_buffer, sizeof s.ui.path_buffer,
                                        ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::Button("Save") || enter) {
      const Status st = WriteFileAtomic(s.ui.path_buffer, text);
      if (st.ok()) {
        s.ui.message = std::string("Saved the solution to ") + s.ui.path_buffer;
        ImGui::CloseCurrentPopup();
      } else {
        s.ui.file_error = st.ToString();
      }
    }
    s.Record("dialog.solution.save");
    ImGui::SameLine();
    if (ImGui::Button("Copy")) {
      ImGui::SetClipboardText(text.c_str());
      s.ui.message = s.ui.solution_tex ? "Copied the solution as LaTeX" : "Copied the solution as Markdown";
      ImGui::CloseCurrentPopup();
    }
    s.Record("dialog.solution.copy");
    ImGui::SameLine();
  }
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  if (!s.ui.file_error.empty()) ErrorText(s.ui.file_error);
  ImGui::EndPopup();
}

void DrawSettings(AppState& s) {
  if (!ImGui::BeginPopup("settings")) return;
  ImGui::TextUnformatted("Display");
  float scale = s.ui.ui_scale;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  if (ImGui::SliderFloat("UI scale", &scale, 0.75f, 2.5f, "%.2f")) s.ui.ui_scale = scale;
  ImGui::TextDisabled("2 suits a 4K screen; presentation mode (F11) enlarges further.");
  ImGui::Checkbox("exercise list", &s.ui.show_sidebar);
  ImGui::EndPopup();
}

void DrawTopBar(AppState& s) {
  const bool compact = s.ui.presentation;
  std::vector<const char*> labels;
  const bool practising = s.scenario.practice.on;
  if (!compact) labels = {"Undo", "Redo", "Save\u2026", "Open\u2026", "Export\u2026", "Solution\u2026", "Settings"};
  const char* practise = practising ? "Stop practising" : "Practise";
  if (!compact) labels.insert(labels.begin() + 2, practise);
  if (compact) labels.push_back("Panels\u2026");
  const char* present = s.ui.presentation ? "Exit presentation (F11)" : "Presentation (F11)";
  const char* theme = s.ui.dark ? "Light theme" : "Dark theme";
  labels.push_back(present);
  labels.push_back(theme);
  const ImGuiStyle& style = ImGui::GetStyle();
  float buttons_w = 0;
  for (const char* l : labels) buttons_w += ImGui::CalcTextSize(l).x + style.FramePadding.x * 2 + style.ItemSpacing.x;
  const float right = ImGui::GetWindowContentRegionMax().x;

  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("attnlab");
  ImGui::SameLine();
  ImGui::TextDisabled("|");
  ImGui::SameLine();
  // The whole title, wrapped before the buttons (never cut with "…").
  std::string title = s.scenario.title.empty() ? "(untitled scenario)" : s.scenario.title;
  if (s.edited) title += " \u2022";  // unsaved edits
  // Beside the buttons when it fits there in a few lines; else on a line of
  // its own under them, across the whole width.
  const float title_room = right - buttons_w - style.ItemSpacing.x - ImGui::GetCursorPosX();
  const bool own_line = ImGui::CalcTextSize(title.c_str()).x > title_room && title_room < right * 0.5f;
  auto draw_title = [&](float wrap_at) {
    ImGui::PushTextWrapPos(wrap_at);
    ImGui::TextWrapped("%s", title.c_str());
    ImGui::PopTextWrapPos();
    s.Record("text.title");
    if (s.edited && ImGui::IsItemHovered()) ImGui::SetTooltip("Unsaved changes (Ctrl+S saves)");
  };
  if (!own_line) draw_title(std::max(ImGui::GetCursorPosX() + ImGui::GetFontSize() * 6, right - buttons_w - style.ItemSpacing.x));
  ImGui::SameLine(right - buttons_w + style.ItemSpacing.x);
  if (!compact) {
    ImGui::BeginDisabled(!s.CanUndo());
    if (ImGui::Button("Undo")) s.Undo();
    ImGui::EndDisabled();
    s.Record("button.undo");
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("Ctrl+Z");
    ImGui::SameLine();
    ImGui::BeginDisabled(!s.CanRedo());
    if (ImGui::Button("Redo")) s.Redo();
    ImGui::EndDisabled();
    s.Record("button.redo");
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("Ctrl+Shift+Z");
    ImGui::SameLine();
    if (practising) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
    if (ImGui::Button(practise)) TogglePractice(s);
    if (practising) ImGui::PopStyleColor();
    s.Record("button.practice");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(practising ? "Back to the view (your answers are kept)"
                                   : "Practise: work out one of this view's results by hand; attnlab checks it");
    ImGui::SameLine();
    if (ImGui::Button("Save\u2026")) OpenFileDialog(s, "save", SuggestedSavePath(s));
    s.Record("button.save");
    ImGui::SameLine();
    if (ImGui::Button("Open\u2026")) OpenFileDialog(s, "open", s.scenario_path);
    s.Record("button.open");
    ImGui::SameLine();
    // While practising, a picture or the worked solution would give the answers away.
    ImGui::BeginDisabled(practising);
    if (ImGui::Button("Export\u2026")) {
      s.ui.export_request.panel.clear();
      s.ui.export_dialog = true;
    }
    s.Record("button.export");
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip(practising ? "Off while practising: the picture would show the answers"
                                   : "A picture of the whole view (panels: their \u2026 menu, or Ctrl+E over one)");
    ImGui::SameLine();
    if (ImGui::Button("Solution\u2026")) s.ui.solution_dialog = true;
    s.Record("button.solution");
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip(practising ? "Off while practising: stop practising to read the worked solution"
                                   : "Write out the worked solution, for notes (Markdown or LaTeX)");
    ImGui::EndDisabled();
    ImGui::SameLine();
    SolutionDialog(s);
    if (ImGui::Button("Settings")) ImGui::OpenPopup("settings");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Settings: UI scale, exercise list");
    ImGui::SameLine();
    ExportDialog(s);
    DrawSettings(s);
  }
  DrawFileDialogs(s);
  if (compact) {
    PresentationChooser(s);
    ImGui::SameLine();
  }
  if (ImGui::Button(present)) s.ui.presentation = !s.ui.presentation;
  s.Record("button.presentation");
  ImGui::SameLine();
  if (ImGui::Button(theme)) s.ui.dark = !s.ui.dark;
  s.Record("button.theme");
  if (own_line) draw_title(right);
  ImGui::Separator();
}

// The app's message ("Saved …", a file's error) floats over the bottom of the
// window, always in the same place, so nothing moves under the cursor when
// one appears or is dismissed (DESIGN.md, presentation rules).
void DrawMessage(AppState& s) {
  if (s.ui.message.empty()) return;
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  const float em = ImGui::GetFontSize();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y - em),
                          ImGuiCond_Always, ImVec2(0.5f, 1.0f));
  ImGui::SetNextWindowBgAlpha(0.95f);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                                 ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoMove;
  if (ImGui::Begin("##message", nullptr, flags)) {
    const float wrap = std::min(vp->WorkSize.x - 4.0f * em, 50.0f * em);
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + std::min(wrap, ImGui::CalcTextSize(s.ui.message.c_str()).x));
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.95f, 0.55f, 0.2f, 1));
    ImGui::TextUnformatted(s.ui.message.c_str());
    ImGui::PopStyleColor();
    ImGui::PopTextWrapPos();
    ImGui::SameLine();
    if (ImGui::SmallButton("\u00D7")) s.ui.message.clear();
    s.Record("button.dismiss_message");
  }
  ImGui::End();
}

// Ctrl+Z undo, Ctrl+Shift+Z / Ctrl+Y redo, Ctrl+S save, Ctrl+O open. Not while typing in a
// text field, which has its own undo.
void HandleShortcuts(AppState& s) {
  const ImGuiIO& io = ImGui::GetIO();
  if (!io.KeyCtrl || io.WantTextInput) return;
  if (ImGui::IsKeyPressed('Z', false)) {
    if (io.KeyShift) {
      s.Redo();
    } else {
      s.Undo();
    }
  }
  if (ImGui::IsKeyPressed('Y', false)) s.Redo();
  if (ImGui::IsKeyPressed('O', false)) s.ui.files.open_requested = true;
  if (ImGui::IsKeyPressed('E', false) && !s.scenario.practice.on) {
    s.ui.export_request.panel = s.ui.hovered_panel;
    s.ui.export_dialog = true;
  }
  if (ImGui::IsKeyPressed('S', false)) {
    const std::string path = SuggestedSavePath(s);
    if (path == s.scenario_path) {
      const Status st = s.SaveScenario(path);
      s.ui.message = st.ok() ? "Saved " + path : st.ToString();
    } else {
      s.ui.open_save_dialog = true;
    }
  }
}

void DrawSidebar(AppState& s) {
  // The views, from the table: each shows the scenario that is open, so the
  // same scores can be swept in Temperature after stepping through Attention.
  ImGui::TextDisabled("Views");
  for (const ViewScreen& v : ViewScreens()) {
    if (ImGui::Selectable(v.model ? v.model->title : v.key, s.scenario.view == v.key) && s.scenario.view != v.key)
      s.Edit().view = v.key;
    s.Record(std::string("view.") + v.key);
    if (v.model && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", v.model->summary);
  }
  ImGui::Spacing();
  ImGui::TextDisabled("Exercises");
  const float width = ImGui::GetContentRegionAvail().x;
  const std::string* group = nullptr;
  for (size_t i : ExerciseOrder(s.presets)) {
    const PresetEntry& p = s.presets[i];
    if (!group || *group != p.view) {
      group = &p.view;
      const ViewModel* v = FindViewModel(p.view);
      ImGui::Spacing();
      ImGui::TextDisabled("  %s", v ? v->title : "Cannot be read");
    }
    ImGui::PushID(static_cast<int>(i));
    const bool current = p.path == s.scenario_path;
    const std::string label = Ellipsize(p.name, width - ImGui::GetStyle().FramePadding.x * 2);
    if (ImGui::Selectable(label.c_str(), current)) {
      const Status st = s.LoadScenario(p.path);
      if (!st.ok()) s.ui.message = p.file_name + ": " + st.ToString();
    }
    s.Record("preset." + p.file_name);
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("%s\n%s%s%s", p.title.c_str(), p.file_name.c_str(), p.error.empty() ? "" : "\n",
                        p.error.c_str());
    }
    ImGui::PopID();
  }
}

// The exercise `step` places after the current one in the sidebar's order
// (before it for -1): the first (last) one when the scenario is not a preset,
// or -1 past either end.
int NextExercise(const AppState& s, int step) {
  const std::vector<size_t> order = ExerciseOrder(s.presets);
  if (order.empty()) return -1;
  int at = -1;
  for (size_t k = 0; k < order.size(); ++k)
    if (s.presets[order[k]].path == s.scenario_path) at = static_cast<int>(k);
  const int next = at < 0 ? (step > 0 ? 0 : static_cast<int>(order.size()) - 1) : at + step;
  return next >= 0 && next < static_cast<int>(order.size()) ? static_cast<int>(order[next]) : -1;
}

// A presenter's clicker: Page Down / Page Up (or the arrows, when no text or
// cell is being edited and no menu is open). In step mode a stage forward or
// back, and past the last (first) stage the next (previous) exercise; else
// the next (previous) exercise. Presentation mode stays as it is.
void HandleClicker(AppState& s) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.KeyCtrl || io.KeyAlt || io.KeySuper || io.WantTextInput) return;
  if (ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId)) return;
  auto pressed = [](ImGuiKey key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key), true); };
  int step = 0;
  if (pressed(ImGuiKey_PageDown)) step = 1;
  if (pressed(ImGuiKey_PageUp)) step = -1;
  if (!ImGui::IsAnyItemActive()) {
    if (pressed(ImGuiKey_RightArrow) || pressed(ImGuiKey_DownArrow)) step = 1;
    if (pressed(ImGuiKey_LeftArrow) || pressed(ImGuiKey_UpArrow)) step = -1;
  }
  if (step == 0) return;
  const bool stepping = s.ui.step_mode && s.scenario.view == "attention";
  if (stepping && s.ui.step + step >= 0 && s.ui.step + step < kStageCount) {
    s.ui.step += step;
    return;
  }
  const int next = NextExercise(s, step);
  if (next < 0) {
    s.ui.message = step > 0 ? "This is the last exercise." : "This is the first exercise.";
    return;
  }
  const PresetEntry& p = s.presets[static_cast<size_t>(next)];
  const Status st = s.LoadScenario(p.path);
  if (!st.ok()) {
    s.ui.message = p.file_name + ": " + st.ToString();
    return;
  }
  if (stepping) s.ui.step = step > 0 ? 0 : kStageCount - 1;  // a new exercise starts at its inputs
}

}  // namespace

namespace {

// Recomputes, applies the theme, pushes the font; returns the font pushed.
ImFont* BeginUi(AppState& s) {
  s.Recompute();
  s.ui.items.clear();  // re-recorded as the widgets are drawn
  const int theme_key = (s.ui.dark ? 1 : 0) + (s.ui.presentation ? 2 : 0);
  ImFont* font = s.ui.presentation ? s.ui.fonts.presentation : s.ui.fonts.regular;
  if (theme_key != s.ui.applied_theme) {
    // Sizes follow the font as the user sees it (a 2x picture draws a 2x
    // font at FontGlobalScale 1/2: the logical size is what counts).
    ApplyTheme(s.ui.dark, s.ui.presentation, font ? font->FontSize * ImGui::GetIO().FontGlobalScale : 13.0f);
    s.ui.applied_theme = theme_key;
  }
  if (font) ImGui::PushFont(font);
  return font;
}

}  // namespace

void DrawExport(AppState& s) {
  s.ui.exporting = true;
  s.ui.step_mode = false;
  ImFont* font = BeginUi(s);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->Pos, ImGuiCond_Always);
  ImGui::SetNextWindowSize(vp->Size, ImGuiCond_Always);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoScrollWithMouse;
  // Pictures: pure white (light) or the theme's dark, or nothing at all.
  const ExportRequest& req = s.ui.export_request;
  const ImVec4 bg = req.transparent ? ImVec4(0, 0, 0, 0)
                    : s.ui.dark     ? ImGui::GetStyleColorVec4(ImGuiCol_WindowBg)
                                    : ImVec4(1, 1, 1, 1);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, bg);
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0, 0, 0, 0));
  ImGui::Begin("export", nullptr, flags);
  if (s.scenario.practice.on) {
    DrawPracticeSheet(s);  // a picture while practising shows the sheet, never the answers
  } else {
    DrawView(s);
  }
  ImGui::End();
  ImGui::PopStyleColor(2);
  if (font) ImGui::PopFont();
}

void DrawFrame(AppState& s) {
  ImFont* font = BeginUi(s);
  s.ui.hovered_panel.clear();
  if (!s.ui.presentation) s.ui.slides.clear();  // the chooser lists the slides presentation drew

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
  if (s.scenario.practice.on) {
    DrawPracticeSheet(s);  // the view's answers stay hidden
  } else {
    DrawView(s);
  }
  ImGui::EndChild();

  ImGui::End();
  DrawMessage(s);
  if (font) ImGui::PopFont();
  HandleShortcuts(s);
  HandleClicker(s);
  // A gesture (typing, a drag, a slider) ends when nothing is held any more:
  // that is one step of undo.
  if (!ImGui::IsAnyItemActive()) s.EndGesture();
}

}  // namespace attnlab::ui
