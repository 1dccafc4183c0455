#include "attnlab/limits.hpp"

#include <algorithm>
#include <cstdio>

#include "attnlab/scenario.hpp"

namespace attnlab {
namespace {

// 33.6e6 -> "33.6 M", 1e10 -> "10 G" (then "FLOP" or " numbers" follows).
std::string Amount(double v) {
  char buf[32];
  if (v >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.4g G", v / 1e9);
  } else if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.4g M", v / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

}  // namespace

ScenarioCost CostOf(const Scenario& s) {
  ScenarioCost c;
  const bool direct = s.input == InputMode::kQKV;
  const double n = SequenceLength(s), n_k = KeyLength(s);
  const double d_model = s.input == InputMode::kTokens ? s.E.cols() : s.input == InputMode::kX ? s.X.cols() : s.Q.cols();
  double sum_dv = 0, qkv_cells = 0, projection = 0;
  const double H = direct ? 1 : static_cast<double>(s.heads.size());
  for (size_t h = 0; h < (direct ? 1 : s.heads.size()); ++h) {
    const HeadWeights& w = s.heads[h];
    const HeadWeights& kv = direct ? w : s.heads[static_cast<size_t>(KvLeader(s, static_cast<int>(h)))];
    const double d_k = direct ? s.Q.cols() : w.W_Q.size() ? w.W_Q.cols() : d_model;
    const double d_v = direct ? s.V.cols() : kv.W_V.size() ? kv.W_V.cols() : d_model;
    if (!direct) {
      projection += 2 * n * d_model * d_k;                                             // Q
      if (&kv == &w) projection += 2 * n_k * d_model * (d_k + d_v);                    // K, V once per K/V head
    }
    c.flops += 2 * n * n_k * (d_k + d_v);
    c.attention_cells += n * n_k;
    qkv_cells += n * d_k + n_k * (d_k + d_v);
    sum_dv += d_v;
  }
  c.flops += projection;
  const double d_r = s.W_O.size() ? s.W_O.cols() : sum_dv;
  const double vocab = s.unembedding == Unembedding::kMatrix ? s.U.cols()
                       : s.unembedding == Unembedding::kTied ? s.E.rows()
                                                             : 0;
  c.flops += (s.W_O.size() ? 2 * n * sum_dv * d_r : 0) + 2 * n * d_r * vocab;  // (no W_O: no product)
  // X; Q, K, V side by side; the top-level scores and weights; Z, R, logits,
  // probs; and each head's own matrices again when there are several.
  const bool cross = !s.kv_tokens.empty() || s.X_kv.size() != 0;
  c.result_cells = (n + (cross ? n_k : 0)) * d_model + qkv_cells + 2 * n * n_k + n * sum_dv + n * d_r + 2 * n * vocab;
  if (H > 1) c.result_cells += qkv_cells + 2 * c.attention_cells + n * sum_dv;
  c.positions = n;
  c.d_model = d_model;
  c.heads = H;
  c.vocabulary = vocab;
  return c;
}

Status CheckScenarioCost(const Scenario& s) {
  if (Status st = CheckPositions(s); !st.ok()) return st;
  if (!s.heads.empty() && s.heads.size() > static_cast<size_t>(kMaxHeads))
    return Status::Error("heads", std::to_string(s.heads.size()) + " heads; attnlab evaluates at most " +
                                      std::to_string(kMaxHeads));
  const ScenarioCost c = CostOf(s);
  // Every Evaluate passes here: the text is made only for a message.
  auto shape = [&c] {
    char buf[160];
    std::snprintf(buf, sizeof buf, "n = %.0f, d_model = %.0f, %.0f head%s, vocabulary %.0f", c.positions, c.d_model,
                  c.heads, c.heads == 1 ? "" : "s", c.vocabulary);
    return std::string(buf);
  };
  const char* input = s.input == InputMode::kTokens ? "tokens" : s.input == InputMode::kX ? "X" : "Q";
  const char* sized = s.heads.size() > 1 ? "heads" : input;
  if (c.attention_cells > kMaxAttentionCells)
    return Status::Error(sized, shape() + ": " + Amount(c.attention_cells) +
                                    " attention weights (heads x n^2); attnlab evaluates at most " +
                                    Amount(kMaxAttentionCells) + " (one head of 2048 positions): use fewer heads or positions");
  if (c.flops > kMaxFlops)
    return Status::Error(input, shape() + ": " + Amount(c.flops) + "FLOP to evaluate; attnlab evaluates at most " +
                                    Amount(kMaxFlops) + "FLOP: use fewer positions or narrower matrices");
  if (c.result_cells > kMaxResultCells)
    return Status::Error(sized, shape() + ": " + Amount(c.result_cells) + " numbers to print; attnlab prints at most " +
                                    Amount(kMaxResultCells) + ": use fewer heads, positions or narrower matrices");
  if (s.loss.positions.size() > static_cast<size_t>(kMaxLossTerms))
    return Status::Error("loss.positions", std::to_string(s.loss.positions.size()) + " positions; at most " +
                                               std::to_string(kMaxLossTerms));
  if (s.loss.targets.size() > static_cast<size_t>(kMaxLossTerms))
    return Status::Error("loss.targets", std::to_string(s.loss.targets.size()) + " targets; at most " +
                                             std::to_string(kMaxLossTerms));
  return Status::Ok();
}

}  // namespace attnlab
