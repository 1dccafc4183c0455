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

// out (b, cols) = x (b, d) W (d, cols) + bias, as GEMMs over (kProjectDepth,
// kProjectCols) blocks of W: each weight is read once for the whole batch, and
// the blocks are small enough that Eigen packs them in buffers on the stack
// (a wider block makes it allocate its packing buffer on the heap, every call).
constexpr Eigen::Index kProjectDepth = 64, kProjectCols = 128;
void Project(const Eigen::Ref<const Matrix>& x, const Matrix& W, const RowVector& bias, Matrix* out) {
  const Eigen::Index depth = W.rows(), cols = W.cols();
  if (bias.size() == cols) {
    out->rowwise() = bias;
  } else {
    out->setZero();
  }
  for (Eigen::Index c0 = 0; c0 < cols; c0 += kProjectCols) {
    const Eigen::Index cn = std::min(kProjectCols, cols - c0);
    for (Eigen::Index k0 = 0; k0 < depth; k0 += kProjectDepth) {
      const Eigen::Index kn = std::min(kProjectDepth, depth - k0);
      out->middleCols(c0, cn).noalias() += x.middleCols(k0, kn) * W.block(k0, c0, kn, cn);
    }
  }
}

// softmax(scale s / T) of one row of raw scores, in place; T = 0: the tied
// maxima share equally (within kArgmaxRelTol of the row's magnitude, as
// softmax.hpp does). False, leaving the row scaled, when a scaled score is not
// finite.
bool ScaledSoftmaxInPlace(double* s, Eigen::Index n, double scale, double temperature) {
  Eigen::Map<Eigen::ArrayXd> a(s, n);
  // The one-shot (Attend) scales the scores first, then takes
  // exp((s - max s) / T): the same here, in one fused pass. scale / T is never
  // formed (it overflows for a tiny T, and (a - hi) * inf is NaN at a = hi),
  // and only the scaled extremes are tested (a sum of huge finite scores
  // overflows where no score does).
  const double hi = a.maxCoeff() * scale, lo = a.minCoeff() * scale;
  // Either end not finite once scaled: q K^T or scale q K^T overflowed (a
  // -inf score would otherwise pass as a masked key, which the one-shot refuses).
  if (!std::isfinite(hi) || !std::isfinite(lo)) return false;
  const double top = scale >= 0 ? hi : lo;  // the largest scaled score
  if (temperature > 0) {
    if (temperature == 1.0) {
      a = (a * scale - top).exp();
    } else {
      a = ((a * scale - top) / temperature).exp();
    }
    const double sum = a.sum();  // NaN when a raw score was NaN
    if (!std::isfinite(sum)) return false;
    a *= 1.0 / sum;
    return true;
  }
  if (a.isNaN().any()) return false;
  a *= scale;
  const double m = top;
  const double tol = kArgmaxRelTol * std::max(std::abs(hi), std::abs(lo));
  const int ties = static_cast<int>((a >= m - tol).count());
  a = (a >= m - tol).select(Eigen::ArrayXd::Constant(n, 1.0 / ties), 0.0);
  return true;
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
  const Eigen::Index d_y = w.W_O.size() ? w.W_O.cols() : static_cast<Eigen::Index>(h) * d_v;
  if (ws->q.rows() != b || ws->q.cols() != h * d_k || ws->weights.cols() < cache->capacity ||
      ws->weights.rows() != static_cast<Eigen::Index>(b) * h || ws->k.rows() != b || ws->k.cols() != g * d_k ||
      ws->v.rows() != b || ws->v.cols() != g * d_v || ws->o.rows() != b || ws->o.cols() != h * d_v ||
      ws->y.rows() != b || ws->y.cols() != d_y)
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
  constexpr Eigen::Index kPrefetchBytes = 4096;
  const Eigen::Index stride = ws->weights.cols();

  // 3. Per (batch, kv-head): the group's r query heads at once against its block.
  // With many heads per K/V head (MQA) this part is compute-bound and leaves
  // the memory idle: meanwhile W_O is requested, a slice before each chunk's
  // product (a few lines at a time, not a burst that stalls the core), so that
  // the output projection finds it in the cache instead of waiting on memory.
  const bool overlap_w_o = r > kDecodeGemmHeads && w.W_O.size() > 0;
  const size_t w_o_lines = overlap_w_o ? static_cast<size_t>(w.W_O.size()) / 8 : 0;
  // A slice of W_O's lines per product of a chunk: 2 per chunk, n / chunk chunks, b g blocks.
  const size_t slices = static_cast<size_t>(b) * g * 2 *
                        static_cast<size_t>((cache->length + kDecodeChunk - 1) / kDecodeChunk);
  const size_t lines_per_slice = slices ? (w_o_lines + slices - 1) / slices : 0;
  size_t next_line = 0;
  auto prefetch_w_o = [&] {
    for (size_t l = 0; l < lines_per_slice && next_line < w_o_lines; ++l, ++next_line)
      __builtin_prefetch(w.W_O.data() + next_line * 8, 0, 2);
  };
  for (int bi = 0; bi < b; ++bi) {
    for (int gi = 0; gi < g; ++gi) {
      const int head0 = gi * r;
      StridedMap S(ws->weights.data() + (static_cast<Eigen::Index>(bi) * h + head0) * stride, r, n,
                   Eigen::OuterStride<>(stride));
      Eigen::Map<Matrix> Og(ws->o.data() + static_cast<Eigen::Index>(bi) * h * d_v + head0 * d_v, r, d_v);
      const double* q = ws->q.data() + static_cast<Eigen::Index>(bi) * h * d_k + head0 * d_k;
      const double* K = cache->KRow(bi, gi, 0);
      const double* V = cache->VRow(bi, gi, 0);
      if (r <= kDecodeGemmHeads) {
        // A few heads per K/V block: one pass over the keys, each row read
        // once for the group's r queries, and the rows kPrefetchBytes ahead
        // requested meanwhile (the memory stays busy during the arithmetic).
        const Eigen::Index ahead_k = std::max<Eigen::Index>(1, kPrefetchBytes / (8 * d_k));
        for (Eigen::Index j = 0; j < n; ++j) {
          if (j + ahead_k < n)
            for (int c = 0; c < d_k; c += 8) __builtin_prefetch(K + (j + ahead_k) * d_k + c);
          const Eigen::Map<const RowVector> k(K + j * d_k, d_k);
          for (int i = 0; i < r; ++i) S(i, j) = k.dot(Eigen::Map<const RowVector>(q + i * d_k, d_k));
        }
      } else {
        // Many heads per block (MQA): (r, d_k) x (d_k, chunk) products.
        const ConstMap Qg(q, r, d_k);
        for (Eigen::Index c0 = 0; c0 < n; c0 += kDecodeChunk) {
          const Eigen::Index cn = std::min<Eigen::Index>(kDecodeChunk, n - c0);
          prefetch_w_o();
          S.middleCols(c0, cn).noalias() = Qg * ConstMap(K + c0 * d_k, cn, d_k).transpose();
        }
      }
      for (int i = 0; i < r; ++i)
        if (!ScaledSoftmaxInPlace(S.row(i).data(), n, scale, options.temperature)) {
          cache->length = pos;  // a failed step changes nothing (the rows past length are not the cache's)
          return Status::Error("scores", "scale q K^T is not finite at sequence " + std::to_string(bi) +
                                             ", head " + std::to_string(head0 + i) + " (overflow)");
        }
      Og.setZero();
      if (r <= kDecodeGemmHeads) {
        const Eigen::Index ahead_v = std::max<Eigen::Index>(1, kPrefetchBytes / (8 * d_v));
        for (Eigen::Index j = 0; j < n; ++j) {
          if (j + ahead_v < n)
            for (int c = 0; c < d_v; c += 8) __builtin_prefetch(V + (j + ahead_v) * d_v + c);
          const Eigen::Map<const RowVector> v(V + j * d_v, d_v);
          for (int i = 0; i < r; ++i) Og.row(i) += S(i, j) * v;
        }
      } else {
        for (Eigen::Index c0 = 0; c0 < n; c0 += kDecodeChunk) {
          const Eigen::Index cn = std::min<Eigen::Index>(kDecodeChunk, n - c0);
          prefetch_w_o();
          Og.noalias() += S.middleCols(c0, cn) * ConstMap(V + c0 * d_v, cn, d_v);
        }
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

Status CheckDecodeInput(const MultiHeadWeights& w, const DecodeInput& in, const std::string& x_field,
                        const std::string& field) {
  const HeadLayout& L = w.layout;
  if (in.X.empty()) return Status::Error(x_field, "no sequence to decode (a batch needs b >= 1)");
  const Eigen::Index n = in.X[0].rows();
  for (size_t i = 0; i < in.X.size(); ++i) {
    const std::string f = x_field + "[" + std::to_string(i) + "]";
    if (in.X[i].cols() != w.d_model)
      return Status::Error(f, "expected " + std::to_string(w.d_model) + " columns (d_model), got " +
                                  std::to_string(in.X[i].cols()));
    if (in.X[i].rows() != n)
      return Status::Error(f, "expected " + std::to_string(n) + " positions like sequence 0 (a batch decodes in step), got " +
                                  std::to_string(in.X[i].rows()));
    if (!AllFinite(in.X[i])) return Status::Error(f, "holds NaN or infinity");
  }
  if (n < 1) return Status::Error(x_field + "[0]", "no position to decode");
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
    if (m == 0) {  // the shared model's own forward pass (multihead.hpp), causal
      MultiHeadResult r;
      if (!(st = MultiHeadForward(w, X, X, causal, &r)).ok()) return st;
      for (int i = 0; i < h; ++i) (*weights)[static_cast<size_t>(bi) * h + i] = std::move(r.heads[i].weights);
      (*Y)[bi] = std::move(r.Y);
      continue;
    }
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

std::vector<std::string> DecodeWeightShapes(int d, int h, int g, int d_k, int d_v, int d_out) {
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
  if (d_out == 0) {
    out.push_back("W_o none: y = the heads' outputs side by side " + Dims({{"h", h}, {"v", d_v}}));
  } else if (d_out < 0 || d_out == d) {
    out.push_back("W_o " + Dims({{"h", h}, {"v", d_v}, {"d", d}}));
  } else {
    out.push_back("W_o " + Dims({{"h", h}, {"v", d_v}, {"e", d_out}}) + " (e = d_out)");
  }
  return out;
}

std::vector<EinsumLine> DecodeEinsums(int b, int n, int d, int h, int g, int d_k, int d_v) {
  (void)d;
  std::vector<EinsumLine> out;
  if (g == h) {  // MHA: every head its own K, V; cache [b, h, n, k]
    out.push_back({"q", "bd,hdq->bhq", Dims({{"b", b}, {"h", h}, {"q", d_k}}), ""});
    out.push_back({"k", "bd,hdk->bhk", Dims({{"b", b}, {"h", h}, {"k", d_k}}), ""});
    out.push_back({"v", "bd,hdv->bhv", Dims({{"b", b}, {"h", h}, {"v", d_v}}), ""});
    out.push_back({"K cache (k appended)", "", Dims({{"b", b}, {"h", h}, {"n", n}, {"k", d_k}}), ""});
    out.push_back({"logits", "bhk,bhnk->bhn", Dims({{"b", b}, {"h", h}, {"n", n}}), ""});
    out.push_back({"o", "bhn,bhnv->bhv", Dims({{"b", b}, {"h", h}, {"v", d_v}}), ""});
    out.push_back({"y", "bhv,hvd->bd", Dims({{"b", b}, {"d", d}}), ""});
  } else if (g == 1) {  // MQA: the homework's code, corrected
    out.push_back({"q", "bd,hdq->bhq", Dims({{"b", b}, {"h", h}, {"q", d_k}}), ""});
    out.push_back({"k", "bd,dk->bk", Dims({{"b", b}, {"k", d_k}}), ""});
    out.push_back({"v", "bd,dv->bv", Dims({{"b", b}, {"v", d_v}}), ""});
    out.push_back({"K cache (k appended)", "", Dims({{"b", b}, {"n", n}, {"k", d_k}}), ""});
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
    out.push_back({"K cache (k appended)", "", Dims({{"b", b}, {"g", g}, {"n", n}, {"k", d_k}}), ""});
    out.push_back({"logits", "bgrk,bgnk->bgrn", Dims({{"b", b}, {"g", g}, {"r", r}, {"n", n}}), ""});
    out.push_back({"o", "bgrn,bgnv->bgrv", Dims({{"b", b}, {"g", g}, {"r", r}, {"v", d_v}}), ""});
    out.push_back({"y", "bgrv,grvd->bd", Dims({{"b", b}, {"d", d}}), ""});
  }
  return out;
}

}  // namespace attnlab
