// attnlab core: what one evaluation may cost, so that any file attnlab accepts
// is evaluated in bounded time and memory (README, "Limits").
//
// Limits are by cost, not one number per field: a scenario's cost is
//   flops           = 2 n d_model sum_h d_k                 Q projections
//                   + 2 n_k d_model sum_g (d_k + d_v)      K, V: once per K/V head (GQA, MQA)
//                   + 2 sum_h n n_k (d_k + d_v)            Q K^T and P V
//                   + 2 n (sum_h d_v) d_r + 2 n d_r V      W_O (when given) and the logits
//   attention cells = sum_h n n_k                           scores and weights per head
//   result cells    = every number `attnlab eval` prints   (X, Q, K, V, scores, weights,
//                     per-head matrices, Z, R, logits, probs)
// with n query positions, n_k keys (n for self-attention), H heads of widths d_k, d_v, d_r = width of R, V = vocabulary.
// Each has a ceiling below; per-field ceilings (positions, widths, heads, loss
// positions) stay as plain bounds that name their field.
#pragma once

#include <string>

#include "attnlab/status.hpp"

namespace attnlab {

struct Scenario;

inline constexpr double kMaxFlops = 1e10;                   // about 0.3 s of matrix products
inline constexpr double kMaxAttentionCells = 2048.0 * 2048;  // one head at N = 2048, 4 at 1024, 16 at 512
inline constexpr double kMaxResultCells = 10e6;             // what eval prints: about 140 MB of JSON, 1.5 s
inline constexpr int kMaxHeads = 64;
inline constexpr int kMaxLossTerms = 2048;                  // loss positions and targets
inline constexpr size_t kMaxShortName = 40;                 // a scenario's "name", for lists
inline constexpr size_t kMaxPresentationPanels = 32;        // per view, in "presentation"
inline constexpr size_t kMaxPracticeSheets = 64;            // answered quantities kept in "practice"
inline constexpr int kMaxPracticeCells = 400;               // cells of one: 20 x 20 is past any hand calculation

struct ScenarioCost {
  double flops = 0;
  double attention_cells = 0;
  double result_cells = 0;
  double positions = 0, d_model = 0, heads = 0, vocabulary = 0;  // the shape it was counted for
};

// The nominal cost of evaluating `s` (shapes as given; a mismatch is found later).
ScenarioCost CostOf(const Scenario& s);

// Fails when a cost is over its ceiling, naming the input that sets the size
// ("tokens", "X", "Q" or "heads") and the numbers.
Status CheckScenarioCost(const Scenario& s);

}  // namespace attnlab
