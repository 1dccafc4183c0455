// E6: attention as selection and averaging, and the projection-design preset.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/selection.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

using testing::M;

TEST(Selection, OrthonormalKeysGiveTOverTwoTPlusNMinusTwoToEachOfThePair) {
  for (int n : {2, 3, 8, 50}) {
    for (double t : {1.0, 2.5, 100.0, 1e6}) {
      SelectionSpec spec;
      spec.n = n;
      spec.a = n - 1;
      spec.b = 0;
      spec.t = t;
      spec.samples = 1;
      SelectionRun run;
      ASSERT_TRUE(SimulateSelection(spec, &run).ok());
      const double pair = t / (2 * t + n - 2), other = 1.0 / (2 * t + n - 2);
      SCOPED_TRACE("n = " + std::to_string(n) + ", t = " + std::to_string(t));
      EXPECT_NEAR(run.at_mean.weights(0, n - 1), pair, 1e-15);
      EXPECT_NEAR(run.at_mean.weights(0, 0), pair, 1e-15);
      for (int i = 1; i < n - 1; ++i) EXPECT_NEAR(run.at_mean.weights(0, i), other, 1e-15);
      // Noiseless keys: every draw is the mean.
      EXPECT_NEAR(run.alpha_a[0], pair, 1e-15);
      EXPECT_DOUBLE_EQ(run.closed_form_pair_weight, pair);
    }
  }
}

TEST(Selection, TwoHeadsOnOrthonormalKeysAverageTheirSelections) {
  SelectionSpec spec;
  spec.n = 6;
  spec.a = 2;
  spec.b = 4;
  spec.s = 50;
  spec.t = 200;
  spec.two_heads = true;
  spec.samples = 1;
  SelectionRun run;
  ASSERT_TRUE(SimulateSelection(spec, &run).ok());
  // Head 1: q1 = log(s) e_a, so w_a = s / (s + n - 1), every other 1 / (s + n - 1).
  // Head 2 likewise with t on b. The output is the mean of the two rows.
  const double out_a = (50.0 / 55.0 + 1.0 / 205.0) / 2, out_b = (1.0 / 55.0 + 200.0 / 205.0) / 2;
  EXPECT_NEAR(run.at_mean.output(2), out_a, 1e-15);
  EXPECT_NEAR(run.at_mean.output(4), out_b, 1e-15);
  EXPECT_NEAR(run.at_mean.output.sum(), 1.0, 1e-15);
}

TEST(Selection, TinyIsotropicNoiseStillAveragesTheTwoValues) {
  SelectionSpec spec;
  spec.n = 8;
  spec.t = 1000;
  spec.noise.assign(8, KeyNoise{1e-6, 0.0});
  spec.samples = 500;
  spec.seed = 4;
  SelectionRun run;
  ASSERT_TRUE(SimulateSelection(spec, &run).ok());
  const double pair = 1000.0 / 2006.0;
  EXPECT_NEAR(run.alpha_a_moments.mean, pair, 2e-3);
  EXPECT_NEAR(run.alpha_b_moments.mean, pair, 2e-3);
  EXPECT_LT(std::sqrt(run.drift_moments.variance), 0.02);
}

TEST(Selection, NoiseAlongKeyAIsTamedByTwoHeads) {
  SelectionSpec spec;
  spec.n = 8;
  spec.t = 100;
  spec.s = 100;
  spec.noise.assign(8, KeyNoise{1e-4, 0.0});
  spec.noise[0].c = 0.5;  // Sigma_a = alpha I + 1/2 u_a u_a^T, as in the exercise
  spec.samples = 4000;
  spec.seed = 21;
  SelectionRun one, two;
  ASSERT_TRUE(SimulateSelection(spec, &one).ok());
  spec.two_heads = true;
  ASSERT_TRUE(SimulateSelection(spec, &two).ok());
  // One head: alpha_a / alpha_b = t^(sqrt(1/2) g), a logistic of 3.3 g: the
  // output swings from v_b to v_a; its drift has a standard deviation near 0.7.
  EXPECT_GT(std::sqrt(one.drift_moments.variance), 0.5);
  // Two heads: each picks its key by a margin of log(100) (1 + sqrt(1/2) g);
  // the spread falls at least four-fold in variance.
  EXPECT_LT(two.drift_moments.variance * 4, one.drift_moments.variance);
  EXPECT_LT(two.alpha_a_moments.variance * 4, one.alpha_a_moments.variance);
  // And the average stays between v_a and v_b: the mean drift is small.
  EXPECT_LT(std::abs(two.drift_moments.mean), 0.1);
}

TEST(Selection, TheSameSeedGivesTheSameDistributions) {
  SelectionSpec spec;
  spec.noise.assign(8, KeyNoise{0.01, 0.2});
  spec.samples = 300;
  spec.seed = 77;
  SelectionRun a, b, c;
  ASSERT_TRUE(SimulateSelection(spec, &a).ok());
  ASSERT_TRUE(SimulateSelection(spec, &b).ok());
  EXPECT_EQ(a.alpha_a, b.alpha_a);
  EXPECT_EQ(a.drift, b.drift);
  EXPECT_MATRIX_NEAR(a.first_keys, b.first_keys, 0.0);
  spec.seed = 78;
  ASSERT_TRUE(SimulateSelection(spec, &c).ok());
  EXPECT_NE(a.alpha_a, c.alpha_a);
}

TEST(Selection, ATypedQueryIsUsedAsGiven) {
  SelectionSpec spec;
  spec.n = 3;
  spec.query = {std::log(2.0), 0.0, 0.0};
  spec.samples = 1;
  SelectionRun run;
  ASSERT_TRUE(SimulateSelection(spec, &run).ok());
  // scores (log 2, 0, 0): weights (2, 1, 1) / 4.
  EXPECT_MATRIX_NEAR(run.at_mean.weights, M({{0.5, 0.25, 0.25}}), 1e-15);
}

TEST(Selection, BadSpecsNameTheirField) {
  SelectionRun run;
  SelectionSpec spec;
  spec.b = spec.a;
  EXPECT_EQ(SimulateSelection(spec, &run).field(), "b");
  spec = SelectionSpec();
  spec.a = 8;
  EXPECT_EQ(SimulateSelection(spec, &run).field(), "a");
  spec = SelectionSpec();
  spec.t = 0;
  EXPECT_EQ(SimulateSelection(spec, &run).field(), "t");
  spec = SelectionSpec();
  spec.noise.assign(3, KeyNoise());
  EXPECT_EQ(SimulateSelection(spec, &run).field(), "noise");
  spec = SelectionSpec();
  spec.noise.assign(8, KeyNoise{-1, 0});
  EXPECT_EQ(SimulateSelection(spec, &run).field(), "noise[0]");
}

// The preset, checked by hand. beta = 3: u_a..u_d = 3 e_1..3 e_4;
// v_1 = x_1 W_V = (0, 3, 0, 0), v_2 = 0, v_3 = (0, 3, -3, 0).
// q_1 = (0, 0, 3, 0) scores (0, 0, 9); q_2 = (0, 0, 0, 3) scores (9, 0, 0); q_3 = 0.
TEST(ProjectionDesignPreset, DesignedProjectionsCopyV3IntoC1AndV1IntoC2) {
  Scenario s;
  const Status st = LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e6-projection-design.json", &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  EXPECT_MATRIX_NEAR(r.Q, M({{0, 0, 3, 0}, {0, 0, 0, 3}, {0, 0, 0, 0}}), 0.0);
  EXPECT_MATRIX_NEAR(r.Scores(), M({{0, 0, 9}, {9, 0, 0}, {0, 0, 0}}), 0.0);
  const double e9 = std::exp(9.0), z = e9 + 2;
  EXPECT_MATRIX_NEAR(r.Z, M({{0, (3 + 3 * e9) / z, -3 * e9 / z, 0},
                             {0, (3 * e9 + 3) / z, -3 / z, 0},
                             {0, 2, -1, 0}}),
                     1e-13);
  EXPECT_NEAR(r.Weights()(0, 2), 0.99975, 5e-6);  // c_1 ~ v_3 = u_b - u_c
  EXPECT_NEAR(r.Weights()(1, 0), 0.99975, 5e-6);  // c_2 ~ v_1 = u_b
}

TEST(ProjectionDesignPreset, IdentityProjectionsLeaveC2NearX2) {
  Scenario s;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e6-projection-design.json", &s).ok());
  s.heads[0] = HeadWeights{};  // identity
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  // x_2 . x_2 = 9, x_2 . x_1 = x_2 . x_3 = 0: c_2 = (x_1 + e^9 x_2 + x_3) / (e^9 + 2).
  const double e9 = std::exp(9.0), z = e9 + 2;
  EXPECT_MATRIX_NEAR(r.Z.row(1), M({{3 * e9 / z, 6 / z, 3 / z, 3 / z}}), 1e-13);
}

}  // namespace
}  // namespace attnlab
