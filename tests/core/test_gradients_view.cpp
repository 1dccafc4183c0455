// The Gradients view (issue 16): its "gradients_lab" settings read, checked and
// written back, and its eval block against ComputeGradients called directly,
// with E9's exact zeros under argmax.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "attnlab/gradients.hpp"
#include "attnlab/gradients_view.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

using json = nlohmann::json;

const std::string kPresets = ATTNLAB_PRESETS_DIR;

Scenario Load(const std::string& name) {
  Scenario s;
  const Status st = LoadScenarioFile(kPresets + "/" + name, &s);
  EXPECT_TRUE(st.ok()) << name << ": " << st.ToString();
  return s;
}

json Eval(const Scenario& s) {
  Result r;
  Status st = Evaluate(s, &r);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::string text;
  st = EvalToJson(s, r, "gradients", &text);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return st.ok() ? json::parse(text)["views"]["gradients"] : json();
}

// E9's model with a "gradients_lab" object.
Status ParseLab(const std::string& lab, Scenario* s) {
  return ParseScenario(R"({"vocab": ["A", "B", "<START>", "<STOP>"], "tokens": ["A", "B", "<START>", "A"],
    "E": [[1, 0], [0, 1], [0, 0], [0, 0]], "W_Q": [[1, 0], [0, 1]], "W_K": [[1, 0], [0, 1]], "W_V": [[1, 0], [0, 1]],
    "W_O": [[0, 1], [1, 0]], "mask": "causal", "loss": {"positions": [3], "targets": ["A"]}, "view": "gradients",
    "gradients_lab": )" + lab + "}",
                       s);
}

void ExpectMatrix(const json& j, const Matrix& m, double tol, const std::string& what) {
  ASSERT_EQ(j.size(), static_cast<size_t>(m.rows())) << what;
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    ASSERT_EQ(j[r].size(), static_cast<size_t>(m.cols())) << what;
    for (Eigen::Index c = 0; c < m.cols(); ++c)
      EXPECT_NEAR(j[r][c].get<double>(), m(r, c), tol) << what << " (" << r << ", " << c << ")";
  }
}

TEST(GradientsLabIo, EveryFieldSurvivesARoundTrip) {
  Scenario s;
  const Status st = ParseLab(R"({"estimator": "gumbel_softmax", "temperature": 0.25, "hard": true, "seed": 9,
      "train": {"learning_rate": 0.5, "seed": 4, "examples": 12, "max_steps": 77, "freeze": ["W_K", "W_O"]}})",
                             &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  Scenario back;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok()) << ScenarioToJson(s);
  EXPECT_TRUE(s == back);
  const GradientsLabSettings& lab = *back.views.Find<GradientsLabSettings>();
  EXPECT_EQ(lab.estimator, Estimator::kGumbelSoftmax);
  EXPECT_EQ(lab.temperature, 0.25);
  EXPECT_TRUE(lab.hard);
  EXPECT_EQ(lab.seed, 9u);
  EXPECT_EQ(lab.learning_rate, 0.5);
  EXPECT_EQ(lab.train_seed, 4u);
  EXPECT_EQ(lab.examples, 12);
  EXPECT_EQ(lab.max_steps, 77);
  EXPECT_FALSE(lab.freeze_W_Q);
  EXPECT_TRUE(lab.freeze_W_K);
  EXPECT_FALSE(lab.freeze_W_V);
  EXPECT_TRUE(lab.freeze_W_O);
}

TEST(GradientsLabIo, BadSettingsNameTheirPath) {
  struct Case {
    const char* lab;
    const char* field;
  };
  const Case cases[] = {
      {R"({"bogus": 1})", "gradients_lab.bogus"},
      {R"({"estimator": "sparsemax"})", "gradients_lab.estimator"},
      {R"({"temperature": -1})", "gradients_lab.temperature"},
      {R"({"temperature": 0})", "gradients_lab.temperature"},
      {R"({"temperature": 1e300})", "gradients_lab.temperature"},
      {R"({"temperature": 1e-300})", "gradients_lab.temperature"},
      {R"({"estimator": "gumbel_softmax", "temperature": 0.0009})", "gradients_lab.temperature"},
      {R"({"estimator": "argmax", "temperature": 1e-300})", "gradients_lab.temperature"},
      {R"({"hard": 1})", "gradients_lab.hard"},
      {R"({"seed": -3})", "gradients_lab.seed"},
      {R"({"train": {"learning_rate": 1e300}})", "gradients_lab.train.learning_rate"},
      {R"({"train": {"learning_rate": -0.1}})", "gradients_lab.train.learning_rate"},
      {R"({"train": {"examples": 1000000000}})", "gradients_lab.train.examples"},
      {R"({"train": {"max_steps": 0}})", "gradients_lab.train.max_steps"},
      {R"({"train": {"max_steps": 100000000}})", "gradients_lab.train.max_steps"},
      {R"({"train": {"freeze": ["W_Q", "W_X"]}})", "gradients_lab.train.freeze[1]"},
      {R"({"train": {"freeze": ["W_Q", "W_K", "W_Q"]}})", "gradients_lab.train.freeze[2]"},
      {R"({"train": {"rate": 1}})", "gradients_lab.train.rate"},
      {R"([1])", "gradients_lab"},
  };
  for (const Case& c : cases) {
    Scenario s;
    const Status st = ParseLab(c.lab, &s);
    EXPECT_FALSE(st.ok()) << c.lab;
    EXPECT_EQ(st.field(), c.field) << c.lab << ": " << st.ToString();
  }
  // NaN is not JSON: the parser refuses it before the codec sees it.
  Scenario s;
  EXPECT_FALSE(ParseLab(R"({"temperature": NaN})", &s).ok());
}

TEST(GradientsLabIo, LimitsCatchCountsSetInCode) {
  Scenario s;
  ASSERT_TRUE(ParseLab("{}", &s).ok());
  const ViewModel* v = FindViewModel("gradients");
  ASSERT_NE(v, nullptr);
  ASSERT_NE(v->check_limits, nullptr);
  EXPECT_TRUE(v->check_limits(s).ok());
  s.views.Get<GradientsLabSettings>().examples = kMaxTrainExamples + 1;
  EXPECT_EQ(v->check_limits(s).field(), "gradients_lab.train.examples");
  s.views.Get<GradientsLabSettings>().examples = 0;
  s.views.Get<GradientsLabSettings>().max_steps = kMaxTrainSteps + 1;
  EXPECT_EQ(v->check_limits(s).field(), "gradients_lab.train.max_steps");
  s.views.Get<GradientsLabSettings>().max_steps = 1;
  s.views.Get<GradientsLabSettings>().temperature = 1e-300;  // set in code: 1/T overflows
  EXPECT_EQ(v->check_limits(s).field(), "gradients_lab.temperature");
  s.views.Get<GradientsLabSettings>().temperature = kMinGradTemperature;
  EXPECT_TRUE(v->check_limits(s).ok());
}

// The loss of `s` with one weight moved by h (Evaluate: the forward pass alone).
double LossWith(Scenario s, Matrix HeadWeights::*w, int r, int c, double h) {
  (s.heads[0].*w)(r, c) += h;
  Result res;
  EXPECT_TRUE(Evaluate(s, &res).ok());
  return res.loss;
}

// Central finite difference of Evaluate's loss in one weight of head 0.
double FiniteDifference(const Scenario& s, Matrix HeadWeights::*w, int r, int c) {
  const double h = 1e-6;
  return (LossWith(s, w, r, c, h) - LossWith(s, w, r, c, -h)) / (2 * h);
}

TEST(GradientsViewEval, MatchesComputeGradientsOnE9AtSqrt2) {
  const Scenario s = Load("e9-gradients-softmax.json");
  const json j = Eval(s);
  const GradientsLabSettings& lab = *s.views.Find<GradientsLabSettings>();
  EXPECT_EQ(j["lab"]["estimator"], "softmax");
  EXPECT_EQ(j["estimator"], "softmax");
  EXPECT_NEAR(j["temperature"].get<double>(), std::sqrt(2.0), 1e-12);
  Gradients g;
  ASSERT_TRUE(ComputeGradients(s, GradientOptionsFor(lab, lab.estimator), &g).ok());
  ASSERT_GT(g.temperature, 1.4);
  EXPECT_NEAR(j["loss"].get<double>(), g.loss, 1e-12);
  ExpectMatrix(j["grad_W_O"], g.d_W_O, 1e-12, "grad_W_O");
  ExpectMatrix(j["grad_E"], g.d_E, 1e-12, "grad_E");
  ExpectMatrix(j["grad_logits"], g.d_logits, 1e-12, "grad_logits");
  ExpectMatrix(j["heads"][0]["grad_W_Q"], g.heads[0].d_W_Q, 1e-12, "grad_W_Q");
  ExpectMatrix(j["heads"][0]["grad_W_K"], g.heads[0].d_W_K, 1e-12, "grad_W_K");
  ExpectMatrix(j["heads"][0]["grad_W_V"], g.heads[0].d_W_V, 1e-12, "grad_W_V");
  ExpectMatrix(j["heads"][0]["grad_scores"], g.heads[0].d_scores, 1e-12, "grad_scores");
  ExpectMatrix(j["heads"][0]["grad_weights"], g.heads[0].d_P, 1e-12, "grad_weights");
  // An independent number: the finite difference of the forward loss (the
  // scenario's own T is the lab's here) in every entry of W_Q and W_V.
  ASSERT_EQ(s.attention.temperature, lab.temperature);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) {
      EXPECT_NEAR(j["heads"][0]["grad_W_Q"][r][c].get<double>(), FiniteDifference(s, &HeadWeights::W_Q, r, c), 1e-6);
      EXPECT_NEAR(j["heads"][0]["grad_W_V"][r][c].get<double>(), FiniteDifference(s, &HeadWeights::W_V, r, c), 1e-6);
    }
  // The ste and gumbel blocks are there, at the lab's T.
  ASSERT_TRUE(j.contains("ste"));
  ASSERT_TRUE(j.contains("gumbel"));
  EXPECT_EQ(j["gumbel"]["seed"], 0);
  // Softmax at sqrt(2) on E9 is saturated: W_Q's gradient is far smaller than W_V's
  // (EXERCISES.md: about 70 times, its largest entries; the bars' norms: about 82).
  const double q = j["sizes"]["softmax"]["W_Q"].get<double>(), v = j["sizes"]["softmax"]["W_V"].get<double>();
  EXPECT_GT(q, 0);
  EXPECT_GT(v / q, 20.0) << q << " " << v;
  EXPECT_NEAR(v / q, 82.0, 1.0) << "the README's figure for the bars";
  EXPECT_EQ(j["sweep"]["temperatures"].size(), static_cast<size_t>(kGradSweepPoints));
}

TEST(GradientsViewEval, E9UnderArgmaxHasExactZerosThroughTheScores) {
  const json j = Eval(Load("e9-gradients-argmax.json"));
  EXPECT_NEAR(j["loss"].get<double>(), 4.2114, 5e-5);  // EXERCISES.md, the sum
  for (const char* key : {"grad_scores", "grad_W_Q", "grad_W_K"})
    for (const json& row : j["heads"][0][key])
      for (const json& x : row) EXPECT_EQ(x.get<double>(), 0.0) << key;  // exactly, not nearly
  double v = 0;
  for (const json& row : j["heads"][0]["grad_W_V"])
    for (const json& x : row) v += std::abs(x.get<double>());
  EXPECT_GT(v, 0.1);  // the erratum: W_V does change
  EXPECT_EQ(j["sizes"]["argmax"]["W_Q"].get<double>(), 0.0);
  EXPECT_EQ(j["sizes"]["argmax"]["W_K"].get<double>(), 0.0);
  EXPECT_GT(j["sizes"]["argmax"]["W_O"].get<double>(), 0.0);
  // Straight-through at T_b = sqrt(2) gives W_Q a gradient through the same argmax forward.
  EXPECT_NEAR(j["ste"]["loss"].get<double>(), 4.2114, 5e-5);
  EXPECT_GT(j["sizes"]["straight_through"]["W_Q"].get<double>(), 0.0);
}

TEST(GradientsViewEval, E2WithItsAddedLossHasZeroScoresGradientUnderArgmax) {
  const json j = Eval(Load("e2-gradients.json"));
  ASSERT_TRUE(j.contains("heads")) << j.dump();
  for (const json& x : j["heads"][0]["grad_scores"][0]) EXPECT_EQ(x.get<double>(), 0.0);
  // The chosen value v2 gets dL/dz: z = v2 = [1, 4, 3], U = I, target 0.
  const double e1 = std::exp(1.0), e4 = std::exp(4.0), e3 = std::exp(3.0), sum = e1 + e4 + e3;
  EXPECT_NEAR(j["grad_logits"][0][0].get<double>(), e1 / sum - 1, 1e-12);
  EXPECT_NEAR(j["heads"][0]["grad_V"][1][0].get<double>(), e1 / sum - 1, 1e-12);
  EXPECT_EQ(j["heads"][0]["grad_V"][0][0].get<double>(), 0.0);
}

TEST(GradientsViewEval, AScenarioWithoutALossSaysSoAndDoesNotFail) {
  Scenario s = Load("e2-argmax-attention.json");
  s.view = "gradients";
  const json j = Eval(s);
  EXPECT_NE(j["note"].get<std::string>().find("no loss"), std::string::npos);
  EXPECT_FALSE(j.contains("grad_logits"));
}

TEST(GradientsViewEval, ABigScenarioLeavesTheSweepOutAndSaysSo) {
  // 130 positions: 16900 score cells, past the sweep's 64 x 64 x 4.
  std::string X = "[";
  for (int i = 0; i < 130; ++i) X += std::string(i ? ", " : "") + "[" + std::to_string(i % 3) + ", 1]";
  X += "]";
  Scenario t;
  const Status st = ParseScenario(R"({"X": )" + X + R"(, "unembedding": [[1, 0], [0, 1]],
      "loss": {"positions": [0, 1], "targets": [0, 1]}, "view": "gradients"})",
                                  &t);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const json j = Eval(t);
  EXPECT_TRUE(j.contains("sweep_note"));
  EXPECT_FALSE(j.contains("sweep"));
  EXPECT_TRUE(j.contains("ste"));  // 16900 cells: still under 512 x 512
  EXPECT_EQ(j["heads"][0]["grad_scores"].size(), 130u);
}

// The lab's estimator drives the base block, not the scenario's own T (0 here):
// the straight-through preset prints straight-through's gradients at T_b = sqrt(2).
TEST(GradientsViewEval, TheLabsEstimatorDrivesTheBaseBlock) {
  const Scenario s = Load("e9-gradients-ste.json");
  ASSERT_EQ(s.attention.temperature, 0.0);
  const json j = Eval(s);
  EXPECT_EQ(j["estimator"], "straight_through");
  EXPECT_EQ(j["lab"]["estimator"], "straight_through");
  EXPECT_NEAR(j["temperature"].get<double>(), std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(j["lab"]["temperature"].get<double>(), std::sqrt(2.0), 1e-12);
  // Forward: argmax (E9's 4.2114); backward through softmax at T_b: W_Q moves.
  EXPECT_NEAR(j["loss"].get<double>(), 4.2114, 5e-5);
  double q = 0;
  for (const json& row : j["heads"][0]["grad_W_Q"])
    for (const json& x : row) q += std::abs(x.get<double>());
  EXPECT_GT(q, 1e-6);
  // W_V's gradient is exact under the argmax forward: the finite difference of
  // the forward loss (the scenario at T = 0) agrees.
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c)
      EXPECT_NEAR(j["heads"][0]["grad_W_V"][r][c].get<double>(), FiniteDifference(s, &HeadWeights::W_V, r, c), 1e-6);
  // The lab's other settings keep their own keys (the gumbel preset: hard, seed 7).
  const json k = Eval(Load("e9-gradients-gumbel.json"));
  EXPECT_EQ(k["lab"]["seed"], 7);
  EXPECT_TRUE(k["lab"]["hard"].get<bool>());
  EXPECT_EQ(k["estimator"], "gumbel_softmax");
}

// The view's bound: sum over heads of n n_k up to 256 x 256. A file of this
// view past it is refused naming its input and the numbers; another view's
// scenario evaluated in this view gets a note.
std::string Sequence(int n) {
  std::string X = "[";
  for (int i = 0; i < n; ++i) X += std::string(i ? ", " : "") + "[" + std::to_string(i % 3) + ", 1]";
  return X + "]";
}

TEST(GradientsLabIo, ScenariosPastTheViewsBoundAreRefusedInThisViewAndNotedInOthers) {
  const std::string body = R"({"X": )" + Sequence(257) + R"(, "unembedding": [[1, 0], [0, 1]],
      "loss": {"positions": [0, 1], "targets": [0, 1]}, "view": ")";
  Scenario s;
  Status st = ParseScenario(body + R"(gradients"})", &s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "X");
  EXPECT_NE(st.message().find("66049"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("65536"), std::string::npos) << st.ToString();
  // 256 positions: exactly at the bound.
  EXPECT_TRUE(ParseScenario(R"({"X": )" + Sequence(256) + R"(, "unembedding": [[1, 0], [0, 1]],
      "loss": {"positions": [0, 1], "targets": [0, 1]}, "view": "gradients"})",
                            &s)
                  .ok());
  // The Attention view's file: accepted; in the Gradients view, a note.
  st = ParseScenario(body + R"(attention"})", &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const json j = Eval(s);
  ASSERT_TRUE(j.contains("note")) << j.dump().substr(0, 300);
  EXPECT_NE(j["note"].get<std::string>().find("too big"), std::string::npos);
  EXPECT_FALSE(j.contains("grad_logits"));
}

TEST(GradientsViewEval, IsDeterministicWithGumbelNoise) {
  const Scenario s = Load("e9-gradients-gumbel.json");
  const json a = Eval(s), b = Eval(s);
  EXPECT_EQ(a.dump(), b.dump());
  EXPECT_TRUE(a["gumbel"]["hard"].get<bool>());
  EXPECT_EQ(a["gumbel"]["seed"], 7);
  ASSERT_TRUE(a["gumbel"]["heads"][0].contains("gumbel_noise"));
}

// The training preset as the view runs it: softmax's loss falls within 60 steps
// at the preset's rate; argmax's W_Q and W_K never move, its W_V does.
TEST(GradientsTrainingPreset, SoftmaxLearnsAndArgmaxsQueryAndKeyWeightsStayPut) {
  const Scenario s = Load("e9-gradients-training.json");
  const GradientsLabSettings& lab = *s.views.Find<GradientsLabSettings>();
  Trainer t;
  ASSERT_TRUE(t.Reset(s, TrainOptionsFor(lab)).ok());
  EXPECT_EQ(t.examples().size(), 16u);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(t.Step().ok());
  const Trainer::Run* softmax = t.Find(Estimator::kSoftmax);
  const Trainer::Run* argmax = t.Find(Estimator::kArgmax);
  ASSERT_TRUE(softmax && argmax);
  std::printf("  training preset: softmax loss %.4f -> %.4f, argmax %.4f -> %.4f after 60 steps\n",
              softmax->history.front().loss, softmax->history.back().loss, argmax->history.front().loss,
              argmax->history.back().loss);
  EXPECT_LT(softmax->history.back().loss, softmax->history.front().loss * 0.95);
  EXPECT_EQ(argmax->history.back().moved_W_Q, 0.0);
  EXPECT_EQ(argmax->history.back().moved_W_K, 0.0);
  EXPECT_GT(argmax->history.back().moved_W_V, 0.0);
}

}  // namespace
}  // namespace attnlab
