#include "attnlab/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "attnlab/limits.hpp"

namespace attnlab {
namespace {

std::string Num(Eigen::Index n) { return std::to_string(n); }

std::string Shape(const Matrix& m) { return Num(m.rows()) + "x" + Num(m.cols()); }

// NaN or infinity anywhere in an input is an error naming the matrix and cell.
Status CheckFinite(const std::string& name, const Matrix& m) {
  if (AllFinite(m)) return Status::Ok();  // the common case, vectorised; then find the cell
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      const double v = m(i, j);
      if (!std::isfinite(v)) {
        return Status::Error(name, "cell [" + Num(i) + "][" + Num(j) + "] is " +
                                       (std::isnan(v) ? "NaN" : v > 0 ? "+infinity" : "-infinity") +
                                       "; every entry must be a finite number");
      }
    }
  }
  return Status::Ok();
}

// A stage past the inputs whose numbers left the range of a double (finite
// inputs near 1e308 multiply to infinity): an error naming the result and the
// product that made it, rather than nulls further on with no word said.
Status CheckStage(const std::string& name, const Matrix& m, const std::string& formula) {
  if (AllFinite(m)) return Status::Ok();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      if (!std::isfinite(m(i, j))) {
        return Status::Error(name, "= " + formula + " overflows: cell [" + Num(i) + "][" + Num(j) +
                                       "] is beyond the range of a double (about 1.8e308); scale the inputs down");
      }
    }
  }
  return Status::Ok();
}

Status CheckWidth(const std::string& name, const Matrix& m) {
  if (m.rows() > kMaxWidth || m.cols() > kMaxWidth) {
    return Status::Error(name, "is " + Shape(m) + "; attnlab handles at most " + Num(kMaxWidth) +
                                   " rows and columns per matrix");
  }
  return Status::Ok();
}

std::string HeadPrefix(const Scenario& s, size_t h) {
  return s.heads.size() > 1 ? "heads[" + std::to_string(h) + "]." : "";
}

// Builds X (or nothing in QKV mode) and names d_model's origin for messages.
Status BuildInput(const Scenario& s, Result* r, std::string* d_model_origin) {
  switch (s.input) {
    case InputMode::kTokens: {
      if (s.vocab.empty()) return Status::Error("vocab", "needs at least one token");
      if (Status v = CheckVocabulary(s.vocab); !v.ok()) return v;
      if (s.tokens.empty()) return Status::Error("tokens", "needs at least one token");
      if (s.E.size() == 0) return Status::Error("E", "is missing: tokens need an embedding matrix");
      if (s.E.rows() != static_cast<Eigen::Index>(s.vocab.size())) {
        return Status::Error("E", "expected " + Num(s.vocab.size()) +
                                      " rows (one per vocab entry), got " + Num(s.E.rows()));
      }
      std::vector<int> ids;
      Status st = TokenIds(s, &ids);
      if (!st.ok()) return st;
      r->X.resize(static_cast<Eigen::Index>(ids.size()), s.E.cols());
      for (size_t i = 0; i < ids.size(); ++i) r->X.row(static_cast<Eigen::Index>(i)) = s.E.row(ids[i]);
      *d_model_origin = "d_model of E";
      if (s.X_kv.size()) return Status::Error("X_kv", "a token input takes its keys and values as kv_tokens");
      r->X_kv.resize(0, 0);
      if (!s.kv_tokens.empty()) {
        Scenario source;
        source.vocab = s.vocab;
        source.tokens = s.kv_tokens;
        if (Status kv = TokenIds(source, &ids); !kv.ok()) return Status::Error("kv_" + kv.field(), kv.message());
        r->X_kv.resize(static_cast<Eigen::Index>(ids.size()), s.E.cols());
        for (size_t i = 0; i < ids.size(); ++i) r->X_kv.row(static_cast<Eigen::Index>(i)) = s.E.row(ids[i]);
      }
      return Status::Ok();
    }
    case InputMode::kX:
      if (s.X.size() == 0) return Status::Error("X", "needs at least one row and one column");
      if (!s.tokens.empty() && static_cast<Eigen::Index>(s.tokens.size()) != s.X.rows()) {
        return Status::Error("tokens", "expected " + Num(s.X.rows()) +
                                           " labels (one per row of X), got " + Num(s.tokens.size()));
      }
      r->X = s.X;
      *d_model_origin = "d_model, the columns of X";
      if (!s.kv_tokens.empty()) return Status::Error("kv_tokens", "an X input takes its keys and values as X_kv");
      if (s.X_kv.size() && s.X_kv.cols() != s.X.cols()) {
        return Status::Error("X_kv", "expected " + Num(s.X.cols()) + " columns (d_model, the columns of X), got " +
                                         Num(s.X_kv.cols()));
      }
      r->X_kv = s.X_kv;
      return Status::Ok();
    case InputMode::kQKV:
      for (const char* name : {"Q", "K", "V"}) {
        const Matrix& m = name[0] == 'Q' ? s.Q : name[0] == 'K' ? s.K : s.V;
        if (m.size() == 0) return Status::Error(name, "needs at least one row and one column");
      }
      if (!s.tokens.empty() && static_cast<Eigen::Index>(s.tokens.size()) != s.Q.rows()) {
        return Status::Error("tokens", "expected " + Num(s.Q.rows()) +
                                           " labels (one per row of Q), got " + Num(s.tokens.size()));
      }
      if (!s.kv_tokens.empty() || s.X_kv.size())
        return Status::Error(s.X_kv.size() ? "X_kv" : "kv_tokens", "Q, K and V given directly need no key/value input");
      r->X.resize(0, 0);
      r->X_kv.resize(0, 0);
      *d_model_origin = "";
      return Status::Ok();
  }
  return Status::Ok();
}

// W_Q of head h and W_K/W_V of its K/V head against X: rows = d_model, W_K's
// width = W_Q's; and the K/V group's other heads give no K/V weights.
Status CheckProjections(const Scenario& s, size_t h, Eigen::Index d_model, const std::string& origin) {
  const HeadWeights& w = s.heads[h];
  const size_t leader = static_cast<size_t>(KvLeader(s, static_cast<int>(h)));
  const HeadWeights& kv = s.heads[leader];
  const std::string prefix = HeadPrefix(s, h);
  if (leader != h) {
    const std::pair<const char*, bool> given[] = {{"W_K", w.W_K.size() != 0}, {"W_V", w.W_V.size() != 0},
                                                  {"b_K", w.b_K.size() != 0}, {"b_V", w.b_V.size() != 0}};
    for (const auto& [name, is_given] : given) {
      if (is_given) {
        return Status::Error(prefix + name, "head " + std::to_string(h) + " shares the keys and values of head " +
                                                std::to_string(leader) + " (n_kv_heads = " +
                                                std::to_string(KvHeadCount(s)) + "): give " + name +
                                                " only on the first head of each K/V group");
      }
    }
  }
  const std::string kv_prefix = HeadPrefix(s, leader);
  const std::tuple<std::string, const Matrix*> all[] = {
      {prefix + "W_Q", &w.W_Q}, {kv_prefix + "W_K", &kv.W_K}, {kv_prefix + "W_V", &kv.W_V}};
  for (const auto& [name, m] : all) {
    if (m->size() == 0) continue;
    if (m->rows() != d_model) {
      return Status::Error(name, "expected " + Num(d_model) + " rows (" + origin + "), got " + Num(m->rows()));
    }
  }
  const Eigen::Index d_q = w.W_Q.size() ? w.W_Q.cols() : d_model;
  const Eigen::Index d_k = kv.W_K.size() ? kv.W_K.cols() : d_model;
  if (d_q != d_k) {
    if (leader != h) {  // a later head of a K/V group: its own W_Q is what differs
      return Status::Error(prefix + "W_Q", "expected " + Num(d_k) + " columns (d_k of K/V head " +
                                               std::to_string(leader) + ", whose keys this head reads), got " +
                                               Num(d_q));
    }
    const bool blame_k = kv.W_K.size() != 0;
    return Status::Error(blame_k ? kv_prefix + "W_K" : prefix + "W_Q",
                         "expected " + Num(blame_k ? d_q : d_k) + " columns (d_k, the width of " +
                             (blame_k ? "Q = X W_Q" : "K = X W_K") + ", so that Q K^T exists), got " +
                             Num(blame_k ? d_k : d_q));
  }
  const std::tuple<std::string, const RowVector*, Eigen::Index, const char*> biases[] = {
      {prefix + "b_Q", &w.b_Q, d_q, "d_k, the width of Q = X W_Q"},
      {kv_prefix + "b_K", &kv.b_K, d_k, "d_k, the width of K = X W_K"},
      {kv_prefix + "b_V", &kv.b_V, kv.W_V.size() ? kv.W_V.cols() : d_model, "d_v, the width of V = X W_V"}};
  for (const auto& [name, b, width, why] : biases) {
    if (b->size() != 0 && b->size() != width)
      return Status::Error(name, "expected " + Num(width) + " numbers (" + why + "), got " + Num(b->size()));
  }
  return Status::Ok();
}

void Multiply(const Matrix& A, const Matrix& B, Matrix* out) { out->noalias() = A * B; }

void AddBias(const RowVector& b, Matrix* m) {
  if (b.size()) m->rowwise() += b;
}

// out = X W (X itself when W is absent: the identity), reusing out's storage.
void Project(const Matrix& X, const Matrix& W, Matrix* out) {
  if (W.size() == 0) {
    *out = X;
  } else {
    Multiply(X, W, out);
  }
}

void SideBySide(const std::vector<HeadResult>& heads, Matrix HeadResult::*field, Matrix* out) {
  if (heads.size() == 1) {
    *out = heads.front().*field;
    return;
  }
  Eigen::Index cols = 0;
  for (const HeadResult& h : heads) cols += (h.*field).cols();
  out->resize((heads.front().*field).rows(), cols);
  Eigen::Index at = 0;
  for (const HeadResult& h : heads) {
    out->middleCols(at, (h.*field).cols()) = h.*field;
    at += (h.*field).cols();
  }
}

std::string RowLabel(const Scenario& s, int row) {
  std::string label = "row " + std::to_string(row);
  if (row < static_cast<int>(s.tokens.size())) label += " (" + s.tokens[row] + ")";
  return label;
}

// log softmax of one row, stable: x - max - log sum exp(x - max).
RowVector LogSoftmax(const RowVector& x) {
  const double m = x.maxCoeff();
  const double lse = m + std::log((x.array() - m).exp().sum());
  return (x.array() - lse).matrix();
}

// The loss terms of `s` from r's logits and probabilities, into `terms` and
// `total` (r itself is only read, so a failure leaves it as it was).
Status ComputeLoss(const Scenario& s, const Result* r, std::vector<LossTerm>* terms, double* total_out) {
  const LossSpec& spec = s.loss;
  terms->clear();
  *total_out = 0.0;
  if (!spec.enabled) return Status::Ok();
  if (!r->has_logits()) {
    return Status::Error("loss", "needs logits: give E (tied unembedding) or an \"unembedding\" matrix");
  }
  if (!(spec.label_smoothing >= 0.0 && spec.label_smoothing < 1.0)) {
    return Status::Error("loss.label_smoothing", "must be in [0, 1), got " + std::to_string(spec.label_smoothing));
  }
  const int n = static_cast<int>(r->logits.rows());
  const int vocab = static_cast<int>(r->logits.cols());
  const bool next = spec.convention == LossConvention::kNextToken;

  std::vector<int> positions = spec.positions;
  if (positions.empty()) {
    for (int p = next ? 1 : 0; p < n; ++p) positions.push_back(p);
  }
  std::vector<int> targets = spec.targets;
  if (targets.empty()) {
    if (s.input != InputMode::kTokens) {
      return Status::Error("loss.targets", "needed when the input is not a token sequence");
    }
    std::vector<int> ids;
    Status st = TokenIds(s, &ids);
    if (!st.ok()) return st;
    for (int p : positions) {
      if (p < 0 || p >= n) break;  // reported below
      targets.push_back(ids[p]);
    }
    if (targets.size() != positions.size()) targets.resize(positions.size(), 0);
  }
  if (targets.size() != positions.size()) {
    return Status::Error("loss.targets", "expected " + Num(positions.size()) +
                                             " targets (one per position), got " + Num(targets.size()));
  }

  double total = 0.0;
  for (size_t i = 0; i < positions.size(); ++i) {
    const int p = positions[i];
    const std::string where = "loss.positions[" + std::to_string(i) + "]";
    if (p < 0 || p >= n) {
      return Status::Error(where, "position " + std::to_string(p) + " is outside the sequence (0.." +
                                      std::to_string(n - 1) + ", 0-based)");
    }
    if (next && p == 0) {
      return Status::Error(where, "position 0 has no previous position to predict it from "
                                  "(next_token convention: row t predicts position t + 1)");
    }
    const int t = targets[i];
    if (t < 0 || t >= vocab) {
      return Status::Error("loss.targets[" + std::to_string(i) + "]",
                           "target " + std::to_string(t) + " is not a column of the logits (0.." +
                               std::to_string(vocab - 1) + ")");
    }
    LossTerm term;
    term.position = p;
    term.row = next ? p - 1 : p;
    term.target = t;
    term.prob = r->probs(term.row, t);
    const double eps = spec.label_smoothing;
    // log p from the probability when it is representable; from the logits
    // (log-sum-exp) when it underflowed, so a confident mistake costs its true
    // loss rather than infinity.
    const double log_p = term.prob > 1e-300 ? std::log(term.prob) : LogSoftmax(r->logits.row(term.row))(t);
    term.loss = -log_p;
    if (eps > 0.0) {
      const RowVector logp = LogSoftmax(r->logits.row(term.row));
      term.loss = -(1.0 - eps) * log_p - (eps / vocab) * logp.sum();
    }
    total += term.loss;
    terms->push_back(term);
  }
  *total_out = total;
  return Status::Ok();
}

// Computes the loss into r, or leaves r as it was on failure.
Status SetLoss(const Scenario& s, Result* r) {
  std::vector<LossTerm> terms;
  double total = 0.0;
  Status st = ComputeLoss(s, r, &terms, &total);
  if (!st.ok()) return st;
  r->loss_terms = std::move(terms);
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (r->loss_terms.empty() && !s.loss.enabled) {
    r->loss = r->mean_loss = r->perplexity = kNaN;
    return Status::Ok();
  }
  r->loss = total;
  r->mean_loss = r->loss_terms.empty() ? 0.0 : total / static_cast<double>(r->loss_terms.size());
  r->perplexity = std::exp(r->mean_loss);
  return Status::Ok();
}

template <class M>
bool SameMatrix(const M& a, const M& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && (a.array() == b.array()).all();
}

}  // namespace

Status CheckVocabulary(const std::vector<std::string>& vocab) {
  std::unordered_map<std::string, size_t> first;
  for (size_t i = 0; i < vocab.size(); ++i) {
    const auto [it, inserted] = first.emplace(vocab[i], i);
    if (!inserted) {
      return Status::Error("vocab[" + std::to_string(i) + "]",
                           "\"" + vocab[i] + "\" is already vocab[" + std::to_string(it->second) +
                               "]; each entry names one row of E and one column of the logits");
    }
  }
  return Status::Ok();
}

Status TokenIds(const Scenario& s, std::vector<int>* ids) {
  // A map, not a search per token: 2048 tokens over a large vocabulary stay linear.
  std::unordered_map<std::string, int> index;
  index.reserve(s.vocab.size());
  for (size_t v = 0; v < s.vocab.size(); ++v) index.emplace(s.vocab[v], static_cast<int>(v));
  ids->clear();
  ids->reserve(s.tokens.size());
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    const auto it = index.find(s.tokens[i]);
    if (it == index.end()) {
      return Status::Error("tokens[" + std::to_string(i) + "]",
                           "\"" + s.tokens[i] + "\" is not in the vocabulary");
    }
    ids->push_back(it->second);
  }
  return Status::Ok();
}

int KeyLength(const Scenario& s) {
  if (s.input == InputMode::kQKV) return static_cast<int>(s.K.rows());
  if (s.input == InputMode::kTokens && !s.kv_tokens.empty()) return static_cast<int>(s.kv_tokens.size());
  if (s.input == InputMode::kX && s.X_kv.size()) return static_cast<int>(s.X_kv.rows());
  return SequenceLength(s);
}

int KvHeadCount(const Scenario& s) {
  const int h = std::max(1, static_cast<int>(s.heads.size()));
  return s.n_kv_heads > 0 && s.n_kv_heads <= h && h % s.n_kv_heads == 0 ? s.n_kv_heads : h;
}

int KvLeader(const Scenario& s, int head) {
  const int h = static_cast<int>(s.heads.size());
  if (h == 0 || head < 0 || head >= h) return 0;
  const int group = h / KvHeadCount(s);
  return head / group * group;
}

int SequenceLength(const Scenario& s) {
  switch (s.input) {
    case InputMode::kTokens: return static_cast<int>(s.tokens.size());
    case InputMode::kX: return static_cast<int>(s.X.rows());
    case InputMode::kQKV: return static_cast<int>(s.Q.rows());
  }
  return 0;
}

Status CheckPositions(const Scenario& s) {
  const long long n_positions = std::max(SequenceLength(s), KeyLength(s));
  if (n_positions > kMaxPositions) {
    const double bytes = static_cast<double>(n_positions) * static_cast<double>(n_positions) * 8.0;
    char size[64];
    std::snprintf(size, sizeof size, "%.3g GB", bytes / 1e9);
    const bool keys = KeyLength(s) > SequenceLength(s);
    const char* field = s.input == InputMode::kTokens ? (keys ? "kv_tokens" : "tokens")
                        : s.input == InputMode::kX    ? (keys ? "X_kv" : "X")
                        : keys                        ? "K"
                                                      : "Q";
    return Status::Error(field,
                         std::to_string(n_positions) + " positions is more than attnlab's limit of " +
                             std::to_string(kMaxPositions) + " (one weight matrix alone would need " +
                             size + ")");
  }
  return Status::Ok();
}

Status Evaluate(const Scenario& s, Result* r) {
  // Keep r's matrices: same-sized results reuse their storage, so an edit in
  // the window allocates nothing. Everything else is reset.
  r->diagnostics.clear();
  r->loss_terms.clear();
  r->loss = r->mean_loss = r->perplexity = std::numeric_limits<double>::quiet_NaN();
  Status st = ValidateAttentionOptions(s.attention);
  if (!st.ok()) return st;

  if (!(st = CheckPositions(s)).ok()) return st;
  if (s.heads.empty()) return Status::Error("heads", "needs at least one head");
  if (!(st = CheckScenarioCost(s)).ok()) return st;  // before any work: bounded time and memory

  // Every input matrix: size limits, then NaN / infinity.
  std::vector<std::pair<std::string, const Matrix*>> inputs = {
      {"E", &s.E}, {"X", &s.X}, {"X_kv", &s.X_kv}, {"Q", &s.Q}, {"K", &s.K}, {"V", &s.V}, {"W_O", &s.W_O},
      {"unembedding", &s.U}};
  std::vector<std::pair<std::string, const RowVector*>> biases = {{"b_O", &s.b_O}};
  for (size_t h = 0; h < s.heads.size(); ++h) {
    const std::string p = HeadPrefix(s, h);
    const HeadWeights& w = s.heads[h];
    inputs.insert(inputs.end(), {{p + "W_Q", &w.W_Q}, {p + "W_K", &w.W_K}, {p + "W_V", &w.W_V}});
    biases.insert(biases.end(), {{p + "b_Q", &w.b_Q}, {p + "b_K", &w.b_K}, {p + "b_V", &w.b_V}});
  }
  for (const auto& [name, m] : inputs) {
    if ((st = CheckWidth(name, *m)).ok()) st = CheckFinite(name, *m);
    if (!st.ok()) return st;
  }
  for (const auto& [name, b] : biases) {
    const Matrix as_row = *b;
    if ((st = CheckWidth(name, as_row)).ok()) st = CheckFinite(name, as_row);
    if (!st.ok()) return st;
  }
  const int n_heads_given = static_cast<int>(s.heads.size());
  if (s.n_kv_heads < 0 || s.n_kv_heads > n_heads_given || (s.n_kv_heads > 0 && n_heads_given % s.n_kv_heads)) {
    return Status::Error("n_kv_heads", "must divide the number of heads (" + std::to_string(n_heads_given) +
                                           "): " + std::to_string(n_heads_given) + " = multi-head, a divisor = "
                                           "grouped-query, 1 = multi-query; got " + std::to_string(s.n_kv_heads));
  }

  std::string origin;
  if (!(st = BuildInput(s, r, &origin)).ok()) return st;

  if (s.input == InputMode::kQKV) {
    const HeadWeights& w = s.heads[0];
    if (s.heads.size() != 1 || w.W_Q.size() || w.W_K.size() || w.W_V.size() || w.b_Q.size() || w.b_K.size() ||
        w.b_V.size()) {
      return Status::Error("W_Q", "projections are not used when Q, K and V are given directly");
    }
    r->heads.resize(1);
    if (!(st = Attend(s.Q, s.K, s.V, s.attention, &r->heads[0])).ok()) return st;
    if (!s.attention.naive_softmax && !(st = CheckStage("Z", r->heads[0].output, "P V")).ok()) return st;
  } else {
    r->heads.resize(s.heads.size());
    const Matrix& X_kv = r->X_kv.size() ? r->X_kv : r->X;
    const char* kv_name = r->X_kv.size() ? "X_kv" : "X";
    for (size_t h = 0; h < s.heads.size(); ++h) {
      if (!(st = CheckProjections(s, h, r->X.cols(), origin)).ok()) return st;
      const HeadWeights& w = s.heads[h];
      HeadResult& head = r->heads[h];
      const std::string p = HeadPrefix(s, h);
      Project(r->X, w.W_Q, &head.Q);
      AddBias(w.b_Q, &head.Q);
      if (!(st = CheckStage(p + "Q", head.Q, w.b_Q.size() ? "X W_Q + b_Q" : "X W_Q")).ok()) return st;
      const size_t leader = static_cast<size_t>(KvLeader(s, static_cast<int>(h)));
      if (leader == h) {
        Project(X_kv, w.W_K, &head.K);
        AddBias(w.b_K, &head.K);
        Project(X_kv, w.W_V, &head.V);
        AddBias(w.b_V, &head.V);
        if (!(st = CheckStage(p + "K", head.K, kv_name + std::string(w.b_K.size() ? " W_K + b_K" : " W_K"))).ok() ||
            !(st = CheckStage(p + "V", head.V, kv_name + std::string(w.b_V.size() ? " W_V + b_V" : " W_V"))).ok())
          return st;
      } else {  // the group's first head computed them already
        head.K = r->heads[leader].K;
        head.V = r->heads[leader].V;
      }
      st = AttendInPlace(s.attention, &head, p);
      if (!st.ok()) return st;
      if (!s.attention.naive_softmax && !(st = CheckStage(p + "Z", head.output, "P V")).ok()) return st;
    }
  }

  // Heads side by side; one head's scores and weights, or their mean.
  const double n_heads = static_cast<double>(r->heads.size());
  SideBySide(r->heads, &HeadResult::Q, &r->Q);
  SideBySide(r->heads, &HeadResult::K, &r->K);
  SideBySide(r->heads, &HeadResult::V, &r->V);
  SideBySide(r->heads, &HeadResult::output, &r->Z);
  if (r->heads.size() > 1) {
    r->mean_scores = r->heads[0].scores;
    r->mean_weights = r->heads[0].weights;
    for (size_t h = 1; h < r->heads.size(); ++h) {
      r->mean_scores += r->heads[h].scores;
      r->mean_weights += r->heads[h].weights;
    }
    r->mean_scores /= n_heads;
    r->mean_weights /= n_heads;
  } else {
    r->mean_scores.resize(0, 0);
    r->mean_weights.resize(0, 0);
  }

  for (size_t h = 0; h < r->heads.size(); ++h) {
    const std::string head = r->heads.size() > 1 ? "head " + std::to_string(h) + ", " : "";
    for (int row : r->heads[h].fully_masked_rows) {
      r->diagnostics.push_back(head + RowLabel(s, row) +
                               ": every key is masked, so its weights are all 0 (attnlab's rule; the homework's "
                               "masked_fill(-1e9) would give uniform weights 1/" +
                               std::to_string(r->heads[h].weights.cols()) +
                               ", and PyTorch's -inf mask gives NaN)");
    }
    if (s.attention.naive_softmax && !r->heads[h].weights.allFinite()) {
      r->diagnostics.push_back(head + "naive softmax overflowed: exp(score / T) became infinite and the "
                                      "weights are NaN; the stable softmax subtracts the row maximum first");
    }
  }

  // Output projection.
  if (s.W_O.size() != 0) {
    if (s.W_O.rows() != r->Z.cols()) {
      const std::string why = r->heads.size() > 1
                                  ? "Z, the " + std::to_string(r->heads.size()) + " heads' outputs side by side, is " +
                                        Shape(r->Z)
                                  : "Z = P V is " + Shape(r->Z) + ", d_v wide";
      return Status::Error("W_O", "expected " + Num(r->Z.cols()) + " rows, got " + Num(s.W_O.rows()) + ": W_O is " +
                                      Shape(s.W_O) + " but " + why + " (W_O maps the combined heads, " +
                                      Num(r->Z.cols()) + " wide, to the output)");
    }
    Multiply(r->Z, s.W_O, &r->R);
  } else {
    r->R = r->Z;
  }
  if (s.b_O.size() != 0) {
    if (s.b_O.size() != r->R.cols()) {
      return Status::Error("b_O", "expected " + Num(r->R.cols()) + " numbers (the width of " +
                                      (s.W_O.size() ? "Z W_O" : "Z") + "), got " + Num(s.b_O.size()));
    }
    AddBias(s.b_O, &r->R);
  }
  if ((s.W_O.size() || s.b_O.size()) && !s.attention.naive_softmax &&
      !(st = CheckStage("R", r->R, s.b_O.size() ? (s.W_O.size() ? "Z W_O + b_O" : "Z + b_O") : "Z W_O")).ok())
    return st;

  // Unembedding.
  Unembedding unembedding = s.unembedding;
  if (unembedding == Unembedding::kTied && s.E.size() == 0) unembedding = Unembedding::kNone;
  if (unembedding == Unembedding::kTied) {
    if (r->R.cols() != s.E.cols()) {
      if (s.W_O.size() != 0) {
        return Status::Error("W_O", "expected " + Num(s.E.cols()) +
                                        " columns (d_model of E, for the tied unembedding U = E^T), got " +
                                        Num(s.W_O.cols()));
      }
      return Status::Error("unembedding", "the tied unembedding U = E^T needs outputs of width " +
                                              Num(s.E.cols()) + " (d_model of E), but the attention output is " +
                                              Num(r->R.cols()) + " wide; add W_O or give an unembedding matrix");
    }
    r->logits.noalias() = r->R * s.E.transpose();
  } else if (unembedding == Unembedding::kMatrix) {
    if (s.U.rows() != r->R.cols()) {
      return Status::Error("unembedding", "expected " + Num(r->R.cols()) +
                                              " rows (the width of the attention output" +
                                              std::string(s.W_O.size() ? " after W_O" : "") + "), got " +
                                              Num(s.U.rows()));
    }
    if (s.input == InputMode::kTokens && s.U.cols() != static_cast<Eigen::Index>(s.vocab.size())) {
      return Status::Error("unembedding", "expected " + Num(s.vocab.size()) +
                                              " columns (one per vocab entry), got " + Num(s.U.cols()));
    }
    Multiply(r->R, s.U, &r->logits);
  } else {
    r->logits.resize(0, 0);
  }
  if (r->has_logits()) {
    // (The naive softmax's NaN on purpose is explained by its own diagnostic.)
    if (!s.attention.naive_softmax && !(st = CheckStage("logits", r->logits, unembedding == Unembedding::kTied ? "R E^T" : "R U")).ok()) return st;
    RowSoftmaxInto(r->logits, Mask(), SoftmaxOptions{}, &r->probs);
  } else {
    r->probs.resize(0, 0);
  }
  return SetLoss(s, r);
}

bool SameLogits(const Scenario& a, const Scenario& b) {
  if (a.input != b.input || a.vocab != b.vocab || a.tokens != b.tokens) return false;
  if (!SameMatrix(a.E, b.E) || !SameMatrix(a.X, b.X) || !SameMatrix(a.Q, b.Q) || !SameMatrix(a.K, b.K) ||
      !SameMatrix(a.V, b.V) || !SameMatrix(a.W_O, b.W_O) || !SameMatrix(a.U, b.U) || !SameMatrix(a.X_kv, b.X_kv) ||
      !SameMatrix(a.b_O, b.b_O) || a.kv_tokens != b.kv_tokens || a.n_kv_heads != b.n_kv_heads) {
    return false;
  }
  if (a.heads.size() != b.heads.size()) return false;
  for (size_t h = 0; h < a.heads.size(); ++h) {
    const HeadWeights &x = a.heads[h], &y = b.heads[h];
    if (!SameMatrix(x.W_Q, y.W_Q) || !SameMatrix(x.W_K, y.W_K) || !SameMatrix(x.W_V, y.W_V) ||
        !SameMatrix(x.b_Q, y.b_Q) || !SameMatrix(x.b_K, y.b_K) || !SameMatrix(x.b_V, y.b_V))
      return false;
  }
  const AttentionOptions &p = a.attention, &q = b.attention;
  if (p.scale.kind != q.scale.kind || (p.scale.kind == ScaleKind::kCustom && !(p.scale.value == q.scale.value)) ||
      !(p.temperature == q.temperature) || p.naive_softmax != q.naive_softmax) {
    return false;
  }
  if (p.mask.kind != q.mask.kind || p.mask.param != q.mask.param) return false;
  if (p.mask.custom.rows() != q.mask.custom.rows() || p.mask.custom.cols() != q.mask.custom.cols() ||
      !(p.mask.custom == q.mask.custom).all()) {
    return false;
  }
  return a.unembedding == b.unembedding;
}

Status EvaluateLoss(const Scenario& s, Result* r) { return SetLoss(s, r); }

bool operator==(const Scenario& a, const Scenario& b) {
  const LossSpec& l = a.loss;
  const LossSpec& m = b.loss;
  return a.title == b.title && a.name == b.name && a.notes == b.notes && a.solution == b.solution &&
         a.view == b.view && a.presentation == b.presentation && SameLogits(a, b) &&
         l.enabled == m.enabled && l.convention == m.convention && l.positions == m.positions &&
         l.targets == m.targets && l.label_smoothing == m.label_smoothing && a.views == b.views &&
         a.practice == b.practice;
}

}  // namespace attnlab
