// attnlab core: one head of scaled dot-product attention.
//
//   raw     = Q K^T                                  (n_q, n_k)
//   scores  = scale * raw, masked entries -inf       (n_q, n_k)
//   weights = softmax(scores / T) row-wise           (n_q, n_k)   T = 0: argmax, ties split
//   output  = weights V                              (n_q, d_v)
//
//   Q: (n_q, d_k)   K: (n_k, d_k)   V: (n_k, d_v)
//   scale: none = 1, sqrt_dk = 1 / sqrt(d_k) (the default), or a number.
//
// How it runs (one pass, blocks of kAttendBlockRows queries): for each block,
// Q_block K_span^T goes straight into `scores`, where span is the keys the
// block's mask runs reach (all keys without a mask, the first r1 for causal
// rows below r1: masked blocks are neither multiplied nor exponentiated); each
// row is then scaled, masked and softmaxed in place while it is in cache
// (softmax.hpp), and output_block = P_block,span V_span. The only (n_q, n_k)
// matrices are the two a HeadResult keeps; nothing is copied.
//
// What stays alive, and why (the budget is two (n_q, n_k) doubles per head,
// 64 MiB at 2048 positions):
//   scores   what the panels, `eval` and the temperature lab show;
//   weights  P: shown, and what a backward pass needs (with Q, K, V, scale
//            and T: d_scores = P * (d_P - rowsum(d_P * P)) / T, elementwise);
//   allowed  the mask as runs (mask.hpp): 8 bytes a query (plus n_q n_k
//            booleans only for a custom mask with a gap in some row);
//   argmax   flat, a few ints a row.
// Q K^T itself is not kept (it is scores / scale on the allowed keys):
// RawScore / RawScores recompute it for the step mode's panels and the
// explanations, which show it before the mask.
// Overflow: Q K^T or scale * Q K^T that is not finite on a key the mask lets a
// query see (for a custom mask: between its first and last allowed key) is an
// error; a masked score is never used, so it may be anything.
#pragma once

#include <string>
#include <vector>

#include "attnlab/mask.hpp"
#include "attnlab/matrix.hpp"
#include "attnlab/softmax.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

enum class ScaleKind { kNone, kInvSqrtDk, kCustom };

struct ScaleSpec {
  ScaleKind kind = ScaleKind::kInvSqrtDk;
  double value = 1.0;  // kCustom only
  double Factor(int d_k) const;
};

struct AttentionOptions {
  ScaleSpec scale;
  double temperature = 1.0;  // 0 = argmax (ties split equally); < 0 is an error
  MaskSpec mask;
  bool naive_softmax = false;  // teaching: no max subtraction (see softmax.hpp)
};

// Queries per block of the forward pass: a block of scores (64 x 2048
// doubles = 1 MiB) stays in the L2 cache from its product to P V.
inline constexpr int kAttendBlockRows = 64;

struct HeadResult {
  Matrix Q, K, V;
  double scale = 1.0;     // the factor applied to Q K^T
  Matrix scores;          // scale * Q K^T, masked entries -inf          (n_q, n_k)
  AllowedKeys allowed;    // runs of allowed keys per query (mask.hpp)   (n_q, n_k)
  Matrix weights;         // P                                           (n_q, n_k)
  Matrix output;          // Z = P V                                     (n_q, d_v)
  ArgmaxSets argmax;      // per row: columns sharing the maximum weight
  std::vector<int> fully_masked_rows;
};

// Q K^T at (i, j), masked or not, for a head that Attend filled: the dot
// product of query i and key j (the engine's blocked product may round its
// last bit differently; scale * it is scores(i, j) up to that round-off).
double RawScore(const HeadResult& head, int i, int j);
// All of Q K^T (n_q, n_k), into `raw` (its storage reused).
void RawScores(const HeadResult& head, Matrix* raw);

// Checks the options alone (temperature, custom scale), naming the field.
Status ValidateAttentionOptions(const AttentionOptions& options);

// Runs one head. Fails (naming `field_prefix` + "Q"/"K"/"V") when the shapes do
// not fit, or "scores" when Q K^T overflows to infinity.
Status Attend(const Matrix& Q, const Matrix& K, const Matrix& V, const AttentionOptions& options,
              HeadResult* out, const std::string& field_prefix = "");
// The same on out->Q, out->K, out->V as they are, reusing every buffer of `out`.
Status AttendInPlace(const AttentionOptions& options, HeadResult* out, const std::string& field_prefix = "");

}  // namespace attnlab
