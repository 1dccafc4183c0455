// Kernel (linear) attention (E5): the feature maps against the kernels they
// stand for, both forms against a naive scalar loop, the causal state, the
// random features' error against their count, the cost against hand counts,
// the denominators' diagnostic, and the "kernel_lab" settings and eval block.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "attnlab/kernel_attention.hpp"
#include "attnlab/limits.hpp"
#include "attnlab/random.hpp"
#include "attnlab/report.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

using json = nlohmann::json;

Matrix Random(int rows, int cols, unsigned seed, double lo = -1, double hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = u(rng);
  return m;
}

// The third method: sim by its formula, summed in a plain loop.
double NaiveSim(const KernelSpec& s, const RowVector& q, const RowVector& k) {
  const int D = static_cast<int>(q.size());
  double qk = 0;
  for (int t = 0; t < D; ++t) qk += q(t) * k(t);
  switch (s.sim) {
    case KernelSim::kSoftmax: return std::exp(qk / std::sqrt(static_cast<double>(D)));
    case KernelSim::kDot: return qk;
    case KernelSim::kPolynomial: return std::pow(qk + s.c, s.p);
    case KernelSim::kElu: {
      double a = 0;
      for (int t = 0; t < D; ++t) a += (q(t) > 0 ? q(t) + 1 : std::exp(q(t))) * (k(t) > 0 ? k(t) + 1 : std::exp(k(t)));
      return a;
    }
    case KernelSim::kRelu: {
      double a = 0;
      for (int t = 0; t < D; ++t) a += std::max(q(t), 0.0) * std::max(k(t), 0.0);
      return a;
    }
  }
  return 0;
}

Matrix NaiveOutput(const KernelSpec& s, const Matrix& Q, const Matrix& K, const Matrix& V) {
  Matrix out = Matrix::Zero(Q.rows(), V.cols());
  for (Eigen::Index i = 0; i < Q.rows(); ++i) {
    double den = 0;
    for (Eigen::Index j = 0; j < (s.causal ? i + 1 : K.rows()); ++j) {
      const double a = NaiveSim(s, Q.row(i), K.row(j));
      den += a;
      for (Eigen::Index c = 0; c < V.cols(); ++c) out(i, c) += a * V(j, c);
    }
    out.row(i) /= den;
  }
  return out;
}

TEST(KernelMap, TheQuadraticMapsDotProductIsTheSquaredKernel) {
  for (int D : {1, 2, 3, 5, 8}) {
    for (unsigned seed = 0; seed < 5; ++seed) {
      const RowVector q = Random(1, D, 10 * D + seed), k = Random(1, D, 100 * D + seed, -2, 2);
      const RowVector pq = PolynomialFeatures(q, 1.0, 2), pk = PolynomialFeatures(k, 1.0, 2);
      ASSERT_EQ(pq.size(), (D + 1) * (D + 2) / 2) << "D = " << D;
      const double want = std::pow(q.dot(k) + 1.0, 2);
      EXPECT_NEAR(pq.dot(pk), want, 1e-13 * std::max(1.0, want)) << "D = " << D;
    }
  }
  KernelSpec spec;  // polynomial, c = 1, p = 2
  EXPECT_EQ(PhiDim(spec, 64), 65.0 * 66 / 2);
}

TEST(KernelMap, TheQuadraticMapListsItsFeaturesInE5sOrder) {
  RowVector x(3);
  x << 2, 3, 5;
  const double r2 = std::sqrt(2.0);
  RowVector want(10);
  want << 4, 9, 25, r2 * 6, r2 * 10, r2 * 15, r2 * 2, r2 * 3, r2 * 5, 1;
  const RowVector got = PolynomialFeatures(x, 1.0, 2);
  ASSERT_EQ(got.size(), 10);
  for (int t = 0; t < 10; ++t) EXPECT_NEAR(got(t), want(t), 1e-14) << t;
}

TEST(KernelMap, OtherDegreesAndOffsetsReproduceThePolynomial) {
  for (int p : {1, 3, 4}) {
    for (double c : {0.0, 0.5, 2.0}) {
      const RowVector q = Random(1, 3, p * 7 + 1), k = Random(1, 3, p * 11 + 2);
      const RowVector pq = PolynomialFeatures(q, c, p), pk = PolynomialFeatures(k, c, p);
      KernelSpec s;
      s.p = p;
      s.c = c;
      EXPECT_EQ(static_cast<double>(pq.size()), PhiDim(s, 3)) << "p = " << p;
      const double want = std::pow(q.dot(k) + c, p);
      EXPECT_NEAR(pq.dot(pk), want, 1e-13 * std::max(1.0, std::abs(want))) << "p = " << p << ", c = " << c;
    }
  }
}

TEST(KernelMap, TheFeatureMapAtDegrees5To8ReproducesThePolynomial) {
  // FeatureMap (the view's path, not PolynomialFeatures) against (q.k + c)^p by std::pow.
  const Matrix Q = Random(2, 3, 41), K = Random(3, 3, 42);
  for (int p = 5; p <= 8; ++p) {
    for (double c : {0.0, 1.0}) {
      KernelSpec s;
      s.p = p;
      s.c = c;
      Matrix pq, pk;
      ASSERT_TRUE(FeatureMap(s, Q, &pq).ok() && FeatureMap(s, K, &pk).ok());
      EXPECT_EQ(static_cast<double>(pq.cols()), PhiDim(s, 3));
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j) {
          double qk = 0;
          for (int t = 0; t < 3; ++t) qk += Q(i, t) * K(j, t);
          const double want = std::pow(qk + c, p);
          EXPECT_NEAR(pq.row(i).dot(pk.row(j)), want, 1e-13 * std::max(1.0, std::abs(want))) << "p = " << p;
        }
    }
  }
}

TEST(KernelForms, SoftmaxWeightsMatchANaiveLoop) {
  // The shifted sim gives the same weights as exp(q.k / sqrt(D)) / sum, summed in a plain loop.
  KernelSpec spec;
  spec.sim = KernelSim::kSoftmax;
  const Matrix Q = Random(4, 3, 51, -2, 2), K = Random(5, 3, 52, -2, 2), V = Random(5, 2, 53);
  KernelAttention a;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q, K, V, &a).ok());
  for (int i = 0; i < 4; ++i) {
    double den = 0, row_max = -1e300;
    std::vector<double> e(5);
    for (int j = 0; j < 5; ++j) {
      e[j] = NaiveSim(spec, Q.row(i), K.row(j));
      den += e[j];
    }
    for (int j = 0; j < 5; ++j) {
      EXPECT_NEAR(a.weights(i, j), e[j] / den, 1e-14);
      row_max = std::max(row_max, e[j]);
    }
    for (int j = 0; j < 5; ++j) EXPECT_NEAR(a.sim(i, j), e[j] / row_max, 1e-14);  // exp(s - max)
  }
}

TEST(KernelForms, QuadraticLinearAndANaiveLoopAgreeTo1e12Relative) {
  const Matrix Q = Random(7, 3, 1), K = Random(7, 3, 2), V = Random(7, 2, 3, -3, 3);
  // the dot product on positive inputs, so no denominator vanishes
  const Matrix Qp = Random(7, 3, 4, 0.1, 1), Kp = Random(7, 3, 5, 0.1, 1);
  for (KernelSim sim : {KernelSim::kDot, KernelSim::kPolynomial, KernelSim::kElu, KernelSim::kRelu}) {
    for (bool causal : {false, true}) {
      KernelSpec spec;
      spec.sim = sim;
      spec.causal = causal;
      const bool positive = sim == KernelSim::kDot || sim == KernelSim::kRelu;
      const Matrix& q = positive ? Qp : Q;
      const Matrix& k = positive ? Kp : K;
      SCOPED_TRACE(std::string(KernelSimKey(sim)) + (causal ? " causal" : ""));
      KernelAttention a;
      const Status st = ComputeKernelAttention(spec, q, k, V, &a);
      ASSERT_TRUE(st.ok()) << st.ToString();
      ASSERT_TRUE(a.has_linear);
      ASSERT_TRUE(a.bad_rows.empty()) << a.diagnostics.front();
      const Matrix naive = NaiveOutput(spec, q, k, V);
      const double scale = naive.cwiseAbs().maxCoeff();
      EXPECT_LE((a.output - naive).cwiseAbs().maxCoeff(), 1e-12 * scale);
      EXPECT_LE((a.output_linear - naive).cwiseAbs().maxCoeff(), 1e-12 * scale);
      EXPECT_LE(a.max_abs_diff, a.diff_tolerance);
      EXPECT_GT(a.max_abs_output, 0.1);
      if (causal) EXPECT_EQ(a.sim(0, 1), 0.0);
    }
  }
}

TEST(KernelForms, TheCausalStateIsTheRunningSumOfOuterProducts) {
  const Matrix Q = Random(5, 2, 7), K = Random(5, 2, 8), V = Random(5, 3, 9);
  KernelSpec spec;
  spec.causal = true;
  KernelAttention a;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q, K, V, &a).ok());
  for (int i = 0; i < 5; ++i) {
    Matrix S;
    RowVector z;
    CausalState(a.phi_K, V, i, &S, &z);
    Matrix S_loop = Matrix::Zero(6, 3);
    RowVector z_loop = RowVector::Zero(6);
    for (int j = 0; j <= i; ++j)
      for (int r = 0; r < 6; ++r) {
        z_loop(r) += a.phi_K(j, r);
        for (int c = 0; c < 3; ++c) S_loop(r, c) += a.phi_K(j, r) * V(j, c);
      }
    EXPECT_LE((S - S_loop).cwiseAbs().maxCoeff(), 1e-13);
    EXPECT_LE((z - z_loop).cwiseAbs().maxCoeff(), 1e-13);
    const RowVector out = a.phi_Q.row(i) * S / a.phi_Q.row(i).dot(z);
    EXPECT_LE((out - a.output_linear.row(i)).cwiseAbs().maxCoeff(), 1e-12);
  }
}

TEST(KernelRandomFeatures, TheKernelEstimateIsUnbiased) {
  RowVector q(2), k(2);
  q << 0.6, -0.3;
  k << 0.4, 0.5;
  KernelSpec spec;
  spec.sim = KernelSim::kSoftmax;
  spec.features = 256;
  double mean = 0;
  const int seeds = 200;
  for (int s = 0; s < seeds; ++s) {
    spec.seed = 1000 + s;
    Matrix pq, pk;
    ASSERT_TRUE(FeatureMap(spec, q, &pq).ok());
    ASSERT_TRUE(FeatureMap(spec, k, &pk).ok());
    mean += pq.row(0).dot(pk.row(0)) / seeds;
  }
  // 51200 features in all: the mean's standard error is about 0.003 here.
  EXPECT_NEAR(mean, std::exp(q.dot(k) / std::sqrt(2.0)), 0.015);
}

// The error of the output against m: log(mean error) = a - 0.5 log m, fitted
// over m = 16 .. 4096 with 40 seeds each. The ratio estimator's bias is O(1/m),
// below the O(1/sqrt(m)) spread from m = 16 on at these sizes; with 40 seeds the
// log of a mean error is known to about +-0.05, so the slope over a span of
// log(256) = 5.5 to about +-0.02; +-0.1 leaves room, and a 1/m law (-1) or none (0) fails.
TEST(KernelRandomFeatures, TheOutputsErrorShrinksLikeOneOverSqrtM) {
  const Matrix Q = Random(4, 2, 21), K = Random(4, 2, 22), V = Random(4, 2, 23);
  std::vector<double> lx, ly;
  for (int m : {16, 64, 256, 1024, 4096}) {
    double sum = 0;
    for (int s = 0; s < 40; ++s) {
      KernelSpec spec;
      spec.sim = KernelSim::kSoftmax;
      spec.features = m;
      spec.seed = 7919 * s + 1;
      KernelAttention a;
      ASSERT_TRUE(ComputeKernelAttention(spec, Q, K, V, &a).ok());
      sum += a.max_abs_diff;
    }
    lx.push_back(std::log(static_cast<double>(m)));
    ly.push_back(std::log(sum / 40));
  }
  double mx = 0, my = 0;
  for (size_t i = 0; i < lx.size(); ++i) mx += lx[i] / lx.size(), my += ly[i] / ly.size();
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < lx.size(); ++i) sxy += (lx[i] - mx) * (ly[i] - my), sxx += (lx[i] - mx) * (lx[i] - mx);
  const double slope = sxy / sxx;
  std::printf("[ fitted ] log-log slope of the random features' error against m: %.4f\n", slope);
  EXPECT_NEAR(slope, -0.5, 0.1);
}

TEST(KernelCost, CountsMatchHandCountedSmallCases) {
  KernelSpec dot;
  dot.sim = KernelSim::kDot;
  // N = 2, D = 1, M = 1: Q K^T 2*4*1 = 8, den 2*4 = 8, divide 4, weights V 2*4*1 = 8: 28.
  KernelCost c = CountKernelCost(dot, 2, 1, 1);
  EXPECT_EQ(c.quadratic_flops, 28);
  // phi = x: S 2*2*1*1 = 4, z 2*2*1 = 4, phi(Q) S 4, phi(Q) z 4, divide 2: 18.
  EXPECT_EQ(c.linear_flops, 18);
  EXPECT_EQ(c.quadratic_memory, 6);  // A 2x2 and den 2
  EXPECT_EQ(c.linear_memory, 3);     // S 1x1, z 1, one phi row 1
  // (q.k + 1)^2, N = 3, D = 2, M = 2: D_phi = 6, phi of a row 2 * 6 = 12 FLOPs.
  KernelSpec quad;
  c = CountKernelCost(quad, 3, 2, 2);
  EXPECT_EQ(c.phi_dim, 6);
  EXPECT_EQ(c.phi_row_flops, 12);
  // the power: the add of c and p - 1 = 1 multiply, 2 per pair (as phi charges p per feature)
  EXPECT_EQ(c.quadratic_flops, 36 + 18 + 18 + 9 + 36);     // Q K^T, power, den, divide, weights V
  EXPECT_EQ(c.linear_flops, 72 + 72 + 36 + 72 + 36 + 6);   // phi of 6 rows, S, z, phi(Q) S, phi(Q) z, divide
  // 13 N^2 against 98 N: the linear form is cheaper from N = 8 (13 * 7 = 91 < 98 < 104).
  EXPECT_EQ(CrossoverFlopsN(quad, 2, 2), 8);
  // softmax, N = 2, D = 4, M = 1: Q K^T 2*4*4 = 32, scale and exp 2*4 = 8, den 8, divide 4, weights V 8: 60.
  KernelSpec soft;
  soft.sim = KernelSim::kSoftmax;
  soft.features = 3;
  c = CountKernelCost(soft, 2, 4, 1);
  EXPECT_EQ(c.quadratic_flops, 32 + 8 + 8 + 4 + 8);
  // a row of random features: x / D^(1/4) 4, |x'|^2 / 2 8, W x' 2*3*4 = 24, subtract and exp 6, / sqrt(m) 3: 45.
  EXPECT_EQ(c.phi_row_flops, 4 + 8 + 24 + 6 + 3);
  // N^2 + N against 6 * 2 + 2 * 6 = 24: from N = 5 (20 <= 24 < 30).
  EXPECT_EQ(CrossoverMemoryN(quad, 2, 2), 5);
  // E5: with D_phi ~ D^2 / 2 and M = D, the crossover grows like D^2: about
  // 4 D_phi M / (4 D + 4) ~ D^2 / 2 (2170 at D = 64, 8442 at D = 128: x3.89,
  // which tends to 4 as the lower-order terms fade).
  const double n64 = CrossoverFlopsN(quad, 64, 64), n128 = CrossoverFlopsN(quad, 128, 128);
  EXPECT_EQ(n64, 2170);
  EXPECT_NEAR(n128 / n64, 4.0, 0.15);
}

TEST(KernelCost, TimingStopsWhenCancelled) {
  KernelSpec spec;
  std::atomic<bool> cancel{true};
  double q = -1, l = -1;
  const auto t0 = std::chrono::steady_clock::now();
  const Status st = TimeKernelForms(spec, 2048, 16, 16, 3, &q, &l, &cancel);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.5);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cancelled"), std::string::npos) << st.ToString();
  EXPECT_EQ(q, -1);
  cancel = false;
  ASSERT_TRUE(TimeKernelForms(spec, 64, 4, 4, 1, &q, &l, &cancel).ok());
  EXPECT_GT(q, 0);
}

TEST(KernelDenominator, ADotProductRowThatSumsToZeroIsNamedAndNullASignChangeIsAWarning) {
  Matrix Q(4, 2), K(3, 2), V(3, 1);
  Q << 1, 0,    // 1 - 1 + 0 = 0: vanishes
      0, 1,     // 0 + 0 + 1 = 1
      1, 1,     // 1 - 1 + 1 = 1
      -1, -1;   // -1 + 1 - 1 = -1: the sign flips
  K << 1, 0, -1, 0, 0, 1;
  V << 1, 2, 3;
  KernelSpec spec;
  spec.sim = KernelSim::kDot;
  KernelAttention a;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q, K, V, &a).ok());
  EXPECT_EQ(a.bad_rows, (std::vector<int>{0}));  // only the zero denominator is null
  EXPECT_EQ(a.den(0), 0.0);
  EXPECT_TRUE(std::isnan(a.output(0, 0)));
  EXPECT_TRUE(std::isnan(a.output_linear(0, 0)));
  // Row 3's denominator is -1, finite: its sign is the minority's, a named warning; the row is kept.
  EXPECT_EQ(a.sign_rows, (std::vector<int>{3}));
  EXPECT_DOUBLE_EQ(a.output(3, 0), 2.0);  // (-1 * 1 + 1 * 2 - 1 * 3) / -1
  EXPECT_DOUBLE_EQ(a.output_linear(3, 0), 2.0);
  EXPECT_DOUBLE_EQ(a.output(1, 0), 3.0);  // only key 2
  ASSERT_EQ(a.diagnostics.size(), 2u);
  EXPECT_NE(a.diagnostics[0].find("row 0 (0-based)"), std::string::npos) << a.diagnostics[0];
  EXPECT_NE(a.diagnostics[1].find("warning: row 3 (0-based)"), std::string::npos) << a.diagnostics[1];
  // ReLU: a query with no positive part sees nothing.
  spec.sim = KernelSim::kRelu;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q, K, V, &a).ok());
  EXPECT_EQ(a.bad_rows, (std::vector<int>{3}));
}

TEST(KernelDenominator, ACancellingRowIsFlagged) {
  Matrix Q(1, 1), K(2, 1), V(2, 1);
  Q << 1;
  K << 1, -(1 - 1e-12);
  V << 1, 1;
  KernelSpec spec;
  spec.sim = KernelSim::kDot;
  KernelAttention a;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q, K, V, &a).ok());
  EXPECT_EQ(a.bad_rows, (std::vector<int>{0}));
  EXPECT_NE(a.diagnostics[0].find("cancels"), std::string::npos);
}

TEST(KernelSoftmax, TheRowMaxIsSubtractedSoLargeScoresDoNotOverflow) {
  KernelSpec spec;
  spec.sim = KernelSim::kSoftmax;
  KernelAttention a;
  // q.k / sqrt(2) = 1273: exp overflows without the row's max.
  Matrix Q(1, 2), K(2, 2), V(2, 2);
  Q << 30, 30;
  K << 30, 30, 0, 0;
  V << 1, 2, 3, 4;
  Status st = ComputeKernelAttention(spec, Q, K, V, &a);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(a.sim(0, 0), 1.0);
  EXPECT_EQ(a.weights(0, 0), 1.0);
  EXPECT_TRUE(a.bad_rows.empty());
  EXPECT_DOUBLE_EQ(a.output(0, 0), 1.0);
  EXPECT_TRUE(a.phi_Q.allFinite() && a.phi_K.allFinite());
  EXPECT_TRUE(a.output_linear.allFinite()) << a.output_linear;  // random features at large |q|: finite
  // Scores of -1131 and -1160: every exp underflows to 0 without the max; a softmax row never vanishes.
  Matrix Q2(1, 2), K2(2, 2);
  Q2 << 40, 0;
  K2 << -40, 0, -41, 0;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q2, K2, V, &a).ok());
  EXPECT_TRUE(a.bad_rows.empty());
  EXPECT_TRUE(a.diagnostics.empty()) << a.diagnostics[0];
  EXPECT_EQ(a.sim(0, 0), 1.0);
  EXPECT_NEAR(a.weights(0, 1), std::exp(-40 / std::sqrt(2.0)) / (1 + std::exp(-40 / std::sqrt(2.0))), 1e-25);
  EXPECT_TRUE(a.output.allFinite());
  EXPECT_TRUE(a.output_linear.allFinite()) << a.output_linear;
}

TEST(KernelSoftmax, TheStabilisersCancelInTheRatio) {
  // The same draw with and without FAVOR+'s shifts gives the same linear output.
  KernelSpec spec;
  spec.sim = KernelSim::kSoftmax;
  spec.features = 32;
  const Matrix Q = Random(4, 3, 11), K = Random(5, 3, 12), V = Random(5, 2, 13);
  Matrix pq, pk, sq, sk;
  ASSERT_TRUE(FeatureMap(spec, Q, &pq).ok() && FeatureMap(spec, K, &pk).ok());
  ASSERT_TRUE(FeatureMap(spec, Q, &sq, FeatureShift::kRow).ok() && FeatureMap(spec, K, &sk, FeatureShift::kGlobal).ok());
  const Matrix plain = ((pq * pk.transpose() * V).array().colwise() / (pq * pk.transpose()).rowwise().sum().array()).matrix();
  const Matrix shifted = ((sq * sk.transpose() * V).array().colwise() / (sq * sk.transpose()).rowwise().sum().array()).matrix();
  EXPECT_LT((plain - shifted).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_DOUBLE_EQ(sq.row(0).maxCoeff(), 1 / std::sqrt(32.0));
}

TEST(KernelRandomFeatures, ARowTheEstimateCannotComputeIsNullInOutputLinearOnly) {
  // One feature (m = 1) and two equal keys: phi(K_0) = phi(K_1) = 1, so
  // S = 1e308 + 1e308 overflows, while the exact weights 1/2 give 1e308.
  KernelSpec spec;
  spec.sim = KernelSim::kSoftmax;
  spec.features = 1;
  Matrix Q(2, 1), K(2, 1), V(2, 1);
  Q << 0.5, 0.2;
  K << 0.3, 0.3;
  V << 1e308, 1e308;
  KernelAttention a;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q, K, V, &a).ok());
  EXPECT_TRUE(a.bad_rows.empty());
  EXPECT_EQ(a.linear_bad_rows, (std::vector<int>{0, 1}));
  EXPECT_EQ(a.output(0, 0), 1e308);  // the exact output and weights stand
  EXPECT_EQ(a.weights(1, 0), 0.5);
  EXPECT_TRUE(std::isnan(a.output_linear(0, 0)) && std::isnan(a.output_linear(1, 0)));
  EXPECT_EQ(a.diff_rows_left_out, 2);
  ASSERT_EQ(a.diagnostics.size(), 1u);  // one line for both rows
  EXPECT_NE(a.diagnostics[0].find("rows 0, 1 (0-based)"), std::string::npos) << a.diagnostics[0];
  EXPECT_NE(a.diagnostics[0].find("leaves them out"), std::string::npos) << a.diagnostics[0];
  // 40 rows: still one bounded line.
  Matrix Q40 = Matrix::Constant(40, 1, 0.5);
  ASSERT_TRUE(ComputeKernelAttention(spec, Q40, K, V, &a).ok());
  ASSERT_EQ(a.diagnostics.size(), 1u);
  EXPECT_LT(a.diagnostics[0].size(), 300u);
  EXPECT_NE(a.diagnostics[0].find("(40 rows)"), std::string::npos) << a.diagnostics[0];
}

TEST(KernelForms, AnExactMapWithOutputsNearZeroIsRoundOffNotDifferent) {
  // Three equal keys and values summing to (nearly) 0: every output is ~1e-17,
  // so a tolerance relative to max|output| would call round-off a difference.
  KernelSpec spec;  // (q.k + 1)^2
  Matrix Q(2, 2), K(3, 2), V(3, 1);
  Q << 1, 0.3, -0.4, 0.9;
  K << 0.2, 0.5, 0.2, 0.5, 0.2, 0.5;
  V << 0.1, 0.2, -0.3;
  KernelAttention a;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q, K, V, &a).ok());
  EXPECT_LT(a.max_abs_output, 1e-15);
  EXPECT_DOUBLE_EQ(a.conditioning, 1.0);
  EXPECT_DOUBLE_EQ(a.diff_tolerance, 1e-12 * 0.3);
  EXPECT_LE(a.max_abs_diff, a.diff_tolerance);
  // A dot product with mixed signs: the conditioning is sum |A| / |den|.
  spec.sim = KernelSim::kDot;
  Matrix Q1(1, 1), K2(2, 1), V2(2, 1);
  Q1 << 1;
  K2 << 3, -1;
  V2 << 1, 2;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q1, K2, V2, &a).ok());
  EXPECT_DOUBLE_EQ(a.conditioning, 2.0);
  EXPECT_DOUBLE_EQ(a.diff_tolerance, 1e-12 * 2 * 2);
}

TEST(KernelRandomFeatures, TheSweepNeverDropsANaNRowSilently) {
  // A row whose difference is NaN (not in bad_rows) makes the draw give no
  // estimate, rather than vanishing into std::max(worst, NaN) == worst.
  KernelSpec spec;
  spec.sim = KernelSim::kSoftmax;
  const Matrix Q = Random(3, 2, 61), K = Random(3, 2, 62), V = Random(3, 2, 63);
  KernelAttention a;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q, K, V, &a).ok());
  std::vector<double> m, err;
  ASSERT_TRUE(RandomFeatureErrors(spec, Q, K, V, a.output, a.bad_rows, &m, &err).ok());
  EXPECT_FALSE(m.empty());
  Matrix broken = a.output;
  broken(1, 0) = std::nan("");
  ASSERT_TRUE(RandomFeatureErrors(spec, Q, K, V, broken, a.bad_rows, &m, &err).ok());
  EXPECT_TRUE(m.empty()) << m.size() << " counts kept a NaN row out silently";
  ASSERT_TRUE(RandomFeatureErrors(spec, Q, K, V, broken, {1}, &m, &err).ok());  // a known bad row: left out
  EXPECT_FALSE(m.empty());
}

TEST(KernelInput, BadInputIsRefusedNamingTheField) {
  Matrix Q = Random(3, 2, 1), K = Random(3, 2, 2), V = Random(3, 2, 3);
  KernelSpec spec;
  KernelAttention a;
  Q(1, 0) = std::nan("");
  Status st = ComputeKernelAttention(spec, Q, K, V, &a);
  EXPECT_EQ(st.field(), "Q");
  Q(1, 0) = 0;
  spec.p = -1;
  EXPECT_EQ(ComputeKernelAttention(spec, Q, K, V, &a).field(), "kernel_lab.p");
  spec.p = 2;
  spec.sim = KernelSim::kSoftmax;
  spec.features = 1000000000;
  EXPECT_EQ(ComputeKernelAttention(spec, Q, K, V, &a).field(), "kernel_lab.features");
  spec.sim = KernelSim::kPolynomial;
  spec.features = 64;
  st = CheckKernelSpec(spec, 200, "kernel_lab.");  // D_phi = 201 * 202 / 2 = 20301
  EXPECT_EQ(st.field(), "kernel_lab.p");
  EXPECT_NE(st.message().find("20301"), std::string::npos) << st.message();
  spec.sim = KernelSim::kDot;  // softmax subtracts its row's max and cannot overflow; q.k can
  Q *= 1e200;
  K *= 1e200;
  EXPECT_EQ(ComputeKernelAttention(spec, Q, K, V, &a).field(), "sim");
  spec.sim = KernelSim::kPolynomial;
  spec.c = -1;
  Q /= 1e200;
  K /= 1e200;
  ASSERT_TRUE(ComputeKernelAttention(spec, Q, K, V, &a).ok());
  EXPECT_FALSE(a.has_linear);
}

// ---- the view: settings, eval ----

const std::string kQkv = R"("view": "kernel", "Q": [[1, 0], [0, 1], [1, 1]], "K": [[1, 2], [0, 1], [1, 0]],
  "V": [[1, 0], [0, 1], [2, 2]], "mask": "none")";

Status Parse(const std::string& lab, Scenario* s) {
  return ParseScenario("{" + kQkv + (lab.empty() ? "" : ", \"kernel_lab\": " + lab) + "}", s);
}

json EvalKernel(const Scenario& s) {
  Result r;
  Status st = Evaluate(s, &r);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::string text;
  st = EvalToJson(s, r, "", &text);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return st.ok() ? json::parse(text)["views"]["kernel"] : json();
}

TEST(KernelLabIo, EveryFieldSurvivesARoundTrip) {
  Scenario s;
  ASSERT_TRUE(Parse(R"({"sim": "softmax", "c": 0.5, "p": 3, "features": 32, "seed": 9, "causal": true,
                        "step": 2, "head": 0, "measure_n": 512})", &s).ok());
  Scenario back;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok());
  EXPECT_TRUE(s == back);
  const KernelLabSettings& lab = *back.views.Find<KernelLabSettings>();
  EXPECT_EQ(lab.sim, KernelSim::kSoftmax);
  EXPECT_EQ(lab.c, 0.5);
  EXPECT_EQ(lab.p, 3);
  EXPECT_EQ(lab.features, 32);
  EXPECT_EQ(lab.seed, 9u);
  EXPECT_TRUE(lab.causal);
  EXPECT_EQ(lab.step, 2);
  EXPECT_EQ(lab.measure_n, 512);
}

TEST(KernelLabIo, BadSettingsNameTheirPath) {
  const struct {
    const char* lab;
    const char* field;
  } cases[] = {{R"({"sim": "cosine"})", "kernel_lab.sim"},
               {R"({"p": -1})", "kernel_lab.p"},
               {R"({"p": 2.5})", "kernel_lab.p"},
               {R"({"features": 1000000000})", "kernel_lab.features"},
               {R"({"measure_n": 100000})", "kernel_lab.measure_n"},
               {R"({"head": 3})", "kernel_lab.head"},
               {R"({"colour": 1})", "kernel_lab.colour"},
               {R"({"causal": 1})", "kernel_lab.causal"}};
  for (const auto& c : cases) {
    Scenario s;
    const Status st = Parse(c.lab, &s);
    EXPECT_FALSE(st.ok()) << c.lab;
    EXPECT_EQ(st.field(), c.field) << c.lab << ": " << st.ToString();
  }
  // D_phi past the bound: d_k = 100 and p = 2 (5151 features).
  Scenario s;
  std::string ones;
  for (int i = 0; i < 100; ++i) ones += (i ? ", " : "") + std::string("0.1");
  const std::string m = "[[" + ones + "], [" + ones + "]]";
  const Status st = ParseScenario(R"({"view": "kernel", "Q": )" + m + R"(, "K": )" + m + R"(, "V": )" + m +
                                      R"(, "kernel_lab": {"p": 2}})", &s);
  EXPECT_EQ(st.field(), "kernel_lab.p") << st.ToString();
  EXPECT_NE(st.message().find("5151"), std::string::npos) << st.message();
}

// ---- the view's limits ----

std::string Rows(int rows, int cols, double v) {
  std::string r = "[";
  for (int i = 0; i < rows; ++i) {
    r += i ? ", [" : "[";
    for (int j = 0; j < cols; ++j) r += (j ? ", " : "") + std::to_string(v);
    r += "]";
  }
  return r + "]";
}

TEST(KernelLimits, AScenarioWithoutKernelLabIsCheckedWithTheDefaults) {
  // d_k = 100: the default p = 2 map has 5151 features, past kMaxPhiDim.
  const std::string m = Rows(2, 100, 0.1);
  const std::string qkv = R"("Q": )" + m + R"(, "K": )" + m + R"(, "V": )" + m;
  Scenario s;
  Status st = ParseScenario(R"({"view": "kernel", )" + qkv + "}", &s);
  EXPECT_EQ(st.field(), "kernel_lab") << st.ToString();  // not kernel_lab.p: the file has no such key
  EXPECT_NE(st.message().find("default"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("5151"), std::string::npos) << st.message();
  // Another view's scenario is not refused for the kernel view's defaults; eval --view kernel is.
  ASSERT_TRUE(ParseScenario(R"({"view": "attention", )" + qkv + "}", &s).ok());
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  Report rep;
  st = FindViewModel("kernel")->evaluate(s, r, &rep);
  EXPECT_EQ(st.field(), "kernel_lab") << st.ToString();
}

Scenario BigQkv(int N, int D, int M) {
  Scenario s;
  EXPECT_TRUE(Parse(R"({"sim": "dot"})", &s).ok());
  s.Q = Matrix::Constant(N, D, 0.01);
  s.K = Matrix::Constant(N, D, 0.01);
  s.V = Matrix::Constant(N, M, 0.01);
  return s;
}

TEST(KernelLimits, TheEvalBoundCountsThePipelinesNumbersToo) {
  // N = 1600, D = M = 1, a dot product: the view prints 2 N^2 = 5.1e6 numbers,
  // under 1e7 alone; the pipeline prints its scores and weights, 5.1e6 more.
  Scenario s = BigQkv(1600, 1, 1);
  ASSERT_LT(CostOf(s).result_cells, kMaxResultCells);
  const Status st = FindViewModel("kernel")->check_limits(s);
  EXPECT_EQ(st.field(), "kernel_lab") << st.ToString();
  EXPECT_NE(st.message().find("the pipeline's"), std::string::npos) << st.message();
}

TEST(KernelLimits, TheViewsFlopsAreBoundedNamingTheFeatureCount) {
  // Random features at m = 4096 on D = 1500: 2 (N + N_k) m D = 1.26e10 FLOPs
  // for the projections alone, while the pipeline (Q K^T, P V) takes 8e8.
  Scenario s = BigQkv(512, 1500, 1);
  KernelLabSettings& lab = s.views.Get<KernelLabSettings>();
  lab.sim = KernelSim::kSoftmax;
  lab.features = 4096;
  ASSERT_LT(CostOf(s).flops, kMaxFlops);
  Status st = FindViewModel("kernel")->check_limits(s);
  EXPECT_EQ(st.field(), "kernel_lab.features") << st.ToString();
  EXPECT_NE(st.message().find("FLOPs"), std::string::npos) << st.message();
  lab.features = 64;
  st = FindViewModel("kernel")->check_limits(s);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST(KernelEval, PrintsEveryKeyTheSameWayTwice) {
  Scenario s;
  ASSERT_TRUE(Parse(R"({"sim": "polynomial"})", &s).ok());
  const json a = EvalKernel(s), b = EvalKernel(s);
  EXPECT_EQ(a.dump(), b.dump());
  for (const char* key : {"sim", "weights", "output", "output_linear", "max_abs_diff", "phi_dim", "phi_Q", "phi_K", "S", "z",
                          "denominators", "denominators_linear", "bad_rows", "diagnostics", "output_linear_means", "cost"})
    EXPECT_TRUE(a.contains(key)) << key;
  EXPECT_EQ(a["phi_dim"], 6);
  // (q.k + 1)^2 by hand: q0 = [1, 0], k0 = [1, 2]: (1 + 1)^2 = 4; k1 = [0, 1]: 1; k2 = [1, 0]: 4.
  EXPECT_EQ(a["sim"][0], json::parse("[4, 1, 4]"));
  EXPECT_EQ(a["denominators"][0], 9.0);
  EXPECT_NEAR(a["output"][0][0].get<double>(), (4 * 1 + 1 * 0 + 4 * 2) / 9.0, 1e-15);
  EXPECT_LE(a["max_abs_diff"].get<double>(), 1e-14);
  EXPECT_EQ(a["cost"]["crossover_n_flops"], 8);  // 13 N^2 against 98 N
}

// Without kernel_lab the view follows the scenario's causal mask; its own switch decides after.
TEST(KernelEval, ACausalScenarioOpensCausal) {
  Scenario s;
  ASSERT_TRUE(ParseScenario(R"({"view": "kernel", "Q": [[1, 0], [0, 1], [1, 1]], "K": [[1, 2], [0, 1], [1, 0]],
                                "V": [[1, 0], [0, 1], [2, 2]], "mask": "causal"})", &s).ok());
  json v = EvalKernel(s);
  EXPECT_TRUE(v["causal"].get<bool>());
  EXPECT_TRUE(v["sim"][0][1].is_null()) << v["sim"];  // key 1 after query 0: not summed, not a similarity of 0
  EXPECT_TRUE(v["weights"][0][2].is_null()) << v["weights"];
  EXPECT_EQ(v["weights"][0][0], 1.0);
  EXPECT_TRUE(v["sim"][2][2].is_number());
  s.views.Set(KernelLabSettings{});
  v = EvalKernel(s);
  EXPECT_FALSE(v["causal"].get<bool>());
}

TEST(KernelEval, AVanishingRowIsNullNeverNaN) {
  Scenario s;
  ASSERT_TRUE(ParseScenario(R"({"view": "kernel", "Q": [[1, 0], [0, 1]], "K": [[1, 0], [-1, 0]], "V": [[1], [2]],
                                "mask": "none", "kernel_lab": {"sim": "dot"}})", &s).ok());
  const json v = EvalKernel(s);
  EXPECT_TRUE(v["output"][0][0].is_null());
  EXPECT_TRUE(v["output_linear"][0][0].is_null());
  EXPECT_TRUE(v["output"][1][0].is_null());  // 0 + 0: also vanishes
  EXPECT_EQ(v["bad_rows"], json::parse("[0, 1]"));
  EXPECT_NE(v["diagnostics"][0].get<std::string>().find("rows 0, 1 (0-based)"), std::string::npos) << v["diagnostics"];
}

TEST(KernelEval, ThePresetsFormsAgree) {
  for (const char* preset : {"e5-quadratic-kernel.json", "e5-elu-vs-softmax.json", "e5-causal-linear.json"}) {
    Scenario s;
    ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/" + preset, &s).ok()) << preset;
    const json v = EvalKernel(s);
    std::printf("[ preset ] %s: max_abs_diff %.3g (max |output| %.3g)\n", preset, v["max_abs_diff"].get<double>(),
                v["max_abs_output"].get<double>());
    EXPECT_LE(v["max_abs_diff"].get<double>(), v["diff_tolerance"].get<double>()) << preset;
    EXPECT_TRUE(v["bad_rows"].empty()) << preset;
  }
  Scenario s;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e5-random-features.json", &s).ok());
  const json v = EvalKernel(s);
  std::printf("[ preset ] e5-random-features.json: max_abs_diff %.3g\n", v["max_abs_diff"].get<double>());
  EXPECT_GT(v["max_abs_diff"].get<double>(), 1e-6);  // an estimate, not round-off
  // the sweep over m: 1, 2, 4, ... 4096 at N = 6, D = 4, 8 draws each: the
  // mean error at m = 4096 about sqrt(4096 / 16) = 16 times below m = 16's
  const json& sweep = v["error_vs_m"];
  ASSERT_EQ(sweep["m"].size(), 13u);
  EXPECT_EQ(sweep["m"][4], 16);
  const double ratio = sweep["max_abs_diff"][4].get<double>() / sweep["max_abs_diff"][12].get<double>();
  std::printf("[ sweep  ] mean error m = 16 / m = 4096: %.1f (1/sqrt(m): 16)\n", ratio);
  EXPECT_GT(ratio, 6);
  EXPECT_LT(ratio, 40);
  EXPECT_LT(v["max_abs_diff"].get<double>(), 1.0);
}

}  // namespace
}  // namespace attnlab
