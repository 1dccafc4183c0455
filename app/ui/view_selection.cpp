// The Selection view (E6): attention as selection and averaging. Orthonormal
// or noisy keys, a query log(t)(k_a + k_b) (or two heads), the weights at the
// keys' means beside t / (2t + n - 2), and over many draws of the keys the
// distributions of alpha_a, alpha_b and of the output's drift between v_a and
// v_b. Maths in core/selection.hpp; this file only draws.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "attnlab/format.hpp"
#include "attnlab/selection.hpp"
#include "ui/view_selection.hpp"
#include "ui/views.hpp"
#include "ui/theme.hpp"
#include "ui/panels.hpp"
#include "ui/presentation.hpp"
#include "widgets/plot.hpp"

namespace attnlab::ui {
namespace {



void Update(AppState& s) {
  const SelectionLabSettings& lab = s.scenario.views.Get<SelectionLabSettings>();
  SelectionViewCache& c = s.ui.caches.Get<SelectionViewCache>();
  if (c.valid && c.computed_for == lab) return;
  c.status = SimulateSelection(SelectionSpecOf(lab), &c.run);
  c.valid = c.status.ok();
  c.computed_for = lab;
}

bool LogSlider(const char* label, double* v, float lo, float hi, const char* format) {
  float f = static_cast<float>(*v);
  if (!ImGui::SliderFloat(label, &f, lo, hi, format, ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp))
    return false;
  *v = f;
  return true;
}

void DrawControls(AppState& s) {
  SelectionLabSettings& lab = s.scenario.views.Get<SelectionLabSettings>();
  const float font = ImGui::GetFontSize();
  const float w = font * 7.0f;
  ImGui::SetNextItemWidth(w);
  if (ImGui::SliderInt("##n", &lab.n, 2, 32, "n = %d", ImGuiSliderFlags_AlwaysClamp)) {
    lab.a = std::min(lab.a, lab.n - 1);
    lab.b = std::min(lab.b, lab.n - 1);
    if (lab.a == lab.b) lab.b = lab.a == 0 ? 1 : 0;
    lab.query.clear();
  }
  s.Record("selection.n");
  ImGui::SameLine(0, font);
  ImGui::SetNextItemWidth(w);
  int a = lab.a, b = lab.b;
  if (ImGui::SliderInt("##a", &a, 0, lab.n - 1, "a = k%d", ImGuiSliderFlags_AlwaysClamp) && a != lab.b) lab.a = a;
  s.Record("selection.a");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  if (ImGui::SliderInt("##b", &b, 0, lab.n - 1, "b = k%d", ImGuiSliderFlags_AlwaysClamp) && b != lab.a) lab.b = b;
  s.Record("selection.b");
  ImGui::SameLine(0, font);
  ImGui::SetNextItemWidth(w);
  LogSlider("##t", &lab.t, 1.0f, 1e4f, "t = %.3g");
  s.Record("selection.t");
  ImGui::SameLine(0, font);
  ImGui::Checkbox("two heads", &lab.two_heads);
  s.Record("selection.two_heads");
  if (lab.two_heads) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w);
    LogSlider("##s", &lab.s, 1.0f, 1e4f, "s = %.3g");
    s.Record("selection.s");
  }

  // Key noise: Sigma_i = alpha I + c_i u_i u_i^T.
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("noise \u03A3\u1D62 = \u03B1 I + c\u1D62 u\u1D62u\u1D62\u1D40:");
  const struct {
    const char* id;
    const char* format;
    double* v;
    float hi;
  } knobs[] = {{"##alpha", "\u03B1 = %.4f", &lab.alpha, 0.1f},
               {"##c_a", "c_a = %.2f", &lab.c_a, 1.0f},
               {"##c_b", "c_b = %.2f", &lab.c_b, 1.0f},
               {"##c_other", "c others = %.2f", &lab.c_other, 1.0f}};
  for (const auto& k : knobs) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w);
    float f = static_cast<float>(*k.v);
    if (ImGui::SliderFloat(k.id, &f, 0.0f, k.hi, k.format, ImGuiSliderFlags_AlwaysClamp)) *k.v = f;
    s.Record(std::string("selection.") + (k.id + 2));
  }
  ImGui::SameLine(0, font);
  // On this line when it fits, else on the next (presentation mode's large font).
  if (ImGui::GetContentRegionAvail().x < ImGui::CalcTextSize("Re-sample").x + ImGui::GetStyle().FramePadding.x * 2)
    ImGui::NewLine();
  if (ImGui::Button("Re-sample")) ++lab.seed;
  s.Record("selection.resample");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("New draws of the keys (seed %llu)", static_cast<unsigned long long>(lab.seed));
  if (!lab.query.empty()) {
    ImGui::SameLine();
    if (ImGui::Button("use log(t)(u_a + u_b)")) lab.query.clear();
  }
}

std::string Num(double v, int digits = 4) { return FormatNumber(v, NumberStyle::kDecimal, digits); }

void DrawSummary(AppState& s) {
  const SelectionLabSettings& lab = s.scenario.views.Get<SelectionLabSettings>();
  const SelectionRun& run = s.ui.caches.Get<SelectionViewCache>().run;
  if (s.ui.presentation) {  // one short line the back row can read
    if (!lab.two_heads && lab.query.empty()) {
      ImGui::TextWrapped("t/(2t+n−2) = %s    drift sd %s", Num(run.closed_form_pair_weight).c_str(),
                         Num(std::sqrt(run.drift_moments.variance), 3).c_str());
    } else {
      ImGui::TextWrapped("drift sd %s", Num(std::sqrt(run.drift_moments.variance), 3).c_str());
    }
    s.Record("selection.summary");
    return;
  }
  if (lab.two_heads) {
    ImGui::Text("q\u2081 = log(s) u_a, q\u2082 = log(t) u_b, output = (o\u2081 + o\u2082)/2.  Means of the keys: "
                "o\u00B7v_a = %s, o\u00B7v_b = %s",
                Num(run.at_mean.output(lab.a)).c_str(), Num(run.at_mean.output(lab.b)).c_str());
  } else if (lab.query.empty()) {
    ImGui::Text("q = log(t)(k_a + k_b).  Orthonormal keys: \u03B1_a = \u03B1_b = t/(2t+n\u22122) = %s; computed %s, %s",
                Num(run.closed_form_pair_weight).c_str(), Num(run.at_mean.weights(0, lab.a)).c_str(),
                Num(run.at_mean.weights(0, lab.b)).c_str());
  } else {
    ImGui::Text("typed query: \u03B1_a = %s, \u03B1_b = %s", Num(run.at_mean.weights(0, lab.a)).c_str(),
                Num(run.at_mean.weights(0, lab.b)).c_str());
  }
  ImGui::Text("Over %d draws: \u03B1_a %s \u00B1 %s,  \u03B1_b %s \u00B1 %s,  drift o\u00B7(v_a \u2212 v_b): "
              "mean %s, sd %s",
              lab.samples, Num(run.alpha_a_moments.mean, 3).c_str(), Num(std::sqrt(run.alpha_a_moments.variance), 3).c_str(),
              Num(run.alpha_b_moments.mean, 3).c_str(), Num(std::sqrt(run.alpha_b_moments.variance), 3).c_str(),
              Num(run.drift_moments.mean, 3).c_str(), Num(std::sqrt(run.drift_moments.variance), 3).c_str());
  s.Record("selection.summary");
}

// Each figure below is a panel (see BeginFigurePanel) of `size` with its header.
void DrawWeights(AppState& s, ImVec2 size) {
  const SelectionLabSettings& lab = s.scenario.views.Get<SelectionLabSettings>();
  const char* title = lab.two_heads ? "Output o = mean of the heads (V = I)" : "Weights (= output, V = I)";
  if (!BeginFigurePanel(s, "weights", title, &size)) return;
  const SelectionRun& run = s.ui.caches.Get<SelectionViewCache>().run;
  PlotSpec spec;
  spec.y.fit = false;
  spec.y.min = 0;
  spec.y.max = 1.05;
  spec.x.label = "key";
  spec.y.label = lab.two_heads ? "output coordinate" : "weight";
  PlotSeries mean_bars;
  mean_bars.label = "keys at their means";
  mean_bars.kind = SeriesKind::kBars;
  mean_bars.color = 0;
  PlotSeries draw;
  draw.label = "one draw of the keys";
  draw.kind = SeriesKind::kScatter;
  draw.color = 3;
  draw.weight = 1.6f;
  for (int i = 0; i < lab.n; ++i) {
    mean_bars.x.push_back(i);
    mean_bars.y.push_back(run.at_mean.output(i));
    draw.x.push_back(i);
    draw.y.push_back(run.first.output(i));
    spec.x.ticks.push_back(i);
    // Keys as every view names them, k0 k1 ..., with the two the query targets marked.
    spec.x.tick_labels.push_back("k" + std::to_string(i) + (i == lab.a ? "=a" : i == lab.b ? "=b" : ""));
  }
  spec.series = {mean_bars, draw};
  if (!lab.two_heads && lab.query.empty()) {
    PlotSeries cf = LineSeries("t/(2t+n\u22122)", {-0.5, lab.n - 0.5},
                               {run.closed_form_pair_weight, run.closed_form_pair_weight}, 2);
    cf.dashed = true;
    spec.series.push_back(cf);
  }
  const PlotResult r = Plot("weights", spec, size);
  s.ui.items["selection.plot.weights"] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, "weights");
}

void DrawAlphaHistogram(AppState& s, ImVec2 size) {
  if (!BeginFigurePanel(s, "alpha_distribution", "o\u00B7v_a and o\u00B7v_b over the draws", &size)) return;
  const SelectionRun& run = s.ui.caches.Get<SelectionViewCache>().run;
  PlotSpec spec;
  spec.x.label = "weight";
  spec.x.fit = false;
  spec.x.min = 0;
  spec.x.max = 1;
  spec.y.label = "fraction of draws";
  spec.y.include_zero = true;
  PlotSeries ha = HistogramSeries("o\u00B7v_a = \u03B1_a", run.alpha_a, 40, 0, 1, false);
  PlotSeries hb = HistogramSeries("o\u00B7v_b = \u03B1_b", run.alpha_b, 40, 0, 1, false);
  for (double& y : ha.y) y /= std::max<size_t>(1, run.alpha_a.size());
  for (double& y : hb.y) y /= std::max<size_t>(1, run.alpha_b.size());
  ha.color = 0;
  hb.color = 1;
  spec.series = {ha, hb};
  spec.markers.push_back(PlotMarker{"1/2", 0.5, -1, true});
  const PlotResult r = Plot("alpha_hist", spec, size);
  s.ui.items["selection.plot.alpha"] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, "alpha_distribution");
}

void DrawDriftHistogram(AppState& s, ImVec2 size) {
  const SelectionLabSettings& lab = s.scenario.views.Get<SelectionLabSettings>();
  if (!BeginFigurePanel(s, "output_drift", std::string("Drift of the output, ") + (lab.two_heads ? "two heads" : "one head"),
                        &size))
    return;
  const SelectionRun& run = s.ui.caches.Get<SelectionViewCache>().run;
  PlotSpec spec;
  spec.x.label = "o\u00B7v_a \u2212 o\u00B7v_b   (\u22121 = v_b,  +1 = v_a)";
  spec.x.fit = false;
  spec.x.min = -1;
  spec.x.max = 1;
  spec.y.label = "fraction of draws";
  spec.y.include_zero = true;
  PlotSeries h = HistogramSeries(std::string(lab.two_heads ? "two heads" : "one head") + ", sd " + Num(std::sqrt(run.drift_moments.variance), 3), run.drift, 40, -1, 1, false);
  for (double& y : h.y) y /= std::max<size_t>(1, run.drift.size());
  h.color = lab.two_heads ? 2 : 4;
  spec.series = {h};
  spec.markers.push_back(PlotMarker{"fair average", 0.0, -1, true});
  const PlotResult r = Plot("drift_hist", spec, size);
  s.ui.items["selection.plot.drift"] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, "output_drift");
}

}  // namespace

void DrawSelectionView(AppState& s) {
  s.ui.panel_names.clear();
  const bool one_panel = ExportingOnePanel(s);
  if (!one_panel) DrawControls(s);
  Update(s);
  const SelectionViewCache& c = s.ui.caches.Get<SelectionViewCache>();
  if (!c.status.ok()) {
    ErrorText(c.status.ToString());
    return;
  }
  if (one_panel) {  // a picture of one figure: each is visited, the chosen one draws
    const ImVec2 size = FigureExportSize();
    DrawWeights(s, size);
    DrawAlphaHistogram(s, size);
    DrawDriftHistogram(s, size);
    return;
  }
  DrawSummary(s);
  if (s.ui.presentation) {  // the two pictures that carry the lesson, large
    const float font = ImGui::GetFontSize();
    const ImVec2 plot(font * 16.0f, font * 10.0f);
    std::vector<Slide> slides;
    slides.push_back({"weights", "The weights", plot, [&s](ImVec2 room) { DrawWeights(s, room); }});
    slides.push_back({"output_drift", "Drift of the output", plot, [&s](ImVec2 room) { DrawDriftHistogram(s, room); }});
    slides.push_back({"alpha_distribution", "o\u00B7v_a and o\u00B7v_b", plot,
                      [&s](ImVec2 room) { DrawAlphaHistogram(s, room); }});
    if (!s.scenario.notes.empty() || !s.scenario.solution.empty())
      slides.push_back({"exercise", "The exercise and its solution", ImVec2(font * 16.0f, font * 8.0f),
                        [&s](ImVec2) { DrawExerciseText(s); }});
    DrawPresentation(s, slides, FindViewScreen("selection")->presentation_panels);
    return;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float font = ImGui::GetFontSize();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float half = (avail.x - spacing) * 0.5f;
  const float top_h = std::max(font * 8.0f, (avail.y - ImGui::GetStyle().ItemSpacing.y) * 0.5f);
  const float bottom_h = std::max(font * 8.0f, avail.y - top_h - ImGui::GetStyle().ItemSpacing.y);
  DrawWeights(s, ImVec2(half, top_h));
  ImGui::SameLine();
  ImGui::BeginChild("selection_notes", ImVec2(0, top_h), false);
  if (!s.scenario.notes.empty() && !s.ui.presentation) {
    DrawExerciseText(s);
  } else {
    DrawAlphaHistogram(s, ImVec2(0, top_h));
  }
  ImGui::EndChild();
  if (!s.scenario.notes.empty() && !s.ui.presentation) {
    DrawAlphaHistogram(s, ImVec2(half, bottom_h));
    ImGui::SameLine();
  }
  DrawDriftHistogram(s, ImVec2(s.scenario.notes.empty() || s.ui.presentation ? avail.x : half, bottom_h));
}

}  // namespace attnlab::ui
