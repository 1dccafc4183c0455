// E10's two views (logistic, rnn): their settings in scenario files (strict,
// round-trips, errors naming the path), and their eval blocks against
// exam_extras directly and against numbers worked out by hand.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "attnlab/e10_lab.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

using json = nlohmann::json;

const std::string kInput = R"("Q": [[1]], "K": [[1]], "V": [[1]])";

Status Parse(const std::string& view, const std::string& extra, Scenario* s) {
  return ParseScenario("{" + kInput + R"(, "view": ")" + view + "\", " + extra + "}", s);
}

json EvalView(const Scenario& s) {
  Result r;
  EXPECT_TRUE(Evaluate(s, &r).ok());
  std::string text;
  const Status st = EvalToJson(s, r, "", &text);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return st.ok() ? json::parse(text)["views"][s.view] : json();
}

// ---- codecs -------------------------------------------------------------------

TEST(E10Codec, LogisticSettingsRoundTrip) {
  Scenario s;
  const Status st = Parse("logistic", R"("logistic_lab": {"points": [[1, 0.5], [-2, 3.25]], "labels": [1, -1],
      "lambda": 0.25, "learning_rate": 0.5, "steps": 17, "w0": [0.125, -1], "alpha_max": 7})", &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const LogisticLabSettings& lab = *s.views.Find<LogisticLabSettings>();
  ASSERT_EQ(lab.data.points.size(), 2u);
  EXPECT_EQ(lab.data.points[1].y, 3.25);
  EXPECT_EQ(lab.data.labels[1], -1);
  EXPECT_EQ(lab.lambda, 0.25);
  EXPECT_EQ(lab.steps, 17);
  EXPECT_EQ(lab.w0.x, 0.125);
  EXPECT_EQ(lab.alpha_max, 7);
  Scenario back;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok());
  EXPECT_TRUE(s == back);
  back.views.Get<LogisticLabSettings>().data.points[0].x = 2;
  EXPECT_FALSE(s == back);  // equality sees a moved point
}

TEST(E10Codec, RnnSettingsRoundTrip) {
  Scenario s;
  const Status st = Parse("rnn", R"("rnn_lab": {"activation": "sigmoid", "w": -0.75, "a": 2, "x1": 0.5, "x2": -1,
      "h0": 0.25, "y": 1, "learning_rate": 0.01})", &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const RnnInput& in = s.views.Find<RnnLabSettings>()->in;
  EXPECT_EQ(in.g, Activation::kSigmoid);
  EXPECT_EQ(in.w, -0.75);
  EXPECT_EQ(in.h0, 0.25);
  EXPECT_EQ(in.learning_rate, 0.01);
  Scenario back;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok());
  EXPECT_TRUE(s == back);
  back.views.Get<RnnLabSettings>().in.g = Activation::kRelu;
  EXPECT_FALSE(s == back);
}

struct BadCase {
  const char* view;
  const char* extra;
  const char* field;
};

TEST(E10Codec, BadInputIsAnErrorNamingItsPath) {
  const BadCase cases[] = {
      {"logistic", R"("logistic_lab": {"bias": 1})", "logistic_lab.bias"},
      {"logistic", R"("logistic_lab": {"points": [[1, 2]], "labels": [0]})", "logistic_lab.labels[0]"},
      {"logistic", R"("logistic_lab": {"points": [[1, 2]], "labels": [1, -1]})", "logistic_lab.labels"},
      {"logistic", R"("logistic_lab": {"points": [[1, 2, 3]], "labels": [1]})", "logistic_lab.points[0]"},
      {"logistic", R"("logistic_lab": {"points": [[1, 2]]})", "logistic_lab.labels"},
      {"logistic", R"("logistic_lab": {"points": [[1, 1e300]], "labels": [1]})", "logistic_lab.points[0][1]"},
      {"logistic", R"("logistic_lab": {"lambda": -1})", "logistic_lab.lambda"},
      {"logistic", R"("logistic_lab": {"learning_rate": 1e300})", "logistic_lab.learning_rate"},
      {"logistic", R"("logistic_lab": {"learning_rate": 0})", "logistic_lab.learning_rate"},
      {"logistic", R"("logistic_lab": {"steps": 0})", "logistic_lab.steps"},
      {"logistic", R"("logistic_lab": {"steps": 1000000})", "logistic_lab.steps"},
      {"logistic", R"("logistic_lab": {"w0": [1]})", "logistic_lab.w0"},
      // 300 points x 5000 steps = 1.5 M > kMaxLogisticWork: checked below with a made-up lab.
      {"logistic", R"("logistic_lab": {"alpha_max": "big"})", "logistic_lab.alpha_max"},
      {"rnn", R"("rnn_lab": {"activation": "softmax"})", "rnn_lab.activation"},
      {"rnn", R"("rnn_lab": {"w": "x"})", "rnn_lab.w"},
      {"rnn", R"("rnn_lab": {"w": 1e300})", "rnn_lab.w"},
      {"rnn", R"("rnn_lab": {"learning_rate": 1e300})", "rnn_lab.learning_rate"},
      {"rnn", R"("rnn_lab": {"learning_rate": -0.1})", "rnn_lab.learning_rate"},
      {"rnn", R"("rnn_lab": {"h_0": 1})", "rnn_lab.h_0"},
  };
  for (const BadCase& c : cases) {
    Scenario s;
    const Status st = Parse(c.view, c.extra, &s);
    EXPECT_FALSE(st.ok()) << c.extra;
    EXPECT_EQ(st.field(), c.field) << c.extra << " -> " << st.ToString();
  }
}

TEST(E10Codec, TooManyPointsAreRefusedQuickly) {
  // 600 points: past kMaxLogisticPoints, named before any point is read.
  std::string pts, labels;
  for (int i = 0; i < 600; ++i) {
    pts += std::string(i ? ", " : "") + "[1, 1]";
    labels += std::string(i ? ", " : "") + "1";
  }
  Scenario s;
  Status st = Parse("logistic", R"("logistic_lab": {"points": [)" + pts + R"(], "labels": [)" + labels + "]}", &s);
  EXPECT_EQ(st.field(), "logistic_lab.points") << st.ToString();
  EXPECT_NE(st.message().find("at most 500"), std::string::npos) << st.message();
  // 10^5 points in a file: the same message, quickly; 10^6 made in memory: refused before any work.
  std::string big = "[";
  for (int i = 0; i < 100000; ++i) big += i ? ",[1,1]" : "[1,1]";
  big += "]";
  st = Parse("logistic", R"("logistic_lab": {"points": )" + big + R"(, "labels": [1]})", &s);
  EXPECT_EQ(st.field(), "logistic_lab.points") << st.ToString();
  // (Only the refusal is timed: reading 600 kB of JSON under the sanitizers takes most of a second.)
  LogisticLabSettings lab;
  lab.data.points.assign(1000000, Point2{1, 1});
  lab.data.labels.assign(1000000, 1);
  LogisticLabView v;
  const auto t0 = std::chrono::steady_clock::now();
  st = ComputeLogisticLab(lab, &v);
  EXPECT_EQ(st.field(), "logistic_lab.points") << st.ToString();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.25);
}

TEST(E10Codec, NonFiniteSettingsMadeInMemoryAreRefusedByCompute) {
  LogisticLabSettings lab = DefaultLogisticLab();
  lab.data.points[2].x = std::numeric_limits<double>::quiet_NaN();
  LogisticLabView v;
  Status st = ComputeLogisticLab(lab, &v);
  EXPECT_EQ(st.field(), "logistic_lab.points[2][0]") << st.ToString();
  RnnLabSettings rnn;
  rnn.in.learning_rate = 1e300;
  RnnLabView rv;
  st = ComputeRnnLab(rnn, &rv);
  EXPECT_EQ(st.field(), "rnn_lab.learning_rate") << st.ToString();
  rnn = RnnLabSettings();
  rnn.in.x2 = std::numeric_limits<double>::infinity();
  EXPECT_EQ(ComputeRnnLab(rnn, &rv).field(), "rnn_lab.x2");
  // steps x points bounded: 400 points x 5000 steps is refused, naming the steps.
  LogisticLabSettings busy = DefaultLogisticLab();
  busy.data.points.assign(400, Point2{1, 1});
  busy.data.labels.assign(400, 1);
  busy.steps = 5000;
  EXPECT_EQ(ComputeLogisticLab(busy, &v).field(), "logistic_lab.steps");
  busy.steps = 2500;
  EXPECT_TRUE(ComputeLogisticLab(busy, &v).ok());
  // The scenario-level limits check says the same.
  Scenario s;
  s.views.Set(lab);
  EXPECT_FALSE(FindViewModel("logistic")->check_limits(s).ok());
}

// ---- the RNN's eval ---------------------------------------------------------------

TEST(E10RnnEval, ReluByHandWithH0Zero) {
  // ReLU, w = 0.5, a = 1, x1 = 1, x2 = 0.5, h0 = 0, y = 0, eta = 0.1:
  //   z1 = 0.5·0 + 1·1 = 1, h1 = 1;  z2 = 0.5·1 + 0.5 = 1, h2 = 1;  L = 1/2
  //   dL/dw = (h2 - y) g'(z2) h1 = 1·1·1 = 1 (the term through h1 is w g'(z1) h0 = 0)
  //   w <- 0.5 - 0.1 = 0.4;  z1 = 1, z2 = 0.4 + 0.5 = 0.9;  L = 0.405
  Scenario s;
  ASSERT_TRUE(Parse("rnn", R"("rnn_lab": {"activation": "relu", "w": 0.5, "a": 1, "x1": 1, "x2": 0.5, "h0": 0,
      "y": 0, "learning_rate": 0.1})", &s).ok());
  const json r = EvalView(s);
  EXPECT_EQ(r["activation"], "relu");
  EXPECT_DOUBLE_EQ(r["h1"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["h2"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["loss"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(r["dL_dw"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["dL_dw_exam"].get<double>(), 1.0);
  EXPECT_EQ(r["exam_formula_exact"], true);
  EXPECT_DOUBLE_EQ(r["w_after"].get<double>(), 0.4);
  EXPECT_NEAR(r["loss_after"].get<double>(), 0.405, 1e-15);
  EXPECT_NEAR(r["finite_difference"].get<double>(), 1.0, 1e-8);
}

TEST(E10RnnEval, ReluByHandWithH0OneShowsTheTermTheExamDrops) {
  // h0 = 1: z1 = 0.5·1 + 1 = 1.5 = h1;  z2 = 0.5·1.5 + 0.5 = 1.25 = h2;  L = 1.25²/2 = 0.78125
  //   exam: (h2 - y) g'(z2) h1 = 1.25·1·1.5 = 1.875
  //   full: 1.25·1·(1.5 + w g'(z1) h0 = 0.5·1·1) = 2.5
  //   w <- 0.5 - 0.1·2.5 = 0.25: z1 = 1.25, z2 = 0.3125 + 0.5 = 0.8125, L = 0.330078125
  const json r = EvalView([] {
    Scenario s;
    EXPECT_TRUE(Parse("rnn", R"("rnn_lab": {"activation": "relu", "h0": 1})", &s).ok());
    return s;
  }());
  EXPECT_DOUBLE_EQ(r["loss"].get<double>(), 0.78125);
  EXPECT_DOUBLE_EQ(r["dz2_dw_through_h1"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(r["dL_dw_exam"].get<double>(), 1.875);
  EXPECT_DOUBLE_EQ(r["dL_dw"].get<double>(), 2.5);
  EXPECT_EQ(r["exam_formula_exact"], false);
  EXPECT_DOUBLE_EQ(r["w_after"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(r["w_after_exam"].get<double>(), 0.5 - 0.1 * 1.875);
  EXPECT_DOUBLE_EQ(r["loss_after"].get<double>(), 0.330078125);
  EXPECT_NEAR(r["finite_difference"].get<double>(), 2.5, 1e-8);
}

TEST(E10RnnEval, EveryActivationMatchesExamExtrasAndTheFiniteDifference) {
  for (const char* g : {"tanh", "sigmoid", "relu"}) {
    Scenario s;
    ASSERT_TRUE(Parse("rnn", std::string(R"("rnn_lab": {"activation": ")") + g +
                                 R"(", "w": 0.7, "a": -0.4, "x1": 1.3, "x2": 2, "h0": 0.6, "y": 0.2, "learning_rate": 0.3})",
                      &s)
                    .ok());
    const json r = EvalView(s);
    RnnInput in;
    ASSERT_TRUE(ParseActivation(g, &in.g));
    in.w = 0.7, in.a = -0.4, in.x1 = 1.3, in.x2 = 2, in.h0 = 0.6, in.y = 0.2, in.learning_rate = 0.3;
    const RnnStep step = RnnSgdStep(in);
    EXPECT_EQ(r["h2"].get<double>(), step.h2) << g;
    EXPECT_EQ(r["dL_dw"].get<double>(), step.dL_dw) << g;
    EXPECT_EQ(r["w_after"].get<double>(), step.w_after) << g;
    EXPECT_NEAR(r["dL_dw"].get<double>(), r["finite_difference"].get<double>(), 1e-7) << g;
    EXPECT_LT(r["finite_difference_error"].get<double>(), 1e-7) << g;
    // The curve passes through (w, L).
    EXPECT_EQ(r["curve_w"].size(), static_cast<size_t>(kRnnCurveSamples));
    EXPECT_DOUBLE_EQ(r["curve_loss"][kRnnCurveSamples / 2].get<double>(), step.loss) << g;
  }
  // tanh from its definition: h1 = tanh(0.7·0.6 - 0.4·1.3), h2 = tanh(0.7 h1 - 0.8).
  const double h1 = std::tanh(0.7 * 0.6 - 0.4 * 1.3), h2 = std::tanh(0.7 * h1 - 0.8);
  RnnInput in;
  in.w = 0.7, in.a = -0.4, in.x1 = 1.3, in.x2 = 2, in.h0 = 0.6, in.y = 0.2;
  EXPECT_NEAR(RnnSgdStep(in).h2, h2, 1e-15);
}

TEST(E10RnnEval, TheTanhPresetsNumbersAsItsSolutionStatesThem) {
  Scenario s;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e10-rnn-sgd.json", &s).ok());
  const json r = EvalView(s);
  // h1 = tanh 1 = 0.7616, h2 = tanh 0.8808 = 0.7068, g'(z2) = 0.5004, dL/dw = 0.2694, w -> 0.4731, L 0.2498 -> 0.2425
  EXPECT_NEAR(r["h1"].get<double>(), 0.7616, 5e-5);
  EXPECT_NEAR(r["h2"].get<double>(), 0.7068, 5e-5);
  EXPECT_NEAR(r["g_prime_z2"].get<double>(), 0.5004, 5e-5);
  EXPECT_NEAR(r["dL_dw"].get<double>(), 0.2694, 5e-5);
  EXPECT_NEAR(r["w_after"].get<double>(), 0.4731, 5e-5);
  EXPECT_NEAR(r["loss"].get<double>(), 0.2498, 5e-5);
  EXPECT_NEAR(r["loss_after"].get<double>(), 0.2425, 5e-5);
}

// ---- logistic regression's eval -------------------------------------------------------

Scenario TwoPoints(double lambda) {
  Scenario s;
  EXPECT_TRUE(Parse("logistic", R"("logistic_lab": {"points": [[1, 0], [-1, 0]], "labels": [1, -1], "lambda": )" +
                                    std::to_string(lambda) + R"(, "learning_rate": 1, "steps": 2000, "alpha_max": 10})",
                    &s)
                  .ok());
  return s;
}

TEST(E10LogisticEval, TwoPointsByHand) {
  // x = (1, 0) with y = +1 and (-1, 0) with y = -1: both terms are log(1 + e^{-w_1}).
  //   w* = (1, 0); L(alpha w*) = log(1 + e^{-alpha}); L(0) = log 2.
  //   grad at 0 = -(1/2)(1·(1,0)·1/2 + (-1)·(-1,0)·1/2) = (-1/2, 0): w_1 = (1/2, 0).
  //   grad at w_1 = -sigmoid(-1/2) (1, 0) = (-0.377541, 0): w_2 = (0.877541, 0);
  //   with lambda = 0.1 the step adds 0.1·0.5: w_2 = (0.827541, 0).
  const json r = EvalView(TwoPoints(0.0));
  EXPECT_EQ(r["separable"], true);
  EXPECT_DOUBLE_EQ(r["w_star"][0].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["w_star"][1].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(r["loss_at_w0"].get<double>(), std::log(2.0));
  ASSERT_EQ(r["alphas"].size(), static_cast<size_t>(kAlphaSamples));
  for (int k = 0; k < kAlphaSamples; ++k) {
    const double a = 10.0 * k / (kAlphaSamples - 1);
    EXPECT_NEAR(r["loss_along"][k].get<double>(), std::log1p(std::exp(-a)), 1e-15) << a;
    if (k > 0) EXPECT_LT(r["loss_along"][k].get<double>(), r["loss_along"][k - 1].get<double>());  // no minimum
  }
  EXPECT_GT(r["loss_along"][kAlphaSamples - 1].get<double>(), 0.0);
  const json& d = r["descent"];
  EXPECT_DOUBLE_EQ(d["norm"][1].get<double>(), 0.5);
  EXPECT_NEAR(d["norm"][2].get<double>(), 0.5 + 1.0 / (1.0 + std::exp(0.5)), 1e-15);
  EXPECT_FALSE(r.contains("descent_l2"));
  // ||w|| keeps growing, step after step, while the loss keeps falling.
  for (size_t t = 1; t < d["norm"].size(); ++t) {
    EXPECT_GT(d["norm"][t].get<double>(), d["norm"][t - 1].get<double>()) << t;
    EXPECT_LT(d["loss"][t].get<double>(), d["loss"][t - 1].get<double>()) << t;
  }
  // Like log t: after 2000 steps past 6 (log(1 + e^{-w}) ~ e^{-w}, w ~ log t).
  EXPECT_GT(d["final_norm"].get<double>(), 6.0);
}

TEST(E10LogisticEval, AnL2PenaltyGivesAFiniteMinimum) {
  const json r = EvalView(TwoPoints(0.1));
  const json& d = r["descent_l2"];
  EXPECT_NEAR(d["norm"][2].get<double>(), 0.5 + 1.0 / (1.0 + std::exp(0.5)) - 0.1 * 0.5, 1e-15);
  // The minimum solves sigmoid(-w) = 0.1 w (derivative of log(1 + e^{-w}) + 0.05 w^2):
  // gradient descent converges to it, and the curve along w* has its grid minimum there.
  const double w = d["final_w"][0].get<double>();
  EXPECT_NEAR(1.0 / (1.0 + std::exp(w)), 0.1 * w, 1e-12);
  EXPECT_LT(d["final_gradient_norm"].get<double>(), 1e-12);
  EXPECT_NEAR(r["alpha_min_l2"].get<double>(), w, 0.05 + 1e-12);
  EXPECT_LT(r["descent"]["final_norm"].get<double>() - w, 100.0);
  EXPECT_GT(r["descent"]["final_norm"].get<double>(), w + 3.0);  // without L2 it went on
}

TEST(E10LogisticEval, NotSeparableSaysSoAndDescentLevelsOff) {
  Scenario s;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e10-logistic-not-separable.json", &s).ok());
  const json r = EvalView(s);
  EXPECT_EQ(r["separable"], false);
  EXPECT_FALSE(r.contains("w_star"));
  EXPECT_NE(r["note"].get<std::string>().find("not separable"), std::string::npos);
  EXPECT_LT(r["descent"]["final_gradient_norm"].get<double>(), 1e-9);
  EXPECT_EQ(r["descent"]["final_separates"], false);
}

TEST(E10LogisticEval, MatchesExamExtrasOnThePreset) {
  Scenario s;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e10-logistic-separable.json", &s).ok());
  const json r = EvalView(s);
  const LogisticLabSettings& lab = *s.views.Find<LogisticLabSettings>();
  // w* is the middle of the cone of separating directions: unit, it separates,
  // and the two extreme directions y_i x_i make the same angle with it.
  const Point2 w_star{r["w_star"][0].get<double>(), r["w_star"][1].get<double>()};
  EXPECT_NEAR(std::hypot(w_star.x, w_star.y), 1.0, 1e-15);
  EXPECT_TRUE(Separates(lab.data, w_star));
  double lo = 10, hi = -10;  // signed angles of y_i x_i from w*
  for (size_t i = 0; i < lab.data.points.size(); ++i) {
    const double ux = lab.data.labels[i] * lab.data.points[i].x, uy = lab.data.labels[i] * lab.data.points[i].y;
    const double a = std::atan2(w_star.x * uy - w_star.y * ux, w_star.x * ux + w_star.y * uy);
    lo = std::min(lo, a);
    hi = std::max(hi, a);
  }
  EXPECT_NEAR(lo, -hi, 1e-12);
  const std::vector<LogisticStep> d = LogisticDescent(lab.data, lab.w0, lab.learning_rate, lab.steps, lab.lambda);
  EXPECT_EQ(r["descent_l2"]["final_norm"].get<double>(), d.back().norm);
  EXPECT_EQ(r["descent_l2"]["final_loss"].get<double>(), d.back().loss);
  EXPECT_EQ(r["descent"]["norm"].size(), static_cast<size_t>(lab.steps) + 1);
  EXPECT_EQ(r["loss_along"][50].get<double>(), LogisticLoss(lab.data, {5 * w_star.x, 5 * w_star.y}));
  EXPECT_EQ(r["descent"]["final_separates"], true);
}


LogisticLabSettings Points(std::vector<Point2> points, std::vector<int> labels, double lambda = 0.0) {
  LogisticLabSettings lab = DefaultLogisticLab();
  lab.data.points = std::move(points);
  lab.data.labels = std::move(labels);
  lab.lambda = lambda;
  lab.steps = 2000;
  return lab;
}

TEST(E10LogisticEval, WeaklySeparableDataHasNoMinimumEither) {
  // A point at the origin: every w gives it log 2, the others separate: L falls
  // towards log 2 / 3 and never reaches it (the perceptron alone called this
  // "not separable" with "a finite minimum").
  LogisticLabView v;
  ASSERT_TRUE(ComputeLogisticLab(Points({{1, 2}, {-1, -2}, {0, 0}}, {1, -1, 1}), &v).ok());
  EXPECT_FALSE(v.separable);
  EXPECT_TRUE(v.no_minimum);
  EXPECT_NE(v.note.find("separable only weakly"), std::string::npos) << v.note;
  EXPECT_NE(v.note.find(std::to_string(std::log(2.0) / 3).substr(0, 5)), std::string::npos) << v.note;
  // u = y x: (1, 0) twice, (0, 1), (0, -1): the closed half-plane x >= 0; w = (1, 0).
  ASSERT_TRUE(ComputeLogisticLab(Points({{1, 0}, {-1, 0}, {0, 1}, {0, 1}}, {1, -1, 1, -1}), &v).ok());
  EXPECT_TRUE(v.no_minimum);
  EXPECT_NEAR(v.w_star.x, 1.0, 1e-12);
  EXPECT_NEAR(v.w_star.y, 0.0, 1e-12);
  for (size_t t = 1; t < v.descent.size(); ++t) EXPECT_GT(v.descent[t].norm, v.descent[t - 1].norm) << t;
  // Every y x on one line, both ways: no w has all >= 0 with one > 0: a minimum (at 0).
  ASSERT_TRUE(ComputeLogisticLab(Points({{1, 1}, {1, 1}}, {1, -1}), &v).ok());
  EXPECT_FALSE(v.no_minimum);
  EXPECT_NE(v.note.find("finite minimum"), std::string::npos) << v.note;
}

TEST(E10LogisticEval, AnL2DescentThatDivergesStopsAndSaysSo) {
  // eta lambda = 3: each step scales w by -2 before the data's pull.
  LogisticLabSettings lab = Points({{1, 0}, {-1, 0}}, {1, -1}, 0.1);
  lab.learning_rate = 30;
  lab.steps = 5000;
  LogisticLabView v;
  ASSERT_TRUE(ComputeLogisticLab(lab, &v).ok());
  EXPECT_TRUE(v.l2_diverged);
  EXPECT_LT(v.descent_l2.size(), 100u);
  for (const LogisticStep& r : v.descent_l2) {
    EXPECT_TRUE(std::isfinite(r.loss));
    EXPECT_LE(r.norm, 1e12);
  }
  EXPECT_NE(v.note.find("diverges"), std::string::npos) << v.note;
  lab.learning_rate = 10;  // eta lambda = 1: it converges
  ASSERT_TRUE(ComputeLogisticLab(lab, &v).ok());
  EXPECT_FALSE(v.l2_diverged);
  EXPECT_EQ(v.descent_l2.size(), 5001u);
}

}  // namespace
}  // namespace attnlab
