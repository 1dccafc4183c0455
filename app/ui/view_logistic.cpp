// The Logistic regression view (E10): 2-D points with labels +-1 the user
// drags, adds and removes; whether they are separable through the origin (w*);
// the loss along alpha w* falling towards 0 with no minimum, and with an L2
// penalty a finite one; gradient descent's ||w|| growing without bound, and
// levelling off under L2; the decision lines drawn on the points. Maths in
// core/exam_extras.hpp and core/e10_lab.hpp; this file only draws.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "attnlab/format.hpp"
#include "ui/panels.hpp"
#include "ui/presentation.hpp"
#include "ui/theme.hpp"
#include "ui/view_e10.hpp"
#include "ui/views.hpp"
#include "widgets/plot.hpp"

namespace attnlab::ui {
namespace {

std::string Num(double v, int digits = 3) { return FormatNumber(v, NumberStyle::kDecimal, digits); }

LogisticLabSettings& Lab(AppState& s) {
  if (!s.scenario.views.Find<LogisticLabSettings>()) s.scenario.views.Set(DefaultLogisticLab());
  return s.scenario.views.Get<LogisticLabSettings>();
}

void Update(AppState& s) {
  const LogisticLabSettings& lab = Lab(s);
  LogisticViewCache& c = s.ui.caches.Get<LogisticViewCache>();
  if (c.computed && c.computed_for == lab) return;
  c.status = ComputeLogisticLab(lab, &c.view);
  c.computed = true;
  c.computed_for = lab;
}

void DrawControls(AppState& s) {
  LogisticLabSettings& lab = Lab(s);
  const float font = ImGui::GetFontSize();
  const float w = font * 8.0f;
  ImGui::SetNextItemWidth(w);
  // Doubles, not floats: a touched slider must not write 0.10000000149011612 to the file.
  double lambda = lab.lambda;
  const double lambda_lo = 0.0, lambda_hi = 1.0;
  if (ImGui::SliderScalar("##lambda", ImGuiDataType_Double, &lambda, &lambda_lo, &lambda_hi, "\u03BB = %.3f",
                          ImGuiSliderFlags_AlwaysClamp) &&
      std::isfinite(lambda))  // ("nan" typed after a ctrl-click is no value)
    lab.lambda = lambda;
  s.Record("logistic.lambda");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The L2 penalty: L(w) + \u03BB/2 \u2016w\u2016\u00B2 (0 = none)");
  ImGui::SameLine(0, font);
  ImGui::SetNextItemWidth(w);
  double eta = lab.learning_rate;
  const double eta_lo = 0.01, eta_hi = 10.0;
  if (ImGui::SliderScalar("##eta", ImGuiDataType_Double, &eta, &eta_lo, &eta_hi, "\u03B7 = %.3g",
                          ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp) &&
      std::isfinite(eta))
    lab.learning_rate = eta;
  s.Record("logistic.eta");
  ImGui::SameLine(0, font);
  ImGui::SetNextItemWidth(w);
  int steps = lab.steps;
  const int most = static_cast<int>(std::min<long long>(
      kMaxLogisticSteps, kMaxLogisticWork / std::max<long long>(1, static_cast<long long>(lab.data.points.size()))));
  if (ImGui::SliderInt("##steps", &steps, 1, std::max(1, most), "steps = %d",
                       ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp))
    lab.steps = steps;
  s.Record("logistic.steps");
  ImGui::SameLine(0, font);
  const bool full = static_cast<int>(lab.data.points.size()) >= kMaxLogisticPoints ||
                    static_cast<long long>(lab.data.points.size() + 1) * lab.steps > kMaxLogisticWork;
  if (ImGui::Button("+1 point") && !full) {
    lab.data.points.push_back({0.5, 1.5});
    lab.data.labels.push_back(1);
  }
  s.Record("logistic.add_plus");
  ImGui::SameLine();
  if (ImGui::Button("\u22121 point") && !full) {
    lab.data.points.push_back({-0.5, -1.5});
    lab.data.labels.push_back(-1);
  }
  s.Record("logistic.add_minus");
  ImGui::SameLine();
  if (ImGui::Button("Reset points")) {
    const LogisticLabSettings d = DefaultLogisticLab();
    lab.data = d.data;
  }
  s.Record("logistic.reset");
}

// The separable / not separable line, in a fixed place.
void DrawNote(AppState& s) {
  const LogisticViewCache& c = s.ui.caches.Get<LogisticViewCache>();
  ImGui::PushStyleColor(ImGuiCol_Text, c.view.no_minimum ? ImVec4(0.30f, 0.75f, 0.45f, 1.0f) : ImVec4(0.95f, 0.65f, 0.20f, 1.0f));
  if (s.ui.presentation) {  // one line the back row can read
    const LogisticLabView& v = c.view;
    if (v.no_minimum)
      ImGui::TextWrapped("%s, w* = (%s, %s): L(\u03B1 w*) falls as \u03B1 \u2192 \u221E, no minimum",
                         v.separable ? "separable" : "separable only weakly",
                         FormatNumber(v.w_star.x, NumberStyle::kDecimal, 2).c_str(),
                         FormatNumber(v.w_star.y, NumberStyle::kDecimal, 2).c_str());
    else
      ImGui::TextWrapped("%s", v.note.substr(0, v.note.find(':')).c_str());
  } else {  // two lines, always: nothing below moves when the note changes
    const float h = 2.0f * ImGui::GetTextLineHeightWithSpacing();
    ImGui::BeginChild("note", ImVec2(-1, h), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    ImGui::TextWrapped("%s", c.view.note.c_str());
    ImGui::EndChild();
  }
  ImGui::PopStyleColor();
  s.Record("logistic.note");
}

ImVec2 ToPixel(ImVec2 centre, float scale, Point2 p) {
  return ImVec2(centre.x + static_cast<float>(p.x) * scale, centre.y - static_cast<float>(p.y) * scale);
}

// The line w.x = 0 across the canvas, and w as an arrow from the origin.
void DecisionLine(ImDrawList* dl, ImVec2 centre, float half, Point2 w, ImU32 col, float thick, bool dashed) {
  const double n = std::hypot(w.x, w.y);
  if (!(n > 0) || !std::isfinite(n)) return;
  const float ux = static_cast<float>(-w.y / n), uy = static_cast<float>(w.x / n);  // along the line (data axes)
  const float L = half * 1.5f;
  if (!dashed) {
    dl->AddLine(ImVec2(centre.x - ux * L, centre.y + uy * L), ImVec2(centre.x + ux * L, centre.y - uy * L), col, thick);
  } else {
    for (float t = -L; t < L; t += 12.0f) {
      const float e = std::min(t + 7.0f, L);
      dl->AddLine(ImVec2(centre.x + ux * t, centre.y - uy * t), ImVec2(centre.x + ux * e, centre.y - uy * e), col, thick);
    }
  }
  const float ax = static_cast<float>(w.x / n), ay = static_cast<float>(w.y / n);
  const float a = half * 0.25f;
  const ImVec2 tip(centre.x + ax * a, centre.y - ay * a);
  dl->AddLine(centre, tip, col, thick);
  dl->AddCircleFilled(tip, thick * 2.0f, col);
}

void DrawPoints(AppState& s, ImVec2 size) {
  LogisticLabSettings& lab = Lab(s);
  LogisticViewCache& c = s.ui.caches.Get<LogisticViewCache>();
  if (!BeginFigurePanel(s, "points", "The points and the decision lines w\u00B7x = 0", &size)) return;
  const bool interactive = !ExportingOnePanel(s);
  const float font = ImGui::GetFontSize();
  const float legend_h = font * 1.4f;
  const float side = std::max(font * 6.0f, std::min(size.x, size.y - legend_h));
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##canvas", ImVec2(side, side), ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  s.Record("logistic.canvas");
  const bool hovered = ImGui::IsItemHovered();
  // The range: every point inside with a margin, kept still while dragging.
  if (c.dragging < 0 || c.range <= 0) {
    double r = 1.0;
    for (const Point2& q : lab.data.points) r = std::max({r, std::abs(q.x), std::abs(q.y)});
    c.range = std::min(r, kMaxLogisticCoordinate) * 1.25;
  }
  const float half = side * 0.5f;
  const ImVec2 centre(p0.x + half, p0.y + half);
  const float scale = half / static_cast<float>(c.range);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const bool dark = s.ui.dark;
  const ImU32 frame = dark ? IM_COL32(30, 30, 34, 255) : IM_COL32(250, 250, 250, 255);
  const ImU32 axis = dark ? IM_COL32(90, 90, 100, 255) : IM_COL32(190, 190, 195, 255);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  dl->AddRectFilled(p0, ImVec2(p0.x + side, p0.y + side), frame);
  dl->PushClipRect(p0, ImVec2(p0.x + side, p0.y + side), true);
  dl->AddLine(ImVec2(p0.x, centre.y), ImVec2(p0.x + side, centre.y), axis);
  dl->AddLine(ImVec2(centre.x, p0.y), ImVec2(centre.x, p0.y + side), axis);
  const LogisticLabView& v = c.view;
  const float thick = std::max(1.5f, font * 0.14f);
  if (c.status.ok()) {
    if (v.no_minimum) DecisionLine(dl, centre, half, v.w_star, PaletteColor(2, dark), thick, true);
    if (!v.descent.empty()) DecisionLine(dl, centre, half, v.descent.back().w, PaletteColor(0, dark), thick, false);
    if (!v.descent_l2.empty()) DecisionLine(dl, centre, half, v.descent_l2.back().w, PaletteColor(1, dark), thick, false);
  }
  const float r = std::max(4.0f, font * 0.42f);
  int hit = -1;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (size_t i = 0; i < lab.data.points.size(); ++i) {
    const ImVec2 q = ToPixel(centre, scale, lab.data.points[i]);
    const bool plus = lab.data.labels[i] > 0;
    const ImU32 col = plus ? PaletteColor(4, dark) : PaletteColor(5, dark);
    if (plus) {
      dl->AddCircleFilled(q, r, col);
      dl->AddLine(ImVec2(q.x - r * 0.6f, q.y), ImVec2(q.x + r * 0.6f, q.y), frame, 2.0f);
      dl->AddLine(ImVec2(q.x, q.y - r * 0.6f), ImVec2(q.x, q.y + r * 0.6f), frame, 2.0f);
    } else {
      dl->AddRectFilled(ImVec2(q.x - r, q.y - r), ImVec2(q.x + r, q.y + r), col);
      dl->AddLine(ImVec2(q.x - r * 0.6f, q.y), ImVec2(q.x + r * 0.6f, q.y), frame, 2.0f);
    }
    if (v.no_minimum || !v.descent.empty()) {
      // A point on the wrong side of the descent's line is ringed.
      const Point2 w = v.descent.empty() ? v.w_star : v.descent.back().w;
      if (lab.data.labels[i] * (w.x * lab.data.points[i].x + w.y * lab.data.points[i].y) <= 0)
        dl->AddCircle(q, r * 1.7f, ImGui::GetColorU32(ErrorColor()), 0, 2.0f);
    }
    s.ui.items["logistic.point." + std::to_string(i)] = ItemRect{ImVec2(q.x - r, q.y - r), ImVec2(q.x + r, q.y + r)};
    if (hovered && std::hypot(mouse.x - q.x, mouse.y - q.y) <= r * 1.6f) hit = static_cast<int>(i);
  }
  dl->PopClipRect();
  dl->AddRect(p0, ImVec2(p0.x + side, p0.y + side), axis);
  if (interactive) {
    if (c.dragging < 0 && hit >= 0 && ImGui::IsMouseClicked(0)) {
      if (ImGui::GetIO().KeyShift) lab.data.labels[static_cast<size_t>(hit)] *= -1;  // flip
      else c.dragging = hit;
    }
    if (hit >= 0 && ImGui::IsMouseClicked(1)) {  // remove
      lab.data.points.erase(lab.data.points.begin() + hit);
      lab.data.labels.erase(lab.data.labels.begin() + hit);
      c.dragging = -1;
    }
    if (c.dragging >= 0) {
      if (ImGui::IsMouseDown(0) && c.dragging < static_cast<int>(lab.data.points.size())) {
        const double lim = std::min(c.range, kMaxLogisticCoordinate);  // never past what a file may hold
        Point2& q = lab.data.points[static_cast<size_t>(c.dragging)];
        q.x = std::clamp(static_cast<double>((mouse.x - centre.x) / scale), -lim, lim);
        q.y = std::clamp(static_cast<double>((centre.y - mouse.y) / scale), -lim, lim);
        // Two decimals: a file reads as the screen shows it.
        q.x = std::round(q.x * 100.0) / 100.0;
        q.y = std::round(q.y * 100.0) / 100.0;
      } else {
        c.dragging = -1;
      }
    }
    if (hovered && c.dragging < 0)
      ImGui::SetTooltip(hit >= 0 ? "drag to move · right-click to remove · shift-click to flip the label"
                                 : "the points: drag one to move it");
  }
  // The legend, in one line under the canvas.
  auto key = [&](int color, const char* label, bool dashed) {
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float y = at.y + font * 0.6f;
    if (dashed) {
      dl->AddLine(ImVec2(at.x, y), ImVec2(at.x + font * 0.6f, y), PaletteColor(color, dark), thick);
      dl->AddLine(ImVec2(at.x + font * 0.9f, y), ImVec2(at.x + font * 1.5f, y), PaletteColor(color, dark), thick);
    } else {
      dl->AddLine(ImVec2(at.x, y), ImVec2(at.x + font * 1.5f, y), PaletteColor(color, dark), thick);
    }
    ImGui::Dummy(ImVec2(font * 1.7f, font));
    ImGui::SameLine(0, 0);
    ImGui::TextUnformatted(label);
    ImGui::SameLine(0, font * 0.8f);
  };
  if (v.no_minimum) key(2, "w*", true);
  key(0, "GD, \u03BB = 0", false);
  if (!v.descent_l2.empty()) key(1, ("GD, \u03BB = " + Num(lab.lambda)).c_str(), false);
  ImGui::NewLine();
  (void)text;
  EndFigurePanel(s, "points");
}

void DrawLossAlong(AppState& s, ImVec2 size) {
  const LogisticLabSettings& lab = Lab(s);
  const LogisticLabView& v = s.ui.caches.Get<LogisticViewCache>().view;
  const std::string title = v.no_minimum ? "L(\u03B1 w*) against \u03B1"
                                        : "L(\u03B1 u) along gradient descent's direction u";
  if (!BeginFigurePanel(s, "loss_along", title, &size)) return;
  PlotSpec spec;
  spec.x.label = "\u03B1";
  spec.y.label = "loss";
  // From 0 to a little above L(0): the lambda = 0 curve keeps its shape beside the penalised one.
  spec.y.fit = false;
  spec.y.min = 0;
  spec.y.max = v.loss_along.empty() ? 1.0 : std::max(1e-3, 1.4 * v.loss_along.front());
  spec.series.push_back(LineSeries("\u03BB = 0", v.alphas, v.loss_along, 0));
  if (!v.loss_along_l2.empty()) {
    spec.series.push_back(LineSeries("\u03BB = " + Num(lab.lambda), v.alphas, v.loss_along_l2, 1));
    spec.markers.push_back(PlotMarker{"min at \u03B1 = " + Num(v.alpha_min_l2), v.alpha_min_l2, 1, true});
  }
  const PlotResult r = Plot("loss_along", spec, size);
  s.ui.items["logistic.plot.loss_along"] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, "loss_along");
}

void DrawDescent(AppState& s, bool norm, ImVec2 size) {
  const LogisticLabSettings& lab = Lab(s);
  const LogisticLabView& v = s.ui.caches.Get<LogisticViewCache>().view;
  const char* panel = norm ? "norm_vs_steps" : "loss_vs_steps";
  const std::string title = norm ? (s.ui.presentation ? "\u2016w\u2016 against steps" : "\u2016w\u2016 against gradient descent's steps")
                                 : (s.ui.presentation ? "The loss against steps" : "The loss against the steps");
  if (!BeginFigurePanel(s, panel, title, &size)) return;
  PlotSpec spec;
  spec.x.label = "step";
  spec.y.label = norm ? "\u2016w\u2016" : "loss";
  spec.y.include_zero = true;
  auto series = [&](const std::vector<LogisticStep>& d, const std::string& label, int color) {
    std::vector<double> x(d.size()), y(d.size());
    for (size_t t = 0; t < d.size(); ++t) {
      x[t] = static_cast<double>(t);
      y[t] = norm ? d[t].norm : d[t].loss;
    }
    spec.series.push_back(LineSeries(label, std::move(x), std::move(y), color));
  };
  if (!v.descent.empty()) series(v.descent, "\u03BB = 0", 0);
  if (!v.descent_l2.empty()) series(v.descent_l2, "\u03BB = " + Num(lab.lambda), 1);
  const PlotResult r = Plot(panel, spec, size);
  s.ui.items[std::string("logistic.plot.") + panel] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, panel);
}

// The numbers in one line the back row can read.
void DrawSummary(AppState& s) {
  const LogisticLabSettings& lab = Lab(s);
  const LogisticLabView& v = s.ui.caches.Get<LogisticViewCache>().view;
  if (v.descent.empty()) return;
  std::string line = "after " + std::to_string(lab.steps) + " steps: \u2016w\u2016 = " + Num(v.descent.back().norm) +
                     ", L = " + Num(v.descent.back().loss, 4);
  if (!v.descent_l2.empty())
    line += ";  with \u03BB = " + Num(lab.lambda) + ": \u2016w\u2016 = " + Num(v.descent_l2.back().norm) +
            ", L + \u03BB/2\u2016w\u2016\u00B2 = " + Num(v.descent_l2.back().loss, 4);
  ImGui::TextWrapped("%s", line.c_str());
  s.Record("logistic.summary");
}

}  // namespace

void DrawLogisticView(AppState& s) {
  s.ui.panel_names.clear();
  const bool one_panel = ExportingOnePanel(s);
  Update(s);
  if (one_panel) {
    const ImVec2 size = FigureExportSize();
    DrawPoints(s, size);
    DrawLossAlong(s, size);
    DrawDescent(s, true, size);
    DrawDescent(s, false, size);
    return;
  }
  const float font = ImGui::GetFontSize();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  if (s.ui.presentation) {
    const LogisticViewCache& c = s.ui.caches.Get<LogisticViewCache>();
    if (!c.status.ok()) {
      ErrorText(c.status.ToString());
      return;
    }
    DrawNote(s);
    const ImVec2 plot(font * 11.0f, font * 7.0f);
    std::vector<Slide> slides;
    slides.push_back({"points", "The points and the decision lines", ImVec2(font * 9.0f, font * 10.5f),
                      [&s](ImVec2 room) { DrawPoints(s, room); }});
    slides.push_back({"loss_along", "L(\u03B1 w*) against \u03B1", plot, [&s](ImVec2 room) { DrawLossAlong(s, room); }});
    slides.push_back({"norm_vs_steps", "\u2016w\u2016 against steps", plot, [&s](ImVec2 room) { DrawDescent(s, true, room); }});
    slides.push_back({"loss_vs_steps", "The loss against steps", plot, [&s](ImVec2 room) { DrawDescent(s, false, room); }});
    if (!s.scenario.notes.empty() || !s.scenario.solution.empty())
      slides.push_back({"exercise", "The exercise and its solution", ImVec2(font * 16.0f, font * 8.0f),
                        [&s](ImVec2) { DrawExerciseText(s); }});
    DrawPresentation(s, slides, FindViewScreen("logistic")->presentation_panels);
    Update(s);
    return;
  }
  DrawControls(s);
  Update(s);
  const LogisticViewCache& c = s.ui.caches.Get<LogisticViewCache>();
  if (!c.status.ok()) {
    ErrorText(c.status.ToString());
    return;
  }
  DrawNote(s);
  DrawSummary(s);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float vspace = ImGui::GetStyle().ItemSpacing.y;
  const float exercise_h = ImGui::GetFrameHeightWithSpacing();
  const float h = std::max(font * 16.0f, avail.y - exercise_h);
  const float left = std::min(std::max(font * 14.0f, (avail.x - spacing) * 0.42f), h);
  const float right = std::max(font * 14.0f, avail.x - left - spacing - font);  // (room for the last tick's label)
  DrawPoints(s, ImVec2(left, h));
  ImGui::SameLine();
  ImGui::BeginGroup();
  const float third = std::max(font * 7.0f, (h - 2.0f * vspace) / 3.0f);
  DrawLossAlong(s, ImVec2(right, third));
  DrawDescent(s, true, ImVec2(right, third));
  DrawDescent(s, false, ImVec2(right, third));
  ImGui::EndGroup();
  if (ImGui::CollapsingHeader("The exercise")) DrawExerciseText(s);
  Update(s);
}

}  // namespace attnlab::ui
