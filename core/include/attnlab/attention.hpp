// attnlab core: one head of scaled dot-product attention.
//
//   raw     = Q K^T                                  (n_q, n_k)
//   scores  = scale * raw, masked entries -inf       (n_q, n_k)
//   weights = softmax(scores / T) row-wise           (n_q, n_k)   T = 0: argmax, ties split
//   output  = weights V                              (n_q, d_v)
//
//   Q: (n_q, d_k)   K: (n_k, d_k)   V: (n_k, d_v)
//   scale: none = 1, sqrt_dk = 1 / sqrt(d_k) (the default), or a number.
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

struct HeadResult {
  Matrix Q, K, V;
  double scale = 1.0;     // the factor applied to Q K^T
  Matrix raw_scores;      // Q K^T
  Matrix scores;          // scale * Q K^T, masked entries -inf
  Mask allowed;           // (n_q, n_k)
  Matrix weights;         // P
  Matrix output;          // Z = P V
  std::vector<std::vector<int>> argmax;  // per row: columns sharing the maximum weight
  std::vector<int> fully_masked_rows;
};

// Checks the options alone (temperature, custom scale), naming the field.
Status ValidateAttentionOptions(const AttentionOptions& options);

// Runs one head. Fails (naming `field_prefix` + "Q"/"K"/"V") when the shapes do
// not fit, or "scores" when Q K^T overflows to infinity.
Status Attend(const Matrix& Q, const Matrix& K, const Matrix& V, const AttentionOptions& options,
              HeadResult* out, const std::string& field_prefix = "");
// The same on out->Q, out->K, out->V as they are, reusing every buffer of `out`.
Status AttendInPlace(const AttentionOptions& options, HeadResult* out, const std::string& field_prefix = "");

}  // namespace attnlab
