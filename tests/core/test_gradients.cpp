// Gradients through the Attention view's pipeline (issue 16): every analytic
// gradient against central finite differences of Evaluate's loss (an
// independent path: the forward pass as the view computes it), the exact
// zeros of argmax on E9 (which sits on ties, where differences mean nothing),
// E2 and E9 by hand, the straight-through and Gumbel-softmax estimators, and
// training.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "attnlab/gradients.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "matrix_near.hpp"

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#if !defined(__has_feature)
#define ATTNLAB_HAVE_MALLINFO2 1
#elif !__has_feature(address_sanitizer) && !__has_feature(memory_sanitizer)
#define ATTNLAB_HAVE_MALLINFO2 1
#endif
#endif
#ifdef ATTNLAB_HAVE_MALLINFO2
#include <malloc.h>
#endif

namespace attnlab {
namespace {

Scenario LoadPreset(const std::string& name) {
  Scenario s;
  const Status st = LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/" + name, &s);
  EXPECT_TRUE(st.ok()) << name << ": " << st.ToString();
  return s;
}

Gradients GradOk(const Scenario& s, const GradientOptions& o) {
  Gradients g;
  const Status st = ComputeGradients(s, o, &g);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return g;
}

Matrix Random(int rows, int cols, std::mt19937& rng, double sd = 0.6) {
  std::normal_distribution<double> normal(0.0, sd);
  Matrix m(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) m(i, j) = normal(rng);
  return m;
}
RowVector RandomRow(int n, std::mt19937& rng) { return Random(1, n, rng).row(0); }

// One parameter of a scenario: where it lives and its analytic gradient.
struct Param {
  std::string name;
  std::function<double&(Scenario&)> at;
  double analytic;
};

void AddMatrix(std::vector<Param>* out, const std::string& name, std::function<Matrix&(Scenario&)> m,
               const Matrix& grad) {
  ASSERT_GT(grad.size(), 0) << name;
  for (Eigen::Index i = 0; i < grad.rows(); ++i)
    for (Eigen::Index j = 0; j < grad.cols(); ++j)
      out->push_back({name + "(" + std::to_string(i) + "," + std::to_string(j) + ")",
                      [m, i, j](Scenario& s) -> double& { return m(s)(i, j); }, grad(i, j)});
}
void AddRow(std::vector<Param>* out, const std::string& name, std::function<RowVector&(Scenario&)> m,
            const RowVector& grad) {
  ASSERT_GT(grad.size(), 0) << name;
  for (Eigen::Index j = 0; j < grad.size(); ++j)
    out->push_back({name + "(" + std::to_string(j) + ")", [m, j](Scenario& s) -> double& { return m(s)(j); },
                    grad(j)});
}

// Every parameter the scenario has, with its analytic gradient from g.
std::vector<Param> AllParams(const Scenario& s, const Gradients& g) {
  std::vector<Param> p;
  if (s.input == InputMode::kQKV) {
    AddMatrix(&p, "Q", [](Scenario& x) -> Matrix& { return x.Q; }, g.heads[0].d_Q);
    AddMatrix(&p, "K", [](Scenario& x) -> Matrix& { return x.K; }, g.heads[0].d_K);
    AddMatrix(&p, "V", [](Scenario& x) -> Matrix& { return x.V; }, g.heads[0].d_V);
  }
  if (s.input == InputMode::kTokens) AddMatrix(&p, "E", [](Scenario& x) -> Matrix& { return x.E; }, g.d_E);
  if (s.input == InputMode::kX) {
    AddMatrix(&p, "X", [](Scenario& x) -> Matrix& { return x.X; }, g.d_X);
    if (s.X_kv.size()) AddMatrix(&p, "X_kv", [](Scenario& x) -> Matrix& { return x.X_kv; }, g.d_X_kv);
  }
  for (size_t h = 0; h < s.heads.size(); ++h) {
    const HeadWeights& w = s.heads[h];
    const HeadGradients& hg = g.heads[h];
    const std::string n = "heads[" + std::to_string(h) + "].";
    if (w.W_Q.size()) AddMatrix(&p, n + "W_Q", [h](Scenario& x) -> Matrix& { return x.heads[h].W_Q; }, hg.d_W_Q);
    if (w.W_K.size()) AddMatrix(&p, n + "W_K", [h](Scenario& x) -> Matrix& { return x.heads[h].W_K; }, hg.d_W_K);
    if (w.W_V.size()) AddMatrix(&p, n + "W_V", [h](Scenario& x) -> Matrix& { return x.heads[h].W_V; }, hg.d_W_V);
    if (w.b_Q.size()) AddRow(&p, n + "b_Q", [h](Scenario& x) -> RowVector& { return x.heads[h].b_Q; }, hg.d_b_Q);
    if (w.b_K.size()) AddRow(&p, n + "b_K", [h](Scenario& x) -> RowVector& { return x.heads[h].b_K; }, hg.d_b_K);
    if (w.b_V.size()) AddRow(&p, n + "b_V", [h](Scenario& x) -> RowVector& { return x.heads[h].b_V; }, hg.d_b_V);
  }
  if (s.W_O.size()) AddMatrix(&p, "W_O", [](Scenario& x) -> Matrix& { return x.W_O; }, g.d_W_O);
  if (s.b_O.size()) AddRow(&p, "b_O", [](Scenario& x) -> RowVector& { return x.b_O; }, g.d_b_O);
  if (s.unembedding == Unembedding::kMatrix) AddMatrix(&p, "U", [](Scenario& x) -> Matrix& { return x.U; }, g.d_U);
  return p;
}

// Central differences with Richardson extrapolation (steps h and h/2, h =
// 1e-4 max(1, |x|)): truncation O(h^4), round-off ~ 1e-16 L / h.
// `loss` is the forward pass as a function of the (perturbed) scenario.
double MaxFdError(const Scenario& s, const Gradients& g, const std::function<double(const Scenario&)>& loss,
                  int* checked = nullptr) {
  Scenario x = s;
  double worst = 0, worst_abs = 0, worst_raw = 0;
  int n = 0;
  for (const Param& p : AllParams(s, g)) {
    double& v = p.at(x);
    const double v0 = v;
    const double h = 1e-4 * std::max(1.0, std::abs(v0));
    auto diff = [&](double step) {
      v = v0 + step;
      const double up = loss(x);
      v = v0 - step;
      const double down = loss(x);
      v = v0;
      return (up - down) / (2 * step);
    };
    const double fd = (4 * diff(h / 2) - diff(h)) / 3;
    const double err = std::abs(p.analytic - fd);
    const double rel = err <= 1e-9 ? 0.0 : err / std::max(std::abs(p.analytic), std::abs(fd));
    EXPECT_LT(rel, 1e-6) << p.name << ": analytic " << p.analytic << ", finite difference " << fd;
    worst = std::max(worst, rel);
    worst_abs = std::max(worst_abs, err);
    if (std::abs(fd) > 1e-6) worst_raw = std::max(worst_raw, err / std::abs(fd));
    ++n;
  }
  if (checked) *checked = n;
  std::printf("  finite differences: %d parameters, largest absolute error %.3g, largest relative error %.3g "
              "(|gradient| > 1e-6)\n", n, worst_abs, worst_raw);
  return worst;
}

double EvaluateLossOf(const Scenario& s, LossReduction reduction) {
  Result r;
  const Status st = Evaluate(s, &r);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return reduction == LossReduction::kMean ? r.mean_loss : r.loss;
}

// Checks every gradient of `s` under softmax at its temperature against
// Evaluate; returns the largest relative error.
double CheckAgainstEvaluate(const Scenario& s, LossReduction reduction = LossReduction::kSum) {
  GradientOptions o = OptionsForScenario(s);
  o.reduction = reduction;
  const Gradients g = GradOk(s, o);
  EXPECT_EQ(g.estimator, Estimator::kSoftmax);
  int n = 0;
  const double worst =
      MaxFdError(s, g, [reduction](const Scenario& x) { return EvaluateLossOf(x, reduction); }, &n);
  EXPECT_GT(n, 10);
  return worst;
}

struct RandomSpec {
  int heads = 2, kv = 2, d_model = 4, d_k = 2, d_v = 3, vocab = 6, n = 5, n_kv = 0;
  bool biases = true, w_o = true, b_o = true;
  std::uint32_t seed = 1;
};

Scenario RandomTokens(const RandomSpec& r) {
  std::mt19937 rng(r.seed);
  Scenario s;
  s.input = InputMode::kTokens;
  for (int v = 0; v < r.vocab; ++v) s.vocab.push_back("t" + std::to_string(v));
  std::uniform_int_distribution<int> pick(0, r.vocab - 1);
  for (int i = 0; i < r.n; ++i) s.tokens.push_back(s.vocab[static_cast<size_t>(pick(rng))]);
  for (int i = 0; i < r.n_kv; ++i) s.kv_tokens.push_back(s.vocab[static_cast<size_t>(pick(rng))]);
  s.E = Random(r.vocab, r.d_model, rng, 0.8);
  s.heads.assign(static_cast<size_t>(r.heads), HeadWeights{});
  s.n_kv_heads = r.kv == r.heads ? 0 : r.kv;
  const int per = r.heads / r.kv;
  for (int h = 0; h < r.heads; ++h) {
    HeadWeights& w = s.heads[static_cast<size_t>(h)];
    w.W_Q = Random(r.d_model, r.d_k, rng);
    if (r.biases) w.b_Q = RandomRow(r.d_k, rng);
    if (h % per) continue;
    w.W_K = Random(r.d_model, r.d_k, rng);
    w.W_V = Random(r.d_model, r.d_v, rng);
    if (r.biases) {
      w.b_K = RandomRow(r.d_k, rng);
      w.b_V = RandomRow(r.d_v, rng);
    }
  }
  if (r.w_o) s.W_O = Random(r.heads * r.d_v, r.d_model, rng);
  if (r.b_o) s.b_O = RandomRow(r.d_model, rng);
  s.loss.enabled = true;
  return s;
}

TEST(GradientsFd, MultiHeadGqaBiasesCausalSqrtDkSmoothing) {
  RandomSpec r;
  r.heads = 4;
  r.kv = 2;
  r.seed = 11;
  Scenario s = RandomTokens(r);
  s.attention.mask.kind = MaskKind::kCausal;
  s.attention.scale.kind = ScaleKind::kInvSqrtDk;
  s.attention.temperature = 0.7;
  s.loss.convention = LossConvention::kSamePosition;
  s.loss.label_smoothing = 0.1;
  EXPECT_LT(CheckAgainstEvaluate(s), 1e-6);
}

TEST(GradientsFd, MultiQueryCustomMaskWithGapAndEmptyRowNextTokenMean) {
  RandomSpec r;
  r.heads = 3;
  r.kv = 1;
  r.seed = 12;
  Scenario s = RandomTokens(r);
  s.attention.mask.kind = MaskKind::kCustom;
  s.attention.mask.custom = Mask::Ones(5, 5);
  s.attention.mask.custom.row(1) << true, false, true, false, true;  // a gap: the dense path
  s.attention.mask.custom.row(3).setConstant(false);                 // fully masked
  s.attention.scale = {ScaleKind::kCustom, 0.3};
  s.attention.temperature = 1.3;
  s.loss.convention = LossConvention::kNextToken;
  s.loss.positions = {1, 2, 4};
  Gradients g = GradOk(s, OptionsForScenario(s));
  for (const HeadGradients& h : g.heads) {
    EXPECT_TRUE((h.d_scores.row(3).array() == 0.0).all()) << "a fully masked row has no gradient";
    EXPECT_EQ(h.d_scores(1, 1), 0.0);
    EXPECT_EQ(h.d_scores(1, 3), 0.0);
  }
  EXPECT_LT(CheckAgainstEvaluate(s, LossReduction::kMean), 1e-6);
}

TEST(GradientsFd, CrossAttentionTokensTwoHeadsNoBiases) {
  RandomSpec r;
  r.n_kv = 4;
  r.biases = false;
  r.b_o = false;
  r.seed = 13;
  Scenario s = RandomTokens(r);
  s.attention.temperature = 1.0;
  s.loss.label_smoothing = 0.05;
  EXPECT_LT(CheckAgainstEvaluate(s), 1e-6);
}

TEST(GradientsFd, XInputWithGivenUnembeddingAndNoOutputProjection) {
  std::mt19937 rng(14);
  Scenario s;
  s.input = InputMode::kX;
  s.X = Random(4, 3, rng, 1.0);
  s.X_kv = Random(6, 3, rng, 1.0);
  s.heads.assign(2, HeadWeights{});
  for (HeadWeights& w : s.heads) {
    w.W_Q = Random(3, 2, rng);
    w.W_K = Random(3, 2, rng);
    w.W_V = Random(3, 2, rng);
    w.b_V = RandomRow(2, rng);
  }
  s.b_O = RandomRow(4, rng);
  s.unembedding = Unembedding::kMatrix;
  s.U = Random(4, 5, rng);
  s.attention.mask.kind = MaskKind::kSlidingWindow;
  s.attention.mask.param = 3;
  s.attention.temperature = 0.9;
  s.loss.enabled = true;
  s.loss.positions = {0, 2, 3};
  s.loss.targets = {4, 0, 2};
  EXPECT_LT(CheckAgainstEvaluate(s), 1e-6);
}

TEST(GradientsFd, QkvGivenDirectlyAreTheLeaves) {
  std::mt19937 rng(15);
  Scenario s;
  s.input = InputMode::kQKV;
  s.Q = Random(3, 2, rng, 1.0);
  s.K = Random(4, 2, rng, 1.0);
  s.V = Random(4, 3, rng, 1.0);
  s.unembedding = Unembedding::kMatrix;
  s.U = Random(3, 4, rng);
  s.attention.temperature = 0.5;
  s.loss.enabled = true;
  s.loss.positions = {0, 1, 2};
  s.loss.targets = {1, 3, 0};
  const Gradients g = GradOk(s, OptionsForScenario(s));
  EXPECT_EQ(g.d_X.size(), 0);
  EXPECT_EQ(g.heads[0].d_W_Q.size(), 0);
  EXPECT_LT(CheckAgainstEvaluate(s), 1e-6);
}

TEST(GradientsFd, E9UnderSoftmaxAtSqrt2) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.attention.temperature = std::sqrt(2.0);
  EXPECT_LT(CheckAgainstEvaluate(s), 1e-6);
}

TEST(Gradients, AbsentProjectionGetsTheGradientOfTheIdentity) {
  RandomSpec r;
  r.heads = 1;
  r.kv = 1;
  r.d_k = r.d_v = r.d_model;
  r.seed = 16;
  Scenario s = RandomTokens(r);
  s.heads[0].W_K.resize(0, 0);
  Scenario explicit_identity = s;
  explicit_identity.heads[0].W_K = Matrix::Identity(r.d_model, r.d_model);
  const Gradients a = GradOk(s, OptionsForScenario(s)), b = GradOk(explicit_identity, OptionsForScenario(s));
  EXPECT_PRED_FORMAT3(testing::MatrixNear, a.heads[0].d_W_K, b.heads[0].d_W_K, 1e-14);
  EXPECT_PRED_FORMAT3(testing::MatrixNear, a.d_E, b.d_E, 1e-14);
}

TEST(Gradients, SharedKvHeadGetsTheSumOfItsReaders) {
  RandomSpec r;
  r.heads = 4;
  r.kv = 2;
  r.seed = 17;
  Scenario s = RandomTokens(r);
  const Gradients g = GradOk(s, OptionsForScenario(s));
  ASSERT_TRUE(g.heads[0].kv_leader);
  ASSERT_FALSE(g.heads[1].kv_leader);
  EXPECT_EQ(g.heads[1].kv_head, 0);
  EXPECT_EQ(g.heads[3].kv_head, 1);
  EXPECT_EQ(g.heads[1].d_W_K.size(), 0);
  EXPECT_PRED_FORMAT3(testing::MatrixNear, g.heads[2].d_K_group, g.heads[2].d_K + g.heads[3].d_K, 1e-14);
  EXPECT_GT((g.heads[3].d_K).norm(), 1e-6);
}

// b_K adds q . b_K to every score of a query's row, and softmax ignores a
// shift of its row: dL/db_K = 0 (up to round-off), whatever the data.
TEST(Gradients, KeyBiasGetsNoGradientBecauseSoftmaxIgnoresRowShifts) {
  RandomSpec r;
  r.seed = 20;
  Scenario s = RandomTokens(r);
  s.attention.mask.kind = MaskKind::kCausal;
  const Gradients g = GradOk(s, OptionsForScenario(s));
  EXPECT_LT(g.heads[0].d_b_K.norm(), 1e-14);
  EXPECT_GT(g.heads[0].d_b_Q.norm(), 1e-6);
  EXPECT_GT(g.heads[0].d_b_V.norm(), 1e-6);
}

TEST(Gradients, TiedEmbeddingPathsAdd) {
  RandomSpec r;
  r.seed = 18;
  const Scenario s = RandomTokens(r);
  const Gradients g = GradOk(s, OptionsForScenario(s));
  EXPECT_GT(g.d_E_input.norm(), 1e-6);
  EXPECT_GT(g.d_E_unembed.norm(), 1e-6);
  EXPECT_PRED_FORMAT3(testing::MatrixNear, g.d_E, g.d_E_input + g.d_E_unembed, 0.0);
}

TEST(Gradients, NoLossIsAnError) {
  Scenario s = LoadPreset("e2-argmax-attention.json");
  Gradients g;
  const Status st = ComputeGradients(s, OptionsForScenario(s), &g);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "loss");
}

// --- E9 and E2 by hand ------------------------------------------------------

const double kE3 = std::exp(3.0);
const double kPA = kE3 / (2 * kE3 + 4);
const double kP0 = 1.0 / (2 * kE3 + 4);

TEST(GradientsE9, ArgmaxGivesExactZerosForQueriesAndKeysOnly) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  const Gradients g = GradOk(s, OptionsForScenario(s));
  EXPECT_EQ(g.estimator, Estimator::kArgmax);
  EXPECT_NEAR(g.loss, 4.2114, 5e-5);
  EXPECT_TRUE(g.scores_gradient_zero);
  EXPECT_NE(g.note.find("piecewise constant"), std::string::npos);
  const HeadGradients& h = g.heads[0];
  // Exactly zero, not small: P is piecewise constant in the scores.
  EXPECT_TRUE((h.d_scores.array() == 0.0).all());
  EXPECT_TRUE((h.d_Q.array() == 0.0).all());
  EXPECT_TRUE((h.d_K.array() == 0.0).all());
  EXPECT_TRUE((h.d_W_Q.array() == 0.0).all());
  EXPECT_TRUE((h.d_W_K.array() == 0.0).all());
  // dL/dP itself is not zero (the erratum: V and W_O still learn).
  EXPECT_GT(h.d_P.norm(), 0.1);
  EXPECT_GT(h.d_W_V.norm(), 0.1);
  EXPECT_GT(g.d_W_O.norm(), 0.1);
  // By hand: row 4 ("A" at 0-based 4) has Z = [0, 3], R = [3, 0, 3, 0],
  // logits [3, 0, 3, 0, 0, 0], so dL/dlogits = probs - onehot(A).
  EXPECT_NEAR(g.d_logits(4, 0), kPA - 1, 1e-12);
  EXPECT_NEAR(g.d_logits(4, 1), kP0, 1e-12);
  EXPECT_NEAR(g.d_logits(4, 2), kPA, 1e-12);
  EXPECT_NEAR(g.d_logits(4, 4), kP0, 1e-12);
  // Rows without a loss term get nothing.
  EXPECT_TRUE((g.d_logits.topRows(4).array() == 0.0).all());
  // dL/dW_V = X^T P^T dL/dZ (Z = P V = P X W_V).
  const Matrix expect = g.forward.X.transpose() * g.forward.heads[0].weights.transpose() * g.d_Z;
  EXPECT_PRED_FORMAT3(testing::MatrixNear, h.d_W_V, expect, 1e-12);
  // E: rows <START> and <STOP> are 0 but still get gradients through the
  // unembedding (a zero row's logit is 0, never its gradient).
  EXPECT_GT(g.d_E_unembed.row(5).norm(), 1e-3);
}

TEST(GradientsE9, MeanAndNextTokenConventionsAsTheExerciseGivesThem) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  GradientOptions o = OptionsForScenario(s);
  const Gradients sum = GradOk(s, o);
  o.reduction = LossReduction::kMean;
  const Gradients mean = GradOk(s, o);
  EXPECT_NEAR(mean.loss, 1.4038, 5e-5);
  EXPECT_PRED_FORMAT3(testing::MatrixNear, mean.heads[0].d_W_V, sum.heads[0].d_W_V / 3.0, 1e-15);
  EXPECT_PRED_FORMAT3(testing::MatrixNear, mean.d_E, sum.d_E / 3.0, 1e-15);
  s.loss.convention = LossConvention::kNextToken;
  const Gradients next = GradOk(s, OptionsForScenario(s));
  EXPECT_NEAR(next.loss, 8.7973, 5e-5);
  // Row 3 (<START>) now predicts A: its logits row is the only one of rows 0..3 with a gradient.
  EXPECT_EQ(next.d_logits.row(2).norm(), 0.0);
  EXPECT_GT(next.d_logits.row(3).norm(), 0.1);
  EXPECT_EQ(next.d_logits.row(6).norm(), 0.0);
}

TEST(GradientsE9, SoftmaxAtSqrt2GradientOfQueriesIsSeventyTimesSmaller) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.attention.temperature = std::sqrt(2.0);
  const Gradients g = GradOk(s, OptionsForScenario(s));
  const HeadGradients& h = g.heads[0];
  const double qk = std::max(h.d_W_Q.cwiseAbs().maxCoeff(), h.d_W_K.cwiseAbs().maxCoeff());
  const double v = h.d_W_V.cwiseAbs().maxCoeff();
  EXPECT_GT(qk, 0.0);
  std::printf("  E9 at T = sqrt 2: loss %.6g, max |dW_V| %.4g, max |dW_Q|, |dW_K| %.4g, ratio %.4g\n", g.loss, v, qk,
              v / qk);
  // EXERCISES.md: "about 70 times smaller than W_V's".
  EXPECT_GT(v / qk, 50.0) << v / qk;
  EXPECT_LT(v / qk, 100.0) << v / qk;
  std::vector<TemperaturePoint> sweep;
  ASSERT_TRUE(SweepTemperature(s, OptionsForScenario(s), {0.0, 0.5, std::sqrt(2.0), 4.0}, &sweep).ok());
  ASSERT_EQ(sweep.size(), 4u);
  EXPECT_EQ(sweep[0].norms.W_Q, 0.0);
  EXPECT_GT(sweep[2].norms.W_Q, sweep[1].norms.W_Q);  // less saturated, larger gradient
  EXPECT_GT(sweep[3].norms.W_Q, sweep[2].norms.W_Q);
  EXPECT_GT(sweep[0].norms.W_V, 0.1);
}

// E2 with a loss: U = I_3 reads the output z as logits, target column 0.
Scenario E2WithLoss() {
  Scenario s = LoadPreset("e2-argmax-attention.json");
  s.unembedding = Unembedding::kMatrix;
  s.U = Matrix::Identity(3, 3);
  s.loss.enabled = true;
  s.loss.positions = {0};
  s.loss.targets = {0};
  return s;
}

TEST(GradientsE2, ArgmaxSendsTheGradientToTheChosenValueOnly) {
  const Scenario s = E2WithLoss();
  const Gradients g = GradOk(s, OptionsForScenario(s));
  EXPECT_EQ(g.forward.heads[0].scores, testing::M({{3, 11, 5, 2}}));
  // z = v2 = [1, 4, 3]; dL/dz = softmax(z) - e_0.
  const double sum = std::exp(1.0) + std::exp(4.0) + std::exp(3.0);
  const Matrix dz = testing::M({{std::exp(1.0) / sum - 1, std::exp(4.0) / sum, std::exp(3.0) / sum}});
  EXPECT_PRED_FORMAT3(testing::MatrixNear, g.d_Z, dz, 1e-14);
  EXPECT_TRUE((g.heads[0].d_Q.array() == 0.0).all());
  EXPECT_TRUE((g.heads[0].d_K.array() == 0.0).all());
  Matrix dV = Matrix::Zero(4, 3);
  dV.row(1) = dz.row(0);
  EXPECT_PRED_FORMAT3(testing::MatrixNear, g.heads[0].d_V, dV, 1e-14);
  // dL/dP = dL/dz V^T: what moving weight to each key would do.
  EXPECT_PRED_FORMAT3(testing::MatrixNear, g.heads[0].d_P, dz * s.V.transpose(), 1e-14);
}

TEST(GradientsE2, SoftmaxGivesEveryKeyAGradientProportionalToItsWeight) {
  Scenario s = E2WithLoss();
  s.attention.temperature = 2.0;
  const Gradients g = GradOk(s, OptionsForScenario(s));
  const Matrix& P = g.forward.heads[0].weights;
  const Matrix& dP = g.heads[0].d_P;
  const double dot = P.row(0).dot(dP.row(0));
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(g.heads[0].d_scores(0, j), P(0, j) * (dP(0, j) - dot) / 2.0, 1e-15);
  EXPECT_LT(CheckAgainstEvaluate(s), 1e-6);
}

// --- Estimators -------------------------------------------------------------

TEST(GradientsEstimators, StraightThroughIsArgmaxForwardSoftmaxBackward) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  GradientOptions o;
  o.estimator = Estimator::kStraightThrough;
  o.temperature = 2.0;
  const Gradients ste = GradOk(s, o);
  const Gradients argmax = GradOk(s, OptionsForScenario(s));
  EXPECT_EQ(ste.loss, argmax.loss);  // the same forward pass
  EXPECT_EQ(ste.forward.heads[0].weights, argmax.forward.heads[0].weights);
  EXPECT_EQ(ste.heads[0].d_P, argmax.heads[0].d_P);
  Scenario soft = s;
  soft.attention.temperature = 2.0;
  Result r;
  ASSERT_TRUE(Evaluate(soft, &r).ok());
  EXPECT_PRED_FORMAT3(testing::MatrixNear, ste.heads[0].soft, r.heads[0].weights, 1e-14);
  Matrix expect;
  SoftmaxBackward(ste.heads[0].soft, ste.heads[0].d_P, 2.0, &expect);
  EXPECT_EQ(ste.heads[0].d_scores, expect);
  EXPECT_GT(ste.heads[0].d_W_Q.norm(), 1e-6);  // the surrogate moves W_Q
  EXPECT_FALSE(ste.scores_gradient_zero);
}

// The first Gumbel sample of seed 7 from the engine directly: the same on every machine.
TEST(GradientsGumbel, SeededSamplesAreReproducible) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  GradientOptions o;
  o.estimator = Estimator::kGumbelSoftmax;
  o.temperature = 0.5;
  o.gumbel_seed = 7;
  const Gradients a = GradOk(s, o), b = GradOk(s, o);
  EXPECT_EQ(a.heads[0].gumbel_noise, b.heads[0].gumbel_noise);
  EXPECT_EQ(a.heads[0].d_W_Q, b.heads[0].d_W_Q);
  std::mt19937_64 engine(7);
  double u = static_cast<double>(engine() >> 11) * 0x1.0p-53;
  while (u == 0.0) u = static_cast<double>(engine() >> 11) * 0x1.0p-53;
  EXPECT_EQ(a.heads[0].gumbel_noise(0, 0), -std::log(-std::log(u)));
  o.gumbel_seed = 8;
  const Gradients c = GradOk(s, o);
  EXPECT_NE(a.heads[0].gumbel_noise(0, 0), c.heads[0].gumbel_noise(0, 0));
  ASSERT_EQ(a.heads[0].gumbel_noise.rows(), 7);
  ASSERT_EQ(a.heads[0].gumbel_noise.cols(), 7);
}

TEST(GradientsGumbel, HardForwardIsOneHotOnAnAllowedKeyAndBackwardIsTheSoftOnes) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  GradientOptions o;
  o.estimator = Estimator::kGumbelSoftmax;
  o.temperature = 0.7;
  o.gumbel_seed = 3;
  const Gradients soft = GradOk(s, o);
  o.gumbel_hard = true;
  const Gradients hard = GradOk(s, o);
  const Matrix& P = hard.forward.heads[0].weights;
  const Matrix& y = hard.heads[0].soft;
  EXPECT_EQ(y, soft.heads[0].soft);  // the same noise, the same soft y
  for (int i = 0; i < 7; ++i) {
    int ones = 0, at = -1;
    for (int j = 0; j < 7; ++j) {
      if (P(i, j) == 1.0) {
        ++ones;
        at = j;
      } else {
        EXPECT_EQ(P(i, j), 0.0);
      }
    }
    EXPECT_EQ(ones, 1) << "row " << i;
    EXPECT_LE(at, i) << "a causally masked key was selected";
    Eigen::Index best;
    y.row(i).maxCoeff(&best);
    EXPECT_EQ(at, best);
    for (int j = i + 1; j < 7; ++j) EXPECT_EQ(y(i, j), 0.0);
  }
  // Backward through the soft y: (1/tau) y * (dP - rowsum(dP * y)), dP of the hard forward.
  Matrix expect;
  SoftmaxBackward(y, hard.heads[0].d_P, 0.7, &expect);
  EXPECT_EQ(hard.heads[0].d_scores, expect);
  EXPECT_GT(hard.heads[0].d_W_Q.norm(), 1e-9);
  EXPECT_EQ(soft.forward.heads[0].weights, soft.heads[0].soft);
}

TEST(GradientsGumbel, FullyMaskedRowStaysZeroUnderEveryEstimator) {
  RandomSpec r;
  r.heads = 1;
  r.kv = 1;
  r.seed = 22;
  Scenario s = RandomTokens(r);
  s.attention.mask.kind = MaskKind::kCustom;
  s.attention.mask.custom = Mask::Ones(5, 5);
  s.attention.mask.custom.row(2).setConstant(false);
  s.attention.mask.custom(4, 0) = false;
  for (Estimator e : {Estimator::kArgmax, Estimator::kStraightThrough, Estimator::kGumbelSoftmax}) {
    for (bool hard : {false, true}) {
      GradientOptions o;
      o.estimator = e;
      o.temperature = 0.6;
      o.gumbel_hard = hard;
      o.gumbel_seed = 9;
      const Gradients g = GradOk(s, o);
      const Matrix& P = g.forward.heads[0].weights;
      EXPECT_TRUE((P.row(2).array() == 0.0).all()) << EstimatorName(e);
      EXPECT_TRUE((g.heads[0].d_scores.row(2).array() == 0.0).all()) << EstimatorName(e);
      EXPECT_EQ(P(4, 0), 0.0) << "a masked key is never selected";
      EXPECT_EQ(g.heads[0].d_scores(4, 0), 0.0);
      EXPECT_TRUE(std::isfinite(g.loss));
    }
  }
}

TEST(GradientsGumbel, SoftGradientMatchesFiniteDifferencesAtFixedNoise) {
  RandomSpec r;
  r.heads = 2;
  r.kv = 1;
  r.seed = 19;
  Scenario s = RandomTokens(r);
  s.attention.mask.kind = MaskKind::kCausal;
  GradientOptions o;
  o.estimator = Estimator::kGumbelSoftmax;
  o.temperature = 0.8;
  o.gumbel_seed = 5;
  const Gradients g = GradOk(s, o);
  Gradients scratch;
  EXPECT_LT(MaxFdError(s, g,
                       [&](const Scenario& x) {
                         EXPECT_TRUE(ComputeGradients(x, o, &scratch).ok());
                         return scratch.loss;
                       }),
            1e-6);
}

// --- Training ---------------------------------------------------------------

TEST(Training, SoftmaxReducesTheLossOnE9) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  TrainOptions o;
  o.temperature = std::sqrt(2.0);
  o.learning_rate = 0.05;
  Trainer t;
  ASSERT_TRUE(t.Reset(s, o, {Estimator::kSoftmax}).ok());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(t.Step().ok());
  const auto& h = t.runs()[0].history;
  ASSERT_EQ(h.size(), 30u);
  EXPECT_LT(h.back().loss, h.front().loss - 0.5);
  for (size_t i = 1; i < h.size(); ++i) EXPECT_LE(h[i].loss, h[i - 1].loss) << "step " << i;
  EXPECT_GT(h.back().moved_W_Q, 0.0);
  EXPECT_EQ(t.steps(), 30);
}

TEST(Training, ArgmaxLeavesQueriesAndKeysBitForBitUnchanged) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  TrainOptions o;
  o.learning_rate = 0.1;
  Trainer t;
  ASSERT_TRUE(t.Reset(s, o, {Estimator::kArgmax}).ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(t.Step().ok());
  const Scenario& m = t.runs()[0].model;
  EXPECT_EQ(m.heads[0].W_Q, s.heads[0].W_Q);
  EXPECT_EQ(m.heads[0].W_K, s.heads[0].W_K);
  EXPECT_NE(m.heads[0].W_V, s.heads[0].W_V);
  EXPECT_NE(m.W_O, s.W_O);
  const auto& h = t.runs()[0].history;
  EXPECT_EQ(h.back().moved_W_Q, 0.0);
  EXPECT_EQ(h.back().grad_W_K, 0.0);
  EXPECT_GT(h.back().moved_W_V, 0.0);
  EXPECT_LT(h.back().loss, h.front().loss);  // W_V and W_O alone still learn
}

TEST(Training, FrozenMatricesStayAndStepsAreDeterministic) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  TrainOptions o;
  o.freeze_W_V = true;
  o.freeze_W_O = true;
  o.gumbel_hard = true;
  o.temperature = 1.0;
  Trainer a, b;
  ASSERT_TRUE(a.Reset(s, o).ok());
  ASSERT_TRUE(b.Reset(s, o).ok());
  ASSERT_EQ(a.runs().size(), 4u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a.Step().ok());
    ASSERT_TRUE(b.Step().ok());
  }
  for (size_t r = 0; r < a.runs().size(); ++r) {
    const Scenario& m = a.runs()[r].model;
    EXPECT_EQ(m.heads[0].W_V, s.heads[0].W_V) << EstimatorName(a.runs()[r].estimator);
    EXPECT_EQ(m.W_O, s.W_O);
    EXPECT_EQ(m.heads[0].W_Q, b.runs()[r].model.heads[0].W_Q);
    for (size_t i = 0; i < a.runs()[r].history.size(); ++i)
      EXPECT_EQ(a.runs()[r].history[i].loss, b.runs()[r].history[i].loss);
  }
  const Trainer::Run* gumbel = a.Find(Estimator::kGumbelSoftmax);
  ASSERT_NE(gumbel, nullptr);
  EXPECT_NE(gumbel->model.heads[0].W_Q, s.heads[0].W_Q);
  // The noise changes from step to step (seed + 1 + step), deterministically.
  const Matrix before = gumbel->last.heads[0].gumbel_noise;
  ASSERT_TRUE(a.Step().ok());
  ASSERT_TRUE(b.Step().ok());
  EXPECT_NE(gumbel->last.heads[0].gumbel_noise, before);
  EXPECT_EQ(gumbel->last.heads[0].gumbel_noise, b.Find(Estimator::kGumbelSoftmax)->last.heads[0].gumbel_noise);
}

TEST(Training, GeneratedDedupeSortSetIsWellFormedAndLearnable) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  TrainOptions o;
  o.examples = 6;
  o.seed = 42;
  o.temperature = 1.0;
  o.learning_rate = 0.05;
  std::vector<DedupeSortExample> ex;
  ASSERT_TRUE(MakeDedupeSortExamples(s, o, &ex).ok());
  ASSERT_EQ(ex.size(), 6u);
  for (const DedupeSortExample& e : ex) {
    const auto start = std::find(e.tokens.begin(), e.tokens.end(), "<START>");
    ASSERT_NE(start, e.tokens.end());
    std::vector<std::string> distinct(e.tokens.begin(), start);
    std::sort(distinct.begin(), distinct.end());  // A < B < C < D is vocabulary order
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    distinct.push_back("<STOP>");
    EXPECT_EQ(std::vector<std::string>(start + 1, e.tokens.end()), distinct);
    ASSERT_EQ(e.positions.size(), distinct.size());
    EXPECT_EQ(e.positions.front(), start - e.tokens.begin() + 1);
  }
  Trainer t;
  ASSERT_TRUE(t.Reset(s, o, {Estimator::kSoftmax}).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(t.Step().ok());
  const auto& h = t.runs()[0].history;
  EXPECT_LT(h.back().loss, h.front().loss);
  // The last gradients shown are example 0's.
  EXPECT_EQ(t.runs()[0].model.tokens, ex[0].tokens);
}

TEST(Training, GroupedQueryHeadsWithBiasesLearnAndKeepTheirLayout) {
  RandomSpec r;
  r.heads = 4;
  r.kv = 2;
  r.seed = 21;
  Scenario s = RandomTokens(r);
  s.attention.mask.kind = MaskKind::kCausal;
  TrainOptions o;
  o.temperature = 1.0;
  o.learning_rate = 0.05;
  Trainer t;
  ASSERT_TRUE(t.Reset(s, o, {Estimator::kSoftmax, Estimator::kStraightThrough}).ok());
  for (int i = 0; i < 15; ++i) ASSERT_TRUE(t.Step().ok());
  for (const Trainer::Run& run : t.runs()) {
    EXPECT_LT(run.history.back().loss, run.history.front().loss) << EstimatorName(run.estimator);
    EXPECT_EQ(run.model.heads[1].W_K.size(), 0) << "a follower of a K/V group holds no W_K";
    EXPECT_NE(run.model.heads[2].b_V, s.heads[2].b_V);
    EXPECT_NE(run.model.heads[3].b_Q, s.heads[3].b_Q);
    EXPECT_NE(run.model.b_O, s.b_O);
    Result res;
    EXPECT_TRUE(Evaluate(run.model, &res).ok());
  }
}

TEST(Training, SetOptionsTakesEffectAtTheNextStepAndKeepsTheWeights) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  TrainOptions o;
  o.temperature = std::sqrt(2.0);
  Trainer t;
  ASSERT_TRUE(t.Reset(s, o, {Estimator::kSoftmax}).ok());
  ASSERT_TRUE(t.Step().ok());
  const Matrix W_Q = t.runs()[0].model.heads[0].W_Q;
  EXPECT_NE(W_Q, s.heads[0].W_Q);
  o.freeze_W_Q = true;
  o.examples = 5;  // data settings wait for Reset
  t.SetOptions(o);
  ASSERT_TRUE(t.Step().ok());
  EXPECT_EQ(t.runs()[0].model.heads[0].W_Q, W_Q);
  EXPECT_TRUE(t.examples().empty());
  EXPECT_EQ(t.runs()[0].history.size(), 2u);
}

// A UI calls Step() once a frame: the memory in use must not grow with the
// steps (the history is reserved up front). glibc's allocator statistics.
TEST(Training, StepsHoldNoGrowingMemory) {
#ifndef ATTNLAB_HAVE_MALLINFO2
  GTEST_SKIP() << "needs glibc's mallinfo2";
#else
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  TrainOptions o;
  o.examples = 3;
  Trainer t;
  ASSERT_TRUE(t.Reset(s, o).ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(t.Step().ok());
  // Two windows of 200 steps: a per-step leak grows both; a one-time
  // allocation (a lazily built buffer, the allocator's own bookkeeping, which
  // mallinfo2 sees process-wide) can grow the first only.
  size_t in_use[3];
  in_use[0] = mallinfo2().uordblks;
  for (int w = 1; w <= 2; ++w) {
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(t.Step().ok());
    in_use[w] = mallinfo2().uordblks;
  }
  const long long first = static_cast<long long>(in_use[1]) - static_cast<long long>(in_use[0]);
  const long long second = static_cast<long long>(in_use[2]) - static_cast<long long>(in_use[1]);
  EXPECT_LE(second, 0) << "bytes in use grew by " << second << " over the second 200 steps (" << first
                       << " over the first)";
  EXPECT_LE(first, 4096) << "more than a one-time allocation over the first 200 steps";
  EXPECT_EQ(t.runs()[0].history.size(), 405u);
#endif
}

TEST(Training, TrainedWeightsWriteBackIntoAScenario) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  TrainOptions o;
  o.temperature = std::sqrt(2.0);
  Trainer t;
  ASSERT_TRUE(t.Reset(s, o, {Estimator::kSoftmax}).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(t.Step().ok());
  Scenario out = s;
  WriteWeights(t.runs()[0].model, &out);
  EXPECT_EQ(out.heads[0].W_Q, t.runs()[0].model.heads[0].W_Q);
  EXPECT_EQ(out.W_O, t.runs()[0].model.W_O);
  EXPECT_EQ(out.title, s.title);
  out.attention.temperature = std::sqrt(2.0);
  Result r;
  ASSERT_TRUE(Evaluate(out, &r).ok());
  Gradients g;
  ASSERT_TRUE(ComputeGradients(t.runs()[0].model, GradientOptions{}, &g).ok());
  EXPECT_EQ(r.loss, g.loss);
}

// --- eval -------------------------------------------------------------------

TEST(GradientsReport, WritesTheViewsKeysWithSteAndGumbelBlocks) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  GradientReportOptions o;
  o.ste = true;
  o.ste_temperature = std::sqrt(2.0);
  o.gumbel = true;
  o.gumbel_tau = 0.5;
  o.gumbel_hard = true;
  Report rep;
  ASSERT_TRUE(WriteGradientsReport(s, o, &rep).ok());
  for (const char* key : {"loss", "grad_W_O", "grad_E", "grad_logits", "heads", "ste.loss", "ste.grad_W_O",
                          "ste.heads", "gumbel.loss", "gumbel.heads", "gumbel.grad_E"}) {
    EXPECT_NE(rep.Find(key), nullptr) << key;
  }
  EXPECT_NEAR(rep.Find("loss")->number, 4.2114, 5e-5);
  const Report::Entry* heads = rep.Find("heads");
  ASSERT_EQ(heads->items.size(), 1u);
  for (const char* key : {"grad_W_Q", "grad_W_K", "grad_W_V", "grad_scores", "grad_weights"})
    EXPECT_NE(heads->items[0]->Find(key), nullptr) << key;
  EXPECT_TRUE((heads->items[0]->Find("grad_W_Q")->matrix.array() == 0.0).all());
  EXPECT_NE(rep.Find("gumbel.heads")->items[0]->Find("gumbel_noise"), nullptr);
}

}  // namespace
}  // namespace attnlab
