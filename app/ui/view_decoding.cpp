// The Decoding view (E4): one incremental step at a time with the KV cache
// for MHA, GQA and MQA (the new token's q, k, v, the cache before and after,
// the weights over the cached positions, y), the check against the one-shot
// causal computation, the homework's einsums with their shapes (its two wrong
// ones corrected), and the cost model with plots against n, b and h; timings
// of our own engine only after "measure". Maths in core/decoding.hpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "attnlab/decoding.hpp"
#include "attnlab/format.hpp"
#include "attnlab/multihead.hpp"
#include "attnlab/scenario.hpp"
#include "ui/panels.hpp"
#include "ui/presentation.hpp"
#include "ui/theme.hpp"
#include "ui/view_decoding.hpp"
#include "ui/views.hpp"
#include "widgets/heatmap.hpp"
#include "widgets/plot.hpp"

namespace attnlab::ui {
namespace {

const ImVec4 kGood(0.30f, 0.80f, 0.45f, 1.0f);

// The view's numbers (ComputeDecodingView, as eval prints them), recomputed
// when the scenario or the settings other than the shown step change.
// Recomputed once per revision: every change of the scenario, its view
// settings included (DrawView hands them to Edit()), bumps it; nothing is
// compared or copied in between. A scenario that does not evaluate (s.status)
// is not decoded: s.derived is then the last good scenario's.
void Update(AppState& s) {
  DecodingViewCache& c = s.ui.caches.Get<DecodingViewCache>();
  if (c.computed && c.computed_revision == s.revision) return;
  const DecodingLabSettings& lab = s.scenario.views.Get<DecodingLabSettings>();
  const bool ok = s.has_result && s.status.ok();
  if (ok) {
    c.status = ComputeDecodingView(s.scenario, s.derived, &c.view);
  } else {
    c.status = s.status;
    c.view.decoded = false;
    ComputeDecodingCosts(lab, &c.view);
  }
  c.computed = true;
  c.computed_revision = s.revision;
}

bool Decoded(AppState& s) {
  const DecodingViewCache& c = s.ui.caches.Get<DecodingViewCache>();
  return c.status.ok() && c.view.decoded;
}

std::string Bytes(double b) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (std::abs(b) >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.3g %s", b, units[u]);
  return buf;
}
std::string Count(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T"};
  int u = 0;
  while (std::abs(v) >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s%s" : "%.3g %s%s", v, prefixes[u], unit);
  return buf;
}

// Labels of the cache's positions for sequence `b`: the previous cache's
// "c0".., then the sequence's tokens (or "t0"..).
std::vector<std::string> PositionLabels(const DecodingView& v, int b, int count) {
  std::vector<std::string> out;
  const int m = v.run.prior;
  for (int p = 0; p < count; ++p) {
    if (p < m) {
      out.push_back("c" + std::to_string(p));
    } else if (b < static_cast<int>(v.tokens.size()) && p - m < static_cast<int>(v.tokens[b].size())) {
      out.push_back(v.tokens[b][static_cast<size_t>(p - m)]);
    } else {
      out.push_back("t" + std::to_string(p - m));
    }
  }
  return out;
}

std::vector<std::string> Numbered(const char* prefix, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

struct StepView;
// How the hovered cell of a step's map was computed (below, with StepView).
std::string ExplainStepCell(const DecodingView& v, const StepView& sv, const AttentionOptions& options,
                            const std::string& name, int i, int j, NumberStyle style);

// The panel of one matrix: a figure with a header line and a heatmap.
struct MatrixFigure {
  std::string name, title;
  std::string short_title;  // presentation (30 px text): what fits above the map
  const Matrix* values = nullptr;
  const std::vector<std::string>* rows = nullptr;
  const std::vector<std::string>* cols = nullptr;
  bool sequential = false;  // weights: 0..1 viridis; else diverging about 0
  const std::vector<std::pair<int, int>>* outlined = nullptr;
  const StepView* step = nullptr;  // the step it shows: hovering a cell explains it
  const std::string& Title(bool presentation) const { return presentation && !short_title.empty() ? short_title : title; }
};

HeatmapSpec SpecOf(const AppState& s, const MatrixFigure& f) {
  HeatmapSpec hs = FigureHeatmapSpec(s, f.name, f.values, f.rows, f.cols, f.sequential);
  hs.outlined = f.outlined;
  return hs;
}

// The natural size of a figure in the window (cells of 2 fonts), header included.
ImVec2 FigureSize(const AppState& s, const MatrixFigure& f) {
  const float line = ImGui::GetTextLineHeightWithSpacing();
  if (!f.values || f.values->size() == 0) return ImVec2(ImGui::CalcTextSize(f.title.c_str()).x + line * 2, line * 2.5f);
  const ImVec2 map = HeatmapSize(SpecOf(s, f), ImGui::GetFontSize() * 2.0f);
  return ImVec2(std::max(map.x, ImGui::CalcTextSize(f.title.c_str()).x + line * 2), map.y + line);
}

ImVec2 FigureReadableSize(const AppState& s, const MatrixFigure& f) {
  const float line = ImGui::GetTextLineHeightWithSpacing();
  if (!f.values || f.values->size() == 0) return FigureSize(s, f);
  HeatmapSpec hs = SpecOf(s, f);
  hs.min_value_px = ImGui::GetFontSize();
  const ImVec2 map = HeatmapReadableSize(hs);
  return ImVec2(std::max(map.x, ImGui::CalcTextSize(f.Title(true).c_str()).x), map.y + line);
}

void DrawMatrixFigure(AppState& s, const MatrixFigure& f, ImVec2 size) {
  ImVec2 body = size;
  if (!BeginFigurePanel(s, f.name, f.Title(s.ui.presentation), &body)) return;
  if (!f.values || f.values->size() == 0) {
    ImGui::TextDisabled("(empty: nothing cached yet)");
  } else {
    HeatmapSpec hs = SpecOf(s, f);
    if (s.ui.presentation) hs.min_value_px = ImGui::GetFontSize();
    const HeatmapResult r = Heatmap(f.name.c_str(), hs, body);
    s.ui.items["decoding." + f.name] = ItemRect{r.grid_min, r.grid_max};
    if (r.hovered_row >= 0 && r.hovered_col >= 0 && !s.ui.exporting && f.step) {
      const DecodingViewCache& c = s.ui.caches.Get<DecodingViewCache>();
      std::string text = ExplainStepCell(c.view, *f.step, s.scenario.attention, f.name, r.hovered_row, r.hovered_col,
                                         s.ui.number_style);
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

// Everything the step panels show, for the chosen sequence and step.
struct StepView {
  int b = 0, t = 0, m = 0, h = 0, g = 0, d_k = 0, d_v = 0, n_after = 0;
  RowVector x;     // the new token's input (d_model)
  RowVector o;     // the heads' outputs, concatenated (h d_v): y = o W_O + b_O
  Matrix q, k, v, K_before, K_after, V_before, V_after, weights, y;
  std::vector<std::string> head_rows, kv_rows, q_cols, k_cols, v_cols, kv_cache_cols_k, kv_cache_cols_v, pos_before,
      pos_after, y_rows, y_cols;
  std::vector<std::pair<int, int>> new_k_cells, new_v_cells;
  std::string cache_shape_before, cache_shape_after;
};

StepView MakeStepView(const DecodingView& v, int b, int t) {
  StepView sv;
  const HeadLayout& L = v.model.layout;
  sv.b = b;
  sv.t = t;
  sv.m = v.run.prior;
  sv.h = L.num_heads;
  sv.g = L.n_kv_heads;
  sv.d_k = L.d_k;
  sv.d_v = L.d_v;
  const int before = sv.m + t, after = before + 1;
  sv.n_after = after;
  sv.q = Eigen::Map<const Matrix>(v.run.Q[b].row(t).data(), sv.h, sv.d_k);
  sv.x = v.input.X[b].row(t);
  sv.k.resize(sv.g, sv.d_k);
  sv.v.resize(sv.g, sv.d_v);
  sv.K_before.resize(before, sv.g * sv.d_k);
  sv.K_after.resize(after, sv.g * sv.d_k);
  sv.V_before.resize(before, sv.g * sv.d_v);
  sv.V_after.resize(after, sv.g * sv.d_v);
  for (int j = 0; j < sv.g; ++j) {
    const Matrix Kb = v.run.cache.KBlock(b, j, after), Vb = v.run.cache.VBlock(b, j, after);
    sv.k.row(j) = Kb.row(after - 1);
    sv.v.row(j) = Vb.row(after - 1);
    sv.K_after.middleCols(j * sv.d_k, sv.d_k) = Kb;
    sv.V_after.middleCols(j * sv.d_v, sv.d_v) = Vb;
  }
  sv.K_before = sv.K_after.topRows(before);
  sv.V_before = sv.V_after.topRows(before);
  sv.weights.resize(sv.h, after);
  for (int i = 0; i < sv.h; ++i)
    sv.weights.row(i) = v.run.weights[static_cast<size_t>(b) * sv.h + i].row(t).head(after);
  sv.o.resize(sv.h * sv.d_v);
  for (int i = 0; i < sv.h; ++i) {
    const int j = KvHeadOf(i, sv.h, sv.g);
    sv.o.segment(i * sv.d_v, sv.d_v) = sv.weights.row(i) * sv.V_after.middleCols(j * sv.d_v, sv.d_v);
  }
  sv.y.resize(2, v.run.Y[b].cols());
  sv.y.row(0) = v.run.Y[b].row(t);
  sv.y.row(1) = v.Y_batched[b].row(t);
  for (int i = 0; i < sv.h; ++i)
    sv.head_rows.push_back("h" + std::to_string(i) + (sv.g < sv.h ? "\u2192kv" + std::to_string(KvHeadOf(i, sv.h, sv.g)) : ""));
  sv.kv_rows = Numbered("kv", sv.g);
  sv.q_cols = Numbered("q", sv.d_k);
  sv.k_cols = Numbered("k", sv.d_k);
  sv.v_cols = Numbered("v", sv.d_v);
  for (int j = 0; j < sv.g; ++j) {
    for (int c = 0; c < sv.d_k; ++c)
      sv.kv_cache_cols_k.push_back(sv.g > 1 ? std::to_string(j) + ":k" + std::to_string(c) : "k" + std::to_string(c));
    for (int c = 0; c < sv.d_v; ++c)
      sv.kv_cache_cols_v.push_back(sv.g > 1 ? std::to_string(j) + ":v" + std::to_string(c) : "v" + std::to_string(c));
  }
  sv.pos_after = PositionLabels(v, b, after);
  sv.pos_before.assign(sv.pos_after.begin(), sv.pos_after.begin() + before);
  sv.y_rows = {"step " + std::to_string(t), "one-shot"};
  sv.y_cols = Numbered("y", static_cast<int>(sv.y.cols()));
  for (int c = 0; c < sv.g * sv.d_k; ++c) sv.new_k_cells.emplace_back(after - 1, c);
  for (int c = 0; c < sv.g * sv.d_v; ++c) sv.new_v_cells.emplace_back(after - 1, c);
  const int B = v.run.batch;
  auto shape = [&](int n) {
    return sv.g == sv.h ? "[b, h, n, k] = [" + std::to_string(B) + ", " + std::to_string(sv.h) + ", " + std::to_string(n) +
                              ", " + std::to_string(sv.d_k) + "]"
           : sv.g == 1 ? "[b, n, k] = [" + std::to_string(B) + ", " + std::to_string(n) + ", " + std::to_string(sv.d_k) + "]"
                       : "[b, g, n, k] = [" + std::to_string(B) + ", " + std::to_string(sv.g) + ", " + std::to_string(n) +
                             ", " + std::to_string(sv.d_k) + "]";
  };
  sv.cache_shape_before = shape(before);
  sv.cache_shape_after = shape(after);
  return sv;
}

// "read the maths": how the hovered cell of a step's map was computed, with its numbers.
std::string SumOfProducts(const std::string& lhs, const RowVector& a, const Eigen::Ref<const RowVector>& b,
                          NumberStyle style) {
  std::string terms;
  const Eigen::Index shown = std::min<Eigen::Index>(a.size(), 8);
  for (Eigen::Index c = 0; c < shown; ++c)
    terms += (c ? " + " : "") + FormatNumber(a(c), style, 3) + "\u00B7" + FormatNumber(b(c), style, 3);
  if (a.size() > shown) terms += " + \u2026 (" + std::to_string(a.size()) + " terms)";
  return lhs + " = " + terms;
}

std::string ExplainStepCell(const DecodingView& v, const StepView& sv, const AttentionOptions& options,
                            const std::string& name, int i, int j, NumberStyle style) {
  const MultiHeadWeights& w = v.model;
  auto bias = [&](const RowVector& b, int c) {
    return b.size() ? " + b[" + std::to_string(c) + "] " + FormatNumber(b(c), style, 3) : std::string();
  };
  if (name == "q") {
    const int c = i * sv.d_k + j;
    return SumOfProducts("q[h" + std::to_string(i) + "][" + std::to_string(j) + "] = x \u00B7 W_Q[:, " +
                             std::to_string(c) + "]" + bias(w.b_Q, c) + "\n  ",
                         sv.x, w.W_Q.col(c).transpose(), style) +
           "\n  = " + FormatNumber(sv.q(i, j), style, 4);
  }
  if (name == "k_new" || name == "v_new") {
    const bool key = name == "k_new";
    const int width = key ? sv.d_k : sv.d_v;
    const int c = i * width + j;
    const Matrix& W = key ? w.W_K : w.W_V;
    return SumOfProducts(std::string(key ? "k" : "v") + "[kv" + std::to_string(i) + "][" + std::to_string(j) +
                             "] = x \u00B7 W_" + (key ? "K" : "V") + "[:, " + std::to_string(c) + "]" +
                             bias(key ? w.b_K : w.b_V, c) + "\n  ",
                         sv.x, W.col(c).transpose(), style) +
           "\n  = " + FormatNumber(key ? sv.k(i, j) : sv.v(i, j), style, 4) + "; appended to the cache as row " +
           std::to_string(sv.n_after - 1);
  }
  if (name == "cache_K" || name == "cache_V" || name == "cache_K_before") {
    if (i < sv.m) return "row " + std::to_string(i) + ": from the previous cache (decoding_lab." + (name == "cache_V" ? "cache_V" : "cache_K") + ")";
    const int step = i - sv.m;
    return "row " + std::to_string(i) + ": appended by step " + std::to_string(step) + ", = x_" + std::to_string(step) +
           (name == "cache_V" ? " W_V + b_V" : " W_K + b_K") + " (its K/V head's columns)" +
           (i == sv.n_after - 1 && name != "cache_K_before" ? "; this step's row" : "");
  }
  if (name == "weights") {
    const int kv = KvHeadOf(i, sv.h, sv.g);
    const double scale = options.scale.Factor(sv.d_k);
    RowVector sc(sv.n_after);
    for (int p = 0; p < sv.n_after; ++p)
      sc(p) = scale * sv.q.row(i).dot(sv.K_after.row(p).segment(kv * sv.d_k, sv.d_k));
    const double T = options.temperature;
    std::string text = SumOfProducts("s[" + std::to_string(j) + "] = scale \u00B7 q_h" + std::to_string(i) + " \u00B7 k_" +
                                         std::to_string(j) + " (K/V head " + std::to_string(kv) + "), scale " +
                                         FormatNumber(scale, style, 4) + "\n  ",
                                     sv.q.row(i), sv.K_after.row(j).segment(kv * sv.d_k, sv.d_k), style) +
                       " \u2192 " + FormatNumber(sc(j), style, 4);
    if (T > 0) {
      double mx = sc(0), sum = 0;  // (scalar loops: a tooltip's few numbers)
      for (int p = 1; p < sv.n_after; ++p) mx = std::max(mx, sc(p));
      for (int p = 0; p < sv.n_after; ++p) sum += std::exp((sc(p) - mx) / T);
      text += "\nweight = exp((s[" + std::to_string(j) + "] \u2212 max s) / T) / \u03A3 = exp((" +
              FormatNumber(sc(j), style, 4) + " \u2212 " + FormatNumber(mx, style, 4) + ") / " + FormatNumber(T, style, 3) +
              ") / " + FormatNumber(sum, style, 4) + " = " + FormatNumber(sv.weights(i, j), style, 4);
    } else {
      text += "\nT = 0: the tied maxima share equally: " + FormatNumber(sv.weights(i, j), style, 4);
    }
    return text + "\n(over the " + std::to_string(sv.n_after) + " cached positions; the new token is the last)";
  }
  if (name == "y") {
    if (i == 1) return "row " + std::to_string(sv.t) + " of the one-shot causal pass (MultiHeadForward): the same up to round-off";
    if (w.W_O.size() == 0) return "y = o, the heads' outputs side by side (no W_O)" + bias(w.b_O, j);
    return SumOfProducts("y[" + std::to_string(j) + "] = o \u00B7 W_O[:, " + std::to_string(j) + "]" + bias(w.b_O, j) +
                             ", o = the heads' p V side by side\n  ",
                         sv.o, w.W_O.col(j).transpose(), style) +
           "\n  = " + FormatNumber(sv.y(0, j), style, 4);
  }
  return "";
}

// "[b, n, k] = [2, 3, 2]" -> "[b,n,k]=[2,3,2]": a shape for a 30 px title.
std::string Compact(const std::string& shape) {
  std::string out;
  for (char ch : shape)
    if (ch != ' ') out += ch;
  return out;
}

std::vector<MatrixFigure> StepFigures(const StepView& sv) {
  const std::string t = std::to_string(sv.t);
  const std::string hq = "[h, q] = [" + std::to_string(sv.h) + ", " + std::to_string(sv.d_k) + "]";
  const std::string gk = "[g, k] = [" + std::to_string(sv.g) + ", " + std::to_string(sv.d_k) + "]";
  const std::string gv = "[g, v] = [" + std::to_string(sv.g) + ", " + std::to_string(sv.d_v) + "]";
  std::vector<MatrixFigure> f(8);
  f[0] = {"q", "q of the new token, per head  " + hq, "q  " + hq, &sv.q, &sv.head_rows, &sv.q_cols};
  f[1] = {"k_new", "its k  " + gk, "k  " + gk, &sv.k, &sv.kv_rows, &sv.k_cols};
  f[2] = {"v_new", "its v  " + gv, "v  " + gv, &sv.v, &sv.kv_rows, &sv.v_cols};
  f[3] = {"cache_K", "K cache after step " + t + "  " + sv.cache_shape_after + " (new row framed)",
          "K cache " + Compact(sv.cache_shape_after), &sv.K_after, &sv.pos_after,
          &sv.kv_cache_cols_k, false, &sv.new_k_cells};
  f[4] = {"cache_V", "V cache after  " + sv.cache_shape_after, "V cache " + Compact(sv.cache_shape_after),
          &sv.V_after, &sv.pos_after, &sv.kv_cache_cols_v, false, &sv.new_v_cells};
  f[5] = {"weights", "weights over the " + std::to_string(sv.n_after) + " cached positions, per head",
          "weights over " + std::to_string(sv.n_after) + " positions", &sv.weights, &sv.head_rows, &sv.pos_after, true};
  f[6] = {"y", "y of step " + t + " and row " + t + " of the one-shot pass", "y: step " + t + ", one-shot", &sv.y,
          &sv.y_rows, &sv.y_cols};
  f[7] = {"cache_K_before", "K cache before step " + t + "  " + sv.cache_shape_before,
          "K before " + Compact(sv.cache_shape_before), &sv.K_before, &sv.pos_before,
          &sv.kv_cache_cols_k};
  for (MatrixFigure& fig : f) fig.step = &sv;
  return f;
}

// ---- layout (MHA / GQA / MQA): the shared model's n_kv_heads ----

// The previous cache follows a change of g: merged K/V heads are averaged,
// split ones copied (as SetHeadLayout treats W_K and W_V).
void RegroupCache(std::vector<std::vector<Matrix>>* cache, int g_new) {
  for (std::vector<Matrix>& blocks : *cache) {
    const int g = static_cast<int>(blocks.size());
    if (g == 0 || g == g_new) continue;
    std::vector<Matrix> out(static_cast<size_t>(g_new));
    if (g_new < g) {
      std::vector<int> count(static_cast<size_t>(g_new), 0);
      for (int j = 0; j < g; ++j) {
        const int to = j * g_new / g;
        if (count[to]++ == 0) {
          out[to] = blocks[j];
        } else {
          out[to] += blocks[j];
        }
      }
      for (int j = 0; j < g_new; ++j) out[j] /= count[j];
    } else {
      for (int j = 0; j < g_new; ++j) out[j] = blocks[static_cast<size_t>(j * g / g_new)];
    }
    blocks = std::move(out);
  }
}

void ApplyKvHeads(AppState& s, int g) {
  DecodingViewCache& c = s.ui.caches.Get<DecodingViewCache>();
  const int d_model = static_cast<int>(c.view.model.d_model);
  HeadLayout want = CurrentLayout(s.scenario, d_model);
  if (want.n_kv_heads == g) return;
  want.n_kv_heads = g;
  Scenario next = s.scenario;
  std::string what;
  const Status st = SetHeadLayout(&next, want, &what);
  if (!st.ok()) {
    c.layout_note = st.ToString();
    return;
  }
  if (DecodingLabSettings* lab = next.views.Find<DecodingLabSettings>()) {
    RegroupCache(&lab->cache_K, g);
    RegroupCache(&lab->cache_V, g);
  }
  s.Edit() = std::move(next);
  c.layout_note = what;
}

// ---- measure: our engine's step at the cost sizes, off the UI thread ----

// Cancels the job (if any) and drops its timings; its thread is joined later,
// once it has stopped (ReapMeasures), not here.
void DropMeasure(DecodingViewCache& c) {
  if (c.measure) c.measure->cancel = true;
  if (c.worker.joinable()) c.retired.emplace_back(c.measure, std::move(c.worker));
  c.measure.reset();
}

void ReapMeasures(DecodingViewCache& c) {
  for (size_t i = 0; i < c.retired.size();) {
    if (c.retired[i].first && c.retired[i].first->running) {
      ++i;
      continue;
    }
    if (c.retired[i].second.joinable()) c.retired[i].second.join();  // it has returned (or is returning)
    c.retired.erase(c.retired.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

bool SameSize(const DecodeShape& a, const DecodeShape& b) {
  return a.b == b.b && a.n == b.n && a.d == b.d && a.h == b.h && a.g == b.g && a.d_k == b.d_k && a.d_v == b.d_v;
}

// Timings are of the cost sizes: when those change, the job is cancelled and
// its timings dropped. (Not on every revision: stepping through the sequence
// is an edit too, and the timings do not depend on the scenario's numbers.)
void DropStaleMeasure(AppState& s) {
  DecodingViewCache& c = s.ui.caches.Get<DecodingViewCache>();
  ReapMeasures(c);
  if (!c.measure) return;
  const DecodingLabSettings& lab = s.scenario.views.Get<DecodingLabSettings>();
  const int gs[3] = {lab.cost_h, lab.cost_g, 1};
  for (int i = 0; i < 3; ++i)
    if (!SameSize(c.measure->shapes[i], CostShape(lab, gs[i]))) {
      DropMeasure(c);
      return;
    }
}

void StartMeasure(AppState& s) {
  DecodingViewCache& c = s.ui.caches.Get<DecodingViewCache>();
  if (c.measure && c.measure->running) return;
  if (c.worker.joinable()) c.worker.join();  // finished: `running` is cleared as its last act
  const DecodingLabSettings lab = s.scenario.views.Get<DecodingLabSettings>();
  c.measure = std::make_shared<DecodingMeasure>();
  std::shared_ptr<DecodingMeasure> job = c.measure;
  const int gs[3] = {lab.cost_h, lab.cost_g, 1};
  for (int i = 0; i < 3; ++i) job->shapes[i] = CostShape(lab, gs[i]);
  for (int p = 0; p < DecodingMeasure::kPoints; ++p)
    job->n[p] = std::max(1.0, std::floor(lab.cost_n / std::pow(2.0, DecodingMeasure::kPoints - 1 - p)));
  job->running = true;
  c.worker = std::thread([job] {
    const auto stop = [&job] {
      std::lock_guard<std::mutex> lock(job->mu);
      job->running = false;
    };
    const double bandwidth = MeasureReadBandwidth(320.0 * 1024 * 1024, 3);
    if (job->cancel) return stop();
    const double peak = MeasurePeakFlops(512, 3);
    if (job->cancel) return stop();
    {
      std::lock_guard<std::mutex> lock(job->mu);
      job->bandwidth = bandwidth;
      job->peak = peak;
    }
    for (int p = 0; p < DecodingMeasure::kPoints && !job->cancel; ++p) {
      for (int i = 0; i < 3 && !job->cancel; ++i) {
        DecodeShape shape = job->shapes[i];
        shape.n = job->n[p];
        double seconds = 0;
        const Status st = TimeDecodeStep(shape, 3, &seconds);
        std::lock_guard<std::mutex> lock(job->mu);
        if (!st.ok()) {
          job->error = st.ToString();
          job->running = false;
          return;
        }
        job->seconds[i][p] = seconds;
      }
    }
    std::lock_guard<std::mutex> lock(job->mu);
    job->running = false;
    job->done = !job->cancel;
  });
}

// ---- controls ----

void DrawControls(AppState& s) {
  DecodingLabSettings& lab = s.scenario.views.Get<DecodingLabSettings>();
  DecodingViewCache& c = s.ui.caches.Get<DecodingViewCache>();
  const float font = ImGui::GetFontSize();
  if (Decoded(s)) {
    const DecodingView& v = c.view;
    const int steps = v.run.steps, batch = v.run.batch;
    lab.step = std::clamp(lab.step, 0, steps - 1);
    lab.sequence = std::clamp(lab.sequence, 0, batch - 1);
    ImGui::BeginDisabled(lab.step <= 0);
    if (ImGui::ArrowButton("##back", ImGuiDir_Left)) --lab.step;
    ImGui::EndDisabled();
    s.Record("decoding.back");
    ImGui::SameLine();
    int step = lab.step;
    ImGui::SetNextItemWidth(font * 9.0f);
    if (ImGui::SliderInt("##step", &step, 0, std::max(0, steps - 1), "step %d", ImGuiSliderFlags_AlwaysClamp))
      lab.step = step;
    s.Record("decoding.step");
    ImGui::SameLine();
    ImGui::BeginDisabled(lab.step >= steps - 1);
    if (ImGui::ArrowButton("##forward", ImGuiDir_Right)) ++lab.step;
    ImGui::EndDisabled();
    s.Record("decoding.forward");
    ImGui::SameLine();
    ImGui::Text("of %d", steps);
    if (batch > 1) {
      ImGui::SameLine(0, font);
      const std::string preview = "sequence " + std::to_string(lab.sequence) + " of b = " + std::to_string(batch);
      ImGui::SetNextItemWidth(ImGui::CalcTextSize(preview.c_str()).x + ImGui::GetFrameHeight() * 1.5f);
      if (ImGui::BeginCombo("##sequence", preview.c_str())) {
        for (int i = 0; i < batch; ++i) {
          ImGui::PushID(i);
          if (ImGui::Selectable(("sequence " + std::to_string(i)).c_str(), i == lab.sequence)) lab.sequence = i;
          ImGui::PopID();
        }
        ImGui::EndCombo();
      }
      s.Record("decoding.sequence");
    } else {
      ImGui::SameLine(0, font);
      ImGui::TextUnformatted("b = 1");
    }
    // MHA / GQA / MQA: the shared model's n_kv_heads.
    const HeadLayout L = v.model.layout;
    const std::string now = std::string(KvLayoutName(L.num_heads, L.n_kv_heads)) + ", g = " + std::to_string(L.n_kv_heads);
    const float combo = ImGui::CalcTextSize("GQA, g = 16").x + ImGui::GetFrameHeight() * 1.5f;
    ImGui::SameLine(0, font);
    if (ImGui::GetContentRegionAvail().x < combo) ImGui::NewLine();
    ImGui::SetNextItemWidth(combo);
    int pick = 0;  // applied after the combo: ApplyKvHeads replaces s.scenario, and `lab` with it
    if (ImGui::BeginCombo("##layout", now.c_str())) {
      for (int g = L.num_heads; g >= 1; --g) {
        if (L.num_heads % g) continue;
        const std::string label = std::string(KvLayoutName(L.num_heads, g)) + ", n_kv_heads = " + std::to_string(g);
        const bool picked = ImGui::Selectable(label.c_str(), g == L.n_kv_heads);
        s.Record("decoding.layout.g" + std::to_string(g));
        if (picked && g != L.n_kv_heads) pick = g;
      }
      ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("n_kv_heads g: h = multi-head (MHA), a divisor of h = grouped-query (GQA), 1 = multi-query (MQA).\n"
                        "Merged K/V heads are the mean of those they replace (W_K, W_V and a previous cache).");
    s.Record("decoding.layout");
    if (pick > 0) {
      // s.Edit() = next frees the settings `lab` and `v` refer to: nothing below may read them this frame.
      ApplyKvHeads(s, pick);
      return;
    }
  }
  if (s.ui.presentation) return;
  // The cost model's sizes (also what "measure" runs).
  ImGui::SameLine(0, font);
  if (ImGui::GetContentRegionAvail().x < font * 30.0f) ImGui::NewLine();
  ImGui::TextDisabled("cost at");
  auto size_field = [&](const char* label, int DecodingLabSettings::*field, const char* id) {
    ImGui::SameLine();
    int x = lab.*field;
    ImGui::SetNextItemWidth(font * 3.6f);
    if (ImGui::InputInt(label, &x, 0, 0)) {
      DecodingLabSettings next = lab;
      next.*field = x;
      if (CheckDecodingSettings(next).ok()) lab.*field = x;  // sizes past the limits are not taken
    }
    s.Record(id);
  };
  size_field("b##cost_b", &DecodingLabSettings::cost_b, "decoding.cost_b");
  size_field("n##cost_n", &DecodingLabSettings::cost_n, "decoding.cost_n");
  size_field("d##cost_d", &DecodingLabSettings::cost_d, "decoding.cost_d");
  size_field("h##cost_h", &DecodingLabSettings::cost_h, "decoding.cost_h");
  size_field("g##cost_g", &DecodingLabSettings::cost_g, "decoding.cost_g");
  ImGui::SameLine(0, font);
  const bool running = c.measure && c.measure->running.load();
  ImGui::BeginDisabled(running);
  if (ImGui::Button(running ? "measuring\u2026" : "measure")) ImGui::OpenPopup("measure_confirm");
  ImGui::EndDisabled();
  s.Record("decoding.measure");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Time our own engine's step at these sizes (MHA, GQA, MQA; n/8 .. n),\n"
                      "with the machine's bandwidth and peak, in the background. Never in eval or pictures.");
  if (running) {
    ImGui::SameLine();
    if (ImGui::Button("cancel##measure")) DropMeasure(c);
    s.Record("decoding.measure_cancel");
  }
  if (ImGui::BeginPopup("measure_confirm")) {
    // MHA's step, the largest: weights + KV cache + workspace, and the bandwidth's buffer
    const double total = MeasureBytes(CostShape(lab, lab.cost_h)) + 320.0 * 1024 * 1024;
    ImGui::Text("Allocates up to %s (weights, KV cache, workspace) and runs for a few seconds.", Bytes(total).c_str());
    if (ImGui::Button("run")) {
      StartMeasure(s);
      ImGui::CloseCurrentPopup();
    }
    s.Record("decoding.measure_run");
    ImGui::SameLine();
    if (ImGui::Button("cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

// The check, on a line of its own that is always there.
void DrawCheck(AppState& s) {
  const DecodingViewCache& c = s.ui.caches.Get<DecodingViewCache>();
  if (!c.status.ok()) {
    ErrorText("\u26A0 " + c.status.ToString());
  } else if (!c.view.decoded) {
    ImGui::TextWrapped("%s", c.view.note.c_str());
  } else {
    const bool ok = DecodeIsRoundOff(c.view);  // relative to max |Y|, and the weights too
    ImGui::PushStyleColor(ImGuiCol_Text, ok ? kGood : ErrorColor());
    if (s.ui.presentation) {
      ImGui::Text("incremental vs one-shot: max |diff| = %s%s",
                  FormatNumber(c.view.max_abs_diff, NumberStyle::kScientific, 2).c_str(), ok ? ", round-off" : ": they differ");
    } else {
      ImGui::Text("incremental vs one-shot: max |diff| = %s (y), %s (weights)%s",
                  FormatNumber(c.view.max_abs_diff, NumberStyle::kScientific, 2).c_str(),
                  FormatNumber(c.view.max_abs_diff_weights, NumberStyle::kScientific, 2).c_str(),
                  ok ? ": round-off" : ": they differ");
    }
    ImGui::PopStyleColor();
  }
  s.Record("decoding.check");
  if (c.status.ok() && c.view.decoded && !c.view.note.empty() && !s.ui.presentation) {
    ImGui::SameLine(0, ImGui::GetFontSize());
    ImGui::TextDisabled("(X_kv not used)");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", c.view.note.c_str());
  }
  if (!c.layout_note.empty() && !s.ui.presentation) {
    ImGui::SameLine(0, ImGui::GetFontSize());
    ImGui::TextDisabled("%s", c.layout_note.c_str());
  }
}

// ---- einsums and the cost table ----

void DrawEinsums(AppState& s, ImVec2 size) {
  ImVec2 body = size;
  if (!BeginFigurePanel(s, "einsums", "The homework's code: shapes and einsums", &body)) return;
  const DecodingView& v = s.ui.caches.Get<DecodingViewCache>().view;
  if (!Decoded(s)) {
    ImGui::TextDisabled("(no model to decode)");
    EndFigurePanel(s, "einsums");
    return;
  }
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + body.x);
  for (const std::string& w : v.weight_shapes) ImGui::BulletText("%s", w.c_str());
  for (const EinsumLine& e : v.einsums) {
    if (e.einsum.empty()) {
      ImGui::BulletText("%s  %s", e.what.c_str(), e.shape.c_str());
    } else {
      ImGui::BulletText("%s = einsum(\"%s\")  %s", e.what.c_str(), e.einsum.c_str(), e.shape.c_str());
    }
    if (!e.note.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ErrorColor());
      ImGui::Indent();
      ImGui::TextWrapped("erratum: %s", e.note.c_str());
      ImGui::Unindent();
      ImGui::PopStyleColor();
    }
  }
  const HeadLayout& L = v.model.layout;
  if (L.n_kv_heads != 1)
    ImGui::TextDisabled("(switch to MQA, g = 1, for the homework's own code and its two corrected einsums)");
  ImGui::PopTextWrapPos();
  EndFigurePanel(s, "einsums");
}

void DrawCostTable(AppState& s, ImVec2 size) {
  ImVec2 body = size;
  const DecodingLabSettings& lab = s.scenario.views.Get<DecodingLabSettings>();
  const std::string sizes = "b = " + std::to_string(lab.cost_b) + ", n = " + std::to_string(lab.cost_n) + ", d = " +
                            std::to_string(lab.cost_d) + ", h = " + std::to_string(lab.cost_h);
  const std::string title = s.ui.presentation ? "One step at " + sizes : "One step's cost at " + sizes + " (f64)";
  if (!BeginFigurePanel(s, "cost_table", title, &body)) return;
  const DecodingView& v = s.ui.caches.Get<DecodingViewCache>().view;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit;
  if (s.ui.presentation) {  // 30 px text: the totals that carry the lesson, no formulas
    if (ImGui::BeginTable("cost_short", 4, flags, ImVec2(body.x, 0))) {
      ImGui::TableSetupColumn("");
      ImGui::TableSetupColumn("MHA");
      ImGui::TableSetupColumn(("GQA " + std::to_string(lab.cost_g)).c_str());
      ImGui::TableSetupColumn("MQA");
      ImGui::TableHeadersRow();
      auto row = [&](const char* name, auto value) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(name);
        for (int i = 0; i < 3; ++i) {
          ImGui::TableNextColumn();
          ImGui::TextUnformatted(value(v.costs[i]).c_str());
        }
      };
      row("FLOPs", [](const DecodeCost& c) { return Count(c.flops, ""); });
      row("weights", [](const DecodeCost& c) { return Bytes(c.weight_bytes); });
      row("KV cache", [](const DecodeCost& c) { return Bytes(c.cache_bytes); });
      row("bytes", [](const DecodeCost& c) { return Bytes(c.bytes); });
      row("FLOP / B", [](const DecodeCost& c) { return FormatNumber(c.intensity, NumberStyle::kDecimal, 2); });
      row("KV / token", [](const DecodeCost& c) { return Bytes(c.cache_bytes_per_token); });
      row("cache > W at n", [](const DecodeCost& c) { return FormatNumber(std::ceil(c.crossover_n), NumberStyle::kDecimal, 0); });
      ImGui::EndTable();
    }
    EndFigurePanel(s, "cost_table");
    return;
  }
  if (ImGui::BeginTable("cost", 4, flags, ImVec2(body.x, 0))) {
    ImGui::TableSetupColumn("");
    ImGui::TableSetupColumn("MHA, g = h");
    ImGui::TableSetupColumn(("GQA, g = " + std::to_string(lab.cost_g)).c_str());
    ImGui::TableSetupColumn("MQA, g = 1");
    ImGui::TableHeadersRow();
    auto row = [&](const std::string& name, auto value, auto tooltip) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(name.c_str());
      for (int i = 0; i < 3; ++i) {
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(value(v.costs[i]).c_str());
        if (!s.ui.exporting && ImGui::IsItemHovered()) {
          const std::string tip = tooltip(v.costs[i]);
          if (!tip.empty()) ImGui::SetTooltip("%s", tip.c_str());
        }
      }
    };
    for (size_t t = 0; t < v.costs[0].flop_terms.size(); ++t)
      row(v.costs[0].flop_terms[t].name, [t](const DecodeCost& c) { return Count(c.flop_terms[t].value, "FLOP"); },
          [t](const DecodeCost& c) { return c.flop_terms[t].formula; });
    row("FLOPs", [](const DecodeCost& c) { return Count(c.flops, "FLOP"); },
        [](const DecodeCost& c) { return c.flops_big_o; });
    for (size_t t = 0; t < v.costs[0].byte_terms.size(); ++t)
      row(v.costs[0].byte_terms[t].name, [t](const DecodeCost& c) { return Bytes(c.byte_terms[t].value); },
          [t](const DecodeCost& c) { return c.byte_terms[t].formula; });
    row("bytes moved", [](const DecodeCost& c) { return Bytes(c.bytes); },
        [](const DecodeCost& c) { return c.bytes_big_o; });
    row("intensity", [](const DecodeCost& c) { return FormatNumber(c.intensity, NumberStyle::kDecimal, 2) + " FLOP/B"; },
        [](const DecodeCost&) { return std::string("FLOPs / bytes"); });
    row("KV cache / token", [](const DecodeCost& c) { return Bytes(c.cache_bytes_per_token); },
        [](const DecodeCost&) { return std::string("w g (d_k + d_v), one position of one sequence"); });
    row("cache > weights past n =",
        [](const DecodeCost& c) { return FormatNumber(std::ceil(c.crossover_n), NumberStyle::kDecimal, 0); },
        [](const DecodeCost&) { return std::string("memory traffic for the cache dominates past this cache length"); });
    row("O(bytes)", [](const DecodeCost& c) { return c.bytes_big_o; }, [](const DecodeCost&) { return std::string(); });
    ImGui::EndTable();
  }
  // The formulas with their numbers, for the scenario's own layout's column.
  const int pick = !Decoded(s) ? 0
                   : v.model.layout.n_kv_heads == v.model.layout.num_heads ? 0
                   : v.model.layout.n_kv_heads == 1                        ? 2
                                                                           : 1;
  ImGui::TextDisabled("%s, formulas with the numbers (compute %s):", kCostLayouts[pick], v.costs[pick].flops_big_o.c_str());
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + body.x);
  for (const CostTerm& t : v.costs[pick].flop_terms) ImGui::TextWrapped("%s: %s", t.name.c_str(), t.formula.c_str());
  for (const CostTerm& t : v.costs[pick].byte_terms) ImGui::TextWrapped("%s: %s", t.name.c_str(), t.formula.c_str());
  ImGui::PopTextWrapPos();
  EndFigurePanel(s, "cost_table");
}

// ---- plots against n, b, h ----

enum class Axis { kN, kB, kH };
enum class Quantity { kBytes, kFlops, kIntensity };

std::vector<double> AxisValues(const DecodingLabSettings& lab, Axis axis) {
  std::vector<double> xs;
  if (axis == Axis::kN) {
    for (double n = 16; n <= std::max(65536.0, 4.0 * lab.cost_n); n *= 2) xs.push_back(n);
  } else if (axis == Axis::kB) {
    for (double b = 1; b <= 256; b *= 2) xs.push_back(b);
  } else {
    for (double h = 1; h <= 128; h *= 2)
      if (lab.cost_d % static_cast<int>(h) == 0) xs.push_back(h);
  }
  return xs;
}

DecodingLabSettings AtAxis(const DecodingLabSettings& lab, Axis axis, double x) {
  DecodingLabSettings at = lab;
  if (axis == Axis::kN) at.cost_n = static_cast<int>(x);
  if (axis == Axis::kB) at.cost_b = static_cast<int>(x);
  if (axis == Axis::kH) at.cost_h = static_cast<int>(x);
  return at;
}

// The g of layout 0 (MHA), 1 (GQA), 2 (MQA) at `at`: against h, GQA's g is
// gcd(cost_g, h), a divisor of every h on the axis.
int LayoutG(int layout, const DecodingLabSettings& lab, const DecodingLabSettings& at) {
  return layout == 0 ? at.cost_h : layout == 2 ? 1 : std::gcd(lab.cost_g, at.cost_h);
}

std::string LayoutLabel(int layout, const DecodingLabSettings& lab, Axis axis) {
  if (layout != 1) return kCostLayouts[layout];
  return GqaPlotLabel(lab.cost_g, axis == Axis::kH);
}

const char* AxisLetter(Axis axis) { return axis == Axis::kN ? "n" : axis == Axis::kB ? "b" : "h"; }
const char* AxisLabel(Axis axis) {
  return axis == Axis::kN ? "n (cache length)" : axis == Axis::kB ? "b (sequences)" : "h (heads)";
}

// FLOPs or arithmetic intensity per step against n, b or h (E4's questions).
void DrawRatePlot(AppState& s, Quantity q, Axis axis, ImVec2 size) {
  const DecodingLabSettings& lab = s.scenario.views.Get<DecodingLabSettings>();
  const std::string name = std::string(q == Quantity::kFlops ? "flops_vs_" : "intensity_vs_") + AxisLetter(axis);
  const std::string title = std::string(q == Quantity::kFlops ? "FLOPs per step" : "Arithmetic intensity (FLOP / byte)") +
                            " against " + (axis == Axis::kN ? "the cache length n" : axis == Axis::kB ? "the batch b" : "the heads h (d fixed)");
  ImVec2 body = size;
  if (!BeginFigurePanel(s, name, title, &body)) return;
  PlotSpec spec;
  spec.x.scale = AxisScale::kLog;
  spec.y.scale = AxisScale::kLog;
  spec.x.label = AxisLabel(axis);
  spec.y.label = q == Quantity::kFlops ? "FLOPs" : "FLOP / byte";
  const std::vector<double> xs = AxisValues(lab, axis);
  for (int layout = 0; layout < 3; ++layout) {
    std::vector<double> y;
    for (double x : xs) {
      const DecodingLabSettings at = AtAxis(lab, axis, x);
      const DecodeCost c = DecodeStepCost(CostShape(at, LayoutG(layout, lab, at)));
      y.push_back(q == Quantity::kFlops ? c.flops : c.intensity);
    }
    spec.series.push_back(LineSeries(LayoutLabel(layout, lab, axis), xs, y, layout));
  }
  const int at = axis == Axis::kN ? lab.cost_n : axis == Axis::kB ? lab.cost_b : lab.cost_h;
  spec.markers.push_back(PlotMarker{std::string(AxisLetter(axis)) + " = " + std::to_string(at), static_cast<double>(at), -1, true});
  const PlotResult r = Plot(name.c_str(), spec, body);
  s.ui.items["decoding.plot." + name] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, name);
}

void DrawCostPlot(AppState& s, Axis axis, ImVec2 size) {
  const DecodingLabSettings& lab = s.scenario.views.Get<DecodingLabSettings>();
  const char* name = axis == Axis::kN ? "cost_vs_n" : axis == Axis::kB ? "cost_vs_b" : "cost_vs_h";
  const std::string title = axis == Axis::kN   ? "Bytes moved per step against the cache length n"
                            : axis == Axis::kB ? "Bytes moved per step against the batch b"
                                               : "KV cache per token against the heads h (d fixed)";
  ImVec2 body = size;
  if (!BeginFigurePanel(s, name, title, &body)) return;
  PlotSpec spec;
  spec.x.scale = AxisScale::kLog;
  spec.y.scale = AxisScale::kLog;
  spec.x.label = axis == Axis::kN ? "n (cache length)" : axis == Axis::kB ? "b (sequences)" : "h (heads)";
  spec.y.label = axis == Axis::kH ? "bytes / token" : "bytes";
  const std::vector<double> xs = AxisValues(lab, axis);
  const int gs_fixed = lab.cost_g;
  for (int layout = 0; layout < 3; ++layout) {
    std::vector<double> y;
    for (double x : xs) {
      DecodingLabSettings at = lab;
      if (axis == Axis::kN) at.cost_n = static_cast<int>(x);
      if (axis == Axis::kB) at.cost_b = static_cast<int>(x);
      if (axis == Axis::kH) at.cost_h = static_cast<int>(x);
      const int h = at.cost_h;
      const int g = layout == 0 ? h : layout == 2 ? 1 : std::gcd(gs_fixed, h);
      const DecodeCost c = DecodeStepCost(CostShape(at, g));
      y.push_back(axis == Axis::kH ? c.cache_bytes_per_token : c.bytes);
    }
    spec.series.push_back(LineSeries(LayoutLabel(layout, lab, axis), xs, y, layout));
  }
  if (axis != Axis::kH) {
    // The weights alone: past their line the cache's traffic dominates.
    std::vector<double> w;
    for (double x : xs) {
      DecodingLabSettings at = lab;
      if (axis == Axis::kN) at.cost_n = static_cast<int>(x);
      if (axis == Axis::kB) at.cost_b = static_cast<int>(x);
      w.push_back(DecodeStepCost(CostShape(at, lab.cost_h)).weight_bytes);
    }
    PlotSeries ws = LineSeries("weights (MHA)", xs, w, 4);
    ws.dashed = true;
    spec.series.push_back(ws);
    const DecodingView& v = s.ui.caches.Get<DecodingViewCache>().view;
    if (axis == Axis::kN) {
      spec.markers.push_back(PlotMarker{"n = " + std::to_string(lab.cost_n), static_cast<double>(lab.cost_n), -1, true});
      const double cross = v.costs[0].crossover_n;
      if (cross > xs.front() && cross < xs.back())
        spec.markers.push_back(PlotMarker{"MHA cache > weights", cross, 0, true});
    } else {
      spec.markers.push_back(PlotMarker{"b = " + std::to_string(lab.cost_b), static_cast<double>(lab.cost_b), -1, true});
    }
  } else {
    spec.markers.push_back(PlotMarker{"h = " + std::to_string(lab.cost_h), static_cast<double>(lab.cost_h), -1, true});
  }
  const PlotResult r = Plot(name, spec, body);
  s.ui.items[std::string("decoding.plot.") + name] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, name);
}

// Measured step times beside the roofline model (only after "measure").
void DrawTiming(AppState& s, ImVec2 size) {
  DecodingViewCache& c = s.ui.caches.Get<DecodingViewCache>();
  if (!c.measure || s.ui.exporting) return;  // timings are never in pictures
  ImVec2 body = size;
  if (!BeginFigurePanel(s, "timing", "Measured step time beside the model max(bytes / BW, FLOPs / peak)", &body)) return;
  DecodingMeasure& m = *c.measure;
  std::lock_guard<std::mutex> lock(m.mu);
  if (!m.error.empty()) {
    ErrorText(m.error);
  } else if (m.bandwidth == 0) {
    ImGui::TextDisabled("measuring the machine's bandwidth and peak\u2026");
  } else {
    ImGui::Text("read bandwidth %.1f GB/s, peak %.1f GFLOP/s (one core)%s", m.bandwidth * 1e-9, m.peak * 1e-9,
                m.running ? ", measuring the steps\u2026" : "");
    PlotSpec spec;
    spec.x.scale = AxisScale::kLog;
    spec.y.scale = AxisScale::kLog;
    spec.x.label = "n (cache length)";
    spec.y.label = "ms per step";
    std::vector<double> xs(m.n.begin(), m.n.end());
    for (int layout = 0; layout < 3; ++layout) {
      std::vector<double> model, mx, my;
      for (int p = 0; p < DecodingMeasure::kPoints; ++p) {
        DecodeShape shape = m.shapes[layout];
        shape.n = m.n[p];
        const DecodeCost cost = DecodeStepCost(shape);
        model.push_back(1e3 * std::max(cost.bytes / m.bandwidth, cost.flops / m.peak));
        if (m.seconds[layout][p] > 0) {
          mx.push_back(m.n[p]);
          my.push_back(1e3 * m.seconds[layout][p]);
        }
      }
      PlotSeries line = LineSeries(std::string(kCostLayouts[layout]) + " model", xs, model, layout);
      line.dashed = true;
      spec.series.push_back(line);
      PlotSeries pts;
      pts.label = std::string(kCostLayouts[layout]) + " measured";
      pts.kind = SeriesKind::kScatter;
      pts.x = mx;
      pts.y = my;
      pts.color = layout;
      pts.weight = 1.6f;
      spec.series.push_back(pts);
    }
    const float text = ImGui::GetTextLineHeightWithSpacing();
    Plot("timing", spec, ImVec2(body.x, std::max(body.y - text, ImGui::GetFontSize() * 6)));
  }
  EndFigurePanel(s, "timing");
}

// ---- layout of the whole view ----

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

void DrawSlides(AppState& s, const StepView* sv) {
  const float font = ImGui::GetFontSize();
  std::vector<Slide> slides;
  std::vector<MatrixFigure> figures;
  if (sv) figures = StepFigures(*sv);
  for (const MatrixFigure& f : figures) {
    if (f.name == "cache_K_before") continue;  // "after" frames the new row: one map tells both
    slides.push_back({f.name, f.title, FigureReadableSize(s, f), [&s, f](ImVec2 room) { DrawMatrixFigure(s, f, room); }});
  }
  const ImVec2 plot(font * 16.0f, font * 10.0f);
  slides.push_back({"einsums", "The homework's einsums with shapes", ImVec2(font * 22.0f, font * 10.0f),
                    [&s](ImVec2 room) { DrawEinsums(s, room); }});
  slides.push_back({"cost_table", "The cost table", ImVec2(font * 24.0f, font * 10.5f),
                    [&s](ImVec2 room) { DrawCostTable(s, room); }});
  slides.push_back({"cost_vs_n", "Bytes against n", plot, [&s](ImVec2 room) { DrawCostPlot(s, Axis::kN, room); }});
  slides.push_back({"intensity_vs_n", "Intensity against n", plot, [&s](ImVec2 room) { DrawRatePlot(s, Quantity::kIntensity, Axis::kN, room); }});
  slides.push_back({"cost_vs_b", "Bytes against b", plot, [&s](ImVec2 room) { DrawCostPlot(s, Axis::kB, room); }});
  slides.push_back({"cost_vs_h", "KV cache per token against h", plot, [&s](ImVec2 room) { DrawCostPlot(s, Axis::kH, room); }});
  slides.push_back({"flops_vs_n", "FLOPs against n", plot, [&s](ImVec2 room) { DrawRatePlot(s, Quantity::kFlops, Axis::kN, room); }});
  slides.push_back({"flops_vs_b", "FLOPs against b", plot, [&s](ImVec2 room) { DrawRatePlot(s, Quantity::kFlops, Axis::kB, room); }});
  slides.push_back({"flops_vs_h", "FLOPs against h", plot, [&s](ImVec2 room) { DrawRatePlot(s, Quantity::kFlops, Axis::kH, room); }});
  slides.push_back({"intensity_vs_b", "Intensity against b", plot,
                    [&s](ImVec2 room) { DrawRatePlot(s, Quantity::kIntensity, Axis::kB, room); }});
  slides.push_back({"intensity_vs_h", "Intensity against h", plot,
                    [&s](ImVec2 room) { DrawRatePlot(s, Quantity::kIntensity, Axis::kH, room); }});
  if (s.ui.caches.Get<DecodingViewCache>().measure)
    slides.push_back({"timing", "Measured timings", plot, [&s](ImVec2 room) { DrawTiming(s, room); }});
  if (!s.scenario.notes.empty() || !s.scenario.solution.empty())
    slides.push_back({"exercise", "The exercise and its solution", ImVec2(font * 16.0f, font * 8.0f),
                      [&s](ImVec2) { DrawExerciseText(s); }});
  DrawPresentation(s, slides, FindViewScreen("decoding")->presentation_panels);
}

}  // namespace

std::string GqaPlotLabel(int cost_g, bool against_h) {
  return against_h ? "GQA, g = gcd(" + std::to_string(cost_g) + ", h)" : "GQA, g = " + std::to_string(cost_g);
}

void DrawDecodingView(AppState& s) {
  s.ui.panel_names.clear();
  Update(s);
  DropStaleMeasure(s);
  DecodingViewCache& c = s.ui.caches.Get<DecodingViewCache>();
  DecodingLabSettings& lab = s.scenario.views.Get<DecodingLabSettings>();
  StepView sv;
  const bool decoded = Decoded(s);
  if (decoded) {
    lab.step = std::clamp(lab.step, 0, c.view.run.steps - 1);
    lab.sequence = std::clamp(lab.sequence, 0, c.view.run.batch - 1);
    sv = MakeStepView(c.view, lab.sequence, lab.step);
  }
  const float font = ImGui::GetFontSize();
  if (ExportingOnePanel(s)) {  // a picture of one panel: each is visited, the chosen one draws
    const ImVec2 size = FigureExportSize();
    if (decoded)
      for (const MatrixFigure& f : StepFigures(sv)) DrawMatrixFigure(s, f, size);
    DrawEinsums(s, size);
    DrawCostTable(s, size);
    for (Axis axis : {Axis::kN, Axis::kB, Axis::kH}) {
      DrawCostPlot(s, axis, size);
      DrawRatePlot(s, Quantity::kFlops, axis, size);
      DrawRatePlot(s, Quantity::kIntensity, axis, size);
    }
    return;
  }
  DrawControls(s);
  DrawCheck(s);
  if (s.ui.presentation) {
    DrawSlides(s, decoded ? &sv : nullptr);
    return;
  }
  ImGui::BeginChild("decoding_body", ImVec2(0, 0), false);
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  if (decoded) {
    Flow flow;
    for (const MatrixFigure& f : StepFigures(sv)) {
      const ImVec2 size = FigureSize(s, f);
      flow.Place(size.x);
      DrawMatrixFigure(s, f, size);
    }
  }
  ImGui::Separator();
  const float avail = ImGui::GetContentRegionAvail().x;
  const float half = (avail - spacing) * 0.5f;
  // The table's four columns need the whole width; the einsums go beside it
  // only on a wide screen.
  const float table_w = std::min(avail, font * 50.0f);
  DrawCostTable(s, ImVec2(table_w, font * 17.0f));
  if (avail - table_w > font * 24.0f) ImGui::SameLine();
  DrawEinsums(s, ImVec2(std::max(font * 24.0f, avail - table_w - spacing), font * 17.0f));
  const float plot_w = avail > font * 40.0f ? half : avail;
  const ImVec2 plot(plot_w, font * 12.0f);
  // E4: bytes, FLOPs and intensity as n, b and h vary, a row per axis.
  for (Axis axis : {Axis::kN, Axis::kB, Axis::kH}) {
    DrawCostPlot(s, axis, plot);
    if (plot_w < avail) ImGui::SameLine();
    DrawRatePlot(s, Quantity::kFlops, axis, plot);
    DrawRatePlot(s, Quantity::kIntensity, axis, ImVec2(avail, plot.y));
  }
  if (c.measure) DrawTiming(s, ImVec2(avail, font * 14.0f));
  if (!s.scenario.notes.empty() || !s.scenario.solution.empty()) {
    ImGui::Separator();
    DrawExerciseText(s);
  }
  ImGui::EndChild();
}

}  // namespace attnlab::ui
