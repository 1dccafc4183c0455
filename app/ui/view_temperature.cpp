// The Temperature view (E7): one row of scores as T sweeps a log range, its
// entropy and largest weight, the T -> 0 and T -> infinity limits, the weights
// at a cursor T, the exam's four statements checked live, and a whole-matrix
// mode. Maths in core/temperature.hpp; this file only draws.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "attnlab/format.hpp"
#include "attnlab/softmax.hpp"
#include "attnlab/temperature.hpp"
#include "ui/view_temperature.hpp"
#include "ui/views.hpp"
#include "ui/theme.hpp"
#include "ui/panels.hpp"
#include "ui/presentation.hpp"
#include "widgets/heatmap.hpp"
#include "widgets/heatmap_svg.hpp"
#include "widgets/plot.hpp"

namespace attnlab::ui {
namespace {

const ImVec4 kErrorColor(0.95f, 0.30f, 0.25f, 1.0f);
const ImVec4 kGoodColor(0.30f, 0.80f, 0.45f, 1.0f);

void Record(AppState& s, const std::string& name) {
  s.ui.items[name] = ItemRect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

std::string VectorText(const RowVector& v, NumberStyle style = NumberStyle::kAuto) {
  std::string out = "(";
  for (Eigen::Index j = 0; j < v.size(); ++j) out += (j ? ", " : "") + FormatNumber(v(j), style, 3);
  return out + ")";
}

std::string TemperatureText(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", t);
  return buf;
}

// "1, -2, 5, 0" or "[1 -2 5 0]" -> numbers; false when anything else is there.
// The typed row's numbers, or why it cannot be swept ("" when it can).
std::string ParseNumbers(const std::string& text, std::vector<double>* out) {
  std::string cleaned = text;
  for (char& c : cleaned)
    if (c == ',' || c == '[' || c == ']' || c == '(' || c == ')' || c == ';') c = ' ';
  std::istringstream in(cleaned);
  out->clear();
  std::string word;
  while (in >> word) {
    char* end = nullptr;
    const double v = std::strtod(word.c_str(), &end);
    if (end == word.c_str() || *end != '\0') return "\"" + word + "\" is not a number";
    if (!std::isfinite(v)) return word + " is too large for a double";
    out->push_back(v);
  }
  if (out->empty()) return "type at least one score";
  if (out->size() > 4096) return "at most 4096 scores, got " + std::to_string(out->size());
  return "";
}

struct ScoreSource {
  const Matrix* scores = nullptr;  // the scenario's (head 0, -inf where masked), or null
  std::vector<std::string> row_labels;
};

ScoreSource Source(const AppState& s) {
  ScoreSource src;
  if (!s.has_result || s.derived.heads.empty()) return src;
  src.scores = &s.derived.heads[0].scores;
  const int n = static_cast<int>(src.scores->rows());
  const bool tokens = static_cast<int>(s.scenario.tokens.size()) == n;
  for (int i = 0; i < n; ++i) src.row_labels.push_back(tokens ? s.scenario.tokens[i] : "row " + std::to_string(i));
  return src;
}

// The view's numbers (core's ComputeTemperatureView, as eval prints them),
// recomputed when the settings or the scores changed.
void Update(AppState& s, const ScoreSource& src) {
  TemperatureLabSettings& lab = s.scenario.views.Get<TemperatureLabSettings>();
  TemperatureViewCache& c = s.ui.caches.Get<TemperatureViewCache>();
  const Matrix empty;
  const Matrix& scores = src.scores ? *src.scores : empty;
  const bool same_scores = c.computed_scores.rows() == scores.rows() && c.computed_scores.cols() == scores.cols() &&
                           c.computed_scores == scores;
  TemperatureLabSettings cursor_moved = c.computed_for;
  cursor_moved.cursor = lab.cursor;
  if (c.computed && same_scores && cursor_moved == lab) {
    if (c.computed_for.cursor != lab.cursor) UpdateTemperatureCursor(lab, src.scores, &c.view);
    c.computed_for = lab;
    return;
  }
  c.status = ComputeTemperatureView(lab, src.scores, &c.view);
  if (!c.view.row.typed) lab.row = c.view.row.row;  // clamped to the scenario's rows
  c.computed = true;
  c.computed_for = lab;
  c.computed_scores = scores;
}

void DrawControls(AppState& s, const ScoreSource& src) {
  TemperatureLabSettings& lab = s.scenario.views.Get<TemperatureLabSettings>();
  TemperatureViewCache& c = s.ui.caches.Get<TemperatureViewCache>();
  const float font = ImGui::GetFontSize();

  float t = static_cast<float>(std::max(lab.cursor, lab.t_min));
  ImGui::SetNextItemWidth(font * 12.0f);
  if (ImGui::SliderFloat("##cursor", &t, static_cast<float>(lab.t_min), static_cast<float>(lab.t_max), "T = %.3g",
                         ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp)) {
    lab.cursor = t;
  }
  Record(s, "temperature.cursor");
  ImGui::SameLine();
  ImGui::TextUnformatted("cursor");
  ImGui::SameLine(0, font);
  ImGui::Checkbox("whole matrix", &lab.whole_matrix);
  Record(s, "temperature.whole_matrix");

  // Which row: the scenario's rows, or a typed one.
  const bool typed = !lab.scores.empty();
  if (src.scores && src.scores->rows() > 0) {
    ImGui::SameLine(0, font);
    const int n = static_cast<int>(src.scores->rows());
    const std::string preview = typed ? "typed row" : src.row_labels[std::clamp(lab.row, 0, n - 1)];
    ImGui::SetNextItemWidth(font * 10.0f);
    if (ImGui::BeginCombo("row", preview.c_str())) {
      for (int i = 0; i < n; ++i) {
        ImGui::PushID(i);
        if (ImGui::Selectable(src.row_labels[i].c_str(), !typed && i == lab.row)) {
          lab.row = i;
          lab.scores.clear();
        }
        ImGui::PopID();
      }
      ImGui::EndCombo();
    }
    Record(s, "temperature.row");
  }
  // Presentation: one line; the scenario's rows are the exam's vectors, so the
  // combo above picks them without the typing line.
  if (s.ui.presentation) return;

  // A typed row, and the exam's four vectors one click away.
  if (!c.typed_text_init) {
    c.typed_text.clear();
    for (size_t j = 0; j < lab.scores.size(); ++j) c.typed_text += (j ? ", " : "") + FormatNumber(lab.scores[j]);
    c.typed_text_init = true;
  }
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s", c.typed_text.c_str());
  ImGui::SetNextItemWidth(font * 10.0f);
  if (ImGui::InputTextWithHint("##typed", "type scores: 1, -2, 5, 0", buf, sizeof buf)) c.typed_text = buf;
  Record(s, "temperature.typed");
  std::vector<double> parsed;
  const std::string why_not = ParseNumbers(c.typed_text, &parsed);
  ImGui::SameLine();
  ImGui::BeginDisabled(!why_not.empty());
  if (ImGui::Button("sweep it")) lab.scores = parsed;
  ImGui::EndDisabled();
  Record(s, "temperature.use_typed");
  if (!why_not.empty() && !c.typed_text.empty()) {  // says why, beside the field
    ImGui::SameLine();
    ErrorText(why_not);
    Record(s, "temperature.typed_error");
  }
  const struct {
    const char* label;
    std::vector<double> z;
  } kExam[] = {{"(4,3,2,1)", {4, 3, 2, 1}}, {"[1,-2,5,0]", {1, -2, 5, 0}}, {"[5,-2,5,0]", {5, -2, 5, 0}},
               {"(a,a,a,a)", {2, 2, 2, 2}}};
  ImGui::SameLine(0, font);
  ImGui::TextDisabled("E7:");
  for (int k = 0; k < 4; ++k) {
    ImGui::SameLine();
    ImGui::PushID(k);
    if (ImGui::SmallButton(kExam[k].label)) {
      lab.scores = kExam[k].z;
      c.typed_text_init = false;
    }
    Record(s, std::string("temperature.exam") + std::to_string(k));
    ImGui::PopID();
  }
}

// Shared x axis of the two sweep plots: T on a log axis with the limits and the cursor.
void AddTemperatureAxis(PlotSpec& spec, const TemperatureLabSettings& lab, const RowSweep& sweep, bool present) {
  spec.x.label = "temperature T (log)";
  spec.x.scale = AxisScale::kLog;
  spec.x.fit = false;
  spec.x.min = lab.t_min;
  spec.x.max = lab.t_max;
  spec.markers.push_back(PlotMarker{present ? "T\u21920" : "T\u21920: argmax " + VectorText(sweep.cold_limit), lab.t_min, -1, true});
  spec.markers.push_back(PlotMarker{present ? "T\u2192\u221E" : "T\u2192\u221E: uniform", lab.t_max, -1, true});
  if (lab.cursor > 0) spec.markers.push_back(PlotMarker{"T = " + TemperatureText(lab.cursor), lab.cursor, 3, false});
}

void MoveCursorWithPlot(TemperatureLabSettings& lab, const PlotResult& r) {
  if (r.dragging && r.mouse_x > 0) lab.cursor = std::clamp(r.mouse_x, lab.t_min, lab.t_max);
}

// Each figure below is a panel (see BeginFigurePanel) of `size` with its header.
void DrawWeightSweep(AppState& s, ImVec2 size) {
  if (!BeginFigurePanel(s, "weights_vs_T", "Weights of the row against T", &size)) return;
  TemperatureLabSettings& lab = s.scenario.views.Get<TemperatureLabSettings>();
  const TemperatureView& c = s.ui.caches.Get<TemperatureViewCache>().view;
  PlotSpec spec;
  spec.y.label = "weight";
  spec.y.fit = false;
  spec.y.min = 0;
  spec.y.max = 1.05;
  AddTemperatureAxis(spec, lab, c.sweep, s.ui.presentation);
  const int n = static_cast<int>(c.sweep.weights.cols());
  for (int j = 0; j < n; ++j) {
    std::vector<double> y(c.sweep.temperatures.size());
    for (size_t m = 0; m < y.size(); ++m) y[m] = c.sweep.weights(static_cast<Eigen::Index>(m), j);
    spec.series.push_back(LineSeries(c.row.key_labels[static_cast<size_t>(j)], c.sweep.temperatures, std::move(y)));
  }
  spec.legend = n <= 12;
  const PlotResult r = Plot("weights_vs_t", spec, size);
  s.ui.items["temperature.plot.weights"] = ItemRect{r.layout.area_min, r.layout.area_max};
  MoveCursorWithPlot(lab, r);
  EndFigurePanel(s, "weights_vs_T");
}

void DrawEntropySweep(AppState& s, ImVec2 size) {
  if (!BeginFigurePanel(s, "entropy_vs_T", "Entropy H (nats) and largest weight", &size)) return;
  TemperatureLabSettings& lab = s.scenario.views.Get<TemperatureLabSettings>();
  const TemperatureView& c = s.ui.caches.Get<TemperatureViewCache>().view;
  PlotSpec spec;
  spec.y.include_zero = true;
  spec.y.label = "H (nats), weight";
  AddTemperatureAxis(spec, lab, c.sweep, s.ui.presentation);
  spec.series.push_back(LineSeries("H(T)", c.sweep.temperatures, c.sweep.entropy, 0));
  spec.series.push_back(LineSeries("max weight", c.sweep.temperatures, c.sweep.max_weight, 1));
  PlotSeries hot = LineSeries("log n = " + FormatNumber(c.sweep.hot_entropy, NumberStyle::kDecimal, 3),
                              {lab.t_min, lab.t_max}, {c.sweep.hot_entropy, c.sweep.hot_entropy}, 0);
  hot.dashed = true;
  hot.weight = 0.7f;
  spec.series.push_back(hot);
  const PlotResult r = Plot("entropy_vs_t", spec, size);
  s.ui.items["temperature.plot.entropy"] = ItemRect{r.layout.area_min, r.layout.area_max};
  MoveCursorWithPlot(lab, r);
  EndFigurePanel(s, "entropy_vs_T");
}

void DrawCursorBars(AppState& s, ImVec2 size) {
  const TemperatureLabSettings& lab = s.scenario.views.Get<TemperatureLabSettings>();
  if (!BeginFigurePanel(s, "weights_at_T", "Weights at T = " + TemperatureText(lab.cursor), &size)) return;
  const TemperatureView& c = s.ui.caches.Get<TemperatureViewCache>().view;
  PlotSpec spec;
  spec.y.fit = false;
  spec.y.min = 0;
  spec.y.max = 1.05;
  spec.x.label = "key";
  spec.y.label = "weight";
  PlotSeries bars;
  bars.label = "softmax(z / T)";
  bars.kind = SeriesKind::kBars;
  bars.color = 3;
  PlotSeries cold;
  cold.label = "T\u21920 limit";
  cold.kind = SeriesKind::kScatter;
  cold.color = 0;
  cold.weight = 1.6f;
  const int n = static_cast<int>(c.cursor_weights.size());
  for (int j = 0; j < n; ++j) {
    bars.x.push_back(j);
    bars.y.push_back(c.cursor_weights(j));
    cold.x.push_back(j);
    cold.y.push_back(c.sweep.cold_limit(j));
    spec.x.ticks.push_back(j);
    spec.x.tick_labels.push_back(c.row.key_labels[static_cast<size_t>(j)]);
  }
  spec.series.push_back(bars);
  spec.series.push_back(cold);
  if (n > 0) {
    PlotSeries uniform = LineSeries("uniform 1/n", {-0.5, n - 0.5}, {1.0 / n, 1.0 / n}, 2);
    uniform.dashed = true;
    spec.series.push_back(uniform);
  }
  const PlotResult r = Plot("cursor_bars", spec, size);
  s.ui.items["temperature.plot.bars"] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, "weights_at_T");
}

// The exam's statements (E7), computed live at the cursor T.
void DrawStatements(AppState& s) {
  const double T = s.scenario.views.Get<TemperatureLabSettings>().cursor;
  ImGui::TextUnformatted("E7: the exam's statements");
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("statements", 3, flags)) return;
  ImGui::TableSetupColumn("z");
  ImGui::TableSetupColumn("T \u2192 0");
  ImGui::TableSetupColumn(("at T = " + TemperatureText(T)).c_str());
  ImGui::TableHeadersRow();
  const double rows[4][4] = {{4, 3, 2, 1}, {1, -2, 5, 0}, {5, -2, 5, 0}, {2, 2, 2, 2}};
  for (const auto& r : rows) {
    const RowVector z = Eigen::Map<const RowVector>(r, 4);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(VectorText(z).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(VectorText(TemperatureWeights(z, 0.0)).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(VectorText(TemperatureWeights(z, T), NumberStyle::kDecimal).c_str());
  }
  ImGui::EndTable();
  // The two claims about all T > 0, checked at the cursor.
  const RowVector w = TemperatureWeights(Eigen::Map<const RowVector>(rows[0], 4), T);
  const RowVector u = TemperatureWeights(Eigen::Map<const RowVector>(rows[3], 4), T);
  const double off = (u.array() - 0.25).abs().maxCoeff();
  ImGui::PushStyleColor(ImGuiCol_Text, w.minCoeff() > 0 ? kGoodColor : kErrorColor);
  ImGui::TextWrapped("No zero weight for T > 0: smallest of (4,3,2,1) is %s", FormatNumber(w.minCoeff(), NumberStyle::kScientific, 2).c_str());
  ImGui::PopStyleColor();
  ImGui::PushStyleColor(ImGuiCol_Text, off == 0 ? kGoodColor : kErrorColor);
  ImGui::TextWrapped("\"No finite T gives uniform\" is false: (a,a,a,a) is off uniform by %s at every T",
                     FormatNumber(off, NumberStyle::kAuto, 3).c_str());
  ImGui::PopStyleColor();
}

// Presentation: the entropy plot's message at the cursor, on one line.
void DrawSummary(AppState& s) {
  const TemperatureView& c = s.ui.caches.Get<TemperatureViewCache>().view;
  if (c.cursor_weights.size() == 0) return;
  const std::string T = TemperatureText(s.scenario.views.Get<TemperatureLabSettings>().cursor);
  ImGui::TextWrapped("At T = %s:  entropy H = %s nats (uniform: log n = %s),  largest weight %s", T.c_str(),
                     FormatNumber(Entropy(c.cursor_weights), NumberStyle::kDecimal, 3).c_str(),
                     FormatNumber(c.sweep.hot_entropy, NumberStyle::kDecimal, 3).c_str(),
                     FormatNumber(c.cursor_weights.maxCoeff(), NumberStyle::kDecimal, 3).c_str());
  Record(s, "temperature.summary");
}

// Whole-matrix mode: the weights of every row at the cursor T beside the
// entropy of every row against T; each a panel of `size`.
void DrawWholeMatrix(AppState& s, const ScoreSource& src, ImVec2 size) {
  TemperatureLabSettings& lab = s.scenario.views.Get<TemperatureLabSettings>();
  const TemperatureView& c = s.ui.caches.Get<TemperatureViewCache>().view;
  if (!src.scores) {
    ImGui::TextDisabled("%s", c.matrix_note.c_str());
    return;
  }
  const std::string title = "P at T = " + TemperatureText(lab.cursor);
  ImVec2 body = size;
  if (BeginFigurePanel(s, "matrix_at_T", title, &body)) {
    std::vector<std::string> cols;
    for (Eigen::Index j = 0; j < src.scores->cols(); ++j) cols.push_back("k" + std::to_string(j));
    HeatmapSpec hs;
    hs.title = title;
    hs.show_title = false;  // the panel's header says it
    hs.values = &c.cursor_matrix;
    hs.allowed = &s.derived.heads[0].allowed;  // Source() found head 0
    hs.row_labels = &src.row_labels;
    hs.col_labels = &cols;
    hs.colormap = s.ui.weights_colormap;
    hs.label_scale = s.ui.presentation ? 0.8f : 1.0f;
    const HeatmapResult hr = Heatmap("cursor_matrix", hs, body);
    s.ui.items["temperature.heatmap"] = ItemRect{hr.grid_min, hr.grid_max};
    if (s.ui.svg_out && s.ui.only_panel == "matrix_at_T") {
      const std::string shape = std::to_string(c.cursor_matrix.rows()) + "x" + std::to_string(c.cursor_matrix.cols());
      *s.ui.svg_out = HeatmapSvg(hs, hr.cell, title, shape + "  = softmax(scores / T)",
                                 {s.ui.dark, s.ui.export_request.transparent});
    }
    EndFigurePanel(s, "matrix_at_T");
    ImGui::SameLine();
  }

  // Entropy of every row against T (masked scores cannot be swept as a whole).
  if (!c.matrix_swept) {
    ImGui::TextWrapped("%s", c.matrix_note.c_str());
    return;
  }
  // The rest of the row (the heatmap takes what its cells need).
  body = ImVec2(ExportingOnePanel(s) ? size.x : std::max(ImGui::GetFontSize() * 12.0f, ImGui::GetContentRegionAvail().x),
                size.y);
  if (!BeginFigurePanel(s, "row_entropy_vs_T", "Entropy of every row", &body)) return;
  PlotSpec spec;
  spec.y.label = "H (nats)";
  spec.y.include_zero = true;
  AddTemperatureAxis(spec, lab, RowSweep(), true);
  const Eigen::Index rows = c.matrix_sweep.entropy.rows();
  for (Eigen::Index i = 0; i < rows; ++i) {
    std::vector<double> y(c.matrix_sweep.entropy.row(i).data(),
                          c.matrix_sweep.entropy.row(i).data() + c.matrix_sweep.entropy.cols());
    spec.series.push_back(LineSeries(src.row_labels[static_cast<size_t>(i)], c.matrix_sweep.temperatures, std::move(y)));
  }
  spec.legend = rows <= 8;
  const PlotResult r = Plot("matrix_entropy", spec, body);
  s.ui.items["temperature.plot.row_entropy"] = ItemRect{r.layout.area_min, r.layout.area_max};
  MoveCursorWithPlot(lab, r);
  EndFigurePanel(s, "row_entropy_vs_T");
}

}  // namespace

void DrawTemperatureView(AppState& s) {
  TemperatureLabSettings& lab = s.scenario.views.Get<TemperatureLabSettings>();
  if (!(lab.t_min > 0) || !(lab.t_max > lab.t_min)) {
    lab.t_min = 1e-3;
    lab.t_max = 1e3;
  }
  s.ui.panel_names.clear();
  const ScoreSource src = Source(s);
  const bool one_panel = ExportingOnePanel(s);
  if (!one_panel) DrawControls(s, src);
  Update(s, src);
  const TemperatureViewCache& cache = s.ui.caches.Get<TemperatureViewCache>();
  const TemperatureView& c = cache.view;
  if (!s.status.ok()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kErrorColor);
    ImGui::TextWrapped("\u26A0 %s", s.status.ToString().c_str());
    ImGui::PopStyleColor();
  }
  if (!cache.status.ok()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kErrorColor);
    ImGui::TextWrapped("\u26A0 %s", cache.status.ToString().c_str());
    ImGui::PopStyleColor();
    return;
  }
  if (one_panel) {  // a picture of one figure: each is visited, the chosen one draws
    const ImVec2 size = FigureExportSize();
    DrawWeightSweep(s, size);
    DrawEntropySweep(s, size);
    if (lab.whole_matrix) {
      DrawWholeMatrix(s, src, size);
    } else {
      DrawCursorBars(s, size);
    }
    return;
  }
  const float font = ImGui::GetFontSize();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  if (s.ui.presentation) {  // what carries the lesson, large and without scrolling
    if (!lab.whole_matrix) DrawSummary(s);
    const ImVec2 plot(font * 16.0f, font * 10.0f);
    std::vector<Slide> slides;
    if (lab.whole_matrix) {
      slides.push_back({"matrix_at_T", "Every row's weights at T", ImVec2(font * 16.0f, font * 12.0f),
                        [&s, &src](ImVec2 room) { DrawWholeMatrix(s, src, room); }});
    } else {
      slides.push_back({"weights_vs_T", "Weights of the row against T", plot,
                        [&s](ImVec2 room) { DrawWeightSweep(s, room); }});
      slides.push_back({"weights_at_T", "Weights at the cursor's T", plot,
                        [&s](ImVec2 room) { DrawCursorBars(s, room); }});
      slides.push_back({"entropy_vs_T", "Entropy and largest weight against T", plot,
                        [&s](ImVec2 room) { DrawEntropySweep(s, room); }});
    }
    if (!s.scenario.notes.empty() || !s.scenario.solution.empty())
      slides.push_back({"exercise", "The exercise and its solution", ImVec2(font * 16.0f, font * 8.0f),
                        [&s](ImVec2) { DrawExerciseText(s); }});
    DrawPresentation(s, slides, FindViewScreen("temperature")->presentation_panels);
    return;
  }
  ImGui::Text("z = %s", VectorText(c.row.z, NumberStyle::kAuto).c_str());

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float top_h = std::max(font * 8.0f, avail.y * 0.52f);
  const float bottom_h = std::max(font * 8.0f, avail.y - top_h - ImGui::GetStyle().ItemSpacing.y);
  const float half = (avail.x - spacing) * 0.5f;
  DrawWeightSweep(s, ImVec2(half, top_h));
  ImGui::SameLine();
  DrawEntropySweep(s, ImVec2(half, top_h));
  if (lab.whole_matrix) {
    DrawWholeMatrix(s, src, ImVec2(avail.x, bottom_h));
    return;
  }
  DrawCursorBars(s, ImVec2(half, bottom_h));
  ImGui::SameLine();
  ImGui::BeginChild("statements_panel", ImVec2(0, bottom_h), false);
  DrawStatements(s);
  ImGui::Spacing();
  DrawExerciseText(s);
  ImGui::EndChild();
}

}  // namespace attnlab::ui
