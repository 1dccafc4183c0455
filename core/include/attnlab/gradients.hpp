// attnlab core: reverse-mode gradients through the Attention view's pipeline
// (issue 16), the straight-through and Gumbel-softmax estimators, and SGD on E9.
//
// Forward (scenario.hpp, row-vector convention), and the line of the backward
// pass that differentiates it (d_x = dL/dx, same shape as x):
//
//   X = E[tokens]  (n, d)      X_kv = E[kv_tokens] or X                     (n_k, d)
//     d_E_input[t] += d_X[i] for every position i holding token t (and d_X_kv)
//   Q_h = X W_Q,h + b_Q,h      (n, d_k)
//     d_W_Q,h = X^T d_Q_h     d_b_Q,h = 1^T d_Q_h     d_X += d_Q_h W_Q,h^T
//   K_g = X_kv W_K,g + b_K,g, V_g likewise; g = the K/V group of query head h
//     d_K_g = sum over the query heads h of group g of d_K_h (the same for V):
//     a shared K/V head's gradient is the SUM of its readers' gradients
//     d_W_K,g = X_kv^T d_K_g   d_X_kv += d_K_g W_K,g^T   (the same for V)
//     d_b_K = 1^T d_K = 0 up to round-off: b_K shifts a query's whole row of
//     scores by q . b_K, which softmax ignores (rowsum of d_scores is 0)
//   scores_h = scale Q_h K_h^T, masked entries -inf      (n, n_k)  as `eval` prints them
//     d_Q_h = scale d_scores_h K_h     d_K_h = scale d_scores_h^T Q_h
//   P_h = softmax(scores_h / T) row-wise                  (n, n_k)
//     d_scores_h = (1/T) P_h * (d_P_h - rowsum(d_P_h * P_h))   elementwise: (1/T)(diag p - p p^T) d_p
//     (masked entries and fully masked rows, where P = 0, get exactly 0)
//   Z_h = P_h V_h                                         (n, d_v)
//     d_P_h = d_Z_h V_h^T (every entry: the partial derivative is defined on
//     masked entries too, it just never reaches the scores)   d_V_h = P_h^T d_Z_h
//   Z = [Z_0 ... Z_{H-1}]                                 (n, H d_v)
//   R = Z W_O + b_O                                       (n, d_r)
//     d_W_O = Z^T d_R   d_b_O = 1^T d_R   d_Z = d_R W_O^T
//   logits = R E^T (tied) or R U                          (n, vocab)
//     d_R = d_logits E   d_E_unembed = d_logits^T R       (tied)
//     d_R = d_logits U^T d_U = R^T d_logits              (given U)
//   loss = sum over terms (row r, target t) of -(1-eps) log p_t - (eps/V) sum_j log p_j
//     d_logits[r] += probs[r] - (1-eps) onehot(t) - eps/V      (x 1/terms for the mean)
//   d_E = d_E_input + d_E_unembed: E reaches the loss twice and the paths add,
//   as autograd adds them.
//
// Estimators (what P is in the forward pass, and what the backward pass
// differentiates instead of it):
//   softmax       P = softmax(scores / T), exact gradient (T > 0)
//   argmax        P = argmax, ties split equally (T = 0). P is piecewise
//                 constant in the scores, so d_scores, d_Q, d_K, d_W_Q, d_W_K,
//                 d_b_Q, d_b_K are EXACTLY zero; V and W_O still get gradients
//                 (Z = P V is linear in V). EXERCISES.md erratum: "W_Q, W_K, W_V
//                 never change" holds for W_Q and W_K only.
//   straight-through  forward argmax P; backward as if P were
//                 softmax(scores / T_b):  d_scores = (1/T_b) S * (d_P - rowsum(d_P * S)),
//                 S = softmax(scores / T_b)
//   Gumbel-softmax   g = -log(-log U), U ~ uniform (0, 1) from NormalSampler's
//                 seeded engine (random.hpp), one per (head, query, key) in that
//                 order, masked entries included (so a mask edit shifts no other
//                 sample; a masked entry's g is never used);
//                 y = softmax((scores + g) / tau)                         (soft)
//                 soft: P = y, exact gradient through y.
//                 hard: P = onehot(argmax y) forward, backward through the soft
//                 y: PyTorch's y_hard - y_soft.detach() + y_soft, whose value is
//                 y_hard and whose gradient is y_soft's:
//                 d_scores = (1/tau) y * (d_P - rowsum(d_P * y)), d_P from the hard forward.
//   One temperature drives them: T (softmax), T_b (straight-through), tau (Gumbel).
//
// Gradients of absent parameters: a missing W (the identity) or bias (zero)
// gets the gradient it would have at that value (shown, never applied unless
// the trainer is told to materialise it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attnlab/matrix.hpp"
#include "attnlab/random.hpp"
#include "attnlab/report.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

enum class Estimator { kSoftmax, kArgmax, kStraightThrough, kGumbelSoftmax };
enum class LossReduction { kSum, kMean };  // kSum: the loss the Attention view reports

// "softmax", "argmax", "straight_through", "gumbel_softmax"; false when unknown.
const char* EstimatorName(Estimator e);
bool EstimatorFromName(const std::string& name, Estimator* e);

struct GradientOptions {
  Estimator estimator = Estimator::kSoftmax;
  // T for softmax (0 = argmax), T_b for straight-through, tau for Gumbel; > 0
  // for the last two. For kSoftmax a temperature < 0 means the scenario's own.
  double temperature = -1.0;
  bool gumbel_hard = false;
  std::uint64_t gumbel_seed = 0;
  LossReduction reduction = LossReduction::kSum;
};

// The options for the scenario as it stands: its own temperature, softmax or
// (T = 0) argmax.
GradientOptions OptionsForScenario(const Scenario& s);

struct HeadGradients {
  int kv_head = 0;        // the K/V group this query head reads
  bool kv_leader = true;  // holds its group's W_K, W_V, b_K, b_V (and their gradients)
  // What the backward pass differentiated instead of the forward P: softmax at
  // T or T_b, or Gumbel's soft y (n, n_k). Empty for argmax (nothing to differentiate).
  Matrix soft;
  Matrix gumbel_noise;    // g (n, n_k), Gumbel only
  Matrix d_P;             // dL/dP (n, n_k), dense: d_Z V^T
  Matrix d_scores;        // dL/dscores (n, n_k), 0 on masked entries
  Matrix d_Q, d_K, d_V;   // this query head's own contributions (n, d_k), (n_k, d_k), (n_k, d_v)
  Matrix d_W_Q;           // (d_model, d_k); empty with Q, K, V given directly
  RowVector d_b_Q;        // (1, d_k)
  // Leader only (empty on the group's other heads): sums over the group.
  Matrix d_K_group, d_V_group;  // (n_k, d_k), (n_k, d_v)
  Matrix d_W_K, d_W_V;          // (d_model, d_k), (d_model, d_v)
  RowVector d_b_K, d_b_V;
};

struct Gradients {
  Estimator estimator = Estimator::kSoftmax;
  double temperature = 1.0;  // the one that was used (0 for argmax)
  bool gumbel_hard = false;
  std::uint64_t gumbel_seed = 0;
  Result forward;            // the forward pass the gradients belong to (its P is the estimator's)
  double loss = 0;           // forward.loss (the sum), or its mean with kMean
  // True when P is piecewise constant in the scores (argmax): every gradient
  // through the scores is exactly 0. `note` says why, in words, for the view.
  bool scores_gradient_zero = false;
  std::string note;

  Matrix d_logits;           // (n, vocab)
  Matrix d_R;                // (n, d_r)
  Matrix d_Z;                // (n, H d_v), the heads side by side
  Matrix d_W_O;              // (H d_v, d_r); empty without W_O
  RowVector d_b_O;           // (1, d_r)
  Matrix d_U;                // (d_r, vocab): given unembedding only
  Matrix d_X, d_X_kv;        // inputs (d_X_kv: cross-attention only); empty with Q, K, V given
  Matrix d_E_input;          // (vocab, d_model): through X (and X_kv), token input only
  Matrix d_E_unembed;        // (vocab, d_model): through the tied unembedding
  Matrix d_E;                // their sum; empty when E is no leaf
  std::vector<HeadGradients> heads;
};

// Forward (Evaluate, then the estimator's P) and backward. Fails when the
// scenario does not evaluate, has no loss, or the temperature is invalid.
// `out` keeps its storage from call to call.
Status ComputeGradients(const Scenario& s, const GradientOptions& options, Gradients* out);

// The backward pass alone, from a forward pass `g->forward` of `s` whose heads'
// weights are the estimator's P and whose heads' `soft` (and noise) are set:
// used by ComputeGradients.
Status Backward(const Scenario& s, Gradients* g, LossReduction reduction);

// One row block: d_scores = (1/T) S * (d_P - rowsum(d_P * S)), rows of S that
// are all zero (fully masked) give 0. The softmax Jacobian-vector product.
void SoftmaxBackward(const Matrix& S, const Matrix& d_P, double T, Matrix* d_scores);

// The Gumbel noise g (n_q, n_k) drawn in row-major order from `sampler`.
void SampleGumbel(NormalSampler* sampler, int n_q, int n_k, Matrix* g);

// Frobenius norms of every gradient, for the vanishing-gradient comparison.
// Per head: the head's own W_Q gradient, and its group's W_K, W_V (leaders; 0
// elsewhere).
struct GradientNorms {
  double logits = 0, R = 0, Z = 0, W_O = 0, b_O = 0, E = 0, E_input = 0, E_unembed = 0, X = 0;
  struct Head {
    double P = 0, scores = 0, Q = 0, K = 0, V = 0, W_Q = 0, W_K = 0, W_V = 0, b_Q = 0, b_K = 0, b_V = 0;
  };
  std::vector<Head> heads;
  // Sums over heads (the whole W_Q of a packed model).
  double W_Q = 0, W_K = 0, W_V = 0;
};
GradientNorms ComputeNorms(const Gradients& g);

// The norms as T runs over `temperatures` (each > 0 is softmax at T; 0 is
// argmax; the estimator of `options` applies, its temperature replaced).
struct TemperaturePoint {
  double temperature = 0;
  double loss = 0;
  GradientNorms norms;
};
Status SweepTemperature(const Scenario& s, const GradientOptions& options, const std::vector<double>& temperatures,
                        std::vector<TemperaturePoint>* out);

// --- Training (E9 part 5, issue 16's live loop) ------------------------------
//
// Gradient descent  W <- W - lr dL/dW  for W_Q, W_K, W_V (every head; biases
// with their matrix) and W_O (+ b_O), each one freezable. E is never trained
// (E9's embedding is fixed). Examples: the scenario itself, or `examples`
// sequences of the dedupe-sort task generated from the scenario's vocabulary
// (seeded): k symbols drawn from the vocabulary's first `symbols` entries, then
// <START>, their distinct symbols in vocabulary order, <STOP>; the loss is
// scored on the tokens after <START> by the scenario's convention
// (same_position: row p predicts p; next_token: row p-1 predicts p), as E9.
// A step is one full-batch step: the gradient of the mean over examples of
// each example's loss (summed, or averaged, over its positions).

struct TrainOptions {
  double learning_rate = 0.1;
  bool freeze_W_Q = false, freeze_W_K = false, freeze_W_V = false, freeze_W_O = false;
  LossReduction reduction = LossReduction::kSum;
  double temperature = 1.41421356237309505;  // T (softmax), T_b (STE), tau (Gumbel)
  bool gumbel_hard = false;
  std::uint64_t seed = 1;                    // data and Gumbel noise (step s uses seed + 1 + s)
  int examples = 0;                          // 0 = the scenario's own example
  int min_length = 2, max_length = 5;        // generated: symbols before <START>
  int symbols = 4;                           // generated: the vocabulary's first entries (A..D)
  int max_history = 100000;                  // the history stops growing here
};

// The E9 dedupe-sort sequences (tokens, loss positions and targets) for `s`'s
// vocabulary: fails when it lacks "<START>" and "<STOP>" or `symbols` entries.
struct DedupeSortExample {
  std::vector<std::string> tokens;
  std::vector<int> positions;  // the tokens after <START>
  std::vector<int> targets;    // their vocabulary ids
};
Status MakeDedupeSortExamples(const Scenario& s, const TrainOptions& options, std::vector<DedupeSortExample>* out);

struct TrainRecord {
  double loss = 0;  // before the step, the mean over examples (stochastic for Gumbel)
  // Gradient norms of the step, and distance of each matrix from its start.
  double grad_W_Q = 0, grad_W_K = 0, grad_W_V = 0, grad_W_O = 0;
  double moved_W_Q = 0, moved_W_K = 0, moved_W_V = 0, moved_W_O = 0;
};

// One run per estimator, side by side: Step() advances each enabled run by
// one step; no allocation grows but the histories (reserved up front).
class Trainer {
 public:
  struct Run {
    Estimator estimator = Estimator::kSoftmax;
    bool enabled = true;
    Scenario model;        // the weights as they are now (and the scenario's everything else)
    std::vector<TrainRecord> history;
    Gradients last;        // the last step's gradients on the first example
  };

  // Fails (leaving the trainer as it was) when the scenario does not
  // evaluate, has no loss, or the examples cannot be made.
  Status Reset(const Scenario& s, const TrainOptions& options,
               const std::vector<Estimator>& estimators = {Estimator::kSoftmax, Estimator::kArgmax,
                                                           Estimator::kStraightThrough,
                                                           Estimator::kGumbelSoftmax});
  // Changes taking effect at the next step (learning rate, freezes,
  // temperature, hard): the weights and histories stay.
  void SetOptions(const TrainOptions& options);
  Status Step();
  int steps() const { return steps_; }
  const TrainOptions& options() const { return options_; }
  const std::vector<Run>& runs() const { return runs_; }
  std::vector<Run>& runs() { return runs_; }
  const Run* Find(Estimator e) const;
  const std::vector<DedupeSortExample>& examples() const { return examples_; }

 private:
  Status StepRun(Run* run);
  TrainOptions options_;
  Scenario start_;  // the weights at Reset
  std::vector<DedupeSortExample> examples_;
  std::vector<Run> runs_;
  Scenario work_;   // one example at a time, the run's weights copied in
  Gradients grad_, sum_;
  int steps_ = 0;
};

// The trained weights written back into `s` (heads' W_Q, W_K, W_V, biases,
// W_O, b_O), the rest of `s` unchanged, so that it can be saved and opened in
// the Attention view.
void WriteWeights(const Scenario& trained, Scenario* s);

// --- eval -------------------------------------------------------------------
//
// The view's block: loss, grad_logits, grad_W_O, grad_E, and heads[i] with
// grad_W_Q, grad_W_K, grad_W_V (leaders; the group's sum), grad_scores,
// grad_weights (dL/dP); plus `ste` and `gumbel` sub-blocks, the same keys,
// when asked for. The base block is the scenario as it stands (its own T), or
// `base` when given (the Gradients view: its lab's estimator and T).
struct GradientReportOptions {
  const GradientOptions* base = nullptr;
  bool ste = false;
  double ste_temperature = 1.0;
  bool gumbel = false;
  double gumbel_tau = 1.0;
  bool gumbel_hard = false;
  std::uint64_t gumbel_seed = 0;
};
Status WriteGradientsReport(const Scenario& s, const GradientReportOptions& options, Report* out);

}  // namespace attnlab
