// E1: Monte-Carlo moments of q.k against the closed forms, within their
// standard errors; seeded runs are reproducible.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "attnlab/dot_product_stats.hpp"
#include "attnlab/random.hpp"

namespace attnlab {
namespace {

TEST(NormalSampler, IsStandardNormalWithinStandardErrors) {
  NormalSampler normal(11);
  std::vector<double> x(200000);
  for (double& v : x) v = normal.Next();
  const SampleMoments m = Moments(x);
  EXPECT_NEAR(m.mean, 0.0, 4 * m.mean_se);
  EXPECT_NEAR(m.variance, 1.0, 4 * m.variance_se);
  // For N(0,1) the fourth moment is 3, so variance_se = sqrt(2 / n).
  EXPECT_NEAR(m.variance_se, std::sqrt(2.0 / x.size()), 0.05 * std::sqrt(2.0 / x.size()));
}

TEST(NormalSampler, TheSameSeedGivesTheSameNumbers) {
  NormalSampler a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const double x = a.Next();
    EXPECT_EQ(x, b.Next());
    differs = differs || x != c.Next();
  }
  EXPECT_TRUE(differs);
}

TEST(Moments, OfAKnownSampleByHand) {
  // 1, 2, 3, 4: mean 2.5, unbiased variance 5/3, centred m4 / n = (2*5.0625 + 2*0.0625)/4.
  const SampleMoments m = Moments({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(m.mean, 2.5);
  EXPECT_DOUBLE_EQ(m.variance, 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.mean_se, std::sqrt(5.0 / 3.0 / 4.0));
  EXPECT_DOUBLE_EQ(m.variance_se, std::sqrt((10.25 / 4.0 - 1.25 * 1.25) / 4.0));
}

TEST(DotProductMoments, ClosedFormsByHand) {
  // d = 4, mu = (1, 1, 1, 1): ||mu||^2 = 4; sigma = 2: Var = 4 * 16 + 2 * 4 * 4 = 96.
  const DotProductClosedForm c = DotProductMoments(4, 4.0, 2.0);
  EXPECT_DOUBLE_EQ(c.mean, 4.0);
  EXPECT_DOUBLE_EQ(c.variance, 96.0);
  EXPECT_DOUBLE_EQ(c.scaled_mean, 2.0);
  EXPECT_DOUBLE_EQ(c.scaled_variance, 24.0);
  // mu = 0, sigma = 1: Var(q.k) = d, and the scale with Var(q.k / s) = 1 is sqrt(d).
  EXPECT_DOUBLE_EQ(DotProductMoments(64, 0.0, 1.0).variance, 64.0);
  EXPECT_DOUBLE_EQ(DotProductMoments(64, 0.0, 1.0).scaled_variance, 1.0);
}

struct Case {
  int d;
  double mu;
  std::vector<double> mu_components;
  double sigma;
};

TEST(SampleDotProducts, EstimatesAgreeWithTheClosedFormsWithinFourStandardErrors) {
  const std::vector<Case> cases = {
      {1, 0.0, {}, 1.0},  {16, 0.0, {}, 1.0}, {64, 0.5, {}, 1.0}, {8, 1.0, {}, 2.0},
      {4, 0.0, {3.0, -1.0, 0.5, 0.0}, 0.7},  {128, 0.1, {}, 0.5},
  };
  for (const Case& c : cases) {
    DotProductSpec spec;
    spec.d = c.d;
    spec.mu = c.mu;
    spec.mu_components = c.mu_components;
    spec.sigma = c.sigma;
    spec.samples = 100000;
    spec.seed = 1234 + c.d;
    DotProductSamples s;
    ASSERT_TRUE(SampleDotProducts(spec, &s).ok());
    const DotProductClosedForm& cf = s.closed_form;
    const double mu2 = c.mu_components.empty() ? c.d * c.mu * c.mu : 3.0 * 3.0 + 1.0 + 0.25;
    EXPECT_DOUBLE_EQ(cf.mean, mu2);
    const double s2 = c.sigma * c.sigma;
    EXPECT_DOUBLE_EQ(cf.variance, c.d * s2 * s2 + 2 * s2 * mu2);
    const SampleMoments& raw = s.raw_moments;
    const SampleMoments& scaled = s.scaled_moments;
    SCOPED_TRACE("d = " + std::to_string(c.d) + ", sigma = " + std::to_string(c.sigma));
    EXPECT_NEAR(raw.mean, cf.mean, 4 * raw.mean_se);
    EXPECT_NEAR(raw.variance, cf.variance, 4 * raw.variance_se);
    EXPECT_NEAR(scaled.mean, cf.scaled_mean, 4 * scaled.mean_se);
    EXPECT_NEAR(scaled.variance, cf.scaled_variance, 4 * scaled.variance_se);
    // The test has teeth: a variance formula off by 5% (or the mean by a
    // quarter of a standard deviation) would fall outside the band.
    EXPECT_LT(4 * raw.variance_se, 0.05 * cf.variance);
    EXPECT_LT(4 * raw.mean_se, 0.25 * std::sqrt(cf.variance));
  }
}

TEST(SampleDotProducts, TheSameSeedReproducesTheSamplesExactly) {
  DotProductSpec spec;
  spec.d = 32;
  spec.mu = 0.3;
  spec.samples = 2000;
  spec.seed = 99;
  DotProductSamples a, b, c;
  ASSERT_TRUE(SampleDotProducts(spec, &a).ok());
  ASSERT_TRUE(SampleDotProducts(spec, &b).ok());
  EXPECT_EQ(a.raw, b.raw);
  EXPECT_EQ(a.scaled, b.scaled);
  spec.seed = 100;
  ASSERT_TRUE(SampleDotProducts(spec, &c).ok());
  EXPECT_NE(a.raw, c.raw);
  for (size_t i = 0; i < a.raw.size(); ++i) EXPECT_DOUBLE_EQ(a.scaled[i], a.raw[i] / std::sqrt(32.0));
}

TEST(SampleDotProducts, BadSpecsNameTheirField) {
  DotProductSamples s;
  DotProductSpec spec;
  spec.d = 0;
  EXPECT_EQ(SampleDotProducts(spec, &s).field(), "d");
  spec = DotProductSpec();
  spec.mu_components = {1, 2};
  EXPECT_EQ(SampleDotProducts(spec, &s).field(), "mu_components");
  spec = DotProductSpec();
  spec.sigma = -1;
  EXPECT_EQ(SampleDotProducts(spec, &s).field(), "sigma");
  spec = DotProductSpec();
  spec.samples = 1;
  EXPECT_EQ(SampleDotProducts(spec, &s).field(), "samples");
}

TEST(VarianceAgainstDimension, RawGrowsLikeDAndScaledStaysAtSigmaToTheFourth) {
  DotProductSpec spec;
  spec.sigma = 1.5;  // sigma^4 = 5.0625
  spec.seed = 5;
  VarianceCurve v;
  ASSERT_TRUE(VarianceAgainstDimension(spec, PowersOfTwoUpTo(256), 20000, &v).ok());
  ASSERT_EQ(v.dims.size(), 9u);
  for (size_t k = 0; k < v.dims.size(); ++k) {
    const double d = v.dims[k];
    EXPECT_DOUBLE_EQ(v.raw_closed[k], d * 5.0625);
    EXPECT_DOUBLE_EQ(v.scaled_closed[k], 5.0625);
    // q.k for d = 1 is a product of normals (kurtosis 9): the variance's
    // relative standard error is sqrt(8 / n) = 2%; 10% is five of them.
    EXPECT_NEAR(v.raw_variance[k] / v.raw_closed[k], 1.0, 0.10) << "d = " << d;
    EXPECT_NEAR(v.scaled_variance[k] / v.scaled_closed[k], 1.0, 0.10) << "d = " << d;
  }
}

TEST(NormalDensity, MatchesTheFormulaAtKnownPoints) {
  // N(1, 4): peak 1 / (2 sqrt(2 pi)) at x = 1; one sd away e^-1/2 times it.
  const std::vector<double> y = NormalDensity({1.0, 3.0, -1.0}, 1.0, 4.0);
  const double peak = 1.0 / (2.0 * std::sqrt(2.0 * M_PI));
  EXPECT_NEAR(y[0], peak, 1e-15);
  EXPECT_NEAR(y[1], peak * std::exp(-0.5), 1e-15);
  EXPECT_NEAR(y[2], y[1], 1e-15);
  EXPECT_EQ(NormalDensity({0.0}, 0.0, 0.0)[0], 0.0);
}

TEST(PowersOfTwoUpTo, EndsAtTheLimit) {
  EXPECT_EQ(PowersOfTwoUpTo(8), (std::vector<int>{1, 2, 4, 8}));
  EXPECT_EQ(PowersOfTwoUpTo(12), (std::vector<int>{1, 2, 4, 8, 12}));
  EXPECT_EQ(PowersOfTwoUpTo(1), (std::vector<int>{1}));
}

TEST(MeanMaxWeight, UnscaledScoresSaturateAndScaledOnesDoNot) {
  DotProductSpec spec;
  spec.seed = 8;
  SaturationCurve c;
  ASSERT_TRUE(MeanMaxWeightAgainstDimension(spec, {1, 16, 256, 1024}, 16, 400, &c).ok());
  // d = 1: sqrt(d) = 1, the two are the same numbers.
  EXPECT_DOUBLE_EQ(c.raw_max_weight[0], c.scaled_max_weight[0]);
  // Unscaled, the spread of the scores grows like sqrt(d): at d = 1024 the
  // gap between the top two of 16 scores is ~ 0.3 * 32 = 10 and softmax is
  // nearly one-hot.
  EXPECT_GT(c.raw_max_weight[3], 0.9);
  EXPECT_LT(c.raw_max_weight[0], c.raw_max_weight[1]);
  EXPECT_LT(c.raw_max_weight[1], c.raw_max_weight[2]);
  // Scaled, the scores tend to N(0, 1) whatever d: the curve flattens.
  EXPECT_NEAR(c.scaled_max_weight[3], c.scaled_max_weight[2], 0.04);
  EXPECT_LT(c.scaled_max_weight[3], 0.5);
  // One key takes all the weight.
  ASSERT_TRUE(MeanMaxWeightAgainstDimension(spec, {4}, 1, 10, &c).ok());
  EXPECT_DOUBLE_EQ(c.raw_max_weight[0], 1.0);
}

}  // namespace
}  // namespace attnlab
