// attnlab core: multi-head, grouped-query and multi-query attention (E3, E4).
//
// Row-vector convention (attnlab's: a PyTorch Linear's `weight` is our W^T):
//
//   Q = X_q  W_Q + b_Q     (n_q, h d_k)     W_Q: (d_model, h d_k)   b_Q: (1, h d_k)
//   K = X_kv W_K + b_K     (n_k, g d_k)     W_K: (d_model, g d_k)   b_K: (1, g d_k)
//   V = X_kv W_V + b_V     (n_k, g d_v)     W_V: (d_model, g d_v)   b_V: (1, g d_v)
//
//   h = num_heads query heads, g = n_kv_heads key/value heads, g divides h:
//     g = h  multi-head (MHA, nn.MultiheadAttention)
//     1<g<h  grouped-query (GQA): query head i uses K/V head i / (h / g)
//     g = 1  multi-query (MQA): every query head shares one K and one V
//
//   The split is a reshape, as in the homework's split_heads (b = batch):
//     (b, n, h d_k) -> (b, n, h, d_k) -> (b, h, n, d_k)   (head i = columns [i d_k, (i+1) d_k))
//   head i:  P_i = softmax((scale Q_i K_{kv(i)}^T + mask) / T)     (n_q, n_k)
//            O_i = P_i V_{kv(i)}                                  (n_q, d_v)
//   combine: (b, h, n, d_v) -> (b, n, h, d_v) -> (b, n, h d_v) = concat [O_0 ... O_{h-1}]
//   Y = concat W_O + b_O   (n_q, d_out)   W_O: (h d_v, d_out), usually d_out = d_model
//   avg_weights = (1/h) sum_i P_i: what nn.MultiheadAttention returns with
//   average_attn_weights=True.
//
// Self-attention: X_q = X_kv = X. Cross-attention: X_q and X_kv differ, and so
// may n_q and n_k.
//
// In a scenario (scenario.hpp) the same weights are written as a list of heads
// (query head i's W_Q, b_Q, and, on the first head of each K/V group, W_K, W_V,
// b_K, b_V) plus n_kv_heads; PackHeads joins that list into the packed
// matrices above and SetHeadLayout re-splits it when h, g, d_k or d_v change.
#pragma once

#include <string>
#include <vector>

#include "attnlab/attention.hpp"
#include "attnlab/matrix.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

struct Scenario;

// The K/V head that query head `head` reads (g divides h; an invalid g, which
// Evaluate refuses, gives the head itself rather than a division by zero).
inline int KvHeadOf(int head, int num_heads, int n_kv_heads) {
  const int per_group = n_kv_heads > 0 ? num_heads / n_kv_heads : 0;
  return per_group > 0 ? head / per_group : head;
}

struct HeadLayout {
  int num_heads = 1;   // h
  int n_kv_heads = 1;  // g
  int d_k = 0;         // per head, Q and K
  int d_v = 0;         // per head, V
  bool operator==(const HeadLayout& o) const {
    return num_heads == o.num_heads && n_kv_heads == o.n_kv_heads && d_k == o.d_k && d_v == o.d_v;
  }
};

struct MultiHeadWeights {
  HeadLayout layout;
  int d_model = 0;
  Matrix W_Q, W_K, W_V;           // packed, always present (an identity is written out)
  Matrix W_O;                     // (h d_v, d_out); empty = none, Y = concat
  RowVector b_Q, b_K, b_V, b_O;   // empty = no bias
};

struct MultiHeadResult {
  Matrix Q, K, V;                 // packed projections: (n_q, h d_k), (n_k, g d_k), (n_k, g d_v)
  std::vector<HeadResult> heads;  // h query heads; head i's K, V are K/V head kv(i)'s
  Matrix avg_weights;             // (n_q, n_k)
  Matrix concat;                  // (n_q, h d_v)
  Matrix Y;                       // concat W_O + b_O, or concat
};

// Checks shapes (d_model rows, widths divisible by the layout, biases' lengths,
// W_O's rows = h d_v), naming the field ("W_Q", "b_K", "W_O") and the shapes.
Status CheckMultiHeadWeights(const MultiHeadWeights& w);

// The whole forward pass above, one head at a time through Attend (mask,
// scale, temperature and argmax as in attention.hpp, per head).
Status MultiHeadForward(const MultiHeadWeights& w, const Matrix& X_q, const Matrix& X_kv,
                        const AttentionOptions& options, MultiHeadResult* out);

// The scenario's heads as packed weights for inputs of width d_model (an
// absent W is the identity of that width). Fails naming the head's field.
Status PackHeads(const Scenario& s, int d_model, MultiHeadWeights* out);

// The layout the scenario's heads have now (d_k, d_v of head 0; identity
// projections have width d_model).
HeadLayout CurrentLayout(const Scenario& s, int d_model);

// Re-splits the scenario's heads to `want`, keeping the numbers where they
// carry over: the packed W_Q, W_K, W_V keep their columns when only h changes
// (as nn.MultiheadAttention's in_proj does); a narrower d_k or d_v drops each
// head's last columns and a wider one adds zero columns; fewer query heads
// drop the last ones and more append copies of the first ones; fewer K/V heads
// are the mean of the K/V heads they merge (GQA's uptraining recipe), more are
// copies of the group each query head read. W_O is left as it is: when h d_v changes, Evaluate names the
// mismatch and FixOutputProjection is the one-click fix. `*what` says, in
// words, what changed. Fails, changing nothing, when g does not divide h, a
// width is < 1, or the scenario has no model input (Q, K, V given directly).
Status SetHeadLayout(Scenario* s, const HeadLayout& want, std::string* what);

// E3(b)'s fix: W_O gets as many rows as the combined heads are wide (h d_v),
// keeping its rows that still fit and adding zero rows, so that the output has
// the residual's width again. False, changing nothing, when W_O already fits
// (or there is none); `*what` says what changed.
bool FixOutputProjection(Scenario* s, std::string* what);

// The width of the heads' outputs side by side (sum of d_v; identity W_V is
// d_model wide), and d_model (0 when Q, K, V are given directly).
int ConcatWidth(const Scenario& s);
int ModelWidth(const Scenario& s);

}  // namespace attnlab
