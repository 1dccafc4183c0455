#include "attnlab/decoding.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "attnlab/softmax.hpp"

namespace attnlab {
namespace {

std::string Shape(Eigen::Index rows, Eigen::Index cols) { return std::to_string(rows) + "x" + std::to_string(cols); }

using StridedMap = Eigen::Map<Matrix, 0, Eigen::OuterStride<>>;
using ConstMap = Eigen::Map<const Matrix>;

// out (b, cols) = x (b, d) W (d, cols) + bias, streaming each row of W once for
// the whole batch (a batch of 8 rows is too few for a GEMM to pay, and Eigen's
// GEMM would allocate its packing buffers on the heap at these sizes).
void Project(const Eigen::Ref<const Matrix>& x, const Matrix& W, const RowVector& bias, Matrix* out) {
  const Eigen::Index b = x.rows(), d = W.rows(), cols = W.cols();
  if (bias.size() == cols) {
    out->rowwise() = bias;
  } else {
    out->setZero();
  }
  // Column blocks keep the b output rows of a block in L1 while W streams.
  constexpr Eigen::Index kBlock = 512;
  for (Eigen::Index c0 = 0; c0 < cols; c0 += kBlock) {
    const Eigen::Index cn = std::min(kBlock, cols - c0);
    for (Eigen::Index k = 0; k < d; ++k) {
      const auto w_row = W.row(k).segment(c0, cn);
      for (Eigen::Index i = 0; i < b; ++i) {
        const double a = x(i, k);
        if (a != 0) out->row(i).segment(c0, cn).noalias() += a * w_row;
      }
    }
  }
}

// softmax(s / T) of one row in place; T = 0: the tied maxima share equally
// (within kArgmaxRelTol of the row's magnitude, as softmax.hpp does).
void SoftmaxInPlace(double* s, Eigen::Index n, double temperature) {
  double m = -std::numeric_limits<double>::infinity(), mag = 0;
  for (Eigen::Index j = 0; j < n; ++j) {
    m = std::max(m, s[j]);
    mag = std::max(mag, std::abs(s[j]));
  }
  if (temperature > 0) {
    double sum = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
      s[j] = std::exp((s[j] - m) / temperature);
      sum += s[j];
    }
    const double inv = 1.0 / sum;
    for (Eigen::Index j = 0; j < n; ++j) s[j] *= inv;
    return;
  }
  const double tol = kArgmaxRelTol * mag;
  int ties = 0;
  for (Eigen::Index j = 0; j < n; ++j) ties += (m - s[j] <= tol) ? 1 : 0;
  const double share = 1.0 / ties;
  for (Eigen::Index j = 0; j < n; ++j) s[j] = (m - s[j] <= tol) ? share : 0.0;
}

AttentionOptions CausalOf(const AttentionOptions& options) {
  AttentionOptions o = options;
  o.mask = MaskSpec();
  o.mask.kind = MaskKind::kCausal;
  o.naive_softmax = false;
  return o;
}

}  // namespace

Matrix KvCache::KBlock(int b, int g, int rows) const {
  if (rows < 0) rows = length;
  return ConstMap(KRow(b, g, 0), rows, d_k);
}
Matrix KvCache::VBlock(int b, int g, int rows) const {
  if (rows < 0) rows = length;
  return ConstMap(VRow(b, g, 0), rows, d_v);
}

Status MakeKvCache(int batch, int groups, int capacity, int d_k, int d_v, KvCache* out) {
  const struct {
    const char* name;
    int v;
  } counts[] = {{"batch", batch}, {"groups", groups}, {"capacity", capacity}, {"d_k", d_k}, {"d_v", d_v}};
  for (const auto& c : counts)
    if (c.v < 1) return Status::Error("cache", std::string(c.name) + " must be at least 1, got " + std::to_string(c.v));
  out->batch = batch;
  out->groups = groups;
  out->capacity = capacity;
  out->length = 0;
  out->d_k = d_k;
  out->d_v = d_v;
  const size_t blocks = static_cast<size_t>(batch) * groups * capacity;
  out->K.assign(blocks * d_k, 0.0);
  out->V.assign(blocks * d_v, 0.0);
  return Status::Ok();
}

void PrepareDecodeWorkspace(const MultiHeadWeights& w, int batch, int capacity, DecodeWorkspace* ws) {
  const HeadLayout& L = w.layout;
  ws->q.setZero(batch, L.num_heads * L.d_k);
  ws->k.setZero(batch, L.n_kv_heads * L.d_k);
  ws->v.setZero(batch, L.n_kv_heads * L.d_v);
  ws->weights.setZero(static_cast<Eigen::Index>(batch) * L.num_heads, capacity);
  ws->o.setZero(batch, L.num_heads * L.d_v);
  ws->y.setZero(batch, w.W_O.size() ? w.W_O.cols() : L.num_heads * L.d_v);
}

Status CheckDecodeWeights(const MultiHeadWeights& w) {
  const HeadLayout& L = w.layout;
  if (L.num_heads < 1) return Status::Error("num_heads", "must be at least 1, got " + std::to_string(L.num_heads));
  if (L.n_kv_heads < 1 || L.num_heads % L.n_kv_heads != 0)
    return Status::Error("n_kv_heads", "must divide num_heads = " + std::to_string(L.num_heads) + ", got " +
                                           std::to_string(L.n_kv_heads));
  if (L.d_k < 1 || L.d_v < 1) return Status::Error("W_Q", "each head needs d_k, d_v >= 1");
  const struct {
    const char* name;
    const Matrix& m;
    Eigen::Index cols;
    const char* what;
  } mats[] = {{"W_Q", w.W_Q, L.num_heads * L.d_k, "num_heads x d_k"},
              {"W_K", w.W_K, L.n_kv_heads * L.d_k, "n_kv_heads x d_k"},
              {"W_V", w.W_V, L.n_kv_heads * L.d_v, "n_kv_heads x d_v"}};
  for (const auto& m : mats) {
    if (m.m.rows() != w.d_model || m.m.cols() != m.cols)
      return Status::Error(m.name, "expected " + Shape(w.d_model, m.cols) + " (d_model x " + m.what + " = " +
                                       std::to_string(w.d_model) + " x " + std::to_string(m.cols) + "), got " +
                                       Shape(m.m.rows(), m.m.cols()));
  }
  const struct {
    const char* name;
    const RowVector& v;
    Eigen::Index size;
  } biases[] = {{"b_Q", w.b_Q, L.num_heads * L.d_k},
                {"b_K", w.b_K, L.n_kv_heads * L.d_k},
                {"b_V", w.b_V, L.n_kv_heads * L.d_v},
                {"b_O", w.b_O, w.W_O.size() ? w.W_O.cols() : L.num_heads * L.d_v}};
  for (const auto& b : biases)
    if (b.v.size() != 0 && b.v.size() != b.size)
      return Status::Error(b.name, "expected " + std::to_string(b.size) + " numbers, got " + std::to_string(b.v.size()));
  if (w.W_O.size() && w.W_O.rows() != L.num_heads * L.d_v)
    return Status::Error("W_O", "expected " + std::to_string(L.num_heads * L.d_v) + " rows (num_heads x d_v = " +
                                    std::to_string(L.num_heads) + " x " + std::to_string(L.d_v) + "), got " +
                                    std::to_string(w.W_O.rows()));
  return Status::Ok();
}

Status DecodeStep(const MultiHeadWeights& w, const AttentionOptions& options, const Eigen::Ref<const Matrix>& x,
                  KvCache* cache, DecodeWorkspace* ws) {
  const HeadLayout& L = w.layout;
  const int h = L.num_heads, g = L.n_kv_heads, d_k = L.d_k, d_v = L.d_v, r = h / g;
  if (x.cols() != w.d_model)
    return Status::Error("x", "expected " + std::to_string(w.d_model) + " columns (d_model), got " +
                                  std::to_string(x.cols()));
  if (x.rows() != cache->batch)
    return Status::Error("x", "expected " + std::to_string(cache->batch) + " rows (one per sequence of the cache), got " +
                                  std::to_string(x.rows()));
  if (cache->groups != g || cache->d_k != d_k || cache->d_v != d_v)
    return Status::Error("cache", "shape [b, g, n, k] = [" + std::to_string(cache->batch) + ", " +
                                      std::to_string(cache->groups) + ", n, " + std::to_string(cache->d_k) +
                                      "] does not fit the model's g = " + std::to_string(g) + ", d_k = " +
                                      std::to_string(d_k) + ", d_v = " + std::to_string(d_v));
  if (cache->length >= cache->capacity)
    return Status::Error("cache", "full: " + std::to_string(cache->capacity) + " positions");
  const int b = cache->batch;
  if (ws->q.rows() != b || ws->q.cols() != h * d_k || ws->weights.cols() < cache->capacity ||
      ws->weights.rows() != static_cast<Eigen::Index>(b) * h)
    return Status::Error("workspace", "not prepared for this batch and cache (PrepareDecodeWorkspace)");

  // 1. Projections of the new tokens.
  Project(x, w.W_Q, w.b_Q, &ws->q);
  Project(x, w.W_K, w.b_K, &ws->k);
  Project(x, w.W_V, w.b_V, &ws->v);
  // 2. Append k, v to every (batch, kv-head) block, in place.
  const int pos = cache->length;
  for (int bi = 0; bi < b; ++bi)
    for (int gi = 0; gi < g; ++gi) {
      std::copy_n(ws->k.data() + static_cast<Eigen::Index>(bi) * g * d_k + gi * d_k, d_k, cache->KRow(bi, gi, pos));
      std::copy_n(ws->v.data() + static_cast<Eigen::Index>(bi) * g * d_v + gi * d_v, d_v, cache->VRow(bi, gi, pos));
    }
  cache->length = pos + 1;
  const Eigen::Index n = cache->length;
  const double scale = options.scale.Factor(d_k);
  const Eigen::Index stride = ws->weights.cols();

  // 3. Per (batch, kv-head): the group's r query heads at once against its block.
  for (int bi = 0; bi < b; ++bi) {
    for (int gi = 0; gi < g; ++gi) {
      const int head0 = gi * r;
      StridedMap S(ws->weights.data() + (static_cast<Eigen::Index>(bi) * h + head0) * stride, r, n,
                   Eigen::OuterStride<>(stride));
      ConstMap Qg(ws->q.data() + static_cast<Eigen::Index>(bi) * h * d_k + head0 * d_k, r, d_k);
      for (Eigen::Index c0 = 0; c0 < n; c0 += kDecodeChunk) {
        const Eigen::Index cn = std::min<Eigen::Index>(kDecodeChunk, n - c0);
        ConstMap Kc(cache->KRow(bi, gi, static_cast<int>(c0)), cn, d_k);
        S.middleCols(c0, cn).noalias() = Qg * Kc.transpose();
      }
      S *= scale;
      for (int i = 0; i < r; ++i) {
        double* row = S.row(i).data();
        for (Eigen::Index j = 0; j < n; ++j)
          if (!std::isfinite(row[j]))
            return Status::Error("scores", "scale q K^T overflows at sequence " + std::to_string(bi) + ", head " +
                                               std::to_string(head0 + i) + ", position " + std::to_string(j));
        SoftmaxInPlace(row, n, options.temperature);
      }
      Eigen::Map<Matrix> Og(ws->o.data() + static_cast<Eigen::Index>(bi) * h * d_v + head0 * d_v, r, d_v);
      Og.setZero();
      for (Eigen::Index c0 = 0; c0 < n; c0 += kDecodeChunk) {
        const Eigen::Index cn = std::min<Eigen::Index>(kDecodeChunk, n - c0);
        ConstMap Vc(cache->VRow(bi, gi, static_cast<int>(c0)), cn, d_v);
        Og.noalias() += S.middleCols(c0, cn) * Vc;
      }
    }
  }
  // 4. Output projection.
  if (w.W_O.size()) {
    Project(ws->o, w.W_O, w.b_O, &ws->y);
  } else {
    ws->y = ws->o;
    if (w.b_O.size() == ws->y.cols()) ws->y.rowwise() += w.b_O;
  }
  return Status::Ok();
}

Status CheckDecodeInput(const MultiHeadWeights& w, const DecodeInput& in, const std::string& field) {
  const HeadLayout& L = w.layout;
  if (in.X.empty()) return Status::Error(field + "X", "no sequence to decode (a batch needs b >= 1)");
  const Eigen::Index n = in.X[0].rows();
  for (size_t i = 0; i < in.X.size(); ++i) {
    const std::string f = field + "X[" + std::to_string(i) + "]";
    if (in.X[i].cols() != w.d_model)
      return Status::Error(f, "expected " + std::to_string(w.d_model) + " columns (d_model), got " +
                                  std::to_string(in.X[i].cols()));
    if (in.X[i].rows() != n)
      return Status::Error(f, "expected " + std::to_string(n) + " positions like sequence 0 (a batch decodes in step), got " +
                                  std::to_string(in.X[i].rows()));
    if (!AllFinite(in.X[i])) return Status::Error(f, "holds NaN or infinity");
  }
  if (n < 1) return Status::Error(field + "X[0]", "no position to decode");
  const bool has_k = !in.cache_K.empty(), has_v = !in.cache_V.empty();
  if (has_k != has_v)
    return Status::Error(field + (has_k ? "cache_V" : "cache_K"), "a previous cache needs both cache_K and cache_V");
  if (!has_k) return Status::Ok();
  const size_t b = in.X.size();
  Eigen::Index m = -1;
  for (int which = 0; which < 2; ++which) {
    const auto& c = which == 0 ? in.cache_K : in.cache_V;
    const std::string name = field + (which == 0 ? "cache_K" : "cache_V");
    const int width = which == 0 ? L.d_k : L.d_v;
    if (c.size() != b)
      return Status::Error(name, "expected " + std::to_string(b) + " sequences (b), got " + std::to_string(c.size()));
    for (size_t i = 0; i < b; ++i) {
      if (c[i].size() != static_cast<size_t>(L.n_kv_heads))
        return Status::Error(name + "[" + std::to_string(i) + "]", "expected " + std::to_string(L.n_kv_heads) +
                                                                       " K/V heads (n_kv_heads), got " +
                                                                       std::to_string(c[i].size()));
      for (size_t j = 0; j < c[i].size(); ++j) {
        const std::string f = name + "[" + std::to_string(i) + "][" + std::to_string(j) + "]";
        const Matrix& blk = c[i][j];
        if (m < 0) m = blk.rows();
        if (blk.rows() != m || (blk.size() && blk.cols() != width))
          return Status::Error(f, "expected " + Shape(m, width) + " (cached positions x " +
                                      (which == 0 ? "d_k" : "d_v") + "), got " + Shape(blk.rows(), blk.cols()));
        if (!AllFinite(blk)) return Status::Error(f, "holds NaN or infinity");
      }
    }
  }
  return Status::Ok();
}

Status DecodeSequences(const MultiHeadWeights& w, const AttentionOptions& options, const DecodeInput& in,
                       DecodeRun* out) {
  Status st = CheckDecodeWeights(w);
  if (!st.ok()) return st;
  if (!(st = CheckDecodeInput(w, in)).ok() || !(st = ValidateAttentionOptions(options)).ok()) return st;
  const HeadLayout& L = w.layout;
  const int b = static_cast<int>(in.X.size()), n = static_cast<int>(in.X[0].rows());
  const int m = in.cache_K.empty() ? 0 : static_cast<int>(in.cache_K[0][0].rows());
  const int h = L.num_heads, g = L.n_kv_heads;
  out->batch = b;
  out->steps = n;
  out->prior = m;
  if (!(st = MakeKvCache(b, g, m + n, L.d_k, L.d_v, &out->cache)).ok()) return st;
  for (int bi = 0; bi < b && m > 0; ++bi)
    for (int gi = 0; gi < g; ++gi) {
      Eigen::Map<Matrix>(out->cache.KRow(bi, gi, 0), m, L.d_k) = in.cache_K[bi][gi];
      Eigen::Map<Matrix>(out->cache.VRow(bi, gi, 0), m, L.d_v) = in.cache_V[bi][gi];
    }
  out->cache.length = m;
  DecodeWorkspace ws;
  PrepareDecodeWorkspace(w, b, m + n, &ws);
  out->Y.assign(b, Matrix::Zero(n, ws.y.cols()));
  out->Q.assign(b, Matrix::Zero(n, h * L.d_k));
  out->weights.assign(static_cast<size_t>(b) * h, Matrix::Zero(n, m + n));
  Matrix x(b, w.d_model);
  for (int t = 0; t < n; ++t) {
    for (int bi = 0; bi < b; ++bi) x.row(bi) = in.X[bi].row(t);
    if (!(st = DecodeStep(w, options, x, &out->cache, &ws)).ok())
      return Status::Error(st.field(), st.message() + " (step " + std::to_string(t) + ")");
    for (int bi = 0; bi < b; ++bi) {
      out->Y[bi].row(t) = ws.y.row(bi);
      out->Q[bi].row(t) = ws.q.row(bi);
      for (int i = 0; i < h; ++i)
        out->weights[static_cast<size_t>(bi) * h + i].row(t).head(m + t + 1) =
            ws.weights.row(static_cast<Eigen::Index>(bi) * h + i).head(m + t + 1);
    }
  }
  return Status::Ok();
}

Status DecodeOneShot(const MultiHeadWeights& w, const AttentionOptions& options, const DecodeInput& in,
                     std::vector<Matrix>* Y, std::vector<Matrix>* weights) {
  Status st = CheckDecodeWeights(w);
  if (!st.ok()) return st;
  if (!(st = CheckDecodeInput(w, in)).ok()) return st;
  const HeadLayout& L = w.layout;
  const int b = static_cast<int>(in.X.size()), h = L.num_heads, g = L.n_kv_heads;
  const int m = in.cache_K.empty() ? 0 : static_cast<int>(in.cache_K[0][0].rows());
  const AttentionOptions causal = CausalOf(options);
  Y->assign(b, Matrix());
  weights->assign(static_cast<size_t>(b) * h, Matrix());
  for (int bi = 0; bi < b; ++bi) {
    const Matrix& X = in.X[bi];
    const Eigen::Index n = X.rows();
    // Projections of the whole sequence at once; the previous cache's rows go
    // before the sequence's keys and values, and the causal mask of n queries
    // over m + n keys lets query t see keys 0 .. m + t (mask.hpp).
    Matrix Q = X * w.W_Q, K = X * w.W_K, V = X * w.W_V;
    if (w.b_Q.size()) Q.rowwise() += w.b_Q;
    if (w.b_K.size()) K.rowwise() += w.b_K;
    if (w.b_V.size()) V.rowwise() += w.b_V;
    Matrix concat(n, h * L.d_v);
    for (int i = 0; i < h; ++i) {
      const int j = KvHeadOf(i, h, g);
      Matrix Kh(m + n, L.d_k), Vh(m + n, L.d_v);
      if (m > 0) {
        Kh.topRows(m) = in.cache_K[bi][j];
        Vh.topRows(m) = in.cache_V[bi][j];
      }
      Kh.bottomRows(n) = K.middleCols(j * L.d_k, L.d_k);
      Vh.bottomRows(n) = V.middleCols(j * L.d_v, L.d_v);
      HeadResult head;
      st = Attend(Q.middleCols(i * L.d_k, L.d_k), Kh, Vh, causal, &head);
      if (!st.ok()) return st;
      concat.middleCols(i * L.d_v, L.d_v) = head.output;
      (*weights)[static_cast<size_t>(bi) * h + i] = std::move(head.weights);
    }
    Matrix y = w.W_O.size() ? Matrix(concat * w.W_O) : concat;
    if (w.b_O.size()) y.rowwise() += w.b_O;
    (*Y)[bi] = std::move(y);
  }
  return Status::Ok();
}

double MaxAbsDiff(const std::vector<Matrix>& a, const std::vector<Matrix>& b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].rows() != b[i].rows() || a[i].cols() != b[i].cols()) return std::numeric_limits<double>::infinity();
    if (a[i].size()) m = std::max(m, (a[i] - b[i]).cwiseAbs().maxCoeff());
  }
  return m;
}

// ---- cost model ----

namespace {

std::string Num(double v) {
  char buf[48];
  if (std::abs(v) < 1e15 && v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

// "2·b·h·n·d_k = 2·8·16·2048·64 = 33554432" from symbols and their values.
CostTerm Term(const std::string& name, const std::string& symbols, const std::string& numbers, double value) {
  return CostTerm{name, value, symbols + " = " + numbers + " = " + Num(value)};
}

}  // namespace

DecodeCost DecodeStepCost(const DecodeShape& s) {
  DecodeCost c;
  const std::string b = Num(s.b), n = Num(s.n), d = Num(s.d), h = Num(s.h), g = Num(s.g), dk = Num(s.d_k),
                    dv = Num(s.d_v), w = Num(s.word);
  const std::string dot = "\u00B7";
  c.flop_terms = {
      Term("q = x W_Q", "2\u00B7b\u00B7d\u00B7h\u00B7d_k", "2" + dot + b + dot + d + dot + h + dot + dk,
           2 * s.b * s.d * s.h * s.d_k),
      Term("k = x W_K", "2\u00B7b\u00B7d\u00B7g\u00B7d_k", "2" + dot + b + dot + d + dot + g + dot + dk,
           2 * s.b * s.d * s.g * s.d_k),
      Term("v = x W_V", "2\u00B7b\u00B7d\u00B7g\u00B7d_v", "2" + dot + b + dot + d + dot + g + dot + dv,
           2 * s.b * s.d * s.g * s.d_v),
      Term("logits q K\u1D40", "2\u00B7b\u00B7h\u00B7n\u00B7d_k", "2" + dot + b + dot + h + dot + n + dot + dk,
           2 * s.b * s.h * s.n * s.d_k),
      Term("o = p V", "2\u00B7b\u00B7h\u00B7n\u00B7d_v", "2" + dot + b + dot + h + dot + n + dot + dv,
           2 * s.b * s.h * s.n * s.d_v),
      Term("y = o W_O", "2\u00B7b\u00B7h\u00B7d_v\u00B7d", "2" + dot + b + dot + h + dot + dv + dot + d,
           2 * s.b * s.h * s.d_v * s.d),
  };
  const double weight_words = s.d * (s.h * s.d_k + s.g * s.d_k + s.g * s.d_v + s.h * s.d_v);
  c.byte_terms = {
      Term("weights W_Q W_K W_V W_O", "w\u00B7d\u00B7(h\u00B7d_k + g\u00B7d_k + g\u00B7d_v + h\u00B7d_v)",
           w + dot + d + dot + "(" + h + dot + dk + " + " + g + dot + dk + " + " + g + dot + dv + " + " + h + dot + dv +
               ")",
           s.word * weight_words),
      Term("activations x, y", "w\u00B72\u00B7b\u00B7d", w + dot + "2" + dot + b + dot + d, s.word * 2 * s.b * s.d),
      Term("KV cache read", "w\u00B7b\u00B7g\u00B7n\u00B7(d_k + d_v)",
           w + dot + b + dot + g + dot + n + dot + "(" + dk + " + " + dv + ")", s.word * s.b * s.g * s.n * (s.d_k + s.d_v)),
      Term("KV cache write", "w\u00B7b\u00B7g\u00B7(d_k + d_v)", w + dot + b + dot + g + dot + "(" + dk + " + " + dv + ")",
           s.word * s.b * s.g * (s.d_k + s.d_v)),
  };
  for (const CostTerm& t : c.flop_terms) c.flops += t.value;
  c.weight_bytes = c.byte_terms[0].value;
  c.activation_bytes = c.byte_terms[1].value;
  c.cache_bytes = c.byte_terms[2].value + c.byte_terms[3].value;
  c.bytes = c.weight_bytes + c.activation_bytes + c.cache_bytes;
  c.intensity = c.bytes > 0 ? c.flops / c.bytes : 0;
  c.cache_bytes_per_token = s.word * s.g * (s.d_k + s.d_v);
  const double per_position = s.word * s.b * s.g * (s.d_k + s.d_v);
  c.crossover_n = per_position > 0 ? c.weight_bytes / per_position - 1 : 0;
  c.flops_big_o = "O(b d\u00B2 + b n d)";
  if (s.g == s.h) {
    c.bytes_big_o = "O(d\u00B2 + b d + b n d)";
  } else if (s.g == 1) {
    c.bytes_big_o = "O(d\u00B2 + b d + b n d / h)";
  } else {
    c.bytes_big_o = "O(d\u00B2 + b d + b n d g / h)";
  }
  return c;
}

const char* KvLayoutName(int num_heads, int n_kv_heads) {
  if (n_kv_heads >= num_heads) return "MHA";
  if (n_kv_heads == 1) return "MQA";
  return "GQA";
}

namespace {
std::string Dims(std::initializer_list<std::pair<const char*, int>> dims) {
  std::string names = "[", values = "[";
  bool first = true;
  for (const auto& [name, v] : dims) {
    names += std::string(first ? "" : ", ") + name;
    values += std::string(first ? "" : ", ") + std::to_string(v);
    first = false;
  }
  return names + "] = " + values + "]";
}
}  // namespace

std::vector<std::string> DecodeWeightShapes(int d, int h, int g, int d_k, int d_v) {
  std::vector<std::string> out;
  if (g == h) {
    out.push_back("W_q " + Dims({{"h", h}, {"d", d}, {"q", d_k}}));
    out.push_back("W_k " + Dims({{"h", h}, {"d", d}, {"k", d_k}}));
    out.push_back("W_v " + Dims({{"h", h}, {"d", d}, {"v", d_v}}));
  } else if (g == 1) {
    out.push_back("W_q " + Dims({{"h", h}, {"d", d}, {"q", d_k}}));
    out.push_back("W_k " + Dims({{"d", d}, {"k", d_k}}));
    out.push_back("W_v " + Dims({{"d", d}, {"v", d_v}}));
  } else {
    out.push_back("W_q " + Dims({{"g", g}, {"r", h / g}, {"d", d}, {"q", d_k}}));
    out.push_back("W_k " + Dims({{"g", g}, {"d", d}, {"k", d_k}}));
    out.push_back("W_v " + Dims({{"g", g}, {"d", d}, {"v", d_v}}));
  }
  out.push_back("W_o " + Dims({{"h", h}, {"v", d_v}, {"d", d}}));
  return out;
}

std::vector<EinsumLine> DecodeEinsums(int b, int n, int d, int h, int g, int d_k, int d_v) {
  (void)d;
  std::vector<EinsumLine> out;
  if (g == h) {  // MHA: every head its own K, V; cache [b, h, n, k]
    out.push_back({"q", "bd,hdq->bhq", Dims({{"b", b}, {"h", h}, {"q", d_k}}), ""});
    out.push_back({"k", "bd,hdk->bhk", Dims({{"b", b}, {"h", h}, {"k", d_k}}), ""});
    out.push_back({"v", "bd,hdv->bhv", Dims({{"b", b}, {"h", h}, {"v", d_v}}), ""});
    out.push_back({"K cache", "append k", Dims({{"b", b}, {"h", h}, {"n", n}, {"k", d_k}}), ""});
    out.push_back({"logits", "bhk,bhnk->bhn", Dims({{"b", b}, {"h", h}, {"n", n}}), ""});
    out.push_back({"o", "bhn,bhnv->bhv", Dims({{"b", b}, {"h", h}, {"v", d_v}}), ""});
    out.push_back({"y", "bhv,hvd->bd", Dims({{"b", b}, {"d", d}}), ""});
  } else if (g == 1) {  // MQA: the homework's code, corrected
    out.push_back({"q", "bd,hdq->bhq", Dims({{"b", b}, {"h", h}, {"q", d_k}}), ""});
    out.push_back({"k", "bd,dk->bk", Dims({{"b", b}, {"k", d_k}}), ""});
    out.push_back({"v", "bd,dv->bv", Dims({{"b", b}, {"v", d_v}}), ""});
    out.push_back({"K cache", "append k", Dims({{"b", b}, {"n", n}, {"k", d_k}}), ""});
    out.push_back({"logits", "bhk,bnk->bhn", Dims({{"b", b}, {"h", h}, {"n", n}}), ""});
    out.push_back({"o", "bhn,bnv->bhv", Dims({{"b", b}, {"h", h}, {"v", d_v}}),
                   "the homework prints \"b h n, b h v->b h v\": the values are indexed by n (cache), not h"});
    out.push_back({"y", "bhv,hvd->bd", Dims({{"b", b}, {"d", d}}),
                   "the homework prints \"b h v, b d v->b d\": W_o is [h, v, d], it has no batch axis"});
  } else {  // GQA: h = g r query heads, g K/V heads; cache [b, g, n, k]
    const int r = h / g;
    out.push_back({"q", "bd,grdq->bgrq", Dims({{"b", b}, {"g", g}, {"r", r}, {"q", d_k}}), ""});
    out.push_back({"k", "bd,gdk->bgk", Dims({{"b", b}, {"g", g}, {"k", d_k}}), ""});
    out.push_back({"v", "bd,gdv->bgv", Dims({{"b", b}, {"g", g}, {"v", d_v}}), ""});
    out.push_back({"K cache", "append k", Dims({{"b", b}, {"g", g}, {"n", n}, {"k", d_k}}), ""});
    out.push_back({"logits", "bgrk,bgnk->bgrn", Dims({{"b", b}, {"g", g}, {"r", r}, {"n", n}}), ""});
    out.push_back({"o", "bgrn,bgnv->bgrv", Dims({{"b", b}, {"g", g}, {"r", r}, {"v", d_v}}), ""});
    out.push_back({"y", "bgrv,grvd->bd", Dims({{"b", b}, {"d", d}}), ""});
  }
  return out;
}

}  // namespace attnlab
