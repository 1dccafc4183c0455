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

#include <cstddef>
#include <vector>

#include "attnlab/mask.hpp"
#include "attnlab/matrix.hpp"

namespace attnlab {

inline constexpr double kArgmaxRelTol = 1e-9;

struct SoftmaxOptions {
  double temperature = 1.0;  // >= 0; callers validate (Evaluate reports T < 0)
  // Teaching switch: skip the max subtraction, so large scores overflow to
  // inf and the row turns to NaN, as a naive implementation would.
  bool subtract_max = true;
};

// Per row, the columns sharing the row's maximum (outlined in the window,
// printed by `attnlab eval`). Stored flat, row after row, so that filling it
// allocates nothing per row: row i's columns are argmax[i].
class ArgmaxSets {
 public:
  // One row's columns, ascending; compares equal to a std::vector<int>.
  class Row {
   public:
    using value_type = int;
    using const_iterator = const int*;
    using iterator = const int*;
    Row(const int* first, const int* last) : first_(first), last_(last) {}
    const int* begin() const { return first_; }
    const int* end() const { return last_; }
    size_t size() const { return static_cast<size_t>(last_ - first_); }
    bool empty() const { return first_ == last_; }
    int operator[](size_t k) const { return first_[k]; }
    std::vector<int> ToVector() const { return std::vector<int>(first_, last_); }
    friend bool operator==(const Row& a, const std::vector<int>& b) { return a.ToVector() == b; }
    friend bool operator==(const std::vector<int>& a, const Row& b) { return b == a; }

   private:
    const int* first_;
    const int* last_;
  };

  size_t size() const { return offsets_.size() - 1; }  // rows
  Row operator[](size_t i) const {
    return Row(columns_.data() + offsets_[i], columns_.data() + offsets_[i + 1]);
  }
  std::vector<std::vector<int>> ToVectors() const;

  // Filling, row after row: Add the row's columns, then EndRow.
  void Clear() {
    offsets_.assign(1, 0);
    columns_.clear();
  }
  void Reserve(size_t rows) {
    offsets_.reserve(rows + 1);
    columns_.reserve(rows);
  }
  void Add(int column) { columns_.push_back(column); }
  void EndRow() { offsets_.push_back(static_cast<int>(columns_.size())); }
  // The columns added since the last EndRow.
  Row Open() const { return Row(columns_.data() + offsets_.back(), columns_.data() + columns_.size()); }

  friend bool operator==(const ArgmaxSets& a, const ArgmaxSets& b) {
    return a.offsets_ == b.offsets_ && a.columns_ == b.columns_;
  }

 private:
  std::vector<int> offsets_{0};  // row i: columns_[offsets_[i] .. offsets_[i + 1])
  std::vector<int> columns_;
};

// scores: (n_q, n_k); allowed: AllowedKeys() (every key) or (n_q, n_k).
// Appends to `fully_masked_rows` (if given) each row with no allowed key.
Matrix RowSoftmax(const Matrix& scores, const AllowedKeys& allowed, const SoftmaxOptions& options,
                  std::vector<int>* fully_masked_rows = nullptr);
// The same into `weights`, reusing its storage; `argmax` (if given) receives
// each row's columns sharing the maximum weight, as ArgmaxPerRow finds them.
void RowSoftmaxInto(const Matrix& scores, const AllowedKeys& allowed, const SoftmaxOptions& options, Matrix* weights,
                    std::vector<int>* fully_masked_rows = nullptr, ArgmaxSets* argmax = nullptr);

// The row kernel under both (and under Attend, which calls it between its
// matrix products): one row of n_k scores `s`, of which only the run
// [begin, end) is read; a masked key inside the run must be -inf. Writes all
// n_k weights `w` (0 outside the run) and one row of `argmax`. Returns false,
// leaving w all 0 and the argmax row empty, when the run is empty.
bool SoftmaxRow(const double* s, int n_k, int begin, int end, const SoftmaxOptions& options, double* w,
                ArgmaxSets* argmax);

// Columns of `m`'s row `row` that share that row's maximum within
// kArgmaxRelTol, among the allowed ones. Empty when the row has no allowed column.
std::vector<int> ArgmaxColumns(const Matrix& m, int row, const AllowedKeys& allowed);

// Columns sharing each row's maximum WEIGHT, row by row as ArgmaxColumns finds them.
ArgmaxSets ArgmaxPerRow(const Matrix& weights, const AllowedKeys& allowed);

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
SoftmaxTerms ExplainSoftmaxRow(const Matrix& scores, const AllowedKeys& allowed, int row, double temperature);

}  // namespace attnlab
