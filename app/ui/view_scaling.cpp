// The Scaling view (E1): why attention divides q.k by sqrt(d). Monte-Carlo
// histograms of q.k and q.k / sqrt(d) with the closed-form normal curve, the
// estimates beside ||mu||^2 and d sigma^4 + 2 sigma^2 ||mu||^2, variance
// against d, and the softmax saturation it causes. Maths in
// core/dot_product_stats.hpp; this file only draws.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "attnlab/format.hpp"
#include "ui/view_scaling.hpp"
#include "ui/views.hpp"
#include "ui/theme.hpp"
#include "ui/panels.hpp"
#include "ui/presentation.hpp"
#include "widgets/plot.hpp"

namespace attnlab::ui {
namespace {

// Samples when their settings changed; the curves (costlier) only when theirs did.
void Update(AppState& s) {
  const ScalingLabSettings& lab = s.scenario.views.Get<ScalingLabSettings>();
  ScalingViewCache& c = s.ui.caches.Get<ScalingViewCache>();
  const bool samples_stale = !c.valid || !SameScalingSamples(c.computed_for, lab);
  const bool curves_stale = !c.valid || !SameScalingCurves(c.computed_for, lab);
  if (!samples_stale && !curves_stale) return;
  Status st = Status::Ok();
  if (samples_stale) st = ComputeScalingSamples(lab, &c.view);
  if (st.ok() && curves_stale) st = ComputeScalingCurves(lab, &c.view);
  c.status = st;
  c.valid = st.ok();
  c.computed_for = lab;
}

void DrawControls(AppState& s) {
  ScalingLabSettings& lab = s.scenario.views.Get<ScalingLabSettings>();
  const float font = ImGui::GetFontSize();
  const float w = font * 8.0f;
  ImGui::SetNextItemWidth(w);
  int d = lab.d;
  if (ImGui::SliderInt("##d", &d, 1, 1024, "d = %d", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp)) {
    lab.d = d;
    lab.mu_components.clear();  // a per-component mean does not fit another d
  }
  s.Record("scaling.d");
  ImGui::SameLine(0, font);
  if (lab.mu_components.empty()) {
    float mu = static_cast<float>(lab.mu);
    ImGui::SetNextItemWidth(w);
    if (ImGui::SliderFloat("##mu", &mu, -2.0f, 2.0f, "\u03BC = %.2f")) lab.mu = mu;
    s.Record("scaling.mu");
  } else {
    if (ImGui::Button("\u03BC per component: use a constant")) lab.mu_components.clear();
    s.Record("scaling.mu_constant");
  }
  ImGui::SameLine(0, font);
  float sigma = static_cast<float>(lab.sigma);
  ImGui::SetNextItemWidth(w);
  if (ImGui::SliderFloat("##sigma", &sigma, 0.1f, 3.0f, "\u03C3 = %.2f")) lab.sigma = sigma;
  s.Record("scaling.sigma");
  ImGui::SameLine(0, font);
  int n = lab.samples;
  ImGui::SetNextItemWidth(w);
  if (ImGui::SliderInt("##samples", &n, 100, 50000, "n = %d", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp))
    lab.samples = n;
  s.Record("scaling.samples");
  ImGui::SameLine(0, font);
  // On this line when it fits, else on the next (presentation mode's large font).
  if (ImGui::GetContentRegionAvail().x < ImGui::CalcTextSize("Re-sample").x + ImGui::GetStyle().FramePadding.x * 2)
    ImGui::NewLine();
  if (ImGui::Button("Re-sample")) ++lab.seed;
  s.Record("scaling.resample");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("New random pairs (seed %llu)", static_cast<unsigned long long>(lab.seed));
}

std::string Num(double v, int digits = 3) { return FormatNumber(v, NumberStyle::kDecimal, digits); }

void DrawNumbers(AppState& s) {
  const ScalingView& c = s.ui.caches.Get<ScalingViewCache>().view;
  const DotProductClosedForm& cf = c.samples.closed_form;
  const SampleMoments& raw = c.samples.raw_moments;
  const SampleMoments& sc = c.samples.scaled_moments;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("moments", 5, flags)) return;
  ImGui::TableSetupColumn("");
  ImGui::TableSetupColumn("mean (estimate \u00B1 se)");
  ImGui::TableSetupColumn("\u2016\u03BC\u2016\u00B2 (closed form)");
  ImGui::TableSetupColumn("variance (estimate \u00B1 se)");
  ImGui::TableSetupColumn("d\u03C3\u2074 + 2\u03C3\u00B2\u2016\u03BC\u2016\u00B2");
  ImGui::TableHeadersRow();
  const struct {
    const char* name;
    const SampleMoments* m;
    double mean, var;
  } rows[] = {{"q\u00B7k", &raw, cf.mean, cf.variance}, {"q\u00B7k / \u221Ad", &sc, cf.scaled_mean, cf.scaled_variance}};
  for (const auto& r : rows) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(r.name);
    ImGui::TableNextColumn();
    ImGui::Text("%s \u00B1 %s", Num(r.m->mean).c_str(), Num(r.m->mean_se).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(Num(r.mean).c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%s \u00B1 %s", Num(r.m->variance).c_str(), Num(r.m->variance_se).c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%s%s", Num(r.var).c_str(), r.m == &sc ? "  (\u00F7 d)" : "");
  }
  ImGui::EndTable();
}

// Each figure below is a panel (see BeginFigurePanel) of `size` with its header.

// A histogram of `values` over mean +- 4.5 sd with the closed-form normal density.
void DrawHistogram(AppState& s, const char* id, const std::string& title, const std::string& x_label,
                   const std::vector<double>& values, double mean, double variance, int color, ImVec2 size) {
  const std::string panel = std::string("histogram_") + id;
  if (!BeginFigurePanel(s, panel, title, &size)) return;
  PlotSpec spec;
  spec.x.label = x_label;
  spec.y.label = "density";
  spec.y.include_zero = true;
  const double sd = std::sqrt(std::max(variance, 1e-12));
  const double lo = mean - 4.5 * sd, hi = mean + 4.5 * sd;
  PlotSeries h = HistogramSeries("samples", values, 41, lo, hi, true);
  h.color = color;
  spec.series.push_back(std::move(h));
  std::vector<double> xs(161);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = lo + (hi - lo) * i / (xs.size() - 1);
  std::vector<double> ys = NormalDensity(xs, mean, variance);
  spec.series.push_back(LineSeries(s.ui.presentation ? "closed form" : "normal, closed-form mean and variance", std::move(xs), std::move(ys), 3));
  spec.markers.push_back(PlotMarker{"", mean, 3, true});
  const PlotResult r = Plot(id, spec, size);
  s.ui.items[std::string("scaling.plot.") + id] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, panel);
}

void DrawVariance(AppState& s, ImVec2 size) {
  const ScalingView& c = s.ui.caches.Get<ScalingViewCache>().view;
  const ScalingLabSettings& lab = s.scenario.views.Get<ScalingLabSettings>();
  if (!BeginFigurePanel(s, "variance_vs_d", "Variance against d", &size)) return;
  PlotSpec spec;
  spec.x.label = "d (log)";
  spec.x.scale = AxisScale::kLog;
  spec.y.label = "variance (log)";
  spec.y.scale = AxisScale::kLog;
  PlotSeries raw_est = LineSeries("q\u00B7k estimate", c.variance.dims, c.variance.raw_variance, 0);
  raw_est.kind = SeriesKind::kScatter;
  raw_est.weight = 1.4f;
  PlotSeries sc_est = LineSeries("q\u00B7k/\u221Ad estimate", c.variance.dims, c.variance.scaled_variance, 1);
  sc_est.kind = SeriesKind::kScatter;
  sc_est.weight = 1.4f;
  PlotSeries raw_cf = LineSeries("closed form", c.variance.dims, c.variance.raw_closed, 0);
  PlotSeries sc_cf = LineSeries("", c.variance.dims, c.variance.scaled_closed, 1);
  raw_cf.dashed = sc_cf.dashed = true;
  spec.series = {raw_cf, sc_cf, raw_est, sc_est};
  spec.markers.push_back(PlotMarker{"d = " + std::to_string(lab.d), static_cast<double>(lab.d), 3, false});
  const PlotResult r = Plot("variance", spec, size);
  s.ui.items["scaling.plot.variance"] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, "variance_vs_d");
}

void DrawSaturation(AppState& s, ImVec2 size) {
  const ScalingView& c = s.ui.caches.Get<ScalingViewCache>().view;
  const ScalingLabSettings& lab = s.scenario.views.Get<ScalingLabSettings>();
  if (!BeginFigurePanel(s, "saturation", "Mean largest softmax weight, " + std::to_string(lab.keys) + " keys", &size))
    return;
  PlotSpec spec;
  spec.x.label = "d (log)";
  spec.x.scale = AxisScale::kLog;
  spec.y.label = "E[max weight]";
  spec.y.fit = false;
  spec.y.min = 0;
  spec.y.max = 1.05;
  PlotSeries raw = LineSeries("softmax(q\u00B7k)", c.saturation.dims, c.saturation.raw_max_weight, 0);
  PlotSeries sc = LineSeries("softmax(q\u00B7k/\u221Ad)", c.saturation.dims, c.saturation.scaled_max_weight, 1);
  PlotSeries uniform = LineSeries("1/keys", {c.saturation.dims.front(), c.saturation.dims.back()},
                                  {1.0 / lab.keys, 1.0 / lab.keys}, 6);
  uniform.dashed = true;
  spec.series = {raw, sc, uniform};
  spec.markers.push_back(PlotMarker{"d = " + std::to_string(lab.d), static_cast<double>(lab.d), 3, false});
  const PlotResult r = Plot("saturation", spec, size);
  s.ui.items["scaling.plot.saturation"] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, "saturation");
}

// Presentation: one line of numbers the back row can read.
void DrawSummary(AppState& s) {
  const ScalingView& c = s.ui.caches.Get<ScalingViewCache>().view;
  const DotProductClosedForm& cf = c.samples.closed_form;
  ImGui::TextWrapped("var q\u00B7k = %s (closed form %s)     var q\u00B7k/\u221Ad = %s (closed form %s)",
                     Num(c.samples.raw_moments.variance).c_str(), Num(cf.variance).c_str(),
                     Num(c.samples.scaled_moments.variance).c_str(), Num(cf.scaled_variance).c_str());
  s.Record("scaling.summary");
}

}  // namespace

void DrawScalingView(AppState& s) {
  s.ui.panel_names.clear();
  const bool one_panel = ExportingOnePanel(s);
  if (!one_panel) DrawControls(s);
  Update(s);
  const ScalingViewCache& cache = s.ui.caches.Get<ScalingViewCache>();
  const ScalingView& c = cache.view;
  if (!cache.status.ok()) {
    ErrorText(cache.status.ToString());
    return;
  }
  const ScalingLabSettings& lab = s.scenario.views.Get<ScalingLabSettings>();
  const DotProductClosedForm& cf = c.samples.closed_form;
  const std::string raw_title = "q\u00B7k, d = " + std::to_string(lab.d);
  const std::string scaled_title = "q\u00B7k / \u221Ad";
  if (one_panel) {  // a picture of one figure: each is visited, the chosen one draws
    const ImVec2 size = FigureExportSize();
    DrawHistogram(s, "raw", raw_title, "q\u00B7k", c.samples.raw, cf.mean, cf.variance, 0, size);
    DrawHistogram(s, "scaled", scaled_title, "q\u00B7k / \u221Ad", c.samples.scaled, cf.scaled_mean,
                  cf.scaled_variance, 1, size);
    DrawVariance(s, size);
    DrawSaturation(s, size);
    return;
  }
  const float font = ImGui::GetFontSize();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  if (s.ui.presentation) {  // what carries the lesson, large: the two histograms side by side
    DrawSummary(s);
    const ImVec2 plot(font * 16.0f, font * 10.0f);
    std::vector<Slide> slides;
    slides.push_back({"histogram_raw", "Histogram of q\u00B7k", plot, [&](ImVec2 room) {
                        DrawHistogram(s, "raw", raw_title, "q\u00B7k", c.samples.raw, cf.mean, cf.variance, 0, room);
                      }});
    slides.push_back({"histogram_scaled", "Histogram of q\u00B7k / \u221Ad", plot, [&](ImVec2 room) {
                        DrawHistogram(s, "scaled", scaled_title, "q\u00B7k / \u221Ad", c.samples.scaled,
                                      cf.scaled_mean, cf.scaled_variance, 1, room);
                      }});
    slides.push_back({"variance_vs_d", "Variance against d", plot, [&s](ImVec2 room) { DrawVariance(s, room); }});
    slides.push_back({"saturation", "Softmax saturation", plot, [&s](ImVec2 room) { DrawSaturation(s, room); }});
    if (!s.scenario.notes.empty() || !s.scenario.solution.empty())
      slides.push_back({"exercise", "The exercise and its solution", ImVec2(font * 16.0f, font * 8.0f),
                        [&s](ImVec2) { DrawExerciseText(s); }});
    DrawPresentation(s, slides, FindViewScreen("scaling")->presentation_panels);
    return;
  }
  DrawNumbers(s);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float half = (avail.x - spacing) * 0.5f;
  const float top_h = std::max(font * 8.0f, (avail.y - ImGui::GetStyle().ItemSpacing.y) * 0.5f);
  const float bottom_h = std::max(font * 8.0f, avail.y - top_h - ImGui::GetStyle().ItemSpacing.y);
  DrawHistogram(s, "raw", raw_title, "q\u00B7k", c.samples.raw, cf.mean, cf.variance, 0, ImVec2(half, top_h));
  ImGui::SameLine();
  DrawHistogram(s, "scaled", scaled_title, "q\u00B7k / \u221Ad", c.samples.scaled, cf.scaled_mean,
                cf.scaled_variance, 1, ImVec2(half, top_h));
  DrawVariance(s, ImVec2(half, bottom_h));
  ImGui::SameLine();
  DrawSaturation(s, ImVec2(half, bottom_h));
}

}  // namespace attnlab::ui
