// The RNN gradient view (E10): the two-step scalar RNN h_t = g(w h_{t-1} + a x_t),
// L = 1/2 (h_2 - y)^2, every factor of dL/dw with its number (the exam's
// (h_2 - y) g'(z_2) h_1 and the term through h_1 that it drops when h_0 != 0),
// a central finite difference beside it, and one SGD step applied. Maths in
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

const ImVec4 kGood(0.30f, 0.75f, 0.45f, 1.0f);
const ImVec4 kWarn(0.95f, 0.65f, 0.20f, 1.0f);

std::string Num(double v, int digits = 4) { return FormatNumber(v, NumberStyle::kDecimal, digits); }

RnnLabSettings& Lab(AppState& s) { return s.scenario.views.Get<RnnLabSettings>(); }

void Update(AppState& s) {
  const RnnLabSettings& lab = Lab(s);
  RnnViewCache& c = s.ui.caches.Get<RnnViewCache>();
  if (c.computed && c.computed_for == lab) return;
  c.status = ComputeRnnLab(lab, &c.view);
  c.computed = true;
  c.computed_for = lab;
}

bool SliderDouble(AppState& s, const char* id, const char* name, double* v, double lo, double hi, const char* format,
                  bool log = false) {
  const float font = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(font * 7.5f);
  const double before = *v;
  bool changed = ImGui::SliderScalar(id, ImGuiDataType_Double, v, &lo, &hi, format,
                                     ImGuiSliderFlags_AlwaysClamp | (log ? ImGuiSliderFlags_Logarithmic : 0));
  s.Record(std::string("rnn.") + name);
  if (changed && !std::isfinite(*v)) {  // "nan" typed after a ctrl-click: not a value (and never equal to itself)
    *v = before;
    changed = false;
  }
  return changed;
}

void DrawControls(AppState& s) {
  RnnLabSettings& lab = Lab(s);
  RnnInput& in = lab.in;
  const float font = ImGui::GetFontSize();
  int g = static_cast<int>(in.g);
  ImGui::SetNextItemWidth(font * 6.0f);
  if (ImGui::Combo("##g", &g, "tanh\0sigmoid\0ReLU\0")) in.g = static_cast<Activation>(g);
  s.Record("rnn.activation");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("g, the activation");
  const struct {
    const char* id;
    const char* name;
    double* v;
    const char* format;
  } fields[] = {{"##w", "w", &in.w, "w = %.3f"},    {"##a", "a", &in.a, "a = %.3f"},
                {"##x1", "x1", &in.x1, "x\u2081 = %.3f"}, {"##x2", "x2", &in.x2, "x\u2082 = %.3f"},
                {"##h0", "h0", &in.h0, "h\u2080 = %.3f"}, {"##y", "y", &in.y, "y = %.3f"}};
  for (const auto& f : fields) {
    ImGui::SameLine(0, font * 0.6f);
    if (ImGui::GetContentRegionAvail().x < font * 7.5f) ImGui::NewLine();
    SliderDouble(s, f.id, f.name, f.v, -3.0, 3.0, f.format);
  }
  ImGui::SameLine(0, font * 0.6f);
  if (ImGui::GetContentRegionAvail().x < font * 7.5f) ImGui::NewLine();
  SliderDouble(s, "##eta", "eta", &in.learning_rate, 1e-3, 10.0, "\u03B7 = %.3g", true);
}

void Line(const std::string& text, const ImVec4* color = nullptr) {
  if (color) ImGui::PushStyleColor(ImGuiCol_Text, *color);
  ImGui::TextWrapped("%s", text.c_str());
  if (color) ImGui::PopStyleColor();
}

std::string GName(Activation g) {
  return g == Activation::kTanh ? "tanh" : g == Activation::kSigmoid ? "\u03C3" : "ReLU";
}
std::string GPrime(Activation g) {
  return g == Activation::kTanh ? "1 \u2212 tanh\u00B2(z)" : g == Activation::kSigmoid ? "\u03C3(z)(1 \u2212 \u03C3(z))"
                                                                                  : "1 if z > 0, else 0";
}

void DrawForward(AppState& s, ImVec2 size) {
  const RnnInput& in = Lab(s).in;
  const RnnStep& r = s.ui.caches.Get<RnnViewCache>().view.step;
  if (!BeginFigurePanel(s, "forward", "The forward pass", &size)) return;
  ImGui::BeginChild("forward_body", size, false);
  const std::string g = GName(in.g);
  Line("z\u2081 = w h\u2080 + a x\u2081 = " + Num(in.w) + "\u00B7" + Num(in.h0) + " + " + Num(in.a) + "\u00B7" +
       Num(in.x1) + " = " + Num(r.z1));
  Line("h\u2081 = " + g + "(z\u2081) = " + Num(r.h1));
  Line("z\u2082 = w h\u2081 + a x\u2082 = " + Num(in.w) + "\u00B7" + Num(r.h1) + " + " + Num(in.a) + "\u00B7" +
       Num(in.x2) + " = " + Num(r.z2));
  Line("h\u2082 = " + g + "(z\u2082) = " + Num(r.h2));
  Line("L = \u00BD (h\u2082 \u2212 y)\u00B2 = \u00BD (" + Num(r.h2) + " \u2212 " + Num(in.y) + ")\u00B2 = " + Num(r.loss));
  s.Record("rnn.forward");
  ImGui::EndChild();
  EndFigurePanel(s, "forward");
}

void DrawFactors(AppState& s, ImVec2 size) {
  const RnnInput& in = Lab(s).in;
  const RnnLabView& v = s.ui.caches.Get<RnnViewCache>().view;
  const RnnStep& r = v.step;
  if (!BeginFigurePanel(s, "factors", "dL/dw, factor by factor", &size)) return;
  ImGui::BeginChild("factors_body", size, false);
  Line("g'(z) = " + GPrime(in.g));
  Line("h\u2082 \u2212 y = " + Num(r.dL_dh2));
  Line("g'(z\u2082) = " + Num(r.g_prime_z2));
  Line("h\u2081 = " + Num(r.h1));
  Line("exam: (h\u2082 \u2212 y) g'(z\u2082) h\u2081 = " + Num(r.dL_dh2) + " \u00B7 " + Num(r.g_prime_z2) + " \u00B7 " +
       Num(r.h1) + " = " + Num(r.dL_dw_exam));
  s.Record("rnn.exam");
  Line("through h\u2081: w g'(z\u2081) h\u2080 = " + Num(in.w) + " \u00B7 " + Num(r.g_prime_z1) + " \u00B7 " + Num(in.h0) +
       " = " + Num(r.dz2_dw_through_h1));
  Line("full: (h\u2082 \u2212 y) g'(z\u2082) (h\u2081 + w g'(z\u2081) h\u2080) = " + Num(r.dL_dw));
  s.Record("rnn.full");
  const double err = std::abs(r.finite_difference - r.dL_dw);
  const bool agrees = err <= 1e-6 * std::abs(r.dL_dw) + 1e-9;  // relative, with an absolute floor of 1e-9
  Line("finite difference (L(w+h) \u2212 L(w\u2212h)) / 2h = " + Num(r.finite_difference) + "   |difference| = " +
           FormatNumber(err, NumberStyle::kAuto, 2) + (agrees ? "  (agrees)" : "  (differs)"),
       agrees ? &kGood : &kWarn);
  s.Record("rnn.finite_difference");
  if (v.exam_exact)
    Line("h\u2080 = 0: the term through h\u2081 is 0, so the exam's formula is the whole derivative.", &kGood);
  else
    Line("h\u2080 \u2260 0: the exam's formula drops the term through h\u2081 and is off by " +
             Num(r.dL_dw - r.dL_dw_exam) + " (it is exact only when h\u2080 = 0).",
         &kWarn);
  if (in.g == Activation::kRelu && (r.z1 == 0.0 || r.z2 == 0.0))
    Line("z = 0 under ReLU: g'(0) is taken as 0 (PyTorch's choice); the finite difference sees the kink.", &kWarn);
  s.Record("rnn.note");
  ImGui::EndChild();
  EndFigurePanel(s, "factors");
}

void DrawStep(AppState& s, ImVec2 size) {
  const RnnInput& in = Lab(s).in;
  const RnnLabView& v = s.ui.caches.Get<RnnViewCache>().view;
  const RnnStep& r = v.step;
  if (!BeginFigurePanel(s, "sgd_step", s.ui.presentation ? "One SGD step" : "One SGD step: w \u2190 w \u2212 \u03B7 dL/dw",
                        &size))
    return;
  const float font = ImGui::GetFontSize();
  const float top = ImGui::GetCursorPosY();
  {
    Line("w: " + Num(in.w) + " \u2192 " + Num(r.w_after) + "   (\u03B7 = " + Num(in.learning_rate) + ")");
    const bool still = r.dL_dw == 0.0;  // a dead ReLU, or h_2 = y: w does not move
    const bool down = r.loss_after < r.loss;
    Line("L: " + Num(r.loss) + " \u2192 " + Num(r.loss_after) +
             (still ? "  (dL/dw = 0: w does not move)" : down ? "  (down)" : "  (not down: \u03B7 too large?)"),
         still || down ? &kGood : &kWarn);
    s.Record("rnn.step");
  }
  const float used = ImGui::GetCursorPosY() - top;  // the lines above, as many as they wrapped to
  ImVec2 plot(size.x, std::max(font * 5.0f, size.y - used));
  PlotSpec spec;
  spec.x.label = "w";
  spec.y.label = "L(w)";
  spec.y.include_zero = true;
  spec.series.push_back(LineSeries("L(w)", v.curve_w, v.curve_loss, 0));
  PlotSeries pts = LineSeries("before, after", {in.w, r.w_after}, {r.loss, r.loss_after}, 1);
  pts.kind = SeriesKind::kScatter;
  pts.weight = 1.6f;
  spec.series.push_back(std::move(pts));
  spec.markers.push_back(PlotMarker{"w", in.w, 3, true});
  const PlotResult pr = Plot("loss_curve", spec, plot);
  s.ui.items["rnn.plot"] = ItemRect{pr.layout.area_min, pr.layout.area_max};
  EndFigurePanel(s, "sgd_step");
}

}  // namespace

void DrawRnnView(AppState& s) {
  s.ui.panel_names.clear();
  Update(s);
  const bool one_panel = ExportingOnePanel(s);
  if (one_panel) {
    const ImVec2 size = FigureExportSize();
    DrawForward(s, size);
    DrawFactors(s, size);
    DrawStep(s, size);
    return;
  }
  const float font = ImGui::GetFontSize();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  if (s.ui.presentation) {
    const RnnViewCache& c = s.ui.caches.Get<RnnViewCache>();
    if (!c.status.ok()) {
      ErrorText(c.status.ToString());
      return;
    }
    std::vector<Slide> slides;
    slides.push_back({"factors", "dL/dw, factor by factor", ImVec2(font * 19.0f, font * 11.5f),
                      [&s](ImVec2 room) { DrawFactors(s, room); }});
    slides.push_back({"forward", "The forward pass", ImVec2(font * 18.0f, font * 7.5f),
                      [&s](ImVec2 room) { DrawForward(s, room); }});
    slides.push_back({"sgd_step", "One SGD step", ImVec2(font * 11.0f, font * 9.0f),
                      [&s](ImVec2 room) { DrawStep(s, room); }});
    if (!s.scenario.notes.empty() || !s.scenario.solution.empty())
      slides.push_back({"exercise", "The exercise and its solution", ImVec2(font * 16.0f, font * 8.0f),
                        [&s](ImVec2) { DrawExerciseText(s); }});
    DrawPresentation(s, slides, FindViewScreen("rnn")->presentation_panels);
    Update(s);
    return;
  }
  DrawControls(s);
  Update(s);
  const RnnViewCache& c = s.ui.caches.Get<RnnViewCache>();
  if (!c.status.ok()) {
    ErrorText(c.status.ToString());
    return;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float vspace = ImGui::GetStyle().ItemSpacing.y;
  const float exercise_h = ImGui::GetFrameHeightWithSpacing();
  const float left = std::max(font * 22.0f, (avail.x - spacing) * 0.55f);
  const float right = std::max(font * 14.0f, avail.x - left - spacing);
  const float h = std::max(font * 18.0f, avail.y - exercise_h);
  ImGui::BeginGroup();
  // The forward pass: its header and five lines; the factors take the rest.
  const float top = std::min(h * 0.45f, 5.3f * ImGui::GetTextLineHeightWithSpacing() + ImGui::GetFrameHeightWithSpacing());
  DrawForward(s, ImVec2(left, top));
  DrawFactors(s, ImVec2(left, std::max(font * 10.0f, h - top - vspace)));
  ImGui::EndGroup();
  ImGui::SameLine();
  DrawStep(s, ImVec2(right, h));
  if (ImGui::CollapsingHeader("The exercise")) DrawExerciseText(s);
  Update(s);
}

}  // namespace attnlab::ui
