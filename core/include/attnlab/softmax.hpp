// attnlab core: softmax with temperature, and its T -> 0+ limit, argmax.
//
//   weights(i, :) = softmax(scores(i, :) / T)      over the allowed keys of row i
//   T > 0 : exp((s_j - max_allowed s) / T) / sum    (the maximum is subtracted
//           first, so scores of +-1e4 or 1e300 neither overflow nor turn to NaN)
//   T = 0 : the limit T -> 0+: every allowed key whose score ties with the row
//           maximum gets an equal share, the others 0
//   masked keys get exactly 0. A row whose keys are all masked is all zero
//   (the limit of nothing to attend to) and is reported, never NaN.
//
// Ties: s_j ties with the maximum m when m - s_j <= kArgmaxRelTol * max_k |s_k|
// (over the row's allowed keys). Relative to the row's own magnitude, it
// absorbs round-off in Q K^T (exact-arithmetic ties such as 3/4 + 3/4 vs
// 1/2 + 1 stay ties) at any scale, and is far below any real gap: scores of
// [3, 11, 5, 2] * 1e-10 pick the same key as [3, 11, 5, 2].
#pragma once

#include <vector>

#include "attnlab/matrix.hpp"

namespace attnlab {

inline constexpr double kArgmaxRelTol = 1e-9;

struct SoftmaxOptions {
  double temperature = 1.0;  // >= 0; callers validate (Evaluate reports T < 0)
  // Teaching switch: skip the max subtraction, so large scores overflow to
  // inf and the row turns to NaN, as a naive implementation would.
  bool subtract_max = true;
};

// scores: (n_q, n_k); allowed: (n_q, n_k) or empty for "all allowed".
// Appends to `fully_masked_rows` (if given) each row with no allowed key.
Matrix RowSoftmax(const Matrix& scores, const Mask& allowed, const SoftmaxOptions& options,
                  std::vector<int>* fully_masked_rows = nullptr);
// The same into `weights`, reusing its storage (the window recomputes every edit).
void RowSoftmaxInto(const Matrix& scores, const Mask& allowed, const SoftmaxOptions& options, Matrix* weights,
                    std::vector<int>* fully_masked_rows = nullptr);

// Columns of `m`'s row `row` that share that row's maximum within
// kArgmaxRelTol, among the allowed ones (`allowed` may be empty = all).
// Empty when the row has no allowed column.
std::vector<int> ArgmaxColumns(const Matrix& m, int row, const Mask& allowed);

// Columns sharing each row's maximum WEIGHT (for outlining the selection).
std::vector<std::vector<int>> ArgmaxPerRow(const Matrix& weights, const Mask& allowed);

// The numbers behind one weight, for showing a student how it was computed:
//   weight(row, j) = exps[j] / sum,  exps[j] = exp((scores(row, j) - row_max) / T)
// At T = 0, exps[j] is 1 for each of the `ties` tied maxima and 0 elsewhere.
// Masked keys have exps[j] = 0 and allowed[j] = false.
struct SoftmaxTerms {
  double row_max = 0;
  double sum = 0;
  int ties = 0;  // T = 0 only: how many keys share the maximum
  std::vector<double> exps;
  std::vector<bool> allowed;
  bool any_allowed = false;
};
SoftmaxTerms ExplainSoftmaxRow(const Matrix& scores, const Mask& allowed, int row, double temperature);

}  // namespace attnlab
