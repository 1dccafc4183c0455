// One head of attention: E2 (argmax attention) by hand, the softmax version
// by a second computation, scale options, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "attnlab/attention.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

using testing::M;

// E2: q = [1, 1, 2]; keys k1..k4, values v1..v4 (one per row).
Matrix E2Q() { return M({{1, 1, 2}}); }
Matrix E2K() { return M({{1, 2, 0}, {0, 3, 4}, {5, 0, 0}, {0, 0, 1}}); }
Matrix E2V() { return M({{2, 0, 1}, {1, 4, 3}, {0, -1, 4}, {1, 0, -1}}); }

AttentionOptions Options(ScaleKind scale, double T) {
  AttentionOptions o;
  o.scale.kind = scale;
  o.temperature = T;
  return o;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Attention, E2ArgmaxAttentionPicksKeyTwo) {
  HeadResult h;
  const Status st = Attend(E2Q(), E2K(), E2V(), Options(ScaleKind::kNone, 0.0), &h);
  ASSERT_TRUE(st.ok()) << st.ToString();
  // q.k1 = 1 + 2 = 3, q.k2 = 3 + 8 = 11, q.k3 = 5, q.k4 = 2.
  Matrix raw;
  RawScores(h, &raw);
  EXPECT_MATRIX_NEAR(raw, M({{3, 11, 5, 2}}), 0.0);
  EXPECT_EQ(RawScore(h, 0, 1), 11.0);
  EXPECT_MATRIX_NEAR(h.scores, M({{3, 11, 5, 2}}), 0.0);
  EXPECT_EQ(h.scale, 1.0);
  EXPECT_MATRIX_NEAR(h.weights, M({{0, 1, 0, 0}}), 0.0);
  EXPECT_MATRIX_NEAR(h.output, M({{1, 4, 3}}), 0.0);  // v2
  ASSERT_EQ(h.argmax.size(), 1u);
  EXPECT_EQ(h.argmax[0], std::vector<int>{1});
  EXPECT_TRUE(h.fully_masked_rows.empty());
}

TEST(Attention, E2UnderSoftmaxIsTheExpWeightedSumOfValues) {
  for (double T : {1.0, 0.5, 4.0}) {
    HeadResult h;
    const Status st = Attend(E2Q(), E2K(), E2V(), Options(ScaleKind::kNone, T), &h);
    ASSERT_TRUE(st.ok()) << st.ToString();
    // By hand: w_j = exp(s_j / T) / sum, output = sum_j w_j v_j.
    const double s[4] = {3, 11, 5, 2};
    const double v[4][3] = {{2, 0, 1}, {1, 4, 3}, {0, -1, 4}, {1, 0, -1}};
    double sum = 0;
    for (double sj : s) sum += std::exp(sj / T);
    Matrix w(1, 4), out = Matrix::Zero(1, 3);
    for (int j = 0; j < 4; ++j) {
      w(0, j) = std::exp(s[j] / T) / sum;
      for (int c = 0; c < 3; ++c) out(0, c) += w(0, j) * v[j][c];
    }
    EXPECT_MATRIX_NEAR(h.weights, w, 1e-15) << "T = " << T;
    EXPECT_MATRIX_NEAR(h.output, out, 1e-14) << "T = " << T;
    EXPECT_EQ(h.argmax[0], std::vector<int>{1});
  }
}

TEST(Attention, SqrtDkScaleDividesScoresByRootThree) {
  HeadResult h;
  const Status st = Attend(E2Q(), E2K(), E2V(), Options(ScaleKind::kInvSqrtDk, 1.0), &h);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const double f = 1.0 / std::sqrt(3.0);
  EXPECT_NEAR(h.scale, f, 1e-16);
  EXPECT_NEAR(h.scale, 0.5773502691896258, 1e-15);
  Matrix raw;
  RawScores(h, &raw);
  EXPECT_MATRIX_NEAR(raw, M({{3, 11, 5, 2}}), 0.0);
  EXPECT_MATRIX_NEAR(h.scores, M({{3 * f, 11 * f, 5 * f, 2 * f}}), 1e-14);
  double sum = 0;
  for (double s : {3.0, 11.0, 5.0, 2.0}) sum += std::exp(s * f);
  EXPECT_NEAR(h.weights(0, 1), std::exp(11 * f) / sum, 1e-15);
}

TEST(Attention, SqrtDkIsTheDefaultScale) {
  AttentionOptions o;
  EXPECT_EQ(o.scale.kind, ScaleKind::kInvSqrtDk);
  EXPECT_NEAR(o.scale.Factor(4), 0.5, 1e-16);
  EXPECT_NEAR(o.scale.Factor(64), 0.125, 1e-16);
}

TEST(Attention, CustomScaleMultipliesTheScores) {
  AttentionOptions o = Options(ScaleKind::kCustom, 1.0);
  o.scale.value = 0.5;
  HeadResult h;
  const Status st = Attend(E2Q(), E2K(), E2V(), o, &h);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(h.scale, 0.5);
  EXPECT_MATRIX_NEAR(h.scores, M({{1.5, 5.5, 2.5, 1.0}}), 0.0);
}

TEST(Attention, NonFiniteCustomScaleIsAnError) {
  AttentionOptions o = Options(ScaleKind::kCustom, 1.0);
  o.scale.value = std::numeric_limits<double>::quiet_NaN();
  HeadResult h;
  const Status st = Attend(E2Q(), E2K(), E2V(), o, &h);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "scale");
}

TEST(Attention, MaskedScoresAreMinusInfinityAndWeightsZero) {
  // Two queries at the last two of four positions, causal.
  const Matrix Q = M({{1, 0}, {0, 1}});
  const Matrix K = M({{1, 0}, {0, 1}, {1, 1}, {2, 2}});
  const Matrix V = M({{1}, {2}, {3}, {4}});
  AttentionOptions o = Options(ScaleKind::kNone, 1.0);
  o.mask.kind = MaskKind::kCausal;
  HeadResult h;
  ASSERT_TRUE(Attend(Q, K, V, o, &h).ok());
  EXPECT_EQ(h.scores(0, 3), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(h.weights(0, 3), 0.0);
  // Row 0 over keys 0..2 with scores 1, 0, 1.
  const double sum = 2 * std::exp(1.0) + 1.0;
  EXPECT_NEAR(h.output(0, 0), (std::exp(1.0) * 1 + 1.0 * 2 + std::exp(1.0) * 3) / sum, 1e-14);
  EXPECT_EQ(h.argmax[0], (std::vector<int>{0, 2}));
}

TEST(Attention, ShapeMismatchOfKNamesK) {
  HeadResult h;
  const Status st = Attend(E2Q(), M({{1, 2}, {3, 4}, {5, 6}, {7, 8}}), E2V(), Options(ScaleKind::kNone, 0), &h);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "K");
  EXPECT_TRUE(Contains(st.message(), "expected 3 columns")) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "got 2")) << st.ToString();
}

TEST(Attention, ShapeMismatchOfVNamesV) {
  HeadResult h;
  const Status st =
      Attend(E2Q(), E2K(), M({{2, 0, 1}, {1, 4, 3}, {0, -1, 4}}), Options(ScaleKind::kNone, 0), &h);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "V");
  EXPECT_TRUE(Contains(st.message(), "expected 4 rows")) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "got 3")) << st.ToString();
}

TEST(Attention, ShapeErrorsCarryTheFieldPrefix) {
  HeadResult h;
  const Status st = Attend(E2Q(), M({{1, 2}}), M({{1}}), Options(ScaleKind::kNone, 0), &h, "heads[1].");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "heads[1].K");
}

TEST(Attention, NegativeTemperatureIsAnErrorNamingTemperature) {
  HeadResult h;
  const Status st = Attend(E2Q(), E2K(), E2V(), Options(ScaleKind::kNone, -1.0), &h);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "temperature");
  EXPECT_TRUE(Contains(st.message(), ">= 0")) << st.ToString();
}

TEST(Attention, NaNAndInfiniteTemperatureAreErrorsNamingTemperature) {
  for (double T : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    HeadResult h;
    const Status st = Attend(E2Q(), E2K(), E2V(), Options(ScaleKind::kNone, T), &h);
    ASSERT_FALSE(st.ok()) << "T = " << T;
    EXPECT_EQ(st.field(), "temperature");
    EXPECT_TRUE(Contains(st.message(), std::isnan(T) ? "NaN" : "infinity")) << st.ToString();
  }
}

TEST(Attention, OverflowOfQKTransposeIsAnErrorNamingScoresNotNaN) {
  HeadResult h;
  const Matrix Q = M({{1e200, 1e200}});
  const Matrix K = M({{1e200, 1e200}, {1, 1}});
  const Status st = Attend(Q, K, M({{1}, {2}}), Options(ScaleKind::kNone, 1.0), &h);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "scores");
  EXPECT_TRUE(Contains(st.message(), "overflow")) << st.ToString();
}

TEST(Attention, OverflowToInfMinusInfIsAnErrorNamingScores) {
  // 1e400 - 1e400 = inf - inf = NaN in doubles.
  HeadResult h;
  const Status st =
      Attend(M({{1e200, 1e200}}), M({{1e200, -1e200}}), M({{1}}), Options(ScaleKind::kNone, 1.0), &h);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "scores");
}

TEST(Attention, ScaleThatOverflowsFiniteScoresIsAnError) {
  AttentionOptions o = Options(ScaleKind::kCustom, 1.0);
  o.scale.value = 1e300;
  HeadResult h;
  const Status st = Attend(M({{1e10}}), M({{1e10}}), M({{1}}), o, &h);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "scale");
}

TEST(Attention, LargeButFiniteScoresGiveTheLimitNotNaN) {
  // Q K^T = [1e300, -1e300]: stable softmax gives [1, 0].
  HeadResult h;
  const Status st =
      Attend(M({{1e150}}), M({{1e150}, {-1e150}}), M({{3, 4}, {5, 6}}), Options(ScaleKind::kNone, 1.0), &h);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_MATRIX_NEAR(h.weights, M({{1, 0}}), 0.0);
  EXPECT_MATRIX_NEAR(h.output, M({{3, 4}}), 0.0);
}

}  // namespace
}  // namespace attnlab
