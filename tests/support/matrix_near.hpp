// Test support: compare matrices and print both, and their difference, on failure.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <sstream>
#include <vector>

#include "attnlab/matrix.hpp"

namespace attnlab::testing {

// Builds a matrix from rows: M({{1, 2}, {3, 4}}).
inline Matrix M(std::initializer_list<std::initializer_list<double>> rows) {
  const Eigen::Index r = static_cast<Eigen::Index>(rows.size());
  const Eigen::Index c = r ? static_cast<Eigen::Index>(rows.begin()->size()) : 0;
  Matrix m(r, c);
  Eigen::Index i = 0;
  for (const auto& row : rows) {
    Eigen::Index j = 0;
    for (double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

inline ::testing::AssertionResult MatrixNear(const char* actual_expr, const char* expected_expr,
                                             const char* /*tol_expr*/, const Matrix& actual,
                                             const Matrix& expected, double tol) {
  std::ostringstream why;
  const Eigen::IOFormat fmt(Eigen::FullPrecision, 0, ", ", "\n", "  [", "]");
  if (actual.rows() != expected.rows() || actual.cols() != expected.cols()) {
    why << actual_expr << " is " << actual.rows() << "x" << actual.cols() << " but " << expected_expr
        << " is " << expected.rows() << "x" << expected.cols() << "\n"
        << actual_expr << " =\n"
        << actual.format(fmt);
    return ::testing::AssertionFailure() << why.str();
  }
  const double err = actual.size() ? (actual - expected).cwiseAbs().maxCoeff() : 0.0;
  if (!(err <= tol)) {
    why << actual_expr << " differs from " << expected_expr << " by up to " << err << " (tolerance " << tol
        << ")\n"
        << actual_expr << " =\n"
        << actual.format(fmt) << "\n"
        << expected_expr << " =\n"
        << expected.format(fmt) << "\ndifference =\n"
        << (actual - expected).format(fmt);
    return ::testing::AssertionFailure() << why.str();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace attnlab::testing

#define EXPECT_MATRIX_NEAR(actual, expected, tol) \
  EXPECT_PRED_FORMAT3(::attnlab::testing::MatrixNear, actual, expected, tol)
#define ASSERT_MATRIX_NEAR(actual, expected, tol) \
  ASSERT_PRED_FORMAT3(::attnlab::testing::MatrixNear, actual, expected, tol)
