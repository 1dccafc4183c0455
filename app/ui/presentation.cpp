#include "ui/presentation.hpp"

#include <algorithm>

#include <imgui.h>

namespace attnlab::ui {

std::vector<std::string> PresentationChoice(const AppState& s, const std::vector<std::string>& defaults) {
  const auto it = s.scenario.presentation.find(s.scenario.view);
  return it != s.scenario.presentation.end() ? it->second : defaults;
}

bool ChoiceMatches(const std::string& chosen, const std::string& key) {
  if (chosen == key) return true;
  // "P" stands for every head's P ("heads[1].P"), "scores" for every head's scores.
  const size_t dot = key.rfind("].");
  return key.rfind("heads[", 0) == 0 && dot != std::string::npos && key.compare(dot + 2, std::string::npos, chosen) == 0;
}

bool InChoice(const std::vector<std::string>& choice, const std::string& key) {
  for (const std::string& c : choice)
    if (ChoiceMatches(c, key)) return true;
  return false;
}

void ShowInPresentation(AppState& s, const std::vector<std::string>& defaults, const std::vector<std::string>& keys,
                        const std::string& key, bool shown) {
  std::vector<std::string> choice = PresentationChoice(s, defaults);
  if (shown == InChoice(choice, key)) return;
  if (shown) {
    choice.push_back(key);
  } else {
    // A family ("P": every head's) loses one member: the others stay, by name.
    std::vector<std::string> next;
    for (const std::string& c : choice) {
      if (c == key) continue;
      if (!ChoiceMatches(c, key)) {
        next.push_back(c);
        continue;
      }
      for (const std::string& k : keys)
        if (k != key && k != c && ChoiceMatches(c, k)) next.push_back(k);
    }
    choice = std::move(next);
  }
  s.Edit().presentation[s.scenario.view] = std::move(choice);
}

PresentationLayout LayOutSlides(const std::vector<Slide>& slides, const std::vector<size_t>& chosen, ImVec2 room,
                                float spacing, float note_height) {
  PresentationLayout out;
  if (chosen.empty()) return out;
  const Slide& main = slides[chosen[0]];
  std::vector<size_t> others(chosen.begin() + 1, chosen.end());
  if (others.empty()) {
    out.placed.push_back({chosen[0], ImVec2(0, 0), room});
    return out;
  }
  // Room for the note naming what is hidden, should anything be.
  if (note_height > 0) {
    PresentationLayout all = LayOutSlides(slides, chosen, room, spacing, 0.0f);
    if (all.hidden.empty()) return all;
  }
  room.y -= note_height;

  // Beside: a column as wide as its widest slide, the others stacked while they fit.
  float side_w = 0;
  for (size_t k : others) side_w = std::max(side_w, slides[k].min.x);
  side_w = std::min(side_w, room.x - main.min.x - spacing);
  PresentationLayout beside;
  if (side_w > 0) {
    float y = 0;
    std::vector<size_t> fits;
    for (size_t k : others) {
      if (slides[k].min.x <= side_w && y + slides[k].min.y <= room.y) {
        fits.push_back(k);
        y += slides[k].min.y + spacing;
      } else {
        beside.hidden.push_back(k);
      }
    }
    // The column is as wide as the slides that fit in it (not the hidden ones).
    if (!fits.empty()) {
      float fitted_w = 0;
      for (size_t k : fits) fitted_w = std::max(fitted_w, slides[k].min.x);
      side_w = fitted_w;
    }
    // What is left of the column's height goes to its slides evenly.
    const float extra = fits.empty() ? 0.0f : std::max(0.0f, room.y - (y - spacing)) / static_cast<float>(fits.size());
    const float main_w = fits.empty() ? room.x : room.x - side_w - spacing;
    beside.placed.push_back({chosen[0], ImVec2(0, 0), ImVec2(main_w, room.y)});
    y = 0;
    for (size_t k : fits) {
      const float h = slides[k].min.y + extra;
      beside.placed.push_back({k, ImVec2(main_w + spacing, y), ImVec2(side_w, h)});
      y += h + spacing;
    }
  }
  // Below: a row under the main figure, as tall as its tallest slide.
  PresentationLayout below;
  {
    float row_h = 0;
    for (size_t k : others) row_h = std::max(row_h, slides[k].min.y);
    row_h = std::min(row_h, room.y - main.min.y - spacing);
    float x = 0;
    std::vector<size_t> fits;
    for (size_t k : others) {
      if (row_h > 0 && slides[k].min.y <= row_h && x + slides[k].min.x <= room.x) {
        fits.push_back(k);
        x += slides[k].min.x + spacing;
      } else {
        below.hidden.push_back(k);
      }
    }
    if (!fits.empty()) {  // as tall as the slides that fit in it
      float fitted_h = 0;
      for (size_t k : fits) fitted_h = std::max(fitted_h, slides[k].min.y);
      row_h = fitted_h;
    }
    const float main_h = fits.empty() ? room.y : room.y - row_h - spacing;
    below.placed.push_back({chosen[0], ImVec2(0, 0), ImVec2(room.x, main_h)});
    const float extra = fits.empty() ? 0.0f : std::max(0.0f, room.x - (x - spacing)) / static_cast<float>(fits.size());
    x = 0;
    for (size_t k : fits) {
      const float w = slides[k].min.x + extra;
      below.placed.push_back({k, ImVec2(x, main_h + spacing), ImVec2(w, row_h)});
      x += w + spacing;
    }
  }
  // The arrangement that shows more; beside on a tie (a projector is wide).
  if (side_w <= 0) return below;
  return below.placed.size() > beside.placed.size() ? below : beside;
}

void DrawPresentation(AppState& s, const std::vector<Slide>& slides, const std::vector<std::string>& defaults) {
  s.ui.slides.clear();
  s.ui.cell_text_px.clear();  // (hidden slides keep no stale sizes)
  for (const Slide& sl : slides) s.ui.slides.emplace_back(sl.key, sl.label);
  s.ui.slide_defaults = defaults;
  std::vector<size_t> chosen;
  for (const std::string& key : PresentationChoice(s, defaults)) {
    for (size_t i = 0; i < slides.size(); ++i)
      if (ChoiceMatches(key, slides[i].key) && std::find(chosen.begin(), chosen.end(), i) == chosen.end())
        chosen.push_back(i);
  }
  if (chosen.empty() && !slides.empty()) chosen.push_back(0);
  const ImGuiStyle& style = ImGui::GetStyle();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 room = ImGui::GetContentRegionAvail();
  const PresentationLayout layout =
      LayOutSlides(slides, chosen, room, ImGui::GetFontSize() * 0.6f, ImGui::GetTextLineHeightWithSpacing());
  for (const PresentationLayout::Placed& p : layout.placed) {
    const Slide& sl = slides[p.slide];
    ImGui::SetCursorScreenPos(ImVec2(origin.x + p.offset.x, origin.y + p.offset.y));
    ImGui::BeginChild(("slide." + sl.key).c_str(), p.size, false, ImGuiWindowFlags_NoScrollbar);
    sl.draw(p.size);
    ImGui::EndChild();
    s.Record("slide." + sl.key);
  }
  s.ui.slides_hidden.clear();
  for (size_t k : layout.hidden) s.ui.slides_hidden.push_back(slides[k].key);
  if (!layout.hidden.empty()) {
    std::string names;
    for (size_t k : layout.hidden) names += (names.empty() ? "" : ", ") + slides[k].key;
    // Wrapped to the room's width (a long list must not run off the screen),
    // its last line on the room's bottom.
    const std::string text = "No room for " + names + " at this size: choose fewer panels (Panels\u2026)";
    const float h = ImGui::CalcTextSize(text.c_str(), nullptr, false, room.x).y;
    ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + room.y - h - ImGui::GetStyle().ItemSpacing.y));
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + room.x);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopStyleColor();
    ImGui::PopTextWrapPos();
    s.Record("text.slides_hidden");
  }
  (void)style;
}

void PresentationChooser(AppState& s) {
  // (always there in presentation, so the top bar never changes its layout)
  ImGui::BeginDisabled(s.ui.slides.empty());
  if (ImGui::Button("Panels\u2026")) ImGui::OpenPopup("presentation_panels");
  ImGui::EndDisabled();
  s.Record("button.panels");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("What presentation mode shows (saved with the scenario)");
  if (!ImGui::BeginPopup("presentation_panels")) return;
  const std::vector<std::string> choice = PresentationChoice(s, s.ui.slide_defaults);
  std::vector<std::string> keys;
  for (const auto& slide : s.ui.slides) keys.push_back(slide.first);
  for (const auto& [key, label] : s.ui.slides) {
    bool shown = InChoice(choice, key);
    if (ImGui::Checkbox(label.c_str(), &shown)) ShowInPresentation(s, s.ui.slide_defaults, keys, key, shown);
    s.Record("chooser." + key);
  }
  ImGui::TextDisabled("The first one chosen is the main figure.");
  ImGui::EndPopup();
}

void DrawExerciseText(AppState& s) {
  const Scenario& sc = s.scenario;
  if (!sc.notes.empty()) {
    ImGui::TextDisabled("Exercise");
    ImGui::TextWrapped("%s", sc.notes.c_str());
    s.Record("text.exercise");
  }
  if (sc.solution.empty()) return;
  ImGui::Spacing();
  ImGui::TextDisabled("Solution (the course's, with its errata)");
  const bool hidden = s.ui.step_mode && sc.view == "attention" && s.ui.step < kStageCount - 1;
  if (hidden) {
    ImGui::TextDisabled("Shown at the last step, with the loss.");
    s.Record("text.solution_hidden");
  } else {
    ImGui::TextWrapped("%s", sc.solution.c_str());
    s.Record("text.solution");
  }
}

}  // namespace attnlab::ui
