// Softmax with temperature, its T -> 0+ limit (argmax with ties split), masks,
// stability, and the argmax tie tolerance. Expected values are closed forms
// (e^k / sum) computed here, or the E7 exercise's hand-derived limits.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "attnlab/exp.hpp"
#include "attnlab/softmax.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

using testing::M;

Matrix Softmax(const Matrix& scores, double T, const Mask& allowed = Mask()) {
  SoftmaxOptions o;
  o.temperature = T;
  return RowSoftmax(scores, allowed, o);
}

// exp(z_j / T) / sum_k exp(z_k / T), written out with no max subtraction: only
// for scores small enough that this cannot overflow.
Matrix ReferenceSoftmax(const Matrix& z, double T) {
  Matrix out(z.rows(), z.cols());
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    double sum = 0;
    for (Eigen::Index j = 0; j < z.cols(); ++j) sum += std::exp(z(i, j) / T);
    for (Eigen::Index j = 0; j < z.cols(); ++j) out(i, j) = std::exp(z(i, j) / T) / sum;
  }
  return out;
}

TEST(Softmax, RowsSumToOne) {
  const Matrix z = M({{1, 2, 3, 4}, {-3, 0.5, 0.25, 10}, {0, 0, 0, 0}, {-100, 7, -2, 1e-3}});
  for (double T : {1e-3, 0.1, 1.0, 3.0, 1e6}) {
    const Matrix w = Softmax(z, T);
    ASSERT_EQ(w.rows(), 4);
    ASSERT_EQ(w.cols(), 4);
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      EXPECT_NEAR(w.row(i).sum(), 1.0, 1e-14) << "row " << i << " at T = " << T;
      EXPECT_GE(w.row(i).minCoeff(), 0.0) << "row " << i << " at T = " << T;
    }
  }
}

TEST(Softmax, RowsWithMaskSumToOneOverAllowedKeys) {
  const Matrix z = M({{1, 2, 3}, {4, -1, 0}});
  Mask allowed(2, 3);
  allowed << true, false, true, false, true, true;
  const Matrix w = Softmax(z, 1.0, allowed);
  EXPECT_NEAR(w.row(0).sum(), 1.0, 1e-15);
  EXPECT_NEAR(w.row(1).sum(), 1.0, 1e-15);
  // Row 0 over keys {0, 2}: e^1 / (e^1 + e^3), e^3 / (e^1 + e^3).
  EXPECT_NEAR(w(0, 0), std::exp(1.0) / (std::exp(1.0) + std::exp(3.0)), 1e-15);
  EXPECT_NEAR(w(0, 2), std::exp(3.0) / (std::exp(1.0) + std::exp(3.0)), 1e-15);
}

TEST(Softmax, KnownValueOfOneTwoThree) {
  const double e1 = std::exp(1.0), e2 = std::exp(2.0), e3 = std::exp(3.0);
  const double sum = e1 + e2 + e3;
  const Matrix w = Softmax(M({{1, 2, 3}}), 1.0);
  EXPECT_MATRIX_NEAR(w, M({{e1 / sum, e2 / sum, e3 / sum}}), 1e-15);
  // The well-known rounded values, as a sanity check of the closed form itself.
  EXPECT_NEAR(w(0, 0), 0.09003057, 1e-8);
  EXPECT_NEAR(w(0, 1), 0.24472847, 1e-8);
  EXPECT_NEAR(w(0, 2), 0.66524096, 1e-8);
}

TEST(Softmax, TemperatureDividesTheScores) {
  const Matrix z = M({{1, 2, 3}, {0.5, -0.5, 4}});
  for (double T : {0.25, 0.5, 2.0, 7.0}) {
    EXPECT_MATRIX_NEAR(Softmax(z, T), ReferenceSoftmax(z, T), 1e-14);
  }
}

// E7 at T = 0 (the T -> 0+ limit): argmax with ties split equally.
TEST(Softmax, E7DescendingScoresGoToOneHotAtZeroTemperature) {
  EXPECT_MATRIX_NEAR(Softmax(M({{4, 3, 2, 1}}), 0.0), M({{1, 0, 0, 0}}), 0.0);
}

TEST(Softmax, E7MaximumInTheMiddleGoesToOneHotAtZeroTemperature) {
  EXPECT_MATRIX_NEAR(Softmax(M({{1, -2, 5, 0}}), 0.0), M({{0, 0, 1, 0}}), 0.0);
}

TEST(Softmax, E7TiedMaximaSplitEquallyAtZeroTemperature) {
  EXPECT_MATRIX_NEAR(Softmax(M({{5, -2, 5, 0}}), 0.0), M({{0.5, 0, 0.5, 0}}), 0.0);
}

TEST(Softmax, E7ConstantScoresAreUniformAtEveryTemperature) {
  for (double a : {-7.5, -1.0, 0.0, 2.0, 3.25, 1e3}) {
    for (double T : {0.0, 0.01, 1.0, 100.0, 1e6}) {
      const Matrix w = Softmax(M({{a, a, a, a}}), T);
      EXPECT_MATRIX_NEAR(w, M({{0.25, 0.25, 0.25, 0.25}}), 1e-15) << "a = " << a << ", T = " << T;
    }
  }
}

TEST(Softmax, SmallPositiveTemperatureApproachesTheZeroLimit) {
  const Matrix z = M({{4, 3, 2, 1}, {1, -2, 5, 0}, {5, -2, 5, 0}, {2, 2, 2, 2}});
  const Matrix limit = M({{1, 0, 0, 0}, {0, 0, 1, 0}, {0.5, 0, 0.5, 0}, {0.25, 0.25, 0.25, 0.25}});
  EXPECT_MATRIX_NEAR(Softmax(z, 1e-3), limit, 1e-12);
  // And the distance to the limit shrinks as T does: the gap-1 row at T = 0.1
  // is e^-10-ish away, at T = 0.05 e^-20-ish.
  const double d1 = (Softmax(z, 0.1) - limit).cwiseAbs().maxCoeff();
  const double d2 = (Softmax(z, 0.05) - limit).cwiseAbs().maxCoeff();
  EXPECT_GT(d1, 0.0);
  EXPECT_LT(d2, d1);
  // The largest gap is row (4,3,2,1): 1 - w_0 = (e^-10 + e^-20 + e^-30) / (1 + e^-10 + ...) ~ e^-10.
  EXPECT_NEAR(d1, std::exp(-10.0), 1e-3 * std::exp(-10.0));
}

TEST(Softmax, LargeTemperatureApproachesUniform) {
  const Matrix z = M({{4, 3, 2, 1}, {1, -2, 5, 0}});
  const Matrix uniform = Matrix::Constant(2, 4, 0.25);
  const double d_100 = (Softmax(z, 100.0) - uniform).cwiseAbs().maxCoeff();
  const double d_1e6 = (Softmax(z, 1e6) - uniform).cwiseAbs().maxCoeff();
  // To first order w_j = (1 + (z_j - mean z) / T) / 4; the largest |z_j - mean z|
  // is 4 (row 2: 5 - 1), so the distance to uniform is about 4 / (4 T) = 1 / T.
  EXPECT_LT(d_100, 1.5 / 100);
  EXPECT_GT(d_100, 0.5 / 100);
  EXPECT_LT(d_1e6, 1.5e-6);
  EXPECT_GT(d_1e6, 0.5e-6);  // not exactly uniform at finite T for non-constant scores
}

TEST(Softmax, NoComponentIsExactlyZeroForPositiveTemperature) {
  const Matrix z = M({{4, 3, 2, 1}, {1, -2, 5, 0}, {5, -2, 5, 0}, {20, -20, 0, 3}});
  for (double T : {0.1, 0.5, 1.0, 10.0, 1e4}) {
    const Matrix w = Softmax(z, T);
    for (Eigen::Index i = 0; i < w.rows(); ++i)
      for (Eigen::Index j = 0; j < w.cols(); ++j)
        EXPECT_GT(w(i, j), 0.0) << "(" << i << ", " << j << ") at T = " << T;
  }
}

TEST(Softmax, HugeScoresOfTenThousandStayFiniteWithTheRightLimit) {
  const Matrix z = M({{1e4, -1e4, 0}, {1e4, 1e4 - 1, -1e4}, {-1e4, -1e4, -1e4}});
  const Matrix w = Softmax(z, 1.0);
  ASSERT_TRUE(w.allFinite()) << w;
  const double p = 1.0 / (1.0 + std::exp(-1.0));  // e^0 / (e^0 + e^-1)
  EXPECT_MATRIX_NEAR(w, M({{1, 0, 0}, {p, 1 - p, 0}, {1.0 / 3, 1.0 / 3, 1.0 / 3}}), 1e-15);
}

TEST(Softmax, ScoresOfTenToThe300StayFiniteWithTheRightLimit) {
  const Matrix z = M({{1e300, 1e300}, {1e300, -1e300}, {-1e300, 1e300}, {-1e300, -1e300}});
  for (double T : {1.0, 1e-3, 1e3}) {
    const Matrix w = Softmax(z, T);
    ASSERT_TRUE(w.allFinite()) << "T = " << T << "\n" << w;
    // 1e-300, not 0: a vectorized exp may return a denormal (~5.6e-309) for
    // exp(-huge) instead of 0; either is the limit.
    EXPECT_MATRIX_NEAR(w, M({{0.5, 0.5}, {1, 0}, {0, 1}, {0.5, 0.5}}), 1e-300) << "T = " << T;
  }
}

TEST(Softmax, TinyTemperatureOfTenToTheMinus300GivesNoNaN) {
  const Matrix z = M({{1, 2, 3}, {5, -2, 5}, {0, 0, 0}, {1e4, -1e4, 1e4 - 1e-9}});
  for (double T : {1e-300, 4.9e-324 /* smallest denormal */}) {
    const Matrix w = Softmax(z, T);
    ASSERT_TRUE(w.allFinite()) << "T = " << T << "\n" << w;
    EXPECT_MATRIX_NEAR(w, M({{0, 0, 1}, {0.5, 0, 0.5}, {1.0 / 3, 1.0 / 3, 1.0 / 3}, {1, 0, 0}}), 1e-300)
        << "T = " << T;
  }
}

TEST(Softmax, MaskedEntriesAreExactlyZero) {
  // The masked key holds the largest score, so a leak would be visible.
  const Matrix z = M({{1, 100, 2, 3}, {0, 0, 0, 0}});
  Mask allowed(2, 4);
  allowed << true, false, true, true,  //
      false, true, false, true;
  for (double T : {0.0, 1e-3, 1.0, 1e6}) {
    const Matrix w = Softmax(z, T, allowed);
    EXPECT_EQ(w(0, 1), 0.0) << "T = " << T;
    EXPECT_EQ(w(1, 0), 0.0) << "T = " << T;
    EXPECT_EQ(w(1, 2), 0.0) << "T = " << T;
    EXPECT_NEAR(w.row(0).sum(), 1.0, 1e-15);
    EXPECT_NEAR(w(1, 1), 0.5, 1e-15);
    EXPECT_NEAR(w(1, 3), 0.5, 1e-15);
  }
  // At T = 0 the masked maximum must not win: argmax over allowed keys is key 3.
  EXPECT_MATRIX_NEAR(Softmax(z, 0.0, allowed).topRows(1), M({{0, 0, 0, 1}}), 0.0);
  // At T = 1, row 0 is the softmax of (1, 2, 3) over keys 0, 2, 3.
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_MATRIX_NEAR(Softmax(z, 1.0, allowed).topRows(1),
                     M({{std::exp(1.0) / sum, 0, std::exp(2.0) / sum, std::exp(3.0) / sum}}), 1e-15);
}

TEST(Softmax, FullyMaskedRowIsAllZeroAndReported) {
  const Matrix z = M({{1, 2}, {3, 4}, {5, 6}});
  Mask allowed(3, 2);
  allowed << true, true, false, false, true, false;
  for (double T : {0.0, 1.0}) {
    SoftmaxOptions o;
    o.temperature = T;
    std::vector<int> fully_masked;
    const Matrix w = RowSoftmax(z, allowed, o, &fully_masked);
    ASSERT_TRUE(w.allFinite()) << "T = " << T << "\n" << w;
    EXPECT_EQ(w(1, 0), 0.0);
    EXPECT_EQ(w(1, 1), 0.0);
    EXPECT_EQ(fully_masked, std::vector<int>{1}) << "T = " << T;
    EXPECT_NEAR(w.row(0).sum(), 1.0, 1e-15);
    EXPECT_EQ(w(2, 0), 1.0);
  }
}

TEST(Softmax, NaiveSoftmaxOverflowsToNaNWhereTheStableOneDoesNot) {
  const Matrix z = M({{1e4, 0}});
  SoftmaxOptions naive;
  naive.subtract_max = false;
  const Matrix w_naive = RowSoftmax(z, Mask(), naive);
  EXPECT_TRUE(std::isnan(w_naive(0, 0))) << w_naive;  // inf / inf

  const Matrix w_stable = Softmax(z, 1.0);
  ASSERT_TRUE(w_stable.allFinite()) << w_stable;
  EXPECT_MATRIX_NEAR(w_stable, M({{1, 0}}), 1e-300);
}

TEST(Softmax, NaiveAndStableAgreeOnModerateScores) {
  const Matrix z = M({{1, 2, 3}, {-4, 0.5, 2}});
  SoftmaxOptions naive;
  naive.subtract_max = false;
  EXPECT_MATRIX_NEAR(RowSoftmax(z, Mask(), naive), ReferenceSoftmax(z, 1.0), 1e-15);
  EXPECT_MATRIX_NEAR(Softmax(z, 1.0), ReferenceSoftmax(z, 1.0), 1e-15);
}

TEST(ArgmaxColumns, FloatingPointSumsThatAreEqualInExactArithmeticTie) {
  // 0.1 + 0.2 = 0.30000000000000004 in doubles, not 0.3: a round-off gap.
  const double a = 0.1 + 0.2, b = 0.3;
  ASSERT_NE(a, b);  // the premise: the two really differ in floating point
  EXPECT_EQ(ArgmaxColumns(M({{b, a, 0.0}}), 0, Mask()), (std::vector<int>{0, 1}));
  // 3/4 + 3/4 vs 1/2 + 1 (the E9 Z row 3 kind of tie), as sums computed at run time.
  volatile double q = 0.75, h = 0.5, one = 1.0;
  const double s1 = q + q, s2 = h + one;
  EXPECT_EQ(ArgmaxColumns(M({{s1, 1.0, s2}}), 0, Mask()), (std::vector<int>{0, 2}));
  // A product with round-off: 3 * 0.1 vs 0.3.
  volatile double tenth = 0.1;
  const double c = 3 * tenth;
  EXPECT_EQ(ArgmaxColumns(M({{0.2, c, b}}), 0, Mask()), (std::vector<int>{1, 2}));
}

TEST(ArgmaxColumns, DistinctValuesFarApartDoNotTie) {
  EXPECT_EQ(ArgmaxColumns(M({{1.5, 1.5 - 1e-6, 0.0}}), 0, Mask()), std::vector<int>{0});
  EXPECT_EQ(ArgmaxColumns(M({{3, 11, 5, 2}}), 0, Mask()), std::vector<int>{1});
  // Just outside the tolerance (relative to max(1, |m|)) is not a tie either.
  const double m = 1000.0;
  EXPECT_EQ(ArgmaxColumns(M({{m, m - 10 * kArgmaxRelTol * m}}), 0, Mask()), std::vector<int>{0});
  // Just inside it is.
  EXPECT_EQ(ArgmaxColumns(M({{m, m - 0.1 * kArgmaxRelTol * m}}), 0, Mask()), (std::vector<int>{0, 1}));
}

TEST(ArgmaxColumns, OnlyAllowedColumnsCountAndAFullyMaskedRowIsEmpty) {
  const Matrix z = M({{9, 1, 1}, {9, 1, 1}});
  Mask allowed(2, 3);
  allowed << false, true, true, false, false, false;
  EXPECT_EQ(ArgmaxColumns(z, 0, allowed), (std::vector<int>{1, 2}));
  EXPECT_TRUE(ArgmaxColumns(z, 1, allowed).empty());
}

TEST(ArgmaxColumns, ZeroTemperatureSoftmaxSplitsRoundOffTies) {
  volatile double q = 0.1, r = 0.2;
  const Matrix z = M({{q + r, 0.3, 0.0}});
  EXPECT_MATRIX_NEAR(Softmax(z, 0.0), M({{0.5, 0.5, 0}}), 0.0);
}

// The T = 0 tie tolerance is relative to the row's magnitude: E2's scores
// times 1e-10 still pick key 2, as every small positive T does (an absolute
// 1e-9 once made them uniform).
TEST(Softmax, ZeroTemperatureIsTheLimitEvenForTinyScores) {
  const Matrix z = M({{3e-10, 11e-10, 5e-10, 2e-10}});
  const Matrix limit = M({{0, 1, 0, 0}});
  ASSERT_MATRIX_NEAR(Softmax(z, 1e-14), limit, 1e-12);  // the premise: T -> 0+ picks key 2
  EXPECT_MATRIX_NEAR(Softmax(z, 0.0), limit, 0.0);
}

// ---------------------------------------------------------------------------
// VectorExp against the C library's exp.

// |a - b| in units of b's last place (the gap from b to the next double away from 0).
double UlpError(double a, double b) {
  const double ulp = std::abs(std::nextafter(b, b >= 0 ? std::numeric_limits<double>::infinity() : 0.0) - b);
  return std::abs(a - b) / (ulp > 0 ? ulp : std::numeric_limits<double>::denorm_min());
}

TEST(VectorExp, WithinOneUlpOfStdExpOnADenseGridAndAtRandom) {
  double worst = 0, worst_x = 0;
  for (double x = -746.0; x <= 710.0; x += 0.000731) {
    const double e = UlpError(VectorExp(x), std::exp(x));
    if (e > worst) worst = e, worst_x = x;
  }
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> small(-1.0, 1.0), wide(-745.0, 709.0);
  for (int k = 0; k < 200000; ++k) {
    for (double x : {small(rng), wide(rng), small(rng) * 1e-8}) {
      const double e = UlpError(VectorExp(x), std::exp(x));
      if (e > worst) worst = e, worst_x = x;
    }
  }
  EXPECT_LE(worst, 1.0) << "at x = " << worst_x;
}

TEST(VectorExp, ExactWhereTheSoftmaxNeedsIt) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(VectorExp(0.0), 1.0);  // the row maximum's term: weight = 1 / sum exactly
  EXPECT_EQ(VectorExp(-0.0), 1.0);
  EXPECT_EQ(VectorExp(-kInf), 0.0);  // a masked key: exactly 0
  EXPECT_EQ(VectorExp(-746.0), 0.0);
  EXPECT_EQ(VectorExp(-1e300), 0.0);
  EXPECT_EQ(VectorExp(-745.0), std::exp(-745.0));  // the smallest subnormals round as exp does
  EXPECT_EQ(VectorExp(-744.5), std::exp(-744.5));
  EXPECT_EQ(VectorExp(kInf), kInf);
  EXPECT_EQ(VectorExp(710.0), kInf);
  EXPECT_TRUE(std::isfinite(VectorExp(709.78)));
  EXPECT_TRUE(std::isnan(VectorExp(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(VectorExp(1.0), std::exp(1.0));
}

// ---------------------------------------------------------------------------
// The row kernel against naive loops, for every kind of mask.

// softmax over the allowed keys of each row, by the textbook loop: max, then
// exp((s - max) / T) with the C library's exp, then division by the sum; T = 0
// gives the tied maxima (ArgmaxColumns's rule, written out again) equal shares.
Matrix NaiveMaskedSoftmax(const Matrix& s, const Mask& ok, double T, std::vector<int>* empty_rows) {
  Matrix w = Matrix::Zero(s.rows(), s.cols());
  for (Eigen::Index i = 0; i < s.rows(); ++i) {
    double m = -std::numeric_limits<double>::infinity(), magnitude = 0;
    bool any = false;
    for (Eigen::Index j = 0; j < s.cols(); ++j) {
      if (!ok(i, j)) continue;
      m = std::max(m, s(i, j));
      magnitude = std::max(magnitude, std::abs(s(i, j)));
      any = true;
    }
    if (!any) {
      empty_rows->push_back(static_cast<int>(i));
      continue;
    }
    if (T == 0) {
      int ties = 0;
      for (Eigen::Index j = 0; j < s.cols(); ++j) ties += ok(i, j) && m - s(i, j) <= kArgmaxRelTol * magnitude;
      for (Eigen::Index j = 0; j < s.cols(); ++j)
        if (ok(i, j) && m - s(i, j) <= kArgmaxRelTol * magnitude) w(i, j) = 1.0 / ties;
      continue;
    }
    // In long double, so that the reference's own round-off (a sequential
    // sum of hundreds of terms) stays well below the tolerance.
    long double sum = 0;
    for (Eigen::Index j = 0; j < s.cols(); ++j)
      if (ok(i, j)) sum += std::exp(static_cast<long double>(s(i, j) - m) / T);
    for (Eigen::Index j = 0; j < s.cols(); ++j)
      if (ok(i, j)) w(i, j) = static_cast<double>(std::exp(static_cast<long double>(s(i, j) - m) / T) / sum);
  }
  return w;
}

// Per row, the allowed columns whose weight is within kArgmaxRelTol (relative
// to the row's largest weight) of the row's largest weight, by a plain loop.
std::vector<std::vector<int>> NaiveArgmax(const Matrix& w, const Mask& ok) {
  std::vector<std::vector<int>> out(static_cast<size_t>(w.rows()));
  for (Eigen::Index i = 0; i < w.rows(); ++i) {
    double best = -1;
    for (Eigen::Index j = 0; j < w.cols(); ++j)
      if (ok(i, j)) best = std::max(best, w(i, j));
    for (Eigen::Index j = 0; j < w.cols(); ++j)
      if (ok(i, j) && best - w(i, j) <= kArgmaxRelTol * best) out[static_cast<size_t>(i)].push_back(static_cast<int>(j));
  }
  return out;
}

// Scores with exact ties planted (a row's maximum copied to a second key) and a
// spread wide enough that some weights underflow.
Matrix RandomScores(int rows, int cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 3.0);
  Matrix z(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) z(i, j) = normal(rng);
  for (int i = 0; i < rows; i += 3) {
    Eigen::Index at;
    z.row(i).maxCoeff(&at);
    z(i, (at + 1 + i) % cols) = z(i, at);
  }
  z(rows - 1, 0) = 800;  // exp(-800 - ...) underflows for the rest of that row
  return z;
}

struct MaskCase {
  const char* name;
  MaskSpec spec;
};

std::vector<MaskCase> EveryMaskKind(int n_q, int n_k) {
  std::vector<MaskCase> cases;
  const auto add = [&](const char* name, MaskKind kind, int p) {
    MaskSpec m;
    m.kind = kind;
    m.param = p;
    cases.push_back({name, m});
  };
  add("none", MaskKind::kNone, 0);
  add("causal", MaskKind::kCausal, 0);
  add("padding", MaskKind::kPadding, n_k / 3 + 1);
  add("sliding_window", MaskKind::kSlidingWindow, 5);
  add("prefix_lm", MaskKind::kPrefixLm, 7);
  add("block_diagonal", MaskKind::kBlockDiagonal, 16);
  MaskSpec gaps;  // a custom mask with gaps and two empty rows
  gaps.kind = MaskKind::kCustom;
  gaps.custom.resize(n_q, n_k);
  for (int i = 0; i < n_q; ++i)
    for (int j = 0; j < n_k; ++j) gaps.custom(i, j) = (i * 7 + j * 3) % 5 != 0;
  gaps.custom.row(1).setConstant(false);
  gaps.custom.row(n_q - 2).setConstant(false);
  cases.push_back({"custom with gaps", gaps});
  MaskSpec runs;  // a custom mask of contiguous runs (stored as runs)
  runs.kind = MaskKind::kCustom;
  runs.custom = Mask::Constant(n_q, n_k, false);
  for (int i = 0; i < n_q; ++i) runs.custom.row(i).segment(i % 4, std::max(1, n_k - i % 4 - 3)).setConstant(true);
  cases.push_back({"custom runs", runs});
  return cases;
}

TEST(SoftmaxKernel, EveryMaskKindMatchesTheNaiveLoopAndItsArgmax) {
  for (auto [n_q, n_k] : {std::pair{300, 300}, std::pair{40, 300}, std::pair{9, 9}}) {
    const Matrix z = RandomScores(n_q, n_k, 5u + static_cast<unsigned>(n_q));
    for (const MaskCase& c : EveryMaskKind(n_q, n_k)) {
      AllowedKeys allowed;
      ASSERT_TRUE(BuildMask(c.spec, n_q, n_k, &allowed).ok()) << c.name;
      const Mask ok = allowed.ToDense();
      for (double T : {0.0, 0.3, 1.0, 7.0}) {
        SCOPED_TRACE(std::string(c.name) + ", " + std::to_string(n_q) + "x" + std::to_string(n_k) +
                     ", T = " + std::to_string(T));
        std::vector<int> want_empty, got_empty;
        const Matrix want = NaiveMaskedSoftmax(z, ok, T, &want_empty);
        SoftmaxOptions o;
        o.temperature = T;
        Matrix got;
        ArgmaxSets argmax;
        RowSoftmaxInto(z, allowed, o, &got, &got_empty, &argmax);
        EXPECT_MATRIX_NEAR(got, want, 1e-15);
        EXPECT_EQ(got_empty, want_empty);
        for (Eigen::Index i = 0; i < z.rows(); ++i)
          for (Eigen::Index j = 0; j < z.cols(); ++j)
            if (!ok(i, j)) {
              ASSERT_EQ(got(i, j), 0.0) << "masked (" << i << ", " << j << ")";
            }
        EXPECT_EQ(argmax.ToVectors(), NaiveArgmax(got, ok));
        EXPECT_TRUE(argmax == ArgmaxPerRow(got, allowed));
        // The planted ties are found (T > 0: exact score ties are exact weight ties).
        if (c.spec.kind == MaskKind::kNone) {
          EXPECT_GE(argmax[0].size(), 2u);
        }
      }
    }
  }
}

TEST(SoftmaxKernel, CausalAndACustomMaskDrawnAsCausalGiveIdenticalBits) {
  const int n = 200;
  const Matrix z = RandomScores(n, n, 3);
  MaskSpec causal, custom;
  causal.kind = MaskKind::kCausal;
  custom.kind = MaskKind::kCustom;
  custom.custom = Mask::Constant(n, n, false);
  for (int i = 0; i < n; ++i) custom.custom.row(i).head(i + 1).setConstant(true);
  AllowedKeys a, b;
  ASSERT_TRUE(BuildMask(causal, n, n, &a).ok());
  ASSERT_TRUE(BuildMask(custom, n, n, &b).ok());
  for (double T : {0.0, 1.0, 0.5}) {
    SoftmaxOptions o;
    o.temperature = T;
    Matrix wa, wb;
    ArgmaxSets ta, tb;
    RowSoftmaxInto(z, a, o, &wa, nullptr, &ta);
    RowSoftmaxInto(z, b, o, &wb, nullptr, &tb);
    EXPECT_TRUE((wa.array() == wb.array()).all()) << "T = " << T;
    EXPECT_TRUE(ta == tb);
  }
}

}  // namespace
}  // namespace attnlab
