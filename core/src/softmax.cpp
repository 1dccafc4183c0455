#include "attnlab/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnlab {

namespace {

bool Allowed(const Mask& allowed, int i, int j) { return allowed.size() == 0 || allowed(i, j); }

}  // namespace

std::vector<int> ArgmaxColumns(const Matrix& m, int row, const Mask& allowed) {
  std::vector<int> columns;
  double best = -std::numeric_limits<double>::infinity();
  double magnitude = 0.0;  // the row's largest |s|: round-off in Q K^T is relative to it
  bool any = false;
  for (int j = 0; j < m.cols(); ++j) {
    if (!Allowed(allowed, row, j)) continue;
    if (!any || m(row, j) > best) best = m(row, j);
    magnitude = std::max(magnitude, std::abs(m(row, j)));
    any = true;
  }
  if (!any) return columns;
  const double tol = kArgmaxRelTol * magnitude;
  for (int j = 0; j < m.cols(); ++j) {
    if (Allowed(allowed, row, j) && best - m(row, j) <= tol) columns.push_back(j);
  }
  return columns;
}

std::vector<std::vector<int>> ArgmaxPerRow(const Matrix& weights, const Mask& allowed) {
  std::vector<std::vector<int>> out(weights.rows());
  for (int i = 0; i < weights.rows(); ++i) out[i] = ArgmaxColumns(weights, i, allowed);
  return out;
}

Matrix RowSoftmax(const Matrix& scores, const Mask& allowed, const SoftmaxOptions& options,
                  std::vector<int>* fully_masked_rows) {
  Matrix weights;
  RowSoftmaxInto(scores, allowed, options, &weights, fully_masked_rows);
  return weights;
}

void RowSoftmaxInto(const Matrix& scores, const Mask& allowed, const SoftmaxOptions& options, Matrix* out,
                    std::vector<int>* fully_masked_rows) {
  const Eigen::Index n_q = scores.rows(), n_k = scores.cols();
  Matrix& weights = *out;
  weights.setZero(n_q, n_k);
  const bool masked = allowed.size() != 0;
  const double T = options.temperature;
  constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

  for (Eigen::Index i = 0; i < n_q; ++i) {
    const bool any = !masked || allowed.row(i).any();
    if (!any) {
      if (fully_masked_rows) fully_masked_rows->push_back(static_cast<int>(i));
      continue;  // nothing to attend to: the row stays all zero
    }
    if (T == 0.0) {
      // The T -> 0+ limit: equal shares among the tied maxima.
      const std::vector<int> top = ArgmaxColumns(scores, static_cast<int>(i), allowed);
      const double share = 1.0 / static_cast<double>(top.size());
      for (int j : top) weights(i, j) = share;
      continue;
    }
    auto w = weights.row(i).array();
    if (!options.subtract_max) {
      // Teaching path, written as the naive formula: exp(s / T) overflows to
      // inf for large scores and inf / inf turns the row to NaN.
      for (Eigen::Index j = 0; j < n_k; ++j)
        if (!masked || allowed(i, j)) w(j) = std::exp(scores(i, j) / T);
      w /= w.sum();
      continue;
    }
    // (s - max) / T rather than s / T - max / T: the difference is <= 0, so
    // even T = 1e-300 gives exp(0) = 1 for the maximum and an underflow (to
    // about 0: Eigen's vectorised exp stops at 5.6e-309) for the rest, never
    // inf - inf. Masked keys are set to exactly 0 by the select.
    if (masked) {
      const auto ok = allowed.row(i);
      const double row_max = ok.select(scores.row(i).array(), kMinusInf).maxCoeff();
      w = ok.select(((scores.row(i).array() - row_max) / T).exp(), 0.0);
    } else {
      const double row_max = scores.row(i).maxCoeff();
      w = ((scores.row(i).array() - row_max) / T).exp();
    }
    w /= w.sum();
  }
}

SoftmaxTerms ExplainSoftmaxRow(const Matrix& scores, const Mask& allowed, int row, double temperature) {
  SoftmaxTerms t;
  const int n_k = static_cast<int>(scores.cols());
  t.exps.assign(n_k, 0.0);
  t.allowed.assign(n_k, false);
  for (int j = 0; j < n_k; ++j) {
    t.allowed[j] = Allowed(allowed, row, j);
    if (!t.allowed[j]) continue;
    t.row_max = t.any_allowed ? std::max(t.row_max, scores(row, j)) : scores(row, j);
    t.any_allowed = true;
  }
  if (!t.any_allowed) return t;
  if (temperature == 0.0) {
    for (int j : ArgmaxColumns(scores, row, allowed)) t.exps[j] = 1.0;
    t.ties = static_cast<int>(ArgmaxColumns(scores, row, allowed).size());
    t.sum = t.ties;
    return t;
  }
  for (int j = 0; j < n_k; ++j) {
    if (!t.allowed[j]) continue;
    t.exps[j] = std::exp((scores(row, j) - t.row_max) / temperature);
    t.sum += t.exps[j];
  }
  return t;
}

}  // namespace attnlab
