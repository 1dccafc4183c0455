// E10: logistic regression on separable data has no minimum (and L2 gives
// one); the two-step scalar RNN's dL/dw, factor by factor, against finite
// differences for tanh, sigmoid and ReLU.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "attnlab/exam_extras.hpp"

namespace attnlab {
namespace {

LogisticData Separable() {
  LogisticData d;
  d.points = {{1, 2}, {2, 0.5}, {0.5, 1.5}, {-1, -1}, {-2, 0.3}, {-0.5, -2}};
  d.labels = {1, 1, 1, -1, -1, -1};
  return d;
}

TEST(Logistic, GradientMatchesFiniteDifferences) {
  const LogisticData d = Separable();
  for (double lambda : {0.0, 0.3}) {
    const Point2 w{0.7, -0.4};
    const Point2 g = LogisticGradient(d, w, lambda);
    const double h = 1e-6;
    const double fx = (LogisticLoss(d, {w.x + h, w.y}, lambda) - LogisticLoss(d, {w.x - h, w.y}, lambda)) / (2 * h);
    const double fy = (LogisticLoss(d, {w.x, w.y + h}, lambda) - LogisticLoss(d, {w.x, w.y - h}, lambda)) / (2 * h);
    EXPECT_NEAR(g.x, fx, 1e-8);
    EXPECT_NEAR(g.y, fy, 1e-8);
  }
}

TEST(Logistic, LossAlongTheSeparatorDecreasesStrictlyTowardsZero) {
  const LogisticData d = Separable();
  Point2 w_star;
  ASSERT_TRUE(SeparatingDirection(d, &w_star));
  EXPECT_TRUE(Separates(d, w_star));
  std::vector<double> alphas;
  for (double a = 0; a <= 40; a += 2) alphas.push_back(a);
  const std::vector<double> loss = LossAlong(d, w_star, alphas);
  EXPECT_NEAR(loss[0], std::log(2.0), 1e-15);
  for (size_t i = 1; i < loss.size(); ++i) EXPECT_LT(loss[i], loss[i - 1]) << "alpha " << alphas[i];
  EXPECT_GT(loss.back(), 0.0);
  EXPECT_LT(loss.back(), 1e-6);
  // With L2 the same line turns back up: a finite minimum.
  const std::vector<double> l2 = LossAlong(d, w_star, alphas, 0.1);
  EXPECT_GT(l2.back(), l2[1]);
}

TEST(Logistic, GradientDescentNormGrowsWithoutL2AndSettlesWithIt) {
  const LogisticData d = Separable();
  const std::vector<LogisticStep> free = LogisticDescent(d, {0, 0}, 1.0, 2000);
  ASSERT_EQ(free.size(), 2001u);
  for (size_t t = 1; t < free.size(); ++t) EXPECT_GT(free[t].norm, free[t - 1].norm) << t;
  EXPECT_GT(free.back().norm, 5.0);
  const std::vector<LogisticStep> l2 = LogisticDescent(d, {0, 0}, 1.0, 2000, 0.1);
  const Point2 g = LogisticGradient(d, l2.back().w, 0.1);
  EXPECT_LT(std::hypot(g.x, g.y), 1e-10);  // a stationary point: the finite minimum
  EXPECT_LT(l2.back().norm, free.back().norm);
}

TEST(Rnn, EveryFactorAndTheWholeDerivativeMatchFiniteDifferences) {
  for (Activation g : {Activation::kTanh, Activation::kSigmoid, Activation::kRelu}) {
    for (double h0 : {0.0, 0.4}) {
      RnnInput in;
      in.g = g;
      in.w = 0.8;
      in.a = 0.9;
      in.x1 = 1.0;
      in.x2 = -0.3;
      in.h0 = h0;
      in.y = 0.2;
      const RnnStep s = RnnSgdStep(in);
      EXPECT_NEAR(s.dL_dw, s.finite_difference, 1e-8 * std::max(1.0, std::abs(s.dL_dw))) << ActivationName(g);
      EXPECT_EQ(s.dL_dh2, s.h2 - in.y);
      EXPECT_NEAR(s.g_prime_z2, (Activate(g, s.z2 + 1e-6) - Activate(g, s.z2 - 1e-6)) / 2e-6, 1e-8);
      EXPECT_EQ(s.dz2_dw_direct, s.h1);
      if (h0 == 0.0) {
        EXPECT_EQ(s.dL_dw, s.dL_dw_exam) << "the exam's formula is exact with h0 = 0";
      } else if (g != Activation::kRelu || s.z1 > 0) {
        EXPECT_NE(s.dL_dw, s.dL_dw_exam) << "with h0 != 0 the exam's formula misses the path through h1";
      }
      EXPECT_EQ(s.w_after, in.w - in.learning_rate * s.dL_dw);
      if (s.dL_dw != 0) {
        EXPECT_LT(s.loss_after, s.loss) << ActivationName(g);
      }
    }
  }
}

TEST(Rnn, ReluDerivativeAtZeroIsZero) {
  EXPECT_EQ(ActivateDerivative(Activation::kRelu, 0.0), 0.0);
  EXPECT_EQ(ActivateDerivative(Activation::kRelu, 1e-300), 1.0);
  EXPECT_EQ(ActivateDerivative(Activation::kRelu, -1.0), 0.0);
  RnnInput in;
  in.g = Activation::kRelu;
  in.x2 = 0.0;
  in.w = 0.0;  // z2 = w h1 + a x2 = 0 exactly
  const RnnStep s = RnnSgdStep(in);
  EXPECT_EQ(s.z2, 0.0);
  EXPECT_EQ(s.dL_dw, 0.0);
}

}  // namespace
}  // namespace attnlab

namespace attnlab {
namespace {

TEST(Logistic, NoStepsOrNegativeStepsGiveTheStartAlone) {
  LogisticData d;
  d.points = {{1, 0}, {-1, 0}};
  d.labels = {1, -1};
  for (int steps : {0, -1, -1000}) {
    const std::vector<LogisticStep> run = LogisticDescent(d, {0.5, 0}, 0.1, steps);
    ASSERT_EQ(run.size(), 1u) << steps;
    EXPECT_EQ(run[0].w.x, 0.5);
    EXPECT_NEAR(run[0].loss, std::log(1 + std::exp(-0.5)), 1e-15);  // log(1 + e^{-y w.x}) for both points
  }
}

}  // namespace
}  // namespace attnlab
