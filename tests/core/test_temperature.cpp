// Temperature sweeps (E7): the exam's four statements, the limits, and the
// whole-matrix sweep against the row-by-row definition.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "attnlab/temperature.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

RowVector Row(std::initializer_list<double> v) {
  RowVector r(static_cast<Eigen::Index>(v.size()));
  Eigen::Index j = 0;
  for (double x : v) r(j++) = x;
  return r;
}

TEST(Temperature, FourThreeTwoOneTendsToOneZeroZeroZeroAsTGoesToZero) {
  const RowVector z = Row({4, 3, 2, 1});
  EXPECT_MATRIX_NEAR(TemperatureWeights(z, 0.0), Row({1, 0, 0, 0}), 0.0);
  // At T = 0.1 by hand: w_0 = 1 / (1 + e^-10 + e^-20 + e^-30), w_3 = e^-30 w_0.
  const double w0 = 1.0 / (1.0 + std::exp(-10.0) + std::exp(-20.0) + std::exp(-30.0));
  const RowVector w = TemperatureWeights(z, 0.1);
  EXPECT_NEAR(w(0), w0, 1e-15);
  EXPECT_NEAR(w(3) / w(0), std::exp(-30.0), 1e-25);
  EXPECT_GT(w(3), 0.0);  // never a zero component for T > 0
  RowSweep sweep;
  ASSERT_TRUE(SweepRow(z, TemperatureRange(), &sweep).ok());
  EXPECT_MATRIX_NEAR(sweep.cold_limit, Row({1, 0, 0, 0}), 0.0);
  EXPECT_NEAR(sweep.weights(0, 0), 1.0, 1e-300);  // T = 1e-3: the gap 1 is 1000 T
}

TEST(Temperature, OneMinusTwoFiveZeroPicksTheThirdEntry) {
  EXPECT_MATRIX_NEAR(TemperatureWeights(Row({1, -2, 5, 0}), 0.0), Row({0, 0, 1, 0}), 0.0);
  const RowVector w = TemperatureWeights(Row({1, -2, 5, 0}), 0.01);
  EXPECT_NEAR(w(2), 1.0, 1e-15);
}

TEST(Temperature, TiedMaximaSplitTheWeightInTheLimit) {
  const RowVector z = Row({5, -2, 5, 0});
  EXPECT_MATRIX_NEAR(TemperatureWeights(z, 0.0), Row({0.5, 0, 0.5, 0}), 0.0);
  // At T = 0.5 by hand: w_0 = w_2 = 1 / (2 + e^-14 + e^-10).
  const RowVector w = TemperatureWeights(z, 0.5);
  EXPECT_NEAR(w(0), 1.0 / (2.0 + std::exp(-14.0) + std::exp(-10.0)), 1e-15);
  EXPECT_DOUBLE_EQ(w(0), w(2));
  RowSweep sweep;
  ASSERT_TRUE(SweepRow(z, TemperatureRange(), &sweep).ok());
  EXPECT_NEAR(sweep.cold_entropy, std::log(2.0), 1e-15);
  EXPECT_NEAR(sweep.max_weight.front(), 0.5, 1e-15);
}

TEST(Temperature, EqualScoresAreUniformAtEveryTemperature) {
  RowSweep sweep;
  ASSERT_TRUE(SweepRow(Row({2, 2, 2, 2}), TemperatureRange{1e-3, 1e3, 200}, &sweep).ok());
  for (size_t m = 0; m < sweep.temperatures.size(); ++m) {
    EXPECT_MATRIX_NEAR(sweep.weights.row(static_cast<Eigen::Index>(m)), RowVector::Constant(4, 0.25), 1e-16);
    EXPECT_NEAR(sweep.entropy[m], std::log(4.0), 1e-15);
  }
  EXPECT_MATRIX_NEAR(sweep.cold_limit, RowVector::Constant(4, 0.25), 0.0);  // all four tie
}

TEST(Temperature, EntropyTendsToLogNAsTGrows) {
  // Second order in 1/T: H = log n - Var(z) / (2 T^2) + O(T^-3), Var the
  // population variance; for (4, 3, 2, 1) Var = 1.25.
  RowSweep sweep;
  ASSERT_TRUE(SweepRow(Row({4, 3, 2, 1}), TemperatureRange{1e-3, 1e3, 200}, &sweep).ok());
  EXPECT_DOUBLE_EQ(sweep.hot_entropy, std::log(4.0));
  const double T = sweep.temperatures.back();
  EXPECT_NEAR(std::log(4.0) - sweep.entropy.back(), 1.25 / (2 * T * T), 1e-9);
  EXPECT_MATRIX_NEAR(sweep.hot_limit, RowVector::Constant(4, 0.25), 0.0);
  // Entropy rises and the maximum falls monotonically with T.
  for (size_t m = 1; m < sweep.temperatures.size(); ++m) {
    EXPECT_GE(sweep.entropy[m], sweep.entropy[m - 1] - 1e-15);
    EXPECT_LE(sweep.max_weight[m], sweep.max_weight[m - 1] + 1e-15);
  }
}

TEST(Temperature, LogTemperaturesAreGeometricWithExactEnds) {
  std::vector<double> t;
  ASSERT_TRUE(LogTemperatures(TemperatureRange{1e-3, 1e3, 7}, &t).ok());
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t.front(), 1e-3);
  EXPECT_EQ(t.back(), 1e3);
  for (size_t m = 1; m < t.size(); ++m) EXPECT_NEAR(t[m] / t[m - 1], 10.0, 1e-12);
  EXPECT_EQ(LogTemperatures(TemperatureRange{0, 1, 5}, &t).field(), "t_min");
  EXPECT_EQ(LogTemperatures(TemperatureRange{2, 1, 5}, &t).field(), "t_max");
  EXPECT_EQ(LogTemperatures(TemperatureRange{1, 2, 1}, &t).field(), "count");
}

TEST(Temperature, EntropyOfAKnownDistribution) {
  EXPECT_NEAR(Entropy(Row({0.5, 0.25, 0.25, 0})), 1.5 * std::log(2.0), 1e-15);
  EXPECT_EQ(Entropy(Row({1, 0, 0})), 0.0);
}

TEST(Temperature, MatrixSweepMatchesTheDefinitionRowByRow) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 4.0);
  Matrix scores(24, 40);
  for (Eigen::Index i = 0; i < scores.rows(); ++i)
    for (Eigen::Index j = 0; j < scores.cols(); ++j) scores(i, j) = normal(rng);
  scores(3, 7) = scores(3, 9) = scores.row(3).maxCoeff() + 1;  // a tie at the top
  MatrixSweep sweep;
  ASSERT_TRUE(SweepMatrix(scores, TemperatureRange{1e-3, 1e3, 60}, &sweep).ok());
  ASSERT_EQ(sweep.entropy.rows(), 24);
  ASSERT_EQ(sweep.entropy.cols(), 60);
  for (Eigen::Index i = 0; i < scores.rows(); ++i) {
    for (size_t m = 0; m < sweep.temperatures.size(); ++m) {
      const RowVector w = TemperatureWeights(scores.row(i), sweep.temperatures[m]);
      EXPECT_NEAR(sweep.entropy(i, static_cast<Eigen::Index>(m)), Entropy(w), 1e-12) << i << " " << m;
      EXPECT_NEAR(sweep.max_weight(i, static_cast<Eigen::Index>(m)), w.maxCoeff(), 1e-14) << i << " " << m;
    }
  }
  EXPECT_NEAR(sweep.max_weight(3, 0), 0.5, 1e-15);
  EXPECT_NEAR(sweep.entropy(3, 0), std::log(2.0), 1e-12);
}

TEST(Temperature, SweepsReportBadInputByField) {
  RowSweep row;
  EXPECT_EQ(SweepRow(RowVector(), TemperatureRange(), &row).field(), "scores");
  EXPECT_EQ(SweepRow(Row({1, NAN}), TemperatureRange(), &row).field(), "scores");
  MatrixSweep m;
  EXPECT_EQ(SweepMatrix(Matrix(), TemperatureRange(), &m).field(), "scores");
}

}  // namespace
}  // namespace attnlab

namespace attnlab {
namespace {

// Keys are named k0, k1, ... in every view: a typed row too (not z1 .. zn).
TEST(TemperatureRowKeys, ATypedRowNamesItsKeysAsEveryViewDoes) {
  TemperatureLabSettings lab;
  lab.scores = {1, -2, 5};
  const TemperatureRow row = SweptRow(lab, nullptr);
  EXPECT_EQ(row.key_labels, (std::vector<std::string>{"k0", "k1", "k2"}));
}

}  // namespace
}  // namespace attnlab
