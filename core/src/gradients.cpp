#include "attnlab/gradients.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include "attnlab/multihead.hpp"

namespace attnlab {
namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

// The unembedding Evaluate used (kTied without E falls back to none).
Unembedding UsedUnembedding(const Scenario& s) {
  if (s.unembedding == Unembedding::kTied && s.E.size() == 0) return Unembedding::kNone;
  return s.unembedding;
}

// softmax((s + noise) / T) over the row's allowed (finite) entries; masked
// entries 0, an all-masked row all 0.
void SoftRow(const double* s, const double* noise, int n, double T, double* out) {
  double top = kMinusInf;
  for (int j = 0; j < n; ++j) {
    if (s[j] == kMinusInf) continue;
    top = std::max(top, s[j] + (noise ? noise[j] : 0.0));
  }
  if (top == kMinusInf) {
    std::fill(out, out + n, 0.0);
    return;
  }
  double sum = 0;
  for (int j = 0; j < n; ++j) {
    out[j] = s[j] == kMinusInf ? 0.0 : std::exp((s[j] + (noise ? noise[j] : 0.0) - top) / T);
    sum += out[j];
  }
  const double inv = 1.0 / sum;
  for (int j = 0; j < n; ++j) out[j] *= inv;
}

void SoftMatrix(const Matrix& scores, const Matrix* noise, double T, Matrix* out) {
  out->resize(scores.rows(), scores.cols());
  const int n = static_cast<int>(scores.cols());
  for (Eigen::Index i = 0; i < scores.rows(); ++i)
    SoftRow(scores.row(i).data(), noise ? noise->row(i).data() : nullptr, n, T, out->row(i).data());
}

// One-hot of each row's first maximum among the allowed entries of `scores`.
void HardFromSoft(const Matrix& scores, const Matrix& y, Matrix* out) {
  out->setZero(y.rows(), y.cols());
  for (Eigen::Index i = 0; i < y.rows(); ++i) {
    Eigen::Index best = -1;
    for (Eigen::Index j = 0; j < y.cols(); ++j) {
      if (scores(i, j) == kMinusInf) continue;
      if (best < 0 || y(i, j) > y(i, best)) best = j;
    }
    if (best >= 0) (*out)(i, best) = 1.0;
  }
}

// Z, R, logits, probs and the loss of `r` again, from its heads' weights as
// they are now (after an estimator replaced P).
Status RecomputeTail(const Scenario& s, Result* r) {
  Eigen::Index width = 0;
  for (HeadResult& h : r->heads) {
    h.output.noalias() = h.weights * h.V;
    width += h.output.cols();
  }
  r->Z.resize(r->heads.front().output.rows(), width);
  Eigen::Index at = 0;
  for (const HeadResult& h : r->heads) {
    r->Z.middleCols(at, h.output.cols()) = h.output;
    at += h.output.cols();
  }
  if (r->heads.size() > 1) {
    r->mean_weights = r->heads[0].weights;
    for (size_t h = 1; h < r->heads.size(); ++h) r->mean_weights += r->heads[h].weights;
    r->mean_weights /= static_cast<double>(r->heads.size());
  }
  if (s.W_O.size()) {
    r->R.noalias() = r->Z * s.W_O;
  } else {
    r->R = r->Z;
  }
  if (s.b_O.size()) r->R.rowwise() += s.b_O;
  switch (UsedUnembedding(s)) {
    case Unembedding::kTied: r->logits.noalias() = r->R * s.E.transpose(); break;
    case Unembedding::kMatrix: r->logits.noalias() = r->R * s.U; break;
    case Unembedding::kNone: r->logits.resize(0, 0); break;
  }
  if (r->has_logits()) RowSoftmaxInto(r->logits, Mask(), SoftmaxOptions{}, &r->probs);
  return EvaluateLoss(s, r);
}

int VocabId(const std::unordered_map<std::string, int>& ids, const std::string& t) {
  const auto it = ids.find(t);
  return it == ids.end() ? -1 : it->second;
}

void ScatterRows(const Matrix& d, const std::vector<std::string>& tokens, const std::vector<std::string>& vocab,
                 Matrix* into) {
  if (vocab.size() <= 32) {  // E9-sized: a linear look-up allocates nothing
    for (size_t i = 0; i < tokens.size(); ++i) {
      for (size_t v = 0; v < vocab.size(); ++v) {
        if (vocab[v] == tokens[i]) {
          into->row(static_cast<Eigen::Index>(v)) += d.row(static_cast<Eigen::Index>(i));
          break;
        }
      }
    }
    return;
  }
  std::unordered_map<std::string, int> ids;
  for (size_t v = 0; v < vocab.size(); ++v) ids.emplace(vocab[v], static_cast<int>(v));
  for (size_t i = 0; i < tokens.size(); ++i) {
    const int v = VocabId(ids, tokens[i]);
    if (v >= 0) into->row(v) += d.row(static_cast<Eigen::Index>(i));
  }
}

double Norm(const Matrix& m) { return m.size() ? m.norm() : 0.0; }
double Norm(const RowVector& m) { return m.size() ? m.norm() : 0.0; }

}  // namespace

const char* EstimatorName(Estimator e) {
  switch (e) {
    case Estimator::kSoftmax: return "softmax";
    case Estimator::kArgmax: return "argmax";
    case Estimator::kStraightThrough: return "straight_through";
    case Estimator::kGumbelSoftmax: return "gumbel_softmax";
  }
  return "softmax";
}

bool EstimatorFromName(const std::string& name, Estimator* e) {
  for (Estimator x : {Estimator::kSoftmax, Estimator::kArgmax, Estimator::kStraightThrough, Estimator::kGumbelSoftmax}) {
    if (name == EstimatorName(x)) {
      *e = x;
      return true;
    }
  }
  return false;
}

GradientOptions OptionsForScenario(const Scenario& s) {
  GradientOptions o;
  o.estimator = s.attention.temperature == 0.0 ? Estimator::kArgmax : Estimator::kSoftmax;
  o.temperature = s.attention.temperature;
  return o;
}

void SoftmaxBackward(const Matrix& S, const Matrix& d_P, double T, Matrix* d_scores) {
  d_scores->resize(S.rows(), S.cols());
  const double inv_T = 1.0 / T;
  for (Eigen::Index i = 0; i < S.rows(); ++i) {
    const double dot = S.row(i).dot(d_P.row(i));
    // S = 0 on masked entries and fully masked rows: exactly 0 there.
    d_scores->row(i) = (inv_T * S.row(i).array() * (d_P.row(i).array() - dot)).matrix();
  }
}

void SampleGumbel(NormalSampler* sampler, int n_q, int n_k, Matrix* g) {
  g->resize(n_q, n_k);
  for (int i = 0; i < n_q; ++i) {
    for (int j = 0; j < n_k; ++j) {
      double u = sampler->Uniform();
      while (u == 0.0) u = sampler->Uniform();  // U in (0, 1): log(0) never happens
      (*g)(i, j) = -std::log(-std::log(u));
    }
  }
}

Status ComputeGradients(const Scenario& s, const GradientOptions& options, Gradients* g) {
  Estimator est = options.estimator;
  double T = options.temperature;
  if (est == Estimator::kSoftmax && T < 0) T = s.attention.temperature;
  if (est == Estimator::kArgmax) T = 0.0;
  if (!std::isfinite(T) || T < 0) return Status::Error("temperature", "must be a finite number >= 0");
  if (est == Estimator::kSoftmax && T == 0.0) est = Estimator::kArgmax;
  if ((est == Estimator::kStraightThrough || est == Estimator::kGumbelSoftmax) && !(T > 0)) {
    return Status::Error("temperature", std::string(est == Estimator::kGumbelSoftmax ? "tau" : "T_b") +
                                            " must be > 0: the backward pass divides by it");
  }
  // The forward pass's own temperature: softmax at T, argmax for argmax and
  // the straight-through estimator; Gumbel replaces P, so any will do.
  const double forward_T = est == Estimator::kSoftmax ? T
                           : est == Estimator::kGumbelSoftmax ? s.attention.temperature
                                                              : 0.0;
  Status st;
  if (forward_T == s.attention.temperature) {
    st = Evaluate(s, &g->forward);
  } else {
    Scenario at_T = s;
    at_T.attention.temperature = forward_T;
    st = Evaluate(at_T, &g->forward);
  }
  if (!st.ok()) return st;
  if (!g->forward.has_loss()) {
    return Status::Error("loss", "gradients need a loss: turn it on and give its positions and targets");
  }
  g->estimator = est;
  g->temperature = est == Estimator::kArgmax ? 0.0 : T;
  g->gumbel_hard = est == Estimator::kGumbelSoftmax && options.gumbel_hard;
  g->gumbel_seed = options.gumbel_seed;
  Result& r = g->forward;
  g->heads.resize(r.heads.size());
  if (est == Estimator::kGumbelSoftmax) {
    NormalSampler sampler(options.gumbel_seed);
    for (size_t h = 0; h < r.heads.size(); ++h) {
      HeadResult& hr = r.heads[h];
      HeadGradients& hg = g->heads[h];
      SampleGumbel(&sampler, static_cast<int>(hr.scores.rows()), static_cast<int>(hr.scores.cols()),
                   &hg.gumbel_noise);
      SoftMatrix(hr.scores, &hg.gumbel_noise, T, &hg.soft);
      if (g->gumbel_hard) {
        HardFromSoft(hr.scores, hg.soft, &hr.weights);
      } else {
        hr.weights = hg.soft;
      }
      hr.argmax = ArgmaxPerRow(hr.weights, hr.allowed);
    }
    if (!(st = RecomputeTail(s, &r)).ok()) return st;
  } else {
    for (size_t h = 0; h < r.heads.size(); ++h) {
      HeadGradients& hg = g->heads[h];
      hg.gumbel_noise.resize(0, 0);
      if (est == Estimator::kSoftmax) {
        hg.soft = r.heads[h].weights;
      } else if (est == Estimator::kStraightThrough) {
        SoftMatrix(r.heads[h].scores, nullptr, T, &hg.soft);
      } else {
        hg.soft.resize(0, 0);
      }
    }
  }
  return Backward(s, g, options.reduction);
}

Status Backward(const Scenario& s, Gradients* g, LossReduction reduction) {
  const Result& r = g->forward;
  if (!r.has_loss()) return Status::Error("loss", "gradients need a loss");
  const int n = static_cast<int>(r.logits.rows());
  const int vocab = static_cast<int>(r.logits.cols());
  const double eps = s.loss.label_smoothing;
  const double w = reduction == LossReduction::kMean ? 1.0 / static_cast<double>(r.loss_terms.size()) : 1.0;
  g->loss = reduction == LossReduction::kMean ? r.mean_loss : r.loss;

  // loss -> logits.
  g->d_logits.setZero(n, vocab);
  for (const LossTerm& t : r.loss_terms) {
    g->d_logits.row(t.row) += w * (r.probs.row(t.row).array() - eps / vocab).matrix();
    g->d_logits(t.row, t.target) -= w * (1.0 - eps);
  }
  // logits -> R (and E or U).
  const Unembedding unembedding = UsedUnembedding(s);
  g->d_U.resize(0, 0);
  g->d_E_unembed.resize(0, 0);
  if (unembedding == Unembedding::kTied) {
    g->d_R.noalias() = g->d_logits * s.E;
    g->d_E_unembed.noalias() = g->d_logits.transpose() * r.R;
  } else {
    g->d_R.noalias() = g->d_logits * s.U.transpose();
    g->d_U.noalias() = r.R.transpose() * g->d_logits;
  }
  // R -> Z, W_O, b_O.
  g->d_b_O = g->d_R.colwise().sum();
  if (s.W_O.size()) {
    g->d_W_O.noalias() = r.Z.transpose() * g->d_R;
    g->d_Z.noalias() = g->d_R * s.W_O.transpose();
  } else {
    g->d_W_O.resize(0, 0);
    g->d_Z = g->d_R;
  }

  const bool qkv = s.input == InputMode::kQKV;
  const int H = static_cast<int>(r.heads.size());
  const int groups = qkv ? 1 : KvHeadCount(s);
  const bool zero_scores = g->estimator == Estimator::kArgmax;
  g->scores_gradient_zero = zero_scores;
  if (zero_scores) {
    g->note = "argmax: P is piecewise constant in the scores (a small change of a score leaves P as it is; at a "
              "tie it jumps), so dL/dscores = 0 exactly, and with it dL/dQ, dL/dK, dL/dW_Q, dL/dW_K, dL/db_Q, "
              "dL/db_K. Z = P V is linear in V, so W_V and W_O still get gradients.";
  } else if (g->estimator == Estimator::kStraightThrough) {
    g->note = "straight-through: the forward pass is argmax; the backward pass pretends P was softmax(scores / " +
              std::to_string(g->temperature) + "), a surrogate gradient (the true one is 0)";
  } else if (g->estimator == Estimator::kGumbelSoftmax) {
    g->note = std::string(g->gumbel_hard ? "hard Gumbel-softmax: the forward pass is one-hot(argmax y), the "
                                           "backward pass goes through the soft y = softmax((scores + g) / tau) "
                                           "(y_hard - y_soft.detach() + y_soft)"
                                         : "Gumbel-softmax: P = y = softmax((scores + g) / tau), its exact gradient");
  } else {
    g->note = "";
  }

  const Matrix& X = r.X;
  const Matrix& X_kv = r.X_kv.size() ? r.X_kv : r.X;
  const bool cross = r.X_kv.size() != 0;
  if (!qkv) {
    g->d_X.setZero(X.rows(), X.cols());
    if (cross) {
      g->d_X_kv.setZero(X_kv.rows(), X_kv.cols());
    } else {
      g->d_X_kv.resize(0, 0);
    }
  } else {
    g->d_X.resize(0, 0);
    g->d_X_kv.resize(0, 0);
  }
  Matrix& d_X_kv = cross ? g->d_X_kv : g->d_X;

  Eigen::Index at = 0;
  for (int h = 0; h < H; ++h) {
    const HeadResult& hr = r.heads[static_cast<size_t>(h)];
    HeadGradients& hg = g->heads[static_cast<size_t>(h)];
    const Eigen::Index d_v = hr.output.cols();
    const auto d_Z_h = g->d_Z.middleCols(at, d_v);
    at += d_v;
    hg.kv_head = qkv ? 0 : KvHeadOf(h, H, groups);
    hg.kv_leader = qkv || KvLeader(s, h) == h;
    // Z = P V.
    hg.d_P.noalias() = d_Z_h * hr.V.transpose();
    hg.d_V.noalias() = hr.weights.transpose() * d_Z_h;
    // P = softmax(scores / T), or its estimator.
    if (zero_scores) {
      hg.d_scores.setZero(hr.scores.rows(), hr.scores.cols());
      hg.d_Q.setZero(hr.Q.rows(), hr.Q.cols());
      hg.d_K.setZero(hr.K.rows(), hr.K.cols());
    } else {
      SoftmaxBackward(hg.soft, hg.d_P, g->temperature, &hg.d_scores);
      // scores = scale Q K^T.
      hg.d_Q.noalias() = hr.scale * hg.d_scores * hr.K;
      hg.d_K.noalias() = hr.scale * hg.d_scores.transpose() * hr.Q;
    }
    if (qkv) {
      hg.d_W_Q.resize(0, 0);
      hg.d_b_Q.resize(0);
      hg.d_K_group = hg.d_K;
      hg.d_V_group = hg.d_V;
      hg.d_W_K.resize(0, 0);
      hg.d_W_V.resize(0, 0);
      hg.d_b_K.resize(0);
      hg.d_b_V.resize(0);
      continue;
    }
    // Q = X W_Q + b_Q.
    const HeadWeights& hw = s.heads[static_cast<size_t>(h)];
    hg.d_W_Q.noalias() = X.transpose() * hg.d_Q;
    hg.d_b_Q = hg.d_Q.colwise().sum();
    if (hw.W_Q.size()) {
      g->d_X.noalias() += hg.d_Q * hw.W_Q.transpose();
    } else {
      g->d_X += hg.d_Q;
    }
    // A shared K/V head: its gradient is the sum over its readers.
    if (hg.kv_leader) {
      hg.d_K_group = hg.d_K;
      hg.d_V_group = hg.d_V;
    } else {
      HeadGradients& leader = g->heads[static_cast<size_t>(KvLeader(s, h))];
      leader.d_K_group += hg.d_K;
      leader.d_V_group += hg.d_V;
      hg.d_K_group.resize(0, 0);
      hg.d_V_group.resize(0, 0);
    }
  }
  if (!qkv) {
    for (int h = 0; h < H; ++h) {
      HeadGradients& hg = g->heads[static_cast<size_t>(h)];
      if (!hg.kv_leader) {
        hg.d_W_K.resize(0, 0);
        hg.d_W_V.resize(0, 0);
        hg.d_b_K.resize(0);
        hg.d_b_V.resize(0);
        continue;
      }
      const HeadWeights& hw = s.heads[static_cast<size_t>(h)];
      // K = X_kv W_K + b_K, V = X_kv W_V + b_V.
      hg.d_W_K.noalias() = X_kv.transpose() * hg.d_K_group;
      hg.d_W_V.noalias() = X_kv.transpose() * hg.d_V_group;
      hg.d_b_K = hg.d_K_group.colwise().sum();
      hg.d_b_V = hg.d_V_group.colwise().sum();
      if (hw.W_K.size()) {
        d_X_kv.noalias() += hg.d_K_group * hw.W_K.transpose();
      } else {
        d_X_kv += hg.d_K_group;
      }
      if (hw.W_V.size()) {
        d_X_kv.noalias() += hg.d_V_group * hw.W_V.transpose();
      } else {
        d_X_kv += hg.d_V_group;
      }
    }
  }
  // X = E[tokens]: the rows scatter back into E; E's two paths add.
  if (s.input == InputMode::kTokens) {
    g->d_E_input.setZero(s.E.rows(), s.E.cols());
    ScatterRows(g->d_X, s.tokens, s.vocab, &g->d_E_input);
    if (cross) ScatterRows(g->d_X_kv, s.kv_tokens, s.vocab, &g->d_E_input);
  } else {
    g->d_E_input.resize(0, 0);
  }
  if (g->d_E_input.size() && g->d_E_unembed.size()) {
    g->d_E = g->d_E_input + g->d_E_unembed;
  } else if (g->d_E_input.size()) {
    g->d_E = g->d_E_input;
  } else {
    g->d_E = g->d_E_unembed;
  }
  return Status::Ok();
}

GradientNorms ComputeNorms(const Gradients& g) {
  GradientNorms n;
  n.logits = Norm(g.d_logits);
  n.R = Norm(g.d_R);
  n.Z = Norm(g.d_Z);
  n.W_O = Norm(g.d_W_O);
  n.b_O = Norm(g.d_b_O);
  n.E = Norm(g.d_E);
  n.E_input = Norm(g.d_E_input);
  n.E_unembed = Norm(g.d_E_unembed);
  n.X = Norm(g.d_X);
  double q = 0, k = 0, v = 0;
  for (const HeadGradients& h : g.heads) {
    GradientNorms::Head x;
    x.P = Norm(h.d_P);
    x.scores = Norm(h.d_scores);
    x.Q = Norm(h.d_Q);
    x.K = Norm(h.d_K);
    x.V = Norm(h.d_V);
    x.W_Q = Norm(h.d_W_Q);
    x.W_K = Norm(h.d_W_K);
    x.W_V = Norm(h.d_W_V);
    x.b_Q = Norm(h.d_b_Q);
    x.b_K = Norm(h.d_b_K);
    x.b_V = Norm(h.d_b_V);
    q += x.W_Q * x.W_Q;
    k += x.W_K * x.W_K;
    v += x.W_V * x.W_V;
    n.heads.push_back(x);
  }
  n.W_Q = std::sqrt(q);
  n.W_K = std::sqrt(k);
  n.W_V = std::sqrt(v);
  return n;
}

Status SweepTemperature(const Scenario& s, const GradientOptions& options, const std::vector<double>& temperatures,
                        std::vector<TemperaturePoint>* out) {
  out->clear();
  Gradients g;
  for (double T : temperatures) {
    GradientOptions o = options;
    o.temperature = T;
    if (o.estimator == Estimator::kSoftmax && T == 0.0) o.estimator = Estimator::kArgmax;
    Status st = ComputeGradients(s, o, &g);
    if (!st.ok()) return st;
    TemperaturePoint p;
    p.temperature = T;
    p.loss = g.loss;
    p.norms = ComputeNorms(g);
    out->push_back(std::move(p));
  }
  return Status::Ok();
}

// --- Training ----------------------------------------------------------------

Status MakeDedupeSortExamples(const Scenario& s, const TrainOptions& o, std::vector<DedupeSortExample>* out) {
  out->clear();
  if (s.input != InputMode::kTokens) return Status::Error("tokens", "the dedupe-sort task needs a token input");
  int start = -1, stop = -1;
  for (size_t v = 0; v < s.vocab.size(); ++v) {
    if (s.vocab[v] == "<START>") start = static_cast<int>(v);
    if (s.vocab[v] == "<STOP>") stop = static_cast<int>(v);
  }
  if (start < 0 || stop < 0) return Status::Error("vocab", "the dedupe-sort task needs <START> and <STOP>");
  if (o.symbols < 1 || o.symbols > static_cast<int>(s.vocab.size()))
    return Status::Error("symbols", "must be 1..the vocabulary size");
  for (int v = 0; v < o.symbols; ++v)
    if (v == start || v == stop) return Status::Error("symbols", "the symbols must come before <START> and <STOP>");
  if (o.min_length < 1 || o.max_length < o.min_length)
    return Status::Error("min_length", "needs 1 <= min_length <= max_length");
  NormalSampler rng(o.seed);
  for (int e = 0; e < o.examples; ++e) {
    DedupeSortExample ex;
    const int span = o.max_length - o.min_length + 1;
    const int k = o.min_length + std::min(span - 1, static_cast<int>(rng.Uniform() * span));
    std::vector<bool> seen(static_cast<size_t>(o.symbols), false);
    for (int i = 0; i < k; ++i) {
      const int v = std::min(o.symbols - 1, static_cast<int>(rng.Uniform() * o.symbols));
      seen[static_cast<size_t>(v)] = true;
      ex.tokens.push_back(s.vocab[static_cast<size_t>(v)]);
    }
    ex.tokens.push_back(s.vocab[static_cast<size_t>(start)]);
    for (int v = 0; v < o.symbols; ++v) {
      if (!seen[static_cast<size_t>(v)]) continue;
      ex.positions.push_back(static_cast<int>(ex.tokens.size()));
      ex.targets.push_back(v);
      ex.tokens.push_back(s.vocab[static_cast<size_t>(v)]);
    }
    ex.positions.push_back(static_cast<int>(ex.tokens.size()));
    ex.targets.push_back(stop);
    ex.tokens.push_back(s.vocab[static_cast<size_t>(stop)]);
    out->push_back(std::move(ex));
  }
  return Status::Ok();
}

void WriteWeights(const Scenario& trained, Scenario* s) {
  const size_t n = std::min(trained.heads.size(), s->heads.size());
  for (size_t h = 0; h < n; ++h) {
    HeadWeights& to = s->heads[h];
    const HeadWeights& from = trained.heads[h];
    to.W_Q = from.W_Q;
    to.W_K = from.W_K;
    to.W_V = from.W_V;
    to.b_Q = from.b_Q;
    to.b_K = from.b_K;
    to.b_V = from.b_V;
  }
  s->W_O = trained.W_O;
  s->b_O = trained.b_O;
}

namespace {

double ForwardTemperature(Estimator e, double T) { return e == Estimator::kSoftmax ? T : 0.0; }

double Moved(const Matrix& now, const Matrix& start) {
  return now.size() && now.rows() == start.rows() && now.cols() == start.cols() ? (now - start).norm() : 0.0;
}

// The first example assigns (same-sized storage is reused), the others add.
template <class M>
void Accumulate(const M& g, M* acc, bool first) {
  if (first) {
    *acc = g;
  } else {
    *acc += g;
  }
}

}  // namespace

const Trainer::Run* Trainer::Find(Estimator e) const {
  for (const Run& r : runs_)
    if (r.estimator == e) return &r;
  return nullptr;
}

void Trainer::SetOptions(const TrainOptions& options) {
  const int examples = options_.examples, lo = options_.min_length, hi = options_.max_length;
  const int symbols = options_.symbols;
  const std::uint64_t seed = options_.seed;
  options_ = options;
  // The data stays what Reset made.
  options_.examples = examples;
  options_.min_length = lo;
  options_.max_length = hi;
  options_.symbols = symbols;
  options_.seed = seed;
  for (Run& r : runs_) r.model.attention.temperature = ForwardTemperature(r.estimator, options_.temperature);
}

Status Trainer::Reset(const Scenario& s, const TrainOptions& options, const std::vector<Estimator>& estimators) {
  if (s.input == InputMode::kQKV) return Status::Error("Q", "training needs the projections W_Q, W_K, W_V");
  if (!(options.temperature > 0) || !std::isfinite(options.temperature))
    return Status::Error("temperature", "must be > 0 (T, T_b, tau)");
  if (!std::isfinite(options.learning_rate)) return Status::Error("learning_rate", "must be finite");
  std::vector<DedupeSortExample> examples;
  if (options.examples > 0) {
    Status st = MakeDedupeSortExamples(s, options, &examples);
    if (!st.ok()) return st;
  }
  // The start: absent projections written out as identities, so they can move.
  Scenario start = s;
  const int d_model = ModelWidth(s);
  for (size_t h = 0; h < start.heads.size(); ++h) {
    HeadWeights& w = start.heads[h];
    if (w.W_Q.size() == 0) w.W_Q = Matrix::Identity(d_model, d_model);
    if (KvLeader(start, static_cast<int>(h)) != static_cast<int>(h)) continue;
    if (w.W_K.size() == 0) w.W_K = Matrix::Identity(d_model, d_model);
    if (w.W_V.size() == 0) w.W_V = Matrix::Identity(d_model, d_model);
  }
  std::vector<Run> runs;
  for (Estimator e : estimators) {
    Run run;
    run.estimator = e;
    run.model = start;
    run.model.attention.temperature = ForwardTemperature(e, options.temperature);
    if (!examples.empty()) {
      run.model.tokens = examples.front().tokens;
      run.model.loss.enabled = true;
      run.model.loss.positions = examples.front().positions;
      run.model.loss.targets = examples.front().targets;
    }
    GradientOptions o;
    o.estimator = e;
    o.temperature = options.temperature;
    o.reduction = options.reduction;
    Status st = ComputeGradients(run.model, o, &run.last);
    if (!st.ok()) return st;
    run.history.reserve(static_cast<size_t>(std::max(0, std::min(options.max_history, 4096))));
    runs.push_back(std::move(run));
  }
  options_ = options;
  start_ = std::move(start);
  examples_ = std::move(examples);
  runs_ = std::move(runs);
  sum_ = Gradients{};  // the accumulators take the new layout's shapes
  steps_ = 0;
  return Status::Ok();
}

Status Trainer::Step() {
  for (Run& run : runs_) {
    if (!run.enabled) continue;
    Status st = StepRun(&run);
    if (!st.ok()) return st;
  }
  ++steps_;
  return Status::Ok();
}

Status Trainer::StepRun(Run* run) {
  const int n_examples = examples_.empty() ? 1 : static_cast<int>(examples_.size());
  GradientOptions o;
  o.estimator = run->estimator;
  o.temperature = options_.temperature;
  o.gumbel_hard = options_.gumbel_hard;
  o.reduction = options_.reduction;
  Scenario& m = run->model;
  const size_t H = m.heads.size();
  // The accumulators: sum_'s heads hold the summed weight gradients (a
  // matrix that is never accumulated, e.g. an absent bias, stays empty).
  sum_.heads.resize(H);
  double loss = 0;
  // Last example first, so that run->last ends on example 0 (what a view shows).
  for (int e = n_examples - 1; e >= 0; --e) {
    if (!examples_.empty()) {
      const DedupeSortExample& ex = examples_[static_cast<size_t>(e)];
      m.tokens = ex.tokens;
      m.loss.positions = ex.positions;
      m.loss.targets = ex.targets;
    }
    o.gumbel_seed = options_.seed + 1 + static_cast<std::uint64_t>(steps_) * static_cast<std::uint64_t>(n_examples) +
                    static_cast<std::uint64_t>(e);
    Gradients& g = e == 0 ? run->last : grad_;
    const bool first = e == n_examples - 1;
    Status st = ComputeGradients(m, o, &g);
    if (!st.ok()) return st;
    loss += g.loss;
    for (size_t h = 0; h < H; ++h) {
      const HeadGradients& hg = g.heads[h];
      HeadGradients& acc = sum_.heads[h];
      Accumulate(hg.d_W_Q, &acc.d_W_Q, first);
      if (m.heads[h].b_Q.size()) Accumulate(hg.d_b_Q, &acc.d_b_Q, first);
      if (!hg.kv_leader) continue;
      Accumulate(hg.d_W_K, &acc.d_W_K, first);
      Accumulate(hg.d_W_V, &acc.d_W_V, first);
      if (m.heads[h].b_K.size()) Accumulate(hg.d_b_K, &acc.d_b_K, first);
      if (m.heads[h].b_V.size()) Accumulate(hg.d_b_V, &acc.d_b_V, first);
    }
    if (m.W_O.size()) Accumulate(g.d_W_O, &sum_.d_W_O, first);
    if (m.b_O.size()) Accumulate(g.d_b_O, &sum_.d_b_O, first);
  }
  const double scale = options_.learning_rate / n_examples;
  TrainRecord rec;
  rec.loss = loss / n_examples;
  double gq = 0, gk = 0, gv = 0, mq = 0, mk = 0, mv = 0;
  for (size_t h = 0; h < H; ++h) {
    HeadWeights& w = m.heads[h];
    const HeadWeights& w0 = start_.heads[h];
    const HeadGradients& acc = sum_.heads[h];
    gq += acc.d_W_Q.squaredNorm() / (n_examples * n_examples);
    gk += acc.d_W_K.size() ? acc.d_W_K.squaredNorm() / (n_examples * n_examples) : 0.0;
    gv += acc.d_W_V.size() ? acc.d_W_V.squaredNorm() / (n_examples * n_examples) : 0.0;
    if (!options_.freeze_W_Q) {
      w.W_Q.noalias() -= scale * acc.d_W_Q;
      if (acc.d_b_Q.size()) w.b_Q.noalias() -= scale * acc.d_b_Q;
    }
    if (acc.d_W_K.size() && !options_.freeze_W_K) {
      w.W_K.noalias() -= scale * acc.d_W_K;
      if (acc.d_b_K.size()) w.b_K.noalias() -= scale * acc.d_b_K;
    }
    if (acc.d_W_V.size() && !options_.freeze_W_V) {
      w.W_V.noalias() -= scale * acc.d_W_V;
      if (acc.d_b_V.size()) w.b_V.noalias() -= scale * acc.d_b_V;
    }
    mq += std::pow(Moved(w.W_Q, w0.W_Q), 2);
    mk += std::pow(Moved(w.W_K, w0.W_K), 2);
    mv += std::pow(Moved(w.W_V, w0.W_V), 2);
  }
  if (sum_.d_W_O.size()) {
    rec.grad_W_O = sum_.d_W_O.norm() / n_examples;
    if (!options_.freeze_W_O) {
      m.W_O.noalias() -= scale * sum_.d_W_O;
      if (sum_.d_b_O.size()) m.b_O.noalias() -= scale * sum_.d_b_O;
    }
    rec.moved_W_O = Moved(m.W_O, start_.W_O);
  }
  rec.grad_W_Q = std::sqrt(gq);
  rec.grad_W_K = std::sqrt(gk);
  rec.grad_W_V = std::sqrt(gv);
  rec.moved_W_Q = std::sqrt(mq);
  rec.moved_W_K = std::sqrt(mk);
  rec.moved_W_V = std::sqrt(mv);
  if (static_cast<int>(run->history.size()) < options_.max_history) run->history.push_back(rec);
  return Status::Ok();
}

// --- eval --------------------------------------------------------------------

namespace {

void WriteBlock(const Scenario& s, const Gradients& g, Report* out) {
  out->AddText("estimator", EstimatorName(g.estimator));
  out->AddNumber("temperature", g.temperature);
  out->AddNumber("loss", g.loss);
  out->AddBool("scores_gradient_zero", g.scores_gradient_zero);
  if (!g.note.empty()) out->AddText("note", g.note);
  out->AddMatrix("grad_logits", g.d_logits);
  out->AddMatrix("grad_R", g.d_R);
  out->AddMatrix("grad_Z", g.d_Z);
  if (g.d_W_O.size()) out->AddMatrix("grad_W_O", g.d_W_O);
  if (s.b_O.size()) out->AddNumbers("grad_b_O", g.d_b_O);
  if (g.d_E.size()) {
    out->AddMatrix("grad_E", g.d_E);
    if (g.d_E_input.size()) out->AddMatrix("grad_E_input", g.d_E_input);
    if (g.d_E_unembed.size()) out->AddMatrix("grad_E_unembed", g.d_E_unembed);
  }
  if (g.d_U.size()) out->AddMatrix("grad_unembedding", g.d_U);
  if (g.d_X.size() && s.input == InputMode::kX) out->AddMatrix("grad_X", g.d_X);
  if (g.d_X_kv.size() && s.input == InputMode::kX) out->AddMatrix("grad_X_kv", g.d_X_kv);
  const GradientNorms norms = ComputeNorms(g);
  Report& nr = out->AddSection("norms");
  nr.AddNumber("W_Q", norms.W_Q);
  nr.AddNumber("W_K", norms.W_K);
  nr.AddNumber("W_V", norms.W_V);
  nr.AddNumber("W_O", norms.W_O);
  nr.AddNumber("E", norms.E);
  nr.AddNumber("logits", norms.logits);
  out->AddList("heads");
  for (size_t h = 0; h < g.heads.size(); ++h) {
    const HeadGradients& hg = g.heads[h];
    Report& hr = out->AddListItem("heads");
    hr.AddInteger("kv_head", hg.kv_head);
    hr.AddMatrix("grad_weights", hg.d_P);
    hr.AddMatrix("grad_scores", hg.d_scores);
    if (s.input == InputMode::kQKV) {
      hr.AddMatrix("grad_Q", hg.d_Q);
      hr.AddMatrix("grad_K", hg.d_K);
      hr.AddMatrix("grad_V", hg.d_V);
    } else {
      hr.AddMatrix("grad_W_Q", hg.d_W_Q);
      if (s.heads[h].b_Q.size()) hr.AddNumbers("grad_b_Q", hg.d_b_Q);
      if (hg.kv_leader) {
        hr.AddMatrix("grad_W_K", hg.d_W_K);
        hr.AddMatrix("grad_W_V", hg.d_W_V);
        if (s.heads[h].b_K.size()) hr.AddNumbers("grad_b_K", hg.d_b_K);
        if (s.heads[h].b_V.size()) hr.AddNumbers("grad_b_V", hg.d_b_V);
      }
    }
    if (hg.gumbel_noise.size()) {
      hr.AddMatrix("gumbel_noise", hg.gumbel_noise);
      hr.AddMatrix("soft", hg.soft);
      hr.AddMatrix("weights", g.forward.heads[h].weights);
    }
  }
}

}  // namespace

Status WriteGradientsReport(const Scenario& s, const GradientReportOptions& options, Report* out) {
  Gradients g;
  Status st = ComputeGradients(s, options.base ? *options.base : OptionsForScenario(s), &g);
  if (!st.ok()) return st;
  WriteBlock(s, g, out);
  if (options.ste) {
    GradientOptions o;
    o.estimator = Estimator::kStraightThrough;
    o.temperature = options.ste_temperature;
    if (!(st = ComputeGradients(s, o, &g)).ok()) return st;
    WriteBlock(s, g, &out->AddSection("ste"));
  }
  if (options.gumbel) {
    GradientOptions o;
    o.estimator = Estimator::kGumbelSoftmax;
    o.temperature = options.gumbel_tau;
    o.gumbel_hard = options.gumbel_hard;
    o.gumbel_seed = options.gumbel_seed;
    if (!(st = ComputeGradients(s, o, &g)).ok()) return st;
    Report& gr = out->AddSection("gumbel");
    gr.AddBool("hard", options.gumbel_hard);
    gr.AddInteger("seed", static_cast<long long>(options.gumbel_seed));
    WriteBlock(s, g, &gr);
  }
  return Status::Ok();
}

}  // namespace attnlab
