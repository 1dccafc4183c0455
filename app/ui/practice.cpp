#include "ui/practice.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "attnlab/format.hpp"
#include "attnlab/limits.hpp"
#include "attnlab/views.hpp"
#include "ui/theme.hpp"

namespace attnlab::ui {

std::string PracticeSheetKey(const std::string& view, const std::string& target) { return view + ":" + target; }

std::map<std::string, Matrix> PracticeEarlier(const Scenario& s, const std::vector<PracticeItem>& items, bool partial) {
  std::map<std::string, Matrix> out;
  for (const PracticeItem& it : items) {
    if (!it.stage || !it.unavailable.empty()) continue;
    auto found = s.practice.sheets.find(PracticeSheetKey(s.view, it.target));
    if (found == s.practice.sheets.end()) continue;
    const PracticeSheet& sheet = found->second;
    if (sheet.revealed || sheet.rows != it.rows || sheet.cols != it.cols) continue;
    Matrix m(sheet.rows, sheet.cols);
    bool complete = true, any = false;
    for (int k = 0; k < sheet.rows * sheet.cols; ++k) {
      Answer a;
      const bool ok = ParseAnswer(sheet.cells[static_cast<size_t>(k)], &a).ok();
      complete = complete && ok;
      any = any || sheet.cells[static_cast<size_t>(k)].find_first_not_of(" \t") != std::string::npos;
      m(k / sheet.cols, k % sheet.cols) = ok ? a.value : std::numeric_limits<double>::quiet_NaN();
    }
    if (complete || (partial && any)) out[it.target] = std::move(m);
  }
  return out;
}

namespace {

PracticeCache& Cache(AppState& s) { return s.ui.caches.Get<PracticeCache>(); }

PracticeSheet BlankSheet(int rows, int cols) {
  PracticeSheet sheet;
  sheet.rows = rows;
  sheet.cols = cols;
  sheet.cells.assign(static_cast<size_t>(rows) * cols, "");
  sheet.hints.assign(static_cast<size_t>(rows) * cols, 0);
  return sheet;
}

// The student's sheet for `item`: the saved one when its shape still fits,
// else a blank one (the quantity changed shape since: start again).
PracticeSheet SheetOf(const Scenario& sc, const PracticeItem& item) {
  auto it = sc.practice.sheets.find(PracticeSheetKey(sc.view, item.target));
  const size_t n = static_cast<size_t>(item.rows) * item.cols;
  if (it != sc.practice.sheets.end() && it->second.rows == item.rows && it->second.cols == item.cols &&
      it->second.cells.size() == n && it->second.hints.size() == n && (it->second.checked.empty() || it->second.checked.size() == n))
    return it->second;
  return BlankSheet(item.rows, item.cols);
}

// The sheet to change now (one step of undo), or null when no more sheets
// may be kept (the message says which to clear).
PracticeSheet* EditSheet(AppState& s, const PracticeItem& item) {
  const std::string key = PracticeSheetKey(s.scenario.view, item.target);
  if (!s.scenario.practice.sheets.count(key) && s.scenario.practice.sheets.size() >= kMaxPracticeSheets) {
    s.ui.message = "At most " + std::to_string(kMaxPracticeSheets) +
                   " practice sheets are kept: clear one (its Clear button) to start another.";
    return nullptr;
  }
  Scenario& sc = s.Edit();
  sc.practice.target[sc.view] = item.target;
  PracticeSheet& sheet = sc.practice.sheets[key];
  sheet = SheetOf(sc, item);  // a sheet that no longer fits its quantity starts again blank
  return &sheet;
}

void Refresh(AppState& s, PracticeCache& c) {
  c.revision = s.revision;
  c.view = s.scenario.view;
  c.status = Status::Ok();
  c.items.clear();
  c.current = -1;
  c.givens.clear();
  c.has_marks = false;
  c.marks = StageMarks();
  if (!s.has_result || !s.status.ok()) {
    c.status = s.has_result ? s.status : Status::Error("", "the scenario does not evaluate");
    return;
  }
  const Scenario& sc = s.scenario;
  Scenario key = sc;
  key.practice = PracticeState();
  if (!c.ctx_ready || !(key == c.ctx_for)) {
    c.ctx_ready = false;
    if (!(c.status = MakePracticeContext(sc, s.derived, &c.ctx)).ok()) return;
    c.ctx_for = std::move(key);
    c.ctx_ready = true;
  }
  c.ctx.scenario = &sc;
  c.ctx.result = &s.derived;
  c.status = PracticeItems(c.ctx, &c.items);
  if (!c.status.ok()) return;
  auto chosen = sc.practice.target.find(sc.view);
  for (size_t k = 0; k < c.items.size(); ++k) {
    if (!c.items[k].unavailable.empty()) continue;
    if (c.current < 0) c.current = static_cast<int>(k);
    if (chosen != sc.practice.target.end() && chosen->second == c.items[k].target) {
      c.current = static_cast<int>(k);
      break;
    }
  }
  if (c.current < 0) {  // say why, from the first quantity ("this scenario has 2 heads: ...")
    const std::string why = c.items.empty() ? "" : c.items.front().unavailable;
    c.status = Status::Error("", "Nothing here to work out by hand" + (why.empty() ? std::string(".") : ": " + why + "."));
    return;
  }
  const PracticeItem& item = c.items[static_cast<size_t>(c.current)];
  c.earlier = PracticeEarlier(sc, c.items, false);
  c.shown = PracticeEarlier(sc, c.items, true);
  c.earlier.erase(item.target);
  c.shown.erase(item.target);
  if (!(c.status = PracticeTruth(c.ctx, item, &c.truth)).ok()) return;
  if (!(c.status = PracticeGivens(c.ctx, item, c.shown, &c.givens)).ok()) return;
  const PracticeSheet sheet = SheetOf(sc, item);
  if (!sheet.checked.empty()) {
    c.marks_status = CheckPractice(c.ctx, item, sheet.checked, sheet.rows, sheet.cols, c.earlier, &c.marks);
    c.has_marks = c.marks_status.ok();
  }
}

// "weights.0.0.1" as "weights[0][0][1]", "layers.2.out_shape" as "layers[2].out_shape".
std::string Indexed(const std::string& path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool index = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    out += index && !out.empty() ? "[" + part + "]" : (out.empty() ? "" : ".") + part;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

std::string ItemLabel(const PracticeItem& it) {
  std::string label = Indexed(it.target);
  if (it.stage && it.target == "weights") label = "P (weights)";
  if (it.stage && it.target == "output") label = "Z (output)";
  if (it.rows > 0) label += "   " + std::to_string(it.rows) + " \u00D7 " + std::to_string(it.cols);
  return label;
}

constexpr int kGivenShown = 32;  // rows and columns of a given matrix shown (an item is at most 20 x 20)

// Six decimals (fractions exact): an answer worked from the data must be able
// to reach the 3 to 4 significant digits the marking asks for.
std::string GivenCell(double v) { return std::isnan(v) ? "?" : FormatNumber(v, NumberStyle::kAuto, 6); }

// The width of one column of a given matrix: its widest number (or label).
float GivenColumnWidth(const PracticeGiven& g) {
  float w = ImGui::CalcTextSize("0").x;
  const Matrix& m = g.values;
  for (Eigen::Index i = 0; i < std::min<Eigen::Index>(m.rows(), kGivenShown); ++i)
    for (Eigen::Index j = 0; j < std::min<Eigen::Index>(m.cols(), kGivenShown); ++j)
      w = std::max(w, ImGui::CalcTextSize(GivenCell(m(i, j)).c_str()).x);
  for (const std::string& l : g.col_labels) w = std::max(w, ImGui::CalcTextSize(l.c_str()).x);
  return w;
}

// How wide the given is drawn whole (its table, or its name and value).
float GivenWidth(const PracticeGiven& g) {
  const ImGuiStyle& st = ImGui::GetStyle();
  if (!g.text.empty()) {  // its longest line, indented, up to 36 em (then it wraps)
    float w = 0;
    for (size_t start = 0; start <= g.text.size();) {
      const size_t end = std::min(g.text.find('\n', start), g.text.size());
      w = std::max(w, ImGui::CalcTextSize(g.text.c_str() + start, g.text.c_str() + end).x);
      start = end + 1;
    }
    return std::min(w + ImGui::GetStyle().IndentSpacing, ImGui::GetFontSize() * 36);
  }
  if (g.values.size() <= 1) return ImGui::CalcTextSize(g.name.c_str()).x + ImGui::GetFontSize() * 8;
  float label = 0;
  for (const std::string& l : g.row_labels) label = std::max(label, ImGui::CalcTextSize(l.c_str()).x);
  const int cols = std::min<int>(static_cast<int>(g.values.cols()), kGivenShown);
  return (GivenColumnWidth(g) + st.CellPadding.x * 2 + 1) * cols + (label > 0 ? label + st.CellPadding.x * 2 : 0);
}

// A matrix of the question's data, as a small table of numbers (whole: the
// panel scrolls sideways rather than squeeze a column).
void DrawGiven(const PracticeGiven& g, int id) {
  ImGui::TextUnformatted(g.name.c_str());
  if (!g.text.empty()) {  // wrapped at the visible edge (the panel scrolls sideways for wide tables)
    ImGui::Indent();
    ImGui::PushTextWrapPos(ImGui::GetScrollX() + ImGui::GetWindowWidth() - ImGui::GetStyle().WindowPadding.x -
                           ImGui::GetStyle().ScrollbarSize);
    ImGui::TextDisabled("%s", g.text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::Unindent();
    return;
  }
  const Matrix& m = g.values;
  if (m.size() == 1) {
    ImGui::SameLine();
    ImGui::Text("= %s", GivenCell(m(0, 0)).c_str());
    return;
  }
  const int rows = std::min<int>(static_cast<int>(m.rows()), kGivenShown), cols = std::min<int>(static_cast<int>(m.cols()), kGivenShown);
  const bool labels = !g.row_labels.empty();
  const float col_w = GivenColumnWidth(g);
  ImGui::PushID(id);
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoHostExtendX;
  if (ImGui::BeginTable("given", cols + (labels ? 1 : 0), flags, ImVec2(GivenWidth(g), 0))) {
    if (labels) ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed);
    for (int j = 0; j < cols; ++j) ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, col_w);
    if (!g.col_labels.empty()) {
      ImGui::TableNextRow();
      if (labels) ImGui::TableNextColumn();
      for (int j = 0; j < cols; ++j) {
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", g.col_labels[static_cast<size_t>(j)].c_str());
      }
    }
    for (int i = 0; i < rows; ++i) {
      ImGui::TableNextRow();
      if (labels) {
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", i < static_cast<int>(g.row_labels.size()) ? g.row_labels[static_cast<size_t>(i)].c_str() : "");
      }
      for (int j = 0; j < cols; ++j) {
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(GivenCell(m(i, j)).c_str());
      }
    }
    ImGui::EndTable();
  }
  if (m.rows() > kGivenShown || m.cols() > kGivenShown)
    ImGui::TextDisabled("(%d \u00D7 %d; the first %d \u00D7 %d shown)", static_cast<int>(m.rows()), static_cast<int>(m.cols()), rows, cols);
  ImGui::PopID();
}

ImVec4 MarkColour(Mark m, bool given_yours, bool dark) {
  const float a = dark ? 0.55f : 0.35f;
  if (given_yours) return ImVec4(0.25f, 0.45f, 0.95f, a);  // right from the student's own earlier answers
  switch (m) {
    case Mark::kRight: return ImVec4(0.15f, 0.70f, 0.30f, a);
    case Mark::kWrong: return ImVec4(0.90f, 0.20f, 0.20f, a);
    case Mark::kTooFewDigits: return ImVec4(0.95f, 0.70f, 0.10f, a);
    default: return ImVec4(0, 0, 0, 0);
  }
}

const char* MarkWord(Mark m) {
  switch (m) {
    case Mark::kRight: return "right";
    case Mark::kWrong: return "wrong";
    case Mark::kTooFewDigits: return "too few digits to tell right from wrong: give at least 3 significant digits";
    default: return "blank";
  }
}

void DrawAnswer(AppState& s, PracticeCache& c, const PracticeItem& item) {
  const PracticeSheet sheet = SheetOf(s.scenario, item);
  const size_t n = sheet.cells.size();
  const bool dark = s.ui.dark;
  const float em = ImGui::GetFontSize();
  ImGui::Text("Your %s  (%d \u00D7 %d)", Indexed(item.target).c_str(), item.rows, item.cols);
  // Wrapped at the visible edge (the window scrolls sideways for a wide grid).
  const float wrap = ImGui::GetScrollX() + ImGui::GetWindowWidth() - ImGui::GetStyle().WindowPadding.x -
                     ImGui::GetStyle().ScrollbarSize;
  ImGui::PushTextWrapPos(wrap);
  ImGui::TextDisabled("Type numbers, fractions such as 1/3, or expressions such as exp(3)/(2exp(3)+4); then Check. "
                      "Click a cell for its hints.");
  ImGui::PopTextWrapPos();

  // The grid of cells, with row and column numbers (0-based, as eval prints),
  // as wide as the room allows up to 5.5 em a cell.
  const float label_w = ImGui::CalcTextSize("000").x + ImGui::GetStyle().CellPadding.x * 2;
  const float cell_w = std::clamp((ImGui::GetContentRegionAvail().x - label_w) / std::max(1, item.cols) -
                                      ImGui::GetStyle().CellPadding.x * 2,
                                  em * 2.0f, em * 5.5f);
  const ImGuiTableFlags flags = ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoHostExtendX;
  if (ImGui::BeginTable("answer", item.cols + 1, flags)) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    for (int j = 0; j < item.cols; ++j) {
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%d", j);
    }
    for (int i = 0; i < item.rows; ++i) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::AlignTextToFramePadding();
      ImGui::TextDisabled("%d", i);
      for (int j = 0; j < item.cols; ++j) {
        ImGui::TableNextColumn();
        const size_t k = static_cast<size_t>(i) * item.cols + j;
        ImGui::PushID(static_cast<int>(k));
        const bool current = c.has_marks && k < c.marks.marks.size() && k < sheet.checked.size() &&
                             sheet.checked[k] == sheet.cells[k];
        const Mark mark = current ? c.marks.marks[k] : Mark::kBlank;
        const bool yours = current && mark == Mark::kWrong && k < c.marks.marks_given_yours.size() &&
                           c.marks.marks_given_yours[k] == Mark::kRight;
        const int pushed = mark != Mark::kBlank || yours;
        if (pushed) ImGui::PushStyleColor(ImGuiCol_FrameBg, MarkColour(mark, yours, dark));
        const bool selected = c.cell == static_cast<int>(k);
        if (selected) ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, 2.0f);
        ImGui::SetNextItemWidth(cell_w);
        if (sheet.revealed) {
          const double v = c.truth(i, j);
          std::string exact = FormatNumber(v, NumberStyle::kAuto, 6);
          ImGui::InputText("##cell", &exact, ImGuiInputTextFlags_ReadOnly);
        } else {
          std::string text = sheet.cells[k];
          if (ImGui::InputText("##cell", &text) && text.size() <= kMaxAnswerLength) {
            if (PracticeSheet* edit = EditSheet(s, item)) edit->cells[k] = text;
          }
          // Each cell typed is one step of undo, even when the next cell is
          // clicked straight away (the mouse never lets go of an item).
          if (ImGui::IsItemDeactivatedAfterEdit()) s.EndGesture();
        }
        if (selected) ImGui::PopStyleVar();
        if (pushed) ImGui::PopStyleColor();
        if (pushed) {  // the mark as a sign too, not by colour alone, where the answer leaves room
          const char* sign = yours || mark == Mark::kRight ? "\u2713" : mark == Mark::kWrong ? "\u2717" : "?";
          const ImVec2 max = ImGui::GetItemRectMax(), min = ImGui::GetItemRectMin();
          const float size = em * 0.7f;
          const float sign_w = ImGui::GetFont()->CalcTextSizeA(size, FLT_MAX, 0, sign).x;
          const float text_w = ImGui::CalcTextSize(sheet.cells[k].c_str()).x;
          if (min.x + ImGui::GetStyle().FramePadding.x + text_w + sign_w + 2 <= max.x - 1)
            ImGui::GetWindowDrawList()->AddText(ImGui::GetFont(), size, ImVec2(max.x - sign_w - 2, min.y + 1),
                                                ImGui::GetColorU32(ImGuiCol_Text), sign);
        }
        if (ImGui::IsItemActivated() || ImGui::IsItemClicked()) c.cell = static_cast<int>(k);
        s.Record("practice.cell." + std::to_string(i) + "." + std::to_string(j));
        if (current && ImGui::IsItemHovered()) {
          const std::string& error = k < c.marks.errors.size() ? c.marks.errors[k] : std::string();
          ImGui::SetTooltip("%s%s%s", yours ? "right given your " : MarkWord(mark), yours ? c.marks.given.c_str() : "",
                            error.empty() ? "" : ("\n" + error).c_str());
        }
        ImGui::PopID();
      }
    }
    ImGui::EndTable();
  }

  // Check, and what it found.
  bool any = false;
  for (const std::string& t : sheet.cells) any = any || t.find_first_not_of(" \t") != std::string::npos;
  const bool unchanged = sheet.checked == sheet.cells;
  ImGui::BeginDisabled(sheet.revealed || !any);
  if (ImGui::Button("Check")) {
    if (PracticeSheet* edit = EditSheet(s, item)) edit->checked = edit->cells;
  }
  ImGui::EndDisabled();
  s.Record("practice.check");
  ImGui::SameLine();
  const StageMarks& m = c.marks;
  const bool all_right = c.has_marks && unchanged && m.blank == 0 && m.too_few == 0 && m.wrong == m.right_given_yours;
  ImGui::BeginDisabled(!all_right || sheet.revealed);
  if (ImGui::Button("Reveal exact values")) {
    if (PracticeSheet* edit = EditSheet(s, item)) edit->revealed = true;
  }
  ImGui::EndDisabled();
  s.Record("practice.reveal");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(all_right ? "Show the exact values, so that the next stage starts from them"
                                : "Once every cell is checked right (or right given your earlier answers)");
  ImGui::SameLine();
  if (ImGui::Button(sheet.revealed ? "Practise again" : "Clear")) {
    if (PracticeSheet* edit = EditSheet(s, item)) *edit = BlankSheet(item.rows, item.cols);
  }
  s.Record("practice.clear");

  if (sheet.revealed) {
    ImGui::TextDisabled("Revealed: later stages are checked against these exact values.");
  } else if (!c.marks_status.ok() && !sheet.checked.empty()) {
    ErrorText(c.marks_status.message());
  } else if (c.has_marks) {
    std::string summary = std::to_string(m.right) + " right, " + std::to_string(m.wrong) + " wrong";
    if (m.too_few) summary += ", " + std::to_string(m.too_few) + " with too few digits to tell";
    if (m.blank) summary += ", " + std::to_string(m.blank) + " blank";
    if (!unchanged) summary += "  (cells changed since: Check again)";
    ImGui::TextUnformatted(summary.c_str());
    s.Record("practice.summary");
    if (m.right_given_yours > 0) {
      ImGui::TextColored(ImVec4(0.35f, 0.55f, 1.0f, 1.0f), "%d of the wrong ones are right given your %s: your method is right, the error came from there.",
                         m.right_given_yours, m.given.c_str());
    }
    if (!m.mistake.empty()) {
      ImGui::TextColored(ImVec4(0.95f, 0.55f, 0.2f, 1), "Looks like: %s", m.mistake.c_str());
      s.Record("practice.mistake");
    }
  }

  // The chosen cell: its mark, and its hints one level at a time. Until one
  // is clicked: the first wrong cell, else the first with a hint shown.
  if (c.cell < 0 || static_cast<size_t>(c.cell) >= n) {
    for (size_t k = 0; k < n && c.cell < 0; ++k)
      if (c.has_marks && k < m.marks.size() && m.marks[k] == Mark::kWrong && sheet.checked[k] == sheet.cells[k] &&
          !(k < m.marks_given_yours.size() && m.marks_given_yours[k] == Mark::kRight))
        c.cell = static_cast<int>(k);
    for (size_t k = 0; k < n && c.cell < 0; ++k)
      if (sheet.hints[k] > 0) c.cell = static_cast<int>(k);
  }
  if (c.cell < 0 || static_cast<size_t>(c.cell) >= n) {
    ImGui::TextDisabled("Click a cell for its hints.");
    return;
  }
  const int i = c.cell / item.cols, j = c.cell % item.cols;
  const size_t k = static_cast<size_t>(c.cell);
  ImGui::Separator();
  ImGui::Text("Cell [%d][%d]", i, j);
  const bool current = c.has_marks && k < m.marks.size() && k < sheet.checked.size() && sheet.checked[k] == sheet.cells[k];
  const bool wrong = current && m.marks[k] == Mark::kWrong;
  if (current) {
    ImGui::SameLine();
    const bool yours = k < m.marks_given_yours.size() && wrong && m.marks_given_yours[k] == Mark::kRight;
    ImGui::TextUnformatted(yours ? ("right given your " + m.given).c_str() : MarkWord(m.marks[k]));
    if (k < m.errors.size() && !m.errors[k].empty()) ErrorText(m.errors[k]);
  }
  const int level = k < sheet.hints.size() ? sheet.hints[k] : 0;
  ImGui::BeginDisabled(level >= 3 || sheet.revealed);
  const std::string hint_label = level == 0 ? "Hint: the formula" : level == 1 ? "Hint: the numbers" : "Hint: the value";
  if (ImGui::Button(hint_label.c_str())) {
    if (PracticeSheet* edit = EditSheet(s, item)) edit->hints[k] = std::min(3, level + 1);
  }
  ImGui::EndDisabled();
  s.Record("practice.hint");
  if (wrong && level < 2) {
    ImGui::SameLine();
    if (ImGui::Button("Explain this cell")) {
      if (PracticeSheet* edit = EditSheet(s, item)) edit->hints[k] = 2;
    }
    s.Record("practice.explain");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("How this cell is computed, with your numbers (not its value)");
  }
  ImGui::PushTextWrapPos(wrap);
  for (int l = 1; l <= level; ++l) {
    const std::string hint = PracticeHint(c.ctx, item, i, j, l, c.shown);
    ImGui::Text("%d.", l);
    ImGui::SameLine();
    ImGui::TextUnformatted(hint.c_str());
    s.Record("practice.hint_text." + std::to_string(l));
  }
  ImGui::PopTextWrapPos();
}

}  // namespace

void TogglePractice(AppState& s) { s.Edit().practice.on = !s.scenario.practice.on; }

void DrawPracticeSheet(AppState& s) {
  s.ui.panel_names.clear();  // no panel of the view is drawn: nothing to export or copy
  s.ui.hover_explanation.clear();
  PracticeCache& c = Cache(s);
  if (c.revision != s.revision || c.view != s.scenario.view) {
    if (c.view != s.scenario.view) c.cell = -1;
    Refresh(s, c);
  }
  const ViewModel* model = FindViewModel(s.scenario.view);
  ImGui::Text("Practice: %s", model ? model->title : s.scenario.view.c_str());
  if (s.ui.presentation) {  // the compact top bar has no Practise button
    ImGui::SameLine();
    if (ImGui::SmallButton("Stop practising")) TogglePractice(s);
    s.Record("practice.stop");
  }
  if (!c.status.ok() && c.items.empty()) {
    ErrorText(c.status.message());
    return;
  }
  // "Practise this": the quantities the view computes.
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Work out");
  ImGui::SameLine();
  const PracticeItem* item = c.current >= 0 ? &c.items[static_cast<size_t>(c.current)] : nullptr;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
  if (ImGui::BeginCombo("##practice_target", item ? ItemLabel(*item).c_str() : "")) {
    for (size_t k = 0; k < c.items.size(); ++k) {
      const PracticeItem& it = c.items[k];
      ImGui::BeginDisabled(!it.unavailable.empty());
      if (ImGui::Selectable(ItemLabel(it).c_str(), static_cast<int>(k) == c.current) && static_cast<int>(k) != c.current) {
        s.Edit().practice.target[s.scenario.view] = it.target;
        c.cell = -1;
      }
      ImGui::EndDisabled();
      if (!it.unavailable.empty() && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("%s", it.unavailable.c_str());
    }
    ImGui::EndCombo();
  }
  s.Record("practice.target");
  if (!c.status.ok() || !item) {
    ErrorText(c.status.message());
    return;
  }
  ImGui::Spacing();

  // The question's data beside the answer when there is room, else above it.
  const float em = ImGui::GetFontSize();
  // Side by side when the answer's cells get at least 2 em and the data 8 em
  // (a projector at 1024 x 768 too); the answer keeps room for 3.5 em
  // cells where it can, and the data scrolls sideways first.
  const float avail = ImGui::GetContentRegionAvail().x;
  const ImGuiStyle& st = ImGui::GetStyle();
  auto answer_width = [&](float cell) {
    return ImGui::CalcTextSize("000").x + item->cols * (em * cell + st.CellPadding.x * 2) + st.ItemSpacing.x * 2 +
           st.ScrollbarSize;
  };
  const bool side_by_side = avail >= answer_width(2.0f) + em * 8;
  if (side_by_side) {
    float natural = em * 10;
    for (const PracticeGiven& g : c.givens) natural = std::max(natural, GivenWidth(g));
    natural += st.WindowPadding.x * 2 + st.ScrollbarSize;
    const float most = std::min(avail - answer_width(2.0f), std::max(em * 12, std::min(avail * 0.6f, avail - answer_width(3.5f))));
    ImGui::BeginChild("practice_given", ImVec2(std::clamp(natural, std::min(em * 12, most), most), 0), true,
                      ImGuiWindowFlags_HorizontalScrollbar);
  }
  // The exercise's text (what is asked; the course's answer stays hidden).
  if (!s.scenario.notes.empty() && ImGui::CollapsingHeader("The exercise")) {
    ImGui::PushTextWrapPos(ImGui::GetScrollX() + ImGui::GetWindowWidth() - st.WindowPadding.x - st.ScrollbarSize);
    ImGui::TextUnformatted(s.scenario.notes.c_str());
    ImGui::PopTextWrapPos();
  }
  s.Record("practice.exercise");
  ImGui::TextDisabled("Given");
  for (size_t g = 0; g < c.givens.size(); ++g) DrawGiven(c.givens[g], static_cast<int>(g));
  if (c.givens.empty()) ImGui::TextDisabled("(the scenario's settings, as the view shows them)");
  if (side_by_side) {
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("practice_answer", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  } else {
    ImGui::Separator();
  }
  DrawAnswer(s, c, *item);
  if (side_by_side) ImGui::EndChild();
}

}  // namespace attnlab::ui
