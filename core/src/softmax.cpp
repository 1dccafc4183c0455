#include "attnlab/softmax.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "attnlab/exp.hpp"

namespace attnlab {

namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();
// Ties are looked for in chunks of this many weights, and only in a chunk
// whose largest weight passes the test (most rows: one chunk of one).
constexpr int kTieChunk = 256;

using ConstRow = Eigen::Map<const Eigen::ArrayXd>;
using RowArray = Eigen::Map<Eigen::ArrayXd>;

// Columns j in [begin, end) with allowed(j) whose value v[j] shares the maximum:
// max - v[j] <= kArgmaxRelTol * (largest |v| among them). The one definition
// of a tie; the fast path in SoftmaxRow gives the same columns.
template <class Allowed>
void AddTies(const double* v, int begin, int end, Allowed allowed, ArgmaxSets* out) {
  double best = kMinusInf;
  double magnitude = 0.0;  // the row's largest |v|: round-off in Q K^T is relative to it
  bool any = false;
  for (int j = begin; j < end; ++j) {
    if (!allowed(j)) continue;
    if (!any || v[j] > best) best = v[j];
    magnitude = std::max(magnitude, std::abs(v[j]));
    any = true;
  }
  if (!any) return;
  const double tol = kArgmaxRelTol * magnitude;
  for (int j = begin; j < end; ++j) {
    if (allowed(j) && best - v[j] <= tol) out->Add(j);
  }
}

struct Run {
  int begin, end;
};

Run RowRun(const AllowedKeys& allowed, int i, int n_k) {
  if (allowed.Unrestricted()) return {0, n_k};
  return {allowed.Begin(i), allowed.End(i)};
}

}  // namespace

std::vector<std::vector<int>> ArgmaxSets::ToVectors() const {
  std::vector<std::vector<int>> out(size());
  for (size_t i = 0; i < size(); ++i) out[i] = (*this)[i].ToVector();
  return out;
}

bool SoftmaxRow(const double* s, int n_k, int begin, int end, const SoftmaxOptions& options, double* w,
                ArgmaxSets* argmax) {
  std::fill(w, w + std::min(begin, n_k), 0.0);
  std::fill(w + std::max(end, 0), w + n_k, 0.0);
  if (begin >= end) {
    argmax->EndRow();
    return false;
  }
  const int len = end - begin;
  const double* sr = s + begin;
  double* wr = w + begin;
  RowArray weights(wr, len);
  const double T = options.temperature;
  const auto allowed = [s](int j) { return s[j] != kMinusInf; };  // masked keys are -inf

  if (T == 0.0) {
    // The T -> 0+ limit: equal shares among the tied maxima, which are then
    // also the argmax of the weights (share against 0).
    weights.setZero();
    AddTies(s, begin, end, allowed, argmax);
    const ArgmaxSets::Row top = argmax->Open();
    if (top.empty()) {  // every key of the run is -inf
      argmax->EndRow();
      return false;
    }
    const double share = 1.0 / static_cast<double>(top.size());
    for (int j : top) w[j] = share;
    argmax->EndRow();
    return true;
  }

  if (!options.subtract_max) {
    // Teaching path, written as the naive formula: exp(s / T) overflows to
    // inf for large scores and inf / inf turns the row to NaN.
    for (int j = 0; j < len; ++j) wr[j] = std::exp(sr[j] / T);
    weights /= weights.sum();
    AddTies(w, begin, end, allowed, argmax);
    argmax->EndRow();
    return true;
  }

  // (s - max) / T rather than s / T - max / T: the difference is <= 0, so
  // even T = 1e-300 gives exp(0) = 1 for the maximum and 0 (or a subnormal)
  // for the rest, never inf - inf. A masked key's -inf gives exactly 0.
  const double row_max = ConstRow(sr, len).maxCoeff();
  if (T == 1.0) {
    for (int j = 0; j < len; ++j) wr[j] = VectorExp(sr[j] - row_max);
  } else {
    for (int j = 0; j < len; ++j) wr[j] = VectorExp((sr[j] - row_max) / T);
  }
  const double inv = 1.0 / weights.sum();
  weights *= inv;
  // The maximum weight is exactly inv (see the header), so this is AddTies's
  // test with best = magnitude = inv; a chunk whose largest weight fails it
  // holds no tie, since inv - w is monotone in w.
  const double tol = kArgmaxRelTol * inv;
  for (int c = 0; c < len; c += kTieChunk) {
    const int n = std::min(kTieChunk, len - c);
    if (!(inv - ConstRow(wr + c, n).maxCoeff() <= tol)) continue;
    for (int j = c; j < c + n; ++j) {
      if (inv - wr[j] <= tol) argmax->Add(begin + j);
    }
  }
  argmax->EndRow();
  return true;
}

std::vector<int> ArgmaxColumns(const Matrix& m, int row, const AllowedKeys& allowed) {
  ArgmaxSets one;
  const Run run = RowRun(allowed, row, static_cast<int>(m.cols()));
  AddTies(m.row(row).data(), run.begin, run.end, [&](int j) { return allowed(row, j); }, &one);
  return one.Open().ToVector();
}

ArgmaxSets ArgmaxPerRow(const Matrix& weights, const AllowedKeys& allowed) {
  ArgmaxSets out;
  out.Reserve(static_cast<size_t>(weights.rows()));
  const int n_k = static_cast<int>(weights.cols());
  for (int i = 0; i < weights.rows(); ++i) {
    const Run run = RowRun(allowed, i, n_k);
    const double* v = weights.row(i).data();
    if (allowed.HasDense()) {
      const bool* ok = allowed.DenseRow(i);
      AddTies(v, run.begin, run.end, [ok](int j) { return ok[j]; }, &out);
    } else {
      AddTies(v, run.begin, run.end, [](int) { return true; }, &out);
    }
    out.EndRow();
  }
  return out;
}

Matrix RowSoftmax(const Matrix& scores, const AllowedKeys& allowed, const SoftmaxOptions& options,
                  std::vector<int>* fully_masked_rows) {
  Matrix weights;
  RowSoftmaxInto(scores, allowed, options, &weights, fully_masked_rows);
  return weights;
}

void RowSoftmaxInto(const Matrix& scores, const AllowedKeys& allowed, const SoftmaxOptions& options, Matrix* out,
                    std::vector<int>* fully_masked_rows, ArgmaxSets* argmax) {
  const int n_q = static_cast<int>(scores.rows()), n_k = static_cast<int>(scores.cols());
  assert(allowed.Unrestricted() || (allowed.rows() == n_q && allowed.cols() == n_k));
  out->resize(n_q, n_k);
  ArgmaxSets scratch;
  ArgmaxSets& sets = argmax ? *argmax : scratch;
  sets.Clear();
  sets.Reserve(static_cast<size_t>(n_q));
  // A custom mask with gaps: the row's run is copied with its masked keys set
  // to -inf, as the kernel wants (one buffer for all rows).
  std::vector<double> masked_row(allowed.HasDense() ? static_cast<size_t>(n_k) : 0);
  for (int i = 0; i < n_q; ++i) {
    const Run run = RowRun(allowed, i, n_k);
    const double* s = scores.row(i).data();
    if (allowed.HasDense()) {
      const bool* ok = allowed.DenseRow(i);
      for (int j = run.begin; j < run.end; ++j) masked_row[static_cast<size_t>(j)] = ok[j] ? s[j] : kMinusInf;
      s = masked_row.data();
    }
    if (!SoftmaxRow(s, n_k, run.begin, run.end, options, out->row(i).data(), &sets) && fully_masked_rows) {
      fully_masked_rows->push_back(i);
    }
  }
}

SoftmaxTerms ExplainSoftmaxRow(const Matrix& scores, const AllowedKeys& allowed, int row, double temperature) {
  SoftmaxTerms t;
  const int n_k = static_cast<int>(scores.cols());
  t.exps.assign(n_k, 0.0);
  t.allowed.assign(n_k, false);
  for (int j = 0; j < n_k; ++j) {
    t.allowed[j] = allowed(row, j);
    if (!t.allowed[j]) continue;
    t.row_max = t.any_allowed ? std::max(t.row_max, scores(row, j)) : scores(row, j);
    t.any_allowed = true;
  }
  if (!t.any_allowed) return t;
  if (temperature == 0.0) {
    const std::vector<int> top = ArgmaxColumns(scores, row, allowed);
    for (int j : top) t.exps[j] = 1.0;
    t.ties = static_cast<int>(top.size());
    t.sum = t.ties;
    return t;
  }
  for (int j = 0; j < n_k; ++j) {
    if (!t.allowed[j]) continue;
    t.exps[j] = VectorExp((scores(row, j) - t.row_max) / temperature);  // as the engine computes it
    t.sum += t.exps[j];
  }
  return t;
}

}  // namespace attnlab
