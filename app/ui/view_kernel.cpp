// The Kernel attention view (E5): the quadratic form (sim, its row sums, the
// weights, the output) and the linear form (phi(Q), phi(K), S = phi(K)^T V,
// z = phi(K)^T 1, the output) side by side on the scenario's own Q, K, V, their
// difference, the denominators per row with the rows where they vanish, the
// causal state S_i step by step, and the cost against N with the crossover;
// our own engine's times only after "measure". Maths in core/kernel_attention.hpp.
#include <algorithm>
#include <limits>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "attnlab/format.hpp"
#include "attnlab/kernel_attention.hpp"
#include "attnlab/mask.hpp"
#include "attnlab/scenario.hpp"
#include "ui/panels.hpp"
#include "ui/presentation.hpp"
#include "ui/theme.hpp"
#include "ui/view_kernel.hpp"
#include "ui/views.hpp"
#include "widgets/heatmap.hpp"
#include "widgets/plot.hpp"

namespace attnlab::ui {
namespace {

const ImVec4 kGood(0.30f, 0.80f, 0.45f, 1.0f);

// Recomputed once per revision of the scenario (its settings included).
void Update(AppState& s) {
  KernelViewCache& c = s.ui.caches.Get<KernelViewCache>();
  if (c.computed && c.computed_revision == s.revision) return;
  if (!s.scenario.views.Find<KernelLabSettings>()) s.scenario.views.Set(DefaultKernelLab(s.scenario));
  if (s.has_result && s.status.ok()) {
    c.status = ComputeKernelView(s.scenario, s.derived, &c.view);
  } else {
    c.status = s.status;
  }
  c.computed = true;
  c.computed_revision = s.revision;
}

bool Computed(AppState& s) {
  const KernelViewCache& c = s.ui.caches.Get<KernelViewCache>();
  return c.status.ok() && c.view.forms.N > 0;
}

std::string Shape(const Matrix& m) { return std::to_string(m.rows()) + "x" + std::to_string(m.cols()); }

std::vector<std::string> Numbered(const std::string& prefix, Eigen::Index count) {
  std::vector<std::string> out;
  for (Eigen::Index i = 0; i < count; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

using Shown = KernelShown;

Matrix Finite(const Matrix& m) { return m.unaryExpr([](double v) { return std::isfinite(v) ? v : 0.0; }); }

Shown MakeShown(const KernelView& v) {
  Shown sh;
  const KernelAttention& k = v.forms;
  sh.rows = v.row_labels;
  sh.keys = v.key_labels;
  sh.v_cols = Numbered("v", k.M);
  sh.phi_cols = Numbered("\u03C6", k.phi_Q.cols());
  sh.phi_rows = sh.phi_cols;
  sh.one_col = {"z"};
  sh.den_cols = {"\u03A3 sim"};
  sh.sim = k.sim;
  sh.weights = Finite(k.weights);
  sh.output = Finite(k.output);
  sh.den = k.den.transpose();
  if (k.has_linear) {
    sh.output_linear = Finite(k.output_linear);
    sh.diff = Finite(k.output - k.output_linear);
    sh.den_linear = k.den_linear.transpose();
    sh.phi_Q = k.phi_Q;
    sh.phi_K = k.phi_K;
    sh.S = k.S;
    sh.z = k.z.transpose();
    if (v.spec.causal) {
      sh.S_step = v.S_step;
      sh.z_step = v.z_step.transpose();
    }
  }
  sh.max_abs_diff = k.max_abs_diff;
  // Masks: causal keys past the query, and the bad rows' cells.
  std::vector<bool> bad(static_cast<size_t>(k.N), false);
  for (int r : k.bad_rows) bad[static_cast<size_t>(r)] = true;
  std::vector<int> b0(static_cast<size_t>(k.N), 0), e_sim(static_cast<size_t>(k.N)), e_nk(static_cast<size_t>(k.N)),
      e_m(static_cast<size_t>(k.N));
  for (int i = 0; i < k.N; ++i) {
    e_sim[static_cast<size_t>(i)] = v.spec.causal ? i + 1 : k.N_k;
    e_nk[static_cast<size_t>(i)] = bad[static_cast<size_t>(i)] ? 0 : e_sim[static_cast<size_t>(i)];
    e_m[static_cast<size_t>(i)] = bad[static_cast<size_t>(i)] ? 0 : k.M;
  }
  sh.sim_masked = v.spec.causal;
  sh.rows_masked = !k.bad_rows.empty() || v.spec.causal;
  sh.sim_allowed = AllowedKeys::FromRuns(k.N_k, b0, e_sim);
  sh.rows_allowed_nk = AllowedKeys::FromRuns(k.N_k, b0, e_nk);
  sh.rows_allowed_m = AllowedKeys::FromRuns(k.M, b0, e_m);
  std::vector<int> e_lin = e_m;
  for (int r : k.linear_bad_rows) e_lin[static_cast<size_t>(r)] = 0;
  sh.rows_allowed_linear = AllowedKeys::FromRuns(k.M, b0, e_lin);
  return sh;
}

// ---- "read the maths" ----

std::string N4(double v, NumberStyle style) { return FormatNumber(v, style, 4); }

std::string DotTerms(const Eigen::Ref<const RowVector>& a, const Eigen::Ref<const RowVector>& b, NumberStyle style) {
  std::string t;
  const Eigen::Index shown = std::min<Eigen::Index>(a.size(), 6);
  for (Eigen::Index c = 0; c < shown; ++c)
    t += (c ? " + " : "") + FormatNumber(a(c), style, 3) + "\u00B7" + FormatNumber(b(c), style, 3);
  if (a.size() > shown) t += " + \u2026 (" + std::to_string(a.size()) + " terms)";
  return t;
}

std::string Explain(AppState& s, const std::string& name, int i, int j) {
  const KernelViewCache& c = s.ui.caches.Get<KernelViewCache>();
  const KernelView& v = c.view;
  const KernelAttention& k = v.forms;
  const NumberStyle st = s.ui.number_style;
  const HeadResult& h = s.derived.heads[static_cast<size_t>(v.head)];
  const bool bad = std::find(k.bad_rows.begin(), k.bad_rows.end(), i) != k.bad_rows.end();
  const std::string row = "row " + std::to_string(i) + " (" + v.row_labels[static_cast<size_t>(i)] + ")";
  if (name == "sim") {
    if (v.spec.causal && j > i) return "causal: key " + std::to_string(j) + " comes after query " + std::to_string(i) + ": not summed";
    std::string t = "sim(Q_" + std::to_string(i) + ", K_" + std::to_string(j) + ") = " +
                    KernelSimFormula(v.spec.sim, v.spec.c, v.spec.p) + "\n";
    if (v.spec.sim == KernelSim::kElu || v.spec.sim == KernelSim::kRelu) {
      t += "= \u03C6(q)\u00B7\u03C6(k) = " + DotTerms(k.phi_Q.row(i), k.phi_K.row(j), st);
    } else {
      t += "q\u00B7k = " + DotTerms(h.Q.row(i), h.K.row(j), st) + " = " + N4(h.Q.row(i).dot(h.K.row(j)), st);
    }
    if (v.spec.sim == KernelSim::kSoftmax)
      t += "\nshown: exp(q\u00B7k/\u221AD \u2212 max_j q\u00B7k_j/\u221AD), the row's largest is 1 (the constant cancels in "
           "the weights)";
    return t + "\n= " + N4(k.sim(i, j), st);
  }
  if (bad && (name == "weights" || name == "output" || name == "output_linear" || name == "difference"))
    return row + ": the denominator \u03A3_j sim = " + N4(k.den(i), st) + " vanishes or cancels: V'_" +
           std::to_string(i) + " is undefined (null in eval)";
  if ((name == "output_linear" || name == "difference") &&
      std::find(k.linear_bad_rows.begin(), k.linear_bad_rows.end(), i) != k.linear_bad_rows.end())
    return row + ": the linear form is not finite here (\u03C6(Q_i)\u00B7z = " + N4(k.den_linear(i), st) +
           "): output_linear is null (the quadratic output stands)";
  if (name == "weights")
    return "weight = sim(Q_" + std::to_string(i) + ", K_" + std::to_string(j) + ") / \u03A3_j sim = " + N4(k.sim(i, j), st) +
           " / " + N4(k.den(i), st) + " = " + N4(k.weights(i, j), st);
  if (name == "output")
    return "V'_" + std::to_string(i) + "[" + std::to_string(j) + "] = \u03A3_j weight_ij V_j = " +
           DotTerms(k.weights.row(i), h.V.col(j).transpose(), st) + " = " + N4(k.output(i, j), st);
  if (name == "denominators")
    return row + ": \u03A3_j sim(Q_i, K_j) = " + N4(k.den(i), st) +
           (k.has_linear ? "\nlinear form \u03C6(Q_i)\u00B7z = " + N4(k.den_linear(i), st) : std::string());
  if (!k.has_linear) return "";
  if (name == "output_linear") {
    const std::string zi = v.spec.causal ? "z_" + std::to_string(i) : "z";
    const std::string Si = v.spec.causal ? "S_" + std::to_string(i) : "S";
    Matrix Srow;
    RowVector zrow;
    if (v.spec.causal) {
      CausalState(k.phi_K, h.V, i, &Srow, &zrow);
    } else {
      Srow = k.S;
      zrow = k.z;
    }
    const double num = k.phi_Q.row(i).dot(Srow.col(j).transpose());
    return "\u03C6(Q_" + std::to_string(i) + ")\u00B7" + Si + "[:, " + std::to_string(j) + "] = " +
           DotTerms(k.phi_Q.row(i), Srow.col(j).transpose(), st) + " = " + N4(num, st) + "\n\u03C6(Q_" +
           std::to_string(i) + ")\u00B7" + zi + " = " + N4(k.den_linear(i), st) + "\nV'_" + std::to_string(i) + "[" +
           std::to_string(j) + "] = " + N4(num, st) + " / " + N4(k.den_linear(i), st) + " = " + N4(k.output_linear(i, j), st);
  }
  if (name == "difference")
    return "quadratic \u2212 linear = " + N4(k.output(i, j), st) + " \u2212 " + N4(k.output_linear(i, j), st) + " = " +
           FormatNumber(k.output(i, j) - k.output_linear(i, j), NumberStyle::kScientific, 3);
  if (name == "S" || name == "S_step") {
    const int upto = name == "S_step" ? v.step : k.N_k - 1;
    RowVector col(upto + 1), vals(upto + 1);
    for (int t = 0; t <= upto; ++t) {
      col(t) = k.phi_K(t, i);
      vals(t) = h.V(t, j);
    }
    return std::string(name == "S_step" ? "S_" + std::to_string(v.step) : "S") + "[" + std::to_string(i) + ", " +
           std::to_string(j) + "] = \u03A3_{j\u2264" + std::to_string(upto) + "} \u03C6(K_j)[" + std::to_string(i) +
           "] V_j[" + std::to_string(j) + "] = " + DotTerms(col, vals, st);
  }
  if (name == "z") {
    RowVector col(k.N_k), ones = RowVector::Ones(k.N_k);
    for (int t = 0; t < k.N_k; ++t) col(t) = k.phi_K(t, i);
    return "z[" + std::to_string(i) + "] = \u03A3_j \u03C6(K_j)[" + std::to_string(i) + "] = " + DotTerms(col, ones, st) +
           " = " + N4(k.z(i), st);
  }
  if (name == "phi_Q" || name == "phi_K") {
    const bool q = name == "phi_Q";
    const Matrix& X = q ? h.Q : h.K;
    std::string what;
    switch (v.spec.sim) {
      case KernelSim::kDot: what = "\u03C6(x) = x"; break;
      case KernelSim::kElu: what = "\u03C6(x) = elu(x) + 1 of x = " + N4(X(i, j), st); break;
      case KernelSim::kRelu: what = "\u03C6(x) = max(x, 0) of x = " + N4(X(i, j), st); break;
      case KernelSim::kPolynomial:
        what = v.spec.p == 2 ? "the quadratic map [x_i\u00B2, \u221A2 x_i x_j (i<j), \u221A2c x_i, c]" : "a monomial of degree " + std::to_string(v.spec.p);
        break;
      case KernelSim::kSoftmax:
        what = q ? "exp(w_r\u00B7x' \u2212 max_r w_r\u00B7x') / \u221Am, x' = x / D^(1/4) (FAVOR+'s stabiliser: the "
                   "row's constant cancels in the ratio)"
                 : "exp(w_r\u00B7x' \u2212 |x'|\u00B2/2 \u2212 C) / \u221Am, x' = x / D^(1/4), C the largest exponent "
                   "of all keys (cancels in the ratio)";
        break;
    }
    return std::string(q ? "\u03C6(Q_" : "\u03C6(K_") + std::to_string(i) + ")[" + std::to_string(j) + "] = " +
           N4((q ? k.phi_Q : k.phi_K)(i, j), st) + ": " + what;
  }
  return "";
}

// ---- matrix panels ----

struct Figure {
  std::string name, title;
  const Matrix* values = nullptr;
  const std::vector<std::string>* rows = nullptr;
  const std::vector<std::string>* cols = nullptr;
  bool sequential = false;
  const AllowedKeys* allowed = nullptr;
  const char* masked_text = nullptr;
  std::string short_title;  // presentation (30 px text): what fits above the map; "" = the title
  const std::string& Title(bool presentation) const { return presentation && !short_title.empty() ? short_title : title; }
};

HeatmapSpec SpecOf(const AppState& s, const Figure& f) {
  HeatmapSpec hs = FigureHeatmapSpec(s, f.name, f.values, f.rows, f.cols, f.sequential);
  hs.allowed = f.allowed;
  hs.masked_text = f.masked_text;
  // Every change of the numbers is a new revision of the scenario (the panels'
  // matrices are rebuilt only then): big maps refill their textures only then.
  hs.revision = s.revision + 1;
  return hs;
}

// The colour bar's labels are the range's ends and middle ("5.00e-16" for a
// difference of round-off), wider than the "-0.00" the heatmap leaves room for:
// the extra width, added to the figure's size and kept out of the map's.
float BarLabelExtra(const HeatmapSpec& hs) {
  if (!hs.values || hs.values->size() == 0 || hs.values->size() > 262144 || !hs.show_colorbar || hs.fixed_range)
    return 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const Matrix& m = *hs.values;
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    const double v = m.data()[i];
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!std::isfinite(lo)) return 0;
  const double a = std::max(std::abs(lo), std::abs(hi));
  float w = 0;
  for (double v : {lo, hi, -a, a, 0.5 * (lo + hi)})
    w = std::max(w, ImGui::CalcTextSize(FormatNumber(v, NumberStyle::kDecimal, 2).c_str()).x);
  return std::max(0.0f, w - ImGui::CalcTextSize("-0.00").x);
}

ImVec2 FigureSize(const AppState& s, const Figure& f) {
  const float line = ImGui::GetTextLineHeightWithSpacing();
  if (!f.values || f.values->size() == 0) return ImVec2(ImGui::CalcTextSize(f.title.c_str()).x + line * 2, line * 2.5f);
  // Cells of 2.2 fonts, smaller for a long map (S and z have D_phi rows, up to 4096): at most about
  // 24 fonts tall and 36 wide, so one map never fills pages (its numbers are then read by hovering).
  const float font = ImGui::GetFontSize();
  const float cell = std::max(2.0f, std::min({font * 2.2f, font * 24.0f / static_cast<float>(f.values->rows()),
                                               font * 36.0f / static_cast<float>(f.values->cols())}));
  HeatmapSpec hs = SpecOf(s, f);
  hs.min_value_px = font;
  // A small map gets cells its numbers fit at text size; a long one (S, z at
  // D_phi up to 4096) stays colour only, its numbers on hover.
  if (!HeatmapTextured(hs) && f.values->rows() <= 24 && f.values->cols() <= 16) {
    const ImVec2 readable = HeatmapReadableSize(hs);
    return ImVec2(std::max(readable.x + BarLabelExtra(hs), ImGui::CalcTextSize(f.title.c_str()).x + line),
                  readable.y + line);
  }
  const ImVec2 map = HeatmapSize(hs, cell);
  return ImVec2(std::max(map.x + BarLabelExtra(hs), ImGui::CalcTextSize(f.title.c_str()).x + line), map.y + line);
}

ImVec2 FigureReadableSize(const AppState& s, const Figure& f) {
  const float line = ImGui::GetTextLineHeightWithSpacing();
  if (!f.values || f.values->size() == 0) return FigureSize(s, f);
  HeatmapSpec hs = SpecOf(s, f);
  hs.min_value_px = ImGui::GetFontSize();
  const ImVec2 map = HeatmapReadableSize(hs);
  return ImVec2(std::max(map.x + BarLabelExtra(hs), ImGui::CalcTextSize(f.Title(true).c_str()).x), map.y + line);
}

void DrawFigure(AppState& s, const Figure& f, ImVec2 size) {
  ImVec2 body = size;
  if (!BeginFigurePanel(s, f.name, f.Title(s.ui.presentation), &body)) return;
  if (!f.values || f.values->size() == 0) {
    ImGui::TextDisabled("(none)");
  } else {
    HeatmapSpec hs = SpecOf(s, f);
    // Numbers in cells never smaller than the UI text (DESIGN.md): a cell too
    // small for its number shows the colour, and the number on hover.
    hs.min_value_px = ImGui::GetFontSize();
    const HeatmapResult r = Heatmap(f.name.c_str(), hs, ImVec2(std::max(1.0f, body.x - BarLabelExtra(hs)), body.y));
    s.ui.items["kernel." + f.name] = ItemRect{r.grid_min, r.grid_max};
    float& smallest = s.ui.caches.Get<KernelViewCache>().smallest_value_px;
    if (r.value_px > 0) smallest = smallest > 0 ? std::min(smallest, r.value_px) : r.value_px;
    if (r.hovered_row >= 0 && r.hovered_col >= 0 && !s.ui.exporting) {
      std::string text = Explain(s, f.name, r.hovered_row, r.hovered_col);
      if (!text.empty()) {
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(text.c_str());
        ImGui::EndTooltip();
        s.ui.hover_explanation = std::move(text);
      }
    }
  }
  EndFigurePanel(s, f.name);
}

// The quadratic form's panels, then the linear form's, then the difference.
std::vector<Figure> Figures(const KernelView& v, const Shown& sh) {
  const KernelAttention& k = v.forms;
  const std::string sim = KernelSimFormula(v.spec.sim, v.spec.c, v.spec.p);
  const AllowedKeys* rows_nk = sh.rows_masked ? &sh.rows_allowed_nk : nullptr;
  const AllowedKeys* rows_m = !k.bad_rows.empty() ? &sh.rows_allowed_m : nullptr;
  const AllowedKeys* rows_lin =
      !k.bad_rows.empty() || !k.linear_bad_rows.empty() ? &sh.rows_allowed_linear : nullptr;
  std::vector<Figure> f;
  f.push_back({"sim", "sim  " + Shape(sh.sim) + "  " + sim, &sh.sim, &sh.rows, &sh.keys, false,
               sh.sim_masked ? &sh.sim_allowed : nullptr, nullptr});
  // (a dash only where a denominator vanished; keys hidden by the causal mask are hatched alone, as in sim)
  f.push_back({"weights", "weights  " + Shape(sh.weights) + "  sim / \u03A3_j sim", &sh.weights, &sh.rows, &sh.keys, true,
               rows_nk, k.bad_rows.empty() ? nullptr : "\u2014"});
  f.push_back({"output", "output  " + Shape(sh.output) + "  weights V", &sh.output, &sh.rows, &sh.v_cols, false, rows_m,
               "\u2014"});
  f.back().short_title = "output  " + Shape(sh.output);
  if (k.has_linear) {
    f.push_back({"phi_Q", "\u03C6(Q)  " + Shape(sh.phi_Q), &sh.phi_Q, &sh.rows, &sh.phi_cols});
    f.push_back({"phi_K", "\u03C6(K)  " + Shape(sh.phi_K), &sh.phi_K, &sh.keys, &sh.phi_cols});
    f.push_back({"S", "S = \u03C6(K)\u1D40V  " + Shape(sh.S), &sh.S, &sh.phi_rows, &sh.v_cols});
    f.push_back({"z", "z = \u03C6(K)\u1D40 1  " + Shape(sh.z), &sh.z, &sh.phi_rows, &sh.one_col});
    if (v.spec.causal) {
      const std::string i = std::to_string(v.step);
      const std::string prev = v.step > 0 ? "S_" + std::to_string(v.step - 1) + " + " : std::string();
      f.push_back({"S_step", "S_" + i + " = " + prev + "\u03C6(K_" + i + ")\u1D40V_" + i + "  " + Shape(sh.S_step),
                   &sh.S_step, &sh.phi_rows, &sh.v_cols});
      f.back().short_title = "S_" + i + "  " + Shape(sh.S_step);
    }
    f.push_back({"output_linear",
                 "output_linear  " + Shape(sh.output_linear) + (v.spec.causal ? "  \u03C6(Q_i) S_i / \u03C6(Q_i)\u00B7z_i"
                                                                              : "  \u03C6(Q) S / \u03C6(Q)\u00B7z"),
                 &sh.output_linear, &sh.rows, &sh.v_cols, false, rows_lin, "\u2014"});
    f.back().short_title = "output_linear  " + Shape(sh.output_linear);
    char buf[96];
    std::snprintf(buf, sizeof buf, "  max |diff| = %s", FormatNumber(sh.max_abs_diff, NumberStyle::kScientific, 2).c_str());
    f.push_back({"difference", "output \u2212 output_linear  " + Shape(sh.diff) + buf, &sh.diff, &sh.rows, &sh.v_cols, false,
                 rows_lin, "\u2014"});
    f.back().short_title = std::string("difference") + buf;
  }
  return f;
}

// ---- plots: denominators per row, cost against N, measured times ----

void DrawDenominators(AppState& s, ImVec2 size) {
  ImVec2 body = size;
  if (!BeginFigurePanel(s, "denominators", "Denominators per row (E5(a))", &body)) return;
  const KernelView& v = s.ui.caches.Get<KernelViewCache>().view;
  const KernelAttention& k = v.forms;
  PlotSpec spec;
  spec.x.label = "row i (0-based)";
  spec.y.label = "denominator";
  spec.y.include_zero = true;
  std::vector<double> xs, den, bad_x, bad_y;
  for (int i = 0; i < k.N; ++i) {
    xs.push_back(i);
    den.push_back(k.den(i));
  }
  for (int r : k.bad_rows) {
    bad_x.push_back(r);
    bad_y.push_back(k.den(r));
  }
  if (k.N <= 16)  // the rows' tokens; past that, automatic ticks
    for (int i = 0; i < k.N; ++i) spec.x.ticks.push_back(i), spec.x.tick_labels.push_back(v.row_labels[static_cast<size_t>(i)]);
  PlotSeries bars;
  bars.label = "quadratic \u03A3_j sim";
  bars.kind = SeriesKind::kBars;
  bars.x = xs;
  bars.y = den;
  bars.color = 0;
  spec.series.push_back(bars);
  if (k.has_linear) {
    PlotSeries lin;
    lin.label = "linear \u03C6(Q_i)\u00B7z";
    lin.kind = SeriesKind::kScatter;
    lin.x = xs;
    lin.y = std::vector<double>(k.den_linear.data(), k.den_linear.data() + k.den_linear.size());
    lin.color = 1;
    lin.weight = 1.4f;
    spec.series.push_back(lin);
  }
  if (!bad_x.empty()) {
    PlotSeries b;
    b.label = "vanishes / cancels (null)";
    b.kind = SeriesKind::kScatter;
    b.x = bad_x;
    b.y = bad_y;
    b.color = 5;
    b.weight = 2.0f;
    spec.series.push_back(b);
  }
  if (!k.sign_rows.empty()) {
    PlotSeries w;
    w.label = "changed sign (kept)";
    w.kind = SeriesKind::kScatter;
    for (int r : k.sign_rows) {
      w.x.push_back(r);
      w.y.push_back(k.den(r));
    }
    w.color = 3;
    w.weight = 2.0f;
    spec.series.push_back(w);
  }
  const PlotResult r = Plot("denominators", spec, body);
  s.ui.items["kernel.plot.denominators"] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, "denominators");
}

std::vector<double> CostAxis() {
  std::vector<double> xs;
  for (double n = 4; n <= 65536; n *= 2) xs.push_back(n);
  return xs;
}

void DrawCostPlot(AppState& s, bool memory, ImVec2 size) {
  const char* name = memory ? "memory_vs_n" : "cost_vs_n";
  ImVec2 body = size;
  const std::string title = memory ? "Memory against N" : "FLOPs against N";
  if (!BeginFigurePanel(s, name, title, &body)) return;
  const KernelView& v = s.ui.caches.Get<KernelViewCache>().view;
  const KernelAttention& k = v.forms;
  PlotSpec spec;
  spec.x.scale = AxisScale::kLog;
  spec.y.scale = AxisScale::kLog;
  spec.x.label = "N (positions)";
  spec.y.label = memory ? "numbers held" : "FLOPs";
  const std::vector<double> xs = CostAxis();
  std::vector<double> quad, lin;
  for (double n : xs) {
    const KernelCost c = CountKernelCost(v.spec, n, k.D, k.M);
    quad.push_back(memory ? c.quadratic_memory : c.quadratic_flops);
    lin.push_back(memory ? c.linear_memory : c.linear_flops);
  }
  spec.series.push_back(LineSeries(memory ? "quadratic O(N\u00B2)" : "quadratic O(N\u00B2 D)", xs, quad, 0));
  if (k.has_linear)
    spec.series.push_back(LineSeries((memory ? "linear O(D_\u03C6 M), D_\u03C6 = " : "linear O(N D_\u03C6 M), D_\u03C6 = ") +
                                         std::to_string(k.phi_Q.cols()),
                                     xs, lin, 1));
  spec.markers.push_back(PlotMarker{"N = " + std::to_string(k.N), static_cast<double>(k.N), -1, true});
  const double cross = memory ? v.crossover_memory_n : v.crossover_flops_n;
  if (cross > 0) spec.markers.push_back(PlotMarker{"crossover N = " + FormatNumber(cross, NumberStyle::kDecimal, 0), cross, 2, false});
  const PlotResult r = Plot(name, spec, body);
  s.ui.items[std::string("kernel.plot.") + name] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, name);
}

// The random features' error against their count m, beside 1/sqrt(m) (softmax only).
void DrawErrorPlot(AppState& s, ImVec2 size) {
  const KernelView& v = s.ui.caches.Get<KernelViewCache>().view;
  if (v.sweep_m.empty()) return;
  ImVec2 body = size;
  if (!BeginFigurePanel(s, "error_vs_m", "Random features: error against m", &body)) return;
  PlotSpec spec;
  spec.x.scale = AxisScale::kLog;
  spec.y.scale = AxisScale::kLog;
  spec.x.label = "m (random features; mean of " + std::to_string(kErrorSweepSeeds) + " draws from seed " +
                 std::to_string(v.spec.seed) + ")";
  spec.y.label = "max |diff|";
  spec.series.push_back(LineSeries("mean max |output \u2212 output_linear|", v.sweep_m, v.sweep_error, 0));
  // 1/sqrt(m) through the sweep's geometric mean, for the slope
  double lx = 0, ly = 0;
  int count = 0;
  for (size_t i = 0; i < v.sweep_m.size(); ++i)
    if (v.sweep_error[i] > 0) lx += std::log(v.sweep_m[i]), ly += std::log(v.sweep_error[i]), ++count;
  if (count > 0) {
    std::vector<double> ref;
    for (double m : v.sweep_m) ref.push_back(std::exp(ly / count - 0.5 * (std::log(m) - lx / count)));
    PlotSeries r = LineSeries("\u221D 1/\u221Am", v.sweep_m, ref, 1);
    r.dashed = true;
    spec.series.push_back(r);
  }
  spec.markers.push_back(PlotMarker{"m = " + std::to_string(v.spec.features), static_cast<double>(v.spec.features), -1, true});
  const PlotResult res = Plot("error_vs_m", spec, body);
  s.ui.items["kernel.plot.error_vs_m"] = ItemRect{res.layout.area_min, res.layout.area_max};
  EndFigurePanel(s, "error_vs_m");
}

void DrawTiming(AppState& s, ImVec2 size) {
  KernelViewCache& c = s.ui.caches.Get<KernelViewCache>();
  if (!c.measure || s.ui.exporting) return;  // timings are never in pictures
  ImVec2 body = size;
  if (!BeginFigurePanel(s, "timing", "Measured time of our engine beside the FLOP model", &body)) return;
  KernelMeasure& m = *c.measure;
  std::lock_guard<std::mutex> lock(m.mu);
  if (!m.error.empty()) {
    ErrorText(m.error);
  } else {
    PlotSpec spec;
    spec.x.scale = AxisScale::kLog;
    spec.y.scale = AxisScale::kLog;
    spec.x.label = "N (positions)";
    spec.y.label = "ms";
    std::vector<double> qx, qy, lx, ly, model_q, model_l;
    // The model in ms at the rate of the largest quadratic point measured.
    double rate = 0;
    for (size_t p = 0; p < m.n.size(); ++p) {
      const KernelCost cost = CountKernelCost(m.spec, m.n[p], m.D, m.M);
      if (m.quadratic[p] > 0) {
        qx.push_back(m.n[p]);
        qy.push_back(1e3 * m.quadratic[p]);
        rate = cost.quadratic_flops / m.quadratic[p];
      }
      if (m.linear[p] > 0) {
        lx.push_back(m.n[p]);
        ly.push_back(1e3 * m.linear[p]);
      }
    }
    for (double n : m.n) {
      const KernelCost cost = CountKernelCost(m.spec, n, m.D, m.M);
      model_q.push_back(rate > 0 ? 1e3 * cost.quadratic_flops / rate : 0);
      model_l.push_back(rate > 0 ? 1e3 * cost.linear_flops / rate : 0);
    }
    if (rate > 0) {
      PlotSeries a = LineSeries("quadratic model", m.n, model_q, 0);
      a.dashed = true;
      PlotSeries b = LineSeries("linear model", m.n, model_l, 1);
      b.dashed = true;
      spec.series.push_back(a);
      spec.series.push_back(b);
    }
    for (int form = 0; form < 2; ++form) {
      PlotSeries pts;
      pts.label = form == 0 ? "quadratic measured" : "linear measured";
      pts.kind = SeriesKind::kScatter;
      pts.x = form == 0 ? qx : lx;
      pts.y = form == 0 ? qy : ly;
      pts.color = form;
      pts.weight = 1.6f;
      spec.series.push_back(pts);
    }
    ImGui::Text("%s (model: FLOPs at the rate of the largest quadratic run, %.2g GFLOP/s)",
                m.running ? "measuring\u2026" : "measured", rate * 1e-9);
    const float text = ImGui::GetTextLineHeightWithSpacing();
    if (!qx.empty()) Plot("timing", spec, ImVec2(body.x, std::max(body.y - text, ImGui::GetFontSize() * 6)));
  }
  EndFigurePanel(s, "timing");
}

// ---- measure ----

void DropMeasure(KernelViewCache& c) {
  if (c.measure) c.measure->cancel = true;
  if (c.worker.joinable()) c.retired.emplace_back(c.measure, std::move(c.worker));
  c.measure.reset();
}

void ReapMeasures(KernelViewCache& c) {
  for (size_t i = 0; i < c.retired.size();) {
    if (c.retired[i].first && c.retired[i].first->running) {
      ++i;
      continue;
    }
    if (c.retired[i].second.joinable()) c.retired[i].second.join();
    c.retired.erase(c.retired.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

bool SameSpec(const KernelSpec& a, const KernelSpec& b) {
  return a.sim == b.sim && a.c == b.c && a.p == b.p && a.features == b.features && a.seed == b.seed &&
         a.causal == b.causal;
}

// Timings belong to the sim, its parameters and the sizes: when those change
// they are dropped (and a running job cancelled).
void DropStaleMeasure(AppState& s) {
  KernelViewCache& c = s.ui.caches.Get<KernelViewCache>();
  ReapMeasures(c);
  if (!c.measure || !Computed(s)) return;
  const KernelLabSettings& lab = s.scenario.views.Get<KernelLabSettings>();
  if (!SameSpec(c.measure->spec, KernelSpecOf(lab)) || c.measure->D != c.view.forms.D || c.measure->M != c.view.forms.M ||
      c.measure->n.back() != KernelMeasureSizes(lab.measure_n).back())
    DropMeasure(c);
}

void StartMeasure(AppState& s) {
  KernelViewCache& c = s.ui.caches.Get<KernelViewCache>();
  if (c.measure && c.measure->running) return;
  // One job at a time: a cancelled one still finishing its form is waited for
  // (the button says so), never run beside a new one.
  ReapMeasures(c);
  if (!c.retired.empty()) return;
  if (c.worker.joinable()) c.worker.join();
  const KernelLabSettings& lab = s.scenario.views.Get<KernelLabSettings>();
  c.measure = std::make_shared<KernelMeasure>();
  std::shared_ptr<KernelMeasure> job = c.measure;
  job->spec = KernelSpecOf(lab);
  job->D = c.view.forms.D;
  job->M = c.view.forms.M;
  job->n = KernelMeasureSizes(lab.measure_n);
  job->quadratic.assign(job->n.size(), 0);
  job->linear.assign(job->n.size(), 0);
  job->running = true;
  c.worker = std::thread([job] {
    for (size_t p = 0; p < job->n.size() && !job->cancel; ++p) {
      double q = 0, l = 0;
      const Status st = TimeKernelForms(job->spec, static_cast<int>(job->n[p]), job->D, job->M, 3, &q, &l, &job->cancel);
      std::lock_guard<std::mutex> lock(job->mu);
      if (job->cancel) break;
      if (!st.ok()) {
        job->error = st.ToString();
        job->running = false;
        return;
      }
      job->quadratic[p] = q;
      job->linear[p] = l;
    }
    std::lock_guard<std::mutex> lock(job->mu);
    job->done = !job->cancel;
    job->running = false;
  });
}

// ---- controls ----

void DrawControls(AppState& s) {
  KernelLabSettings& lab = s.scenario.views.Get<KernelLabSettings>();
  KernelViewCache& c = s.ui.caches.Get<KernelViewCache>();
  const float font = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(font * 8.0f);
  if (ImGui::BeginCombo("sim##kernel_sim", KernelSimKey(lab.sim))) {
    for (KernelSim sim : kKernelSims) {
      const std::string label = std::string(KernelSimKey(sim)) + ": " + KernelSimFormula(sim, lab.c, lab.p);
      if (ImGui::Selectable(label.c_str(), sim == lab.sim)) lab.sim = sim;
      s.Record(std::string("kernel.sim.") + KernelSimKey(sim));
    }
    ImGui::EndCombo();
  }
  s.Record("kernel.sim");
  if (lab.sim == KernelSim::kPolynomial) {
    ImGui::SameLine();
    double cc = lab.c;
    ImGui::SetNextItemWidth(font * 5.0f);
    if (ImGui::InputDouble("c##kernel_c", &cc, 0, 0, "%.3g") && std::isfinite(cc)) lab.c = cc;
    s.Record("kernel.c");
    ImGui::SameLine();
    int p = lab.p;
    ImGui::SetNextItemWidth(font * 6.0f);
    if (ImGui::SliderInt("p##kernel_p", &p, 1, kMaxKernelDegree, "%d", ImGuiSliderFlags_AlwaysClamp)) lab.p = p;
    s.Record("kernel.p");
  }
  if (lab.sim == KernelSim::kSoftmax) {
    ImGui::SameLine();
    int m = lab.features;
    ImGui::SetNextItemWidth(font * 8.0f);
    if (ImGui::SliderInt("m##kernel_m", &m, 1, kMaxRandomFeatures, "m = %d", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp))
      lab.features = m;
    s.Record("kernel.features");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("random features for softmax (FAVOR+); the error shrinks like 1/\u221Am");
    ImGui::SameLine();
    if (ImGui::Button("re-draw")) ++lab.seed;
    s.Record("kernel.seed");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("new random features (seed %llu)", static_cast<unsigned long long>(lab.seed));
  }
  ImGui::SameLine(0, font);
  ImGui::Checkbox("causal", &lab.causal);
  s.Record("kernel.causal");
  if (lab.causal && Computed(s)) {
    const int n = c.view.forms.N;
    lab.step = std::clamp(lab.step, 0, n - 1);
    ImGui::SameLine();
    ImGui::BeginDisabled(lab.step <= 0);
    if (ImGui::ArrowButton("##kernel_back", ImGuiDir_Left)) --lab.step;
    ImGui::EndDisabled();
    s.Record("kernel.back");
    ImGui::SameLine();
    int step = lab.step;
    ImGui::SetNextItemWidth(font * 7.0f);
    if (ImGui::SliderInt("##kernel_step", &step, 0, n - 1, "step i = %d", ImGuiSliderFlags_AlwaysClamp)) lab.step = step;
    s.Record("kernel.step");
    ImGui::SameLine();
    ImGui::BeginDisabled(lab.step >= n - 1);
    if (ImGui::ArrowButton("##kernel_forward", ImGuiDir_Right)) ++lab.step;
    ImGui::EndDisabled();
    s.Record("kernel.forward");
  }
  const int heads = static_cast<int>(s.derived.heads.size());
  if (heads > 1 && s.has_result) {
    ImGui::SameLine(0, font);
    int head = std::clamp(lab.head, 0, heads - 1);
    ImGui::SetNextItemWidth(font * 6.0f);
    if (ImGui::SliderInt("##kernel_head", &head, 0, heads - 1, "head %d", ImGuiSliderFlags_AlwaysClamp)) lab.head = head;
    s.Record("kernel.head");
  }
  if (s.ui.presentation) return;
  ImGui::SameLine(0, font);
  if (ImGui::GetContentRegionAvail().x < font * 16.0f) ImGui::NewLine();
  int mn = lab.measure_n;
  ImGui::SetNextItemWidth(font * 4.0f);
  if (ImGui::InputInt("N max##kernel_measure_n", &mn, 0, 0) && mn >= 64 && mn <= kMaxKernelMeasureN) lab.measure_n = mn;
  s.Record("kernel.measure_n");
  ImGui::SameLine();
  const bool running = c.measure && c.measure->running.load();
  ReapMeasures(c);
  const bool finishing = !c.retired.empty();  // a cancelled job ends its current form
  ImGui::BeginDisabled(running || finishing || !Computed(s));
  if (ImGui::Button(running ? "measuring\u2026" : finishing ? "stopping\u2026" : "measure")) StartMeasure(s);
  ImGui::EndDisabled();
  s.Record("kernel.measure");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Time both forms of our own engine at N = 64 .. N max (random Q, K, V of this D and M),\n"
                      "in the background. Never in eval or pictures.");
  if (running) {
    ImGui::SameLine();
    if (ImGui::Button("cancel##kernel_measure")) DropMeasure(c);
    s.Record("kernel.measure_cancel");
  }
}

// The check and the diagnostics, in a fixed place.
void DrawCheck(AppState& s) {
  const KernelViewCache& c = s.ui.caches.Get<KernelViewCache>();
  if (!c.status.ok()) {
    ErrorText(c.status.ToString());
    s.Record("kernel.check");
    return;
  }
  const KernelAttention& k = c.view.forms;
  const double dphi = PhiDim(c.view.spec, k.D);
  if (!k.has_linear) {
    ImGui::TextDisabled("%s", k.linear_note.c_str());
  } else {
    const bool exact = c.view.spec.sim != KernelSim::kSoftmax;
    // Round-off of an exact map: 1e-12 times the weighted average's conditioning
    // (sum_j |A_ij| / |den_i|) times max|V|, so outputs near 0 are not "different".
    // Never green while rows are left out of the comparison.
    const bool ok = (!exact || k.max_abs_diff <= k.diff_tolerance) && k.diff_rows_left_out == 0;
    const std::string left_out =
        k.diff_rows_left_out ? " (" + std::to_string(k.diff_rows_left_out) + " row(s) left out: no linear output)" : "";
    ImGui::PushStyleColor(ImGuiCol_Text, ok ? kGood : ErrorColor());
    ImGui::Text("D_\u03C6 = %.0f; quadratic vs linear: max |diff| = %s%s%s", dphi,
                FormatNumber(k.max_abs_diff, NumberStyle::kScientific, 2).c_str(),
                exact ? (k.max_abs_diff <= k.diff_tolerance ? ", round-off" : ": they differ") : ": random-feature error",
                left_out.c_str());
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered() && !s.ui.exporting) ImGui::SetTooltip("%s", k.linear_note.c_str());
  }
  s.Record("kernel.check");
  // One line, reserved whether or not there is a diagnostic, so nothing below
  // moves when one appears: the first, shortened to the width, and how many
  // more; every one in full on hover.
  const float avail = ImGui::GetContentRegionAvail().x;
  if (k.diagnostics.empty()) {
    ImGui::Dummy(ImVec2(std::max(1.0f, avail), ImGui::GetTextLineHeight()));
  } else {
    const std::string more =
        k.diagnostics.size() > 1 ? "  (+" + std::to_string(k.diagnostics.size() - 1) + " more: hover)" : "";
    std::string first = "\u26A0 " + k.diagnostics[0];
    if (ImGui::CalcTextSize((first + more).c_str()).x > avail) {
      const std::string ell = "\u2026";
      while (!first.empty() && ImGui::CalcTextSize((first + ell + more).c_str()).x > avail) {
        first.pop_back();
        while (!first.empty() && (static_cast<unsigned char>(first.back()) & 0xC0) == 0x80) first.pop_back();
        if (!first.empty() && (static_cast<unsigned char>(first.back()) & 0x80)) first.pop_back();  // a lead byte
      }
      first += ell;
    }
    const bool warning_only = std::all_of(k.diagnostics.begin(), k.diagnostics.end(),
                                          [](const std::string& d) { return d.rfind("warning:", 0) == 0; });
    ImGui::PushStyleColor(ImGuiCol_Text, warning_only ? ImVec4(0.90f, 0.65f, 0.15f, 1.0f) : ErrorColor());
    ImGui::TextUnformatted((first + more).c_str());
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered() && !s.ui.exporting) {
      std::string all;
      for (const std::string& d : k.diagnostics) all += (all.empty() ? "" : "\n") + d;
      ImGui::SetTooltip("%s", all.c_str());
    }
  }
  s.Record("kernel.diagnostics");
}

// ---- the whole view ----

struct Flow {
  bool first = true;
  void Place(float width) {
    if (!first) {
      ImGui::SameLine();
      if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
    }
    first = false;
  }
};

void DrawSlides(AppState& s, const std::vector<Figure>& figures) {
  const float font = ImGui::GetFontSize();
  std::vector<Slide> slides;
  for (const Figure& f : figures)
    slides.push_back({f.name, f.title, FigureReadableSize(s, f), [&s, f](ImVec2 room) { DrawFigure(s, f, room); }});
  const ImVec2 plot(font * 16.0f, font * 10.0f);
  if (Computed(s)) {
    slides.push_back({"denominators", "Denominators per row", plot, [&s](ImVec2 room) { DrawDenominators(s, room); }});
    slides.push_back({"cost_vs_n", "FLOPs against N", plot, [&s](ImVec2 room) { DrawCostPlot(s, false, room); }});
    slides.push_back({"memory_vs_n", "Memory against N", plot, [&s](ImVec2 room) { DrawCostPlot(s, true, room); }});
    if (!s.ui.caches.Get<KernelViewCache>().view.sweep_m.empty())
      slides.push_back({"error_vs_m", "Random features: error against m", plot, [&s](ImVec2 room) { DrawErrorPlot(s, room); }});
  }
  if (s.ui.caches.Get<KernelViewCache>().measure)
    slides.push_back({"timing", "Measured timings", plot, [&s](ImVec2 room) { DrawTiming(s, room); }});
  if (!s.scenario.notes.empty() || !s.scenario.solution.empty())
    slides.push_back({"exercise", "The exercise and its solution", ImVec2(font * 16.0f, font * 8.0f),
                      [&s](ImVec2) { DrawExerciseText(s); }});
  DrawPresentation(s, slides, FindViewScreen("kernel")->presentation_panels);
}

}  // namespace

std::vector<double> KernelMeasureSizes(int measure_n) {
  std::vector<double> n;
  const int top = std::clamp(measure_n, 64, kMaxKernelMeasureN);
  for (int x = 64; x < top; x *= 2) n.push_back(x);
  n.push_back(top);
  return n;
}

void DrawKernelView(AppState& s) {
  s.ui.panel_names.clear();
  Update(s);
  DropStaleMeasure(s);
  const KernelViewCache& c = s.ui.caches.Get<KernelViewCache>();
  const bool computed = Computed(s);
  std::vector<Figure> figures;
  if (computed) {
    KernelViewCache& cache = s.ui.caches.Get<KernelViewCache>();
    if (!cache.shown_valid || cache.shown_revision != s.revision) {
      cache.shown = MakeShown(c.view);
      cache.shown_valid = true;
      cache.shown_revision = s.revision;
    }
    figures = Figures(c.view, cache.shown);
  }
  s.ui.caches.Get<KernelViewCache>().smallest_value_px = 0;
  const float font = ImGui::GetFontSize();
  if (ExportingOnePanel(s)) {
    const ImVec2 size = FigureExportSize();
    for (const Figure& f : figures) DrawFigure(s, f, size);
    if (computed) {
      DrawDenominators(s, size);
      DrawCostPlot(s, false, size);
      DrawCostPlot(s, true, size);
      DrawErrorPlot(s, size);
    }
    return;
  }
  DrawControls(s);
  DrawCheck(s);
  if (s.ui.presentation) {
    DrawSlides(s, figures);
    return;
  }
  ImGui::BeginChild("kernel_body", ImVec2(0, 0), false);
  if (computed) {
    // The two forms side by side: the quadratic one's three maps, then the linear one's.
    Flow flow;
    for (const Figure& f : figures) {
      const ImVec2 size = FigureSize(s, f);
      flow.Place(size.x);
      DrawFigure(s, f, size);
    }
    ImGui::Separator();
    const float avail = ImGui::GetContentRegionAvail().x;
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    // (a figure panel draws a little wider than it is asked: a font of slack keeps the third on the row)
    const float third = avail > font * 54.0f ? (avail - 2 * spacing) / 3.0f - font : avail;
    const ImVec2 plot(third, font * 12.0f);
    DrawDenominators(s, plot);
    if (third < avail) ImGui::SameLine();
    DrawCostPlot(s, false, plot);
    if (third < avail) ImGui::SameLine();
    DrawCostPlot(s, true, plot);
    const KernelView& v = c.view;
    ImGui::TextDisabled("At N = %d, D = %d, M = %d: quadratic %s FLOPs, %s numbers; linear %s FLOPs, %s numbers; "
                        "the linear form is cheaper from N = %.0f (FLOPs), %.0f (memory).",
                        v.forms.N, v.forms.D, v.forms.M, FormatNumber(v.cost.quadratic_flops, NumberStyle::kDecimal, 0).c_str(),
                        FormatNumber(v.cost.quadratic_memory, NumberStyle::kDecimal, 0).c_str(),
                        FormatNumber(v.cost.linear_flops, NumberStyle::kDecimal, 0).c_str(),
                        FormatNumber(v.cost.linear_memory, NumberStyle::kDecimal, 0).c_str(), v.crossover_flops_n,
                        v.crossover_memory_n);
    s.Record("kernel.cost_line");
    if (!v.sweep_m.empty()) DrawErrorPlot(s, ImVec2(std::min(avail, font * 30.0f), font * 12.0f));
    if (c.measure) DrawTiming(s, ImVec2(avail, font * 14.0f));
  }
  if (!s.scenario.notes.empty() || !s.scenario.solution.empty()) {
    ImGui::Separator();
    DrawExerciseText(s);
  }
  ImGui::EndChild();
}

}  // namespace attnlab::ui
