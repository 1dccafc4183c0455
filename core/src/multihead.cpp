#include "attnlab/multihead.hpp"

#include <algorithm>
#include <string>

#include "attnlab/limits.hpp"
#include "attnlab/scenario.hpp"

namespace attnlab {
namespace {

std::string Num(Eigen::Index n) { return std::to_string(n); }
std::string Shape(const Matrix& m) { return Num(m.rows()) + "x" + Num(m.cols()); }

Status CheckBias(const char* name, const RowVector& b, Eigen::Index width, const char* of) {
  if (b.size() != 0 && b.size() != width)
    return Status::Error(name, "expected " + Num(width) + " numbers (" + of + "), got " + Num(b.size()));
  return Status::Ok();
}

// The columns of `packed` as `parts` blocks of `width` re-made as `new_parts`
// blocks of `new_width`: a block keeps its first columns and is padded with
// zeros. Query heads (kHeads) keep their place: fewer drops the last ones,
// more appends copies of the first ones. K/V groups (kGroups) follow the query
// heads they serve: with fewer, the new group j is the mean of the old groups
// that map to it (old i -> i * new_parts / parts); with more, a copy of old
// group j * parts / new_parts. Unchanged when the total width stays the same
// (a re-split of the same numbers), if `keep_total`.
enum class Blocks { kHeads, kGroups };

Matrix Reblock(const Matrix& packed, int parts, int width, int new_parts, int new_width, bool keep_total,
               Blocks blocks) {
  if (keep_total && static_cast<long long>(parts) * width == static_cast<long long>(new_parts) * new_width)
    return packed;
  Matrix out = Matrix::Zero(packed.rows(), static_cast<Eigen::Index>(new_parts) * new_width);
  const int w = std::min(width, new_width);
  if (blocks == Blocks::kHeads) {
    for (int j = 0; j < new_parts; ++j)
      out.middleCols(static_cast<Eigen::Index>(j) * new_width, w) =
          packed.middleCols(static_cast<Eigen::Index>(j % parts) * width, w);
  } else if (new_parts <= parts) {
    std::vector<int> count(static_cast<size_t>(new_parts), 0);
    for (int i = 0; i < parts; ++i) {
      const int j = static_cast<int>(static_cast<long long>(i) * new_parts / parts);
      out.middleCols(static_cast<Eigen::Index>(j) * new_width, w) += packed.middleCols(static_cast<Eigen::Index>(i) * width, w);
      ++count[static_cast<size_t>(j)];
    }
    for (int j = 0; j < new_parts; ++j)
      out.middleCols(static_cast<Eigen::Index>(j) * new_width, w) /= std::max(1, count[static_cast<size_t>(j)]);
  } else {
    for (int j = 0; j < new_parts; ++j) {
      const int i = static_cast<int>(static_cast<long long>(j) * parts / new_parts);
      out.middleCols(static_cast<Eigen::Index>(j) * new_width, w) = packed.middleCols(static_cast<Eigen::Index>(i) * width, w);
    }
  }
  return out;
}

RowVector ReblockBias(const RowVector& b, int parts, int width, int new_parts, int new_width, bool keep_total,
                      Blocks blocks) {
  if (b.size() == 0) return b;
  const Matrix as_row = b;
  return Reblock(as_row, parts, width, new_parts, new_width, keep_total, blocks).row(0);
}

}  // namespace

int ModelWidth(const Scenario& s) {
  switch (s.input) {
    case InputMode::kTokens: return static_cast<int>(s.E.cols());
    case InputMode::kX: return static_cast<int>(s.X.cols());
    case InputMode::kQKV: return 0;
  }
  return 0;
}

int ConcatWidth(const Scenario& s) {
  if (s.input == InputMode::kQKV) return static_cast<int>(s.V.cols());
  int width = 0;
  for (size_t h = 0; h < s.heads.size(); ++h) {
    const HeadWeights& kv = s.heads[static_cast<size_t>(KvLeader(s, static_cast<int>(h)))];
    width += kv.W_V.size() ? static_cast<int>(kv.W_V.cols()) : ModelWidth(s);
  }
  return width;
}

Status CheckMultiHeadWeights(const MultiHeadWeights& w) {
  const HeadLayout& l = w.layout;
  if (l.num_heads < 1) return Status::Error("num_heads", "must be at least 1, got " + Num(l.num_heads));
  if (l.n_kv_heads < 1 || l.num_heads % l.n_kv_heads != 0) {
    return Status::Error("n_kv_heads", "must divide num_heads (" + Num(l.num_heads) + "): " + Num(l.num_heads) +
                                           " = multi-head, a divisor = grouped-query, 1 = multi-query; got " +
                                           Num(l.n_kv_heads));
  }
  if (l.d_k < 1 || l.d_v < 1) return Status::Error(l.d_k < 1 ? "d_k" : "d_v", "must be at least 1");
  const struct {
    const char* name;
    const Matrix* m;
    Eigen::Index cols;
    const char* why;
  } all[] = {{"W_Q", &w.W_Q, static_cast<Eigen::Index>(l.num_heads) * l.d_k, "num_heads x d_k"},
             {"W_K", &w.W_K, static_cast<Eigen::Index>(l.n_kv_heads) * l.d_k, "n_kv_heads x d_k"},
             {"W_V", &w.W_V, static_cast<Eigen::Index>(l.n_kv_heads) * l.d_v, "n_kv_heads x d_v"}};
  for (const auto& a : all) {
    if (a.m->rows() != w.d_model || a.m->cols() != a.cols) {
      return Status::Error(a.name, "is " + Shape(*a.m) + " but needs to be " + Num(w.d_model) + "x" + Num(a.cols) +
                                       " (d_model x " + a.why + ")");
    }
  }
  Status st;
  if (!(st = CheckBias("b_Q", w.b_Q, w.W_Q.cols(), "the width of Q")).ok() ||
      !(st = CheckBias("b_K", w.b_K, w.W_K.cols(), "the width of K")).ok() ||
      !(st = CheckBias("b_V", w.b_V, w.W_V.cols(), "the width of V")).ok())
    return st;
  const Eigen::Index concat = static_cast<Eigen::Index>(l.num_heads) * l.d_v;
  if (w.W_O.size() && w.W_O.rows() != concat) {
    return Status::Error("W_O", "is " + Shape(w.W_O) + " but needs " + Num(concat) +
                                    " rows: the combined heads are num_heads x d_v = " + Num(concat) + " wide");
  }
  return CheckBias("b_O", w.b_O, w.W_O.size() ? w.W_O.cols() : concat, "the width of the output");
}

Status MultiHeadForward(const MultiHeadWeights& w, const Matrix& X_q, const Matrix& X_kv,
                        const AttentionOptions& options, MultiHeadResult* out) {
  Status st = CheckMultiHeadWeights(w);
  if (!st.ok()) return st;
  if (X_q.cols() != w.d_model) return Status::Error("X", "expected " + Num(w.d_model) + " columns (d_model), got " + Num(X_q.cols()));
  if (X_kv.cols() != w.d_model)
    return Status::Error("X_kv", "expected " + Num(w.d_model) + " columns (d_model), got " + Num(X_kv.cols()));
  const HeadLayout& l = w.layout;
  out->Q.noalias() = X_q * w.W_Q;
  out->K.noalias() = X_kv * w.W_K;
  out->V.noalias() = X_kv * w.W_V;
  if (w.b_Q.size()) out->Q.rowwise() += w.b_Q;
  if (w.b_K.size()) out->K.rowwise() += w.b_K;
  if (w.b_V.size()) out->V.rowwise() += w.b_V;
  out->heads.resize(static_cast<size_t>(l.num_heads));
  out->concat.resize(X_q.rows(), static_cast<Eigen::Index>(l.num_heads) * l.d_v);
  for (int i = 0; i < l.num_heads; ++i) {
    HeadResult& head = out->heads[static_cast<size_t>(i)];
    const int kv = KvHeadOf(i, l.num_heads, l.n_kv_heads);
    head.Q = out->Q.middleCols(static_cast<Eigen::Index>(i) * l.d_k, l.d_k);
    head.K = out->K.middleCols(static_cast<Eigen::Index>(kv) * l.d_k, l.d_k);
    head.V = out->V.middleCols(static_cast<Eigen::Index>(kv) * l.d_v, l.d_v);
    if (!(st = AttendInPlace(options, &head, "heads[" + std::to_string(i) + "].")).ok()) return st;
    out->concat.middleCols(static_cast<Eigen::Index>(i) * l.d_v, l.d_v) = head.output;
    if (i == 0) {
      out->avg_weights = head.weights;
    } else {
      out->avg_weights += head.weights;
    }
  }
  out->avg_weights /= static_cast<double>(l.num_heads);
  if (w.W_O.size()) {
    out->Y.noalias() = out->concat * w.W_O;
  } else {
    out->Y = out->concat;
  }
  if (w.b_O.size()) out->Y.rowwise() += w.b_O;
  return Status::Ok();
}

HeadLayout CurrentLayout(const Scenario& s, int d_model) {
  HeadLayout l;
  l.num_heads = static_cast<int>(s.heads.size());
  l.n_kv_heads = KvHeadCount(s);
  l.d_k = l.d_v = d_model;
  if (s.heads.empty()) return l;
  const HeadWeights& w = s.heads.front();
  l.d_k = w.W_Q.size() ? static_cast<int>(w.W_Q.cols()) : d_model;
  l.d_v = w.W_V.size() ? static_cast<int>(w.W_V.cols()) : d_model;
  return l;
}

Status PackHeads(const Scenario& s, int d_model, MultiHeadWeights* out) {
  if (s.input == InputMode::kQKV) return Status::Error("Q", "Q, K and V given directly have no heads to pack");
  const int h = static_cast<int>(s.heads.size());
  if (s.n_kv_heads < 0 || s.n_kv_heads > h || (s.n_kv_heads > 0 && h % s.n_kv_heads)) {
    return Status::Error("n_kv_heads", "must divide the number of heads (" + Num(h) + "), got " + Num(s.n_kv_heads));
  }
  const HeadLayout l = CurrentLayout(s, d_model);
  const Matrix identity = Matrix::Identity(d_model, d_model);
  MultiHeadWeights w;
  w.layout = l;
  w.d_model = d_model;
  w.W_Q.resize(d_model, static_cast<Eigen::Index>(h) * l.d_k);
  w.W_K.resize(d_model, static_cast<Eigen::Index>(l.n_kv_heads) * l.d_k);
  w.W_V.resize(d_model, static_cast<Eigen::Index>(l.n_kv_heads) * l.d_v);
  bool any_bq = false, any_bk = false, any_bv = false;
  for (const HeadWeights& hw : s.heads) {
    any_bq = any_bq || hw.b_Q.size();
    any_bk = any_bk || hw.b_K.size();
    any_bv = any_bv || hw.b_V.size();
  }
  if (any_bq) w.b_Q = RowVector::Zero(w.W_Q.cols());
  if (any_bk) w.b_K = RowVector::Zero(w.W_K.cols());
  if (any_bv) w.b_V = RowVector::Zero(w.W_V.cols());
  auto place = [&](const std::string& name, const Matrix& m, int width, Matrix* packed, int at) {
    const Matrix& src = m.size() ? m : identity;
    if (src.rows() != d_model || src.cols() != width) {
      return Status::Error(name, "is " + Shape(src) + " but the packed form needs every head " + Num(d_model) + "x" +
                                     Num(width) + " (d_model x head 0's width)");
    }
    packed->middleCols(static_cast<Eigen::Index>(at) * width, width) = src;
    return Status::Ok();
  };
  auto place_bias = [&](const std::string& name, const RowVector& b, int width, RowVector* packed, int at) {
    if (b.size() == 0) return Status::Ok();
    if (b.size() != width) return Status::Error(name, "expected " + Num(width) + " numbers, got " + Num(b.size()));
    packed->segment(static_cast<Eigen::Index>(at) * width, width) = b;
    return Status::Ok();
  };
  Status st;
  for (int i = 0; i < h; ++i) {
    const HeadWeights& hw = s.heads[static_cast<size_t>(i)];
    const std::string p = h > 1 ? "heads[" + std::to_string(i) + "]." : "";
    if (!(st = place(p + "W_Q", hw.W_Q, l.d_k, &w.W_Q, i)).ok()) return st;
    if (!(st = place_bias(p + "b_Q", hw.b_Q, l.d_k, &w.b_Q, i)).ok()) return st;
    if (KvLeader(s, i) != i) continue;
    const int g = KvHeadOf(i, h, l.n_kv_heads);
    if (!(st = place(p + "W_K", hw.W_K, l.d_k, &w.W_K, g)).ok() || !(st = place(p + "W_V", hw.W_V, l.d_v, &w.W_V, g)).ok() ||
        !(st = place_bias(p + "b_K", hw.b_K, l.d_k, &w.b_K, g)).ok() ||
        !(st = place_bias(p + "b_V", hw.b_V, l.d_v, &w.b_V, g)).ok())
      return st;
  }
  w.W_O = s.W_O;
  w.b_O = s.b_O;
  *out = std::move(w);
  return Status::Ok();
}

Status SetHeadLayout(Scenario* s, const HeadLayout& want, std::string* what) {
  const int d_model = ModelWidth(*s);
  if (d_model == 0) return Status::Error("num_heads", "Q, K and V given directly have no heads to split");
  if (want.num_heads < 1 || want.num_heads > 64)
    return Status::Error("num_heads", "must be 1..64, got " + Num(want.num_heads));
  if (want.n_kv_heads < 1 || want.num_heads % want.n_kv_heads != 0) {
    return Status::Error("n_kv_heads", "must divide num_heads (" + Num(want.num_heads) + "): " + Num(want.num_heads) +
                                           " = multi-head, a divisor = grouped-query, 1 = multi-query; got " +
                                           Num(want.n_kv_heads));
  }
  if (want.d_k < 1 || want.d_k > 4096) return Status::Error("d_k", "must be 1..4096, got " + Num(want.d_k));
  if (want.d_v < 1 || want.d_v > 4096) return Status::Error("d_v", "must be 1..4096, got " + Num(want.d_v));
  // The packed matrices to be made, d_model x (h d_k) etc., within a matrix's
  // limit before anything is allocated (the whole cost is checked after).
  const std::pair<const char*, long long> widths[] = {
      {"d_k", static_cast<long long>(want.num_heads) * want.d_k},
      {"d_v", static_cast<long long>(want.num_heads) * want.d_v}};
  for (const auto& [field, width] : widths) {
    if (width > kMaxWidth) {
      return Status::Error(field, "h x " + std::string(field) + " = " + std::to_string(width) +
                                      " columns; attnlab handles at most " + std::to_string(kMaxWidth) +
                                      " per matrix");
    }
  }
  MultiHeadWeights w;
  Status st = PackHeads(*s, d_model, &w);
  if (!st.ok()) return st;
  const HeadLayout& l = w.layout;
  if (l == want) {
    *what = "";
    return Status::Ok();
  }
  const bool same_groups = l.n_kv_heads == want.n_kv_heads || (l.n_kv_heads == l.num_heads && want.n_kv_heads == want.num_heads);
  // With MHA on both sides (g = h), K and V are heads like Q's.
  const Blocks kv = l.n_kv_heads == l.num_heads && want.n_kv_heads == want.num_heads ? Blocks::kHeads : Blocks::kGroups;
  const Blocks q = Blocks::kHeads;
  // Q is re-split (the same numbers, as in_proj) only when K is too: else a
  // new head's slice of Q would meet a different slice of its K, so each head
  // keeps its own first columns, like K's groups.
  const bool k_resplit = same_groups && static_cast<long long>(l.n_kv_heads) * l.d_k ==
                                            static_cast<long long>(want.n_kv_heads) * want.d_k;
  const bool q_resplit = static_cast<long long>(l.num_heads) * l.d_k ==
                             static_cast<long long>(want.num_heads) * want.d_k &&
                         (k_resplit || l.d_k == want.d_k);
  const Matrix W_Q = Reblock(w.W_Q, l.num_heads, l.d_k, want.num_heads, want.d_k, q_resplit, q);
  const Matrix W_K = Reblock(w.W_K, l.n_kv_heads, l.d_k, want.n_kv_heads, want.d_k, same_groups, kv);
  const Matrix W_V = Reblock(w.W_V, l.n_kv_heads, l.d_v, want.n_kv_heads, want.d_v, same_groups, kv);
  const RowVector b_Q = ReblockBias(w.b_Q, l.num_heads, l.d_k, want.num_heads, want.d_k, q_resplit, q);
  const RowVector b_K = ReblockBias(w.b_K, l.n_kv_heads, l.d_k, want.n_kv_heads, want.d_k, same_groups, kv);
  const RowVector b_V = ReblockBias(w.b_V, l.n_kv_heads, l.d_v, want.n_kv_heads, want.d_v, same_groups, kv);

  std::vector<HeadWeights> heads(static_cast<size_t>(want.num_heads));
  const int per_group = want.num_heads / want.n_kv_heads;
  for (int i = 0; i < want.num_heads; ++i) {
    HeadWeights& hw = heads[static_cast<size_t>(i)];
    hw.W_Q = W_Q.middleCols(static_cast<Eigen::Index>(i) * want.d_k, want.d_k);
    if (b_Q.size()) hw.b_Q = b_Q.segment(static_cast<Eigen::Index>(i) * want.d_k, want.d_k);
    if (i % per_group != 0) continue;
    const Eigen::Index g = i / per_group;
    hw.W_K = W_K.middleCols(g * want.d_k, want.d_k);
    hw.W_V = W_V.middleCols(g * want.d_v, want.d_v);
    if (b_K.size()) hw.b_K = b_K.segment(g * want.d_k, want.d_k);
    if (b_V.size()) hw.b_V = b_V.segment(g * want.d_v, want.d_v);
  }
  // Words for the status line: what the numbers did.
  std::string words;
  auto add = [&words](const std::string& part) { words += (words.empty() ? "" : "; ") + part; };
  if (q_resplit) {
    add("W_Q keeps its numbers, split into " + Num(want.num_heads) + " heads of d_k = " + Num(want.d_k));
  } else {
    add("each query head's W_Q " + std::string(want.d_k < l.d_k ? "keeps its first " + Num(want.d_k) + " columns"
                                               : want.d_k > l.d_k ? "gets zero columns up to d_k = " + Num(want.d_k)
                                                                  : "is kept") +
        (want.num_heads > l.num_heads ? ", the new heads copy the first ones" :
         want.num_heads < l.num_heads ? ", the last " + Num(l.num_heads - want.num_heads) + " heads are dropped" : ""));
  }
  if (want.n_kv_heads < l.n_kv_heads && !same_groups) {
    add("each of the " + Num(want.n_kv_heads) + " K/V heads is the mean of the K/V heads it replaces (GQA's "
        "uptraining recipe)");
  } else if (want.n_kv_heads > l.n_kv_heads && !same_groups) {
    add("the " + Num(want.n_kv_heads) + " K/V heads copy the " + Num(l.n_kv_heads) + " there were");
  }
  if (want.d_v != l.d_v) {
    add("d_v " + Num(l.d_v) + " -> " + Num(want.d_v) + (want.d_v > l.d_v ? " (new columns of W_V are 0)" : ""));
  }
  Scenario next = *s;
  next.heads = std::move(heads);
  next.n_kv_heads = want.n_kv_heads == want.num_heads ? 0 : want.n_kv_heads;
  next.packed_heads = true;
  if (Status cost = CheckScenarioCost(next); !cost.ok()) return cost;
  *s = std::move(next);
  *what = words;
  return Status::Ok();
}

bool FixOutputProjection(Scenario* s, std::string* what) {
  if (s->W_O.size() == 0) return false;
  const int width = ConcatWidth(*s);
  if (width <= 0 || s->W_O.rows() == width) return false;
  Matrix W = Matrix::Zero(width, s->W_O.cols());
  const Eigen::Index keep = std::min<Eigen::Index>(width, s->W_O.rows());
  W.topRows(keep) = s->W_O.topRows(keep);
  *what = "W_O is now " + Num(width) + "x" + Num(W.cols()) + " (was " + Shape(s->W_O) + "): " +
          (width > s->W_O.rows() ? "its old rows kept, the " + Num(width - s->W_O.rows()) + " new rows are 0"
                                 : "its first " + Num(width) + " rows kept");
  s->W_O = std::move(W);
  return true;
}

}  // namespace attnlab
