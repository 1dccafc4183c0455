// One head of attention: E2 (argmax attention) by hand, the softmax version
// by a second computation, scale options, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
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

// ---------------------------------------------------------------------------
// The blocked engine against the formulas computed naively, over several
// blocks of queries (kAttendBlockRows) and every kind of mask.

Matrix Normal(int rows, int cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Matrix m(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) m(i, j) = normal(rng);
  return m;
}

struct Naive {
  Matrix scores, weights, output;
  std::vector<int> empty_rows;
};

// scale * q_i . k_j by a loop, -inf where masked; the softmax in long double;
// output = sum_j w_ij v_j by a loop.
Naive NaiveAttention(const Matrix& Q, const Matrix& K, const Matrix& V, double scale, const Mask& ok, double T) {
  const Eigen::Index n_q = Q.rows(), n_k = K.rows();
  Naive r;
  r.scores.resize(n_q, n_k);
  r.weights = Matrix::Zero(n_q, n_k);
  r.output = Matrix::Zero(n_q, V.cols());
  for (Eigen::Index i = 0; i < n_q; ++i) {
    for (Eigen::Index j = 0; j < n_k; ++j) {
      double dot = 0;
      for (Eigen::Index c = 0; c < Q.cols(); ++c) dot += Q(i, c) * K(j, c);
      r.scores(i, j) = ok(i, j) ? scale * dot : -std::numeric_limits<double>::infinity();
    }
    double m = -std::numeric_limits<double>::infinity();
    for (Eigen::Index j = 0; j < n_k; ++j) m = std::max(m, r.scores(i, j));
    if (m == -std::numeric_limits<double>::infinity()) {
      r.empty_rows.push_back(static_cast<int>(i));
      continue;
    }
    long double sum = 0;
    for (Eigen::Index j = 0; j < n_k; ++j)
      if (ok(i, j)) sum += std::exp(static_cast<long double>(r.scores(i, j) - m) / T);
    for (Eigen::Index j = 0; j < n_k; ++j) {
      if (!ok(i, j)) continue;
      r.weights(i, j) = static_cast<double>(std::exp(static_cast<long double>(r.scores(i, j) - m) / T) / sum);
      for (Eigen::Index c = 0; c < V.cols(); ++c) r.output(i, c) += r.weights(i, j) * V(j, c);
    }
  }
  return r;
}

std::vector<std::pair<std::string, MaskSpec>> MaskKinds(int n_q, int n_k) {
  std::vector<std::pair<std::string, MaskSpec>> out;
  const auto add = [&](const char* name, MaskKind kind, int p) {
    MaskSpec m;
    m.kind = kind;
    m.param = p;
    out.push_back({name, m});
  };
  add("none", MaskKind::kNone, 0);
  add("causal", MaskKind::kCausal, 0);
  add("padding", MaskKind::kPadding, n_k / 2 + 3);
  add("sliding_window", MaskKind::kSlidingWindow, 17);
  add("prefix_lm", MaskKind::kPrefixLm, 70);
  add("block_diagonal", MaskKind::kBlockDiagonal, 50);
  MaskSpec gaps;
  gaps.kind = MaskKind::kCustom;
  gaps.custom.resize(n_q, n_k);
  for (int i = 0; i < n_q; ++i)
    for (int j = 0; j < n_k; ++j) gaps.custom(i, j) = (i + 2 * j) % 7 != 3;
  for (int empty : {0, 65, n_q - 1}) gaps.custom.row(empty).setConstant(false);  // in three blocks
  out.push_back({"custom with gaps and empty rows", gaps});
  return out;
}

TEST(AttentionEngine, EveryMaskKindOverSeveralBlocksMatchesTheNaiveFormulas) {
  for (auto [n_q, n_k] : {std::pair{200, 200}, std::pair{70, 200}}) {
    const Matrix Q = Normal(n_q, 16, 1), K = Normal(n_k, 16, 2), V = Normal(n_k, 5, 3);
    for (const auto& [name, spec] : MaskKinds(n_q, n_k)) {
      for (double T : {1.0, 0.4}) {
        SCOPED_TRACE(name + ", " + std::to_string(n_q) + "x" + std::to_string(n_k) + ", T = " + std::to_string(T));
        AttentionOptions o = Options(ScaleKind::kInvSqrtDk, T);
        o.mask = spec;
        HeadResult h;
        ASSERT_TRUE(Attend(Q, K, V, o, &h).ok());
        const Naive want = NaiveAttention(Q, K, V, 0.25, h.allowed.ToDense(), T);
        // -inf where masked, the same numbers up to round-off elsewhere.
        ASSERT_EQ(h.scores.rows(), n_q);
        ASSERT_EQ(h.scores.cols(), n_k);
        for (int i = 0; i < n_q; ++i) {
          for (int j = 0; j < n_k; ++j) {
            if (std::isinf(want.scores(i, j))) {
              ASSERT_EQ(h.scores(i, j), want.scores(i, j)) << "(" << i << ", " << j << ")";
              ASSERT_EQ(h.weights(i, j), 0.0) << "(" << i << ", " << j << ")";
            } else {
              ASSERT_NEAR(h.scores(i, j), want.scores(i, j), 1e-14) << "(" << i << ", " << j << ")";
            }
          }
        }
        EXPECT_MATRIX_NEAR(h.weights, want.weights, 1e-14);
        EXPECT_MATRIX_NEAR(h.output, want.output, 1e-13);
        EXPECT_EQ(h.fully_masked_rows, want.empty_rows);
        for (int i : want.empty_rows) {
          EXPECT_MATRIX_NEAR(h.output.row(i), Matrix::Zero(1, V.cols()), 0.0);
          EXPECT_TRUE(h.argmax[static_cast<size_t>(i)].empty());
        }
        EXPECT_TRUE(h.argmax == ArgmaxPerRow(h.weights, h.allowed));
      }
    }
  }
}

TEST(AttentionEngine, CausalAndACustomMaskDrawnAsCausalGiveIdenticalBits) {
  const int n = 150;
  const Matrix Q = Normal(n, 8, 4), K = Normal(n, 8, 5), V = Normal(n, 3, 6);
  AttentionOptions causal = Options(ScaleKind::kInvSqrtDk, 1.0), custom = causal;
  causal.mask.kind = MaskKind::kCausal;
  custom.mask.kind = MaskKind::kCustom;
  custom.mask.custom = Mask::Constant(n, n, false);
  for (int i = 0; i < n; ++i) custom.mask.custom.row(i).head(i + 1).setConstant(true);
  HeadResult a, b;
  ASSERT_TRUE(Attend(Q, K, V, causal, &a).ok());
  ASSERT_TRUE(Attend(Q, K, V, custom, &b).ok());
  EXPECT_TRUE((a.scores.array() == b.scores.array()).all());
  EXPECT_TRUE((a.weights.array() == b.weights.array()).all());
  EXPECT_TRUE((a.output.array() == b.output.array()).all());
  EXPECT_TRUE(a.argmax == b.argmax);
}

TEST(AttentionEngine, ReusingTheBuffersGivesTheSameBitsAsAFreshHead) {
  const Matrix Q = Normal(130, 8, 7), K = Normal(130, 8, 8), V = Normal(130, 3, 9);
  HeadResult reused;
  for (MaskKind kind : {MaskKind::kNone, MaskKind::kCausal, MaskKind::kNone, MaskKind::kSlidingWindow}) {
    AttentionOptions o = Options(ScaleKind::kInvSqrtDk, 1.0);
    o.mask.kind = kind;
    o.mask.param = 9;
    HeadResult fresh;
    ASSERT_TRUE(Attend(Q, K, V, o, &fresh).ok());
    ASSERT_TRUE(Attend(Q, K, V, o, &reused).ok());
    EXPECT_TRUE((fresh.scores.array() == reused.scores.array()).all()) << MaskKindName(kind);
    EXPECT_TRUE((fresh.weights.array() == reused.weights.array()).all()) << MaskKindName(kind);
    EXPECT_TRUE(fresh.argmax == reused.argmax) << MaskKindName(kind);
  }
}

TEST(AttentionEngine, AnOverflowOnAMaskedKeyIsNoError) {
  // Q K^T = [[1, 1e400]]: the overflowing key is masked, so it is never used.
  MaskSpec mask;
  mask.kind = MaskKind::kPadding;
  mask.param = 1;
  AttentionOptions o = Options(ScaleKind::kNone, 1.0);
  o.mask = mask;
  HeadResult h;
  const Status st = Attend(M({{1, 1e200}}), M({{1, 0}, {0, 1e200}}), M({{3}, {4}}), o, &h);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_MATRIX_NEAR(h.weights, M({{1, 0}}), 0.0);
  EXPECT_MATRIX_NEAR(h.output, M({{3}}), 0.0);
  // Unmasked, the same inputs are an error naming the scores.
  EXPECT_EQ(Attend(M({{1, 1e200}}), M({{1, 0}, {0, 1e200}}), M({{3}, {4}}), Options(ScaleKind::kNone, 1.0), &h).field(),
            "scores");
}

TEST(AttentionEngine, RawScoresAreQKTransposeBeforeScaleAndMask) {
  AttentionOptions o = Options(ScaleKind::kCustom, 1.0);
  o.scale.value = 0.5;
  o.mask.kind = MaskKind::kCausal;
  HeadResult h;
  ASSERT_TRUE(Attend(M({{1, 2}, {3, 4}}), M({{1, 0}, {0, 1}}), M({{1}, {2}}), o, &h).ok());
  Matrix raw;
  RawScores(h, &raw);
  EXPECT_MATRIX_NEAR(raw, M({{1, 2}, {3, 4}}), 0.0);  // the masked (0, 1) included
  EXPECT_EQ(RawScore(h, 0, 1), 2.0);
  EXPECT_EQ(h.scores(0, 1), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(h.scores(1, 1), 2.0);
}

}  // namespace
}  // namespace attnlab
