// Practice on every view (issue 17): what each view offers, its truth (read
// back independently from `attnlab eval`'s JSON), the data shown beside the
// blank cells (never the answer), marking with each view's tolerance, the
// conv sizes' off-by-one, the three hint levels, and the practice state's
// place in the scenario file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attnlab/limits.hpp"
#include "attnlab/practice.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/temperature.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

using json = nlohmann::json;
const std::string kPresets = ATTNLAB_PRESETS_DIR;

Scenario Load(const std::string& file) {
  Scenario s;
  const Status st = LoadScenarioFile(kPresets + "/" + file, &s);
  EXPECT_TRUE(st.ok()) << file << ": " << st.ToString();
  return s;
}

struct Practice {
  Scenario s;
  Result r;
  PracticeContext ctx;
  std::vector<PracticeItem> items;
  explicit Practice(Scenario sc) : s(std::move(sc)) {
    EXPECT_TRUE(Evaluate(s, &r).ok());
    EXPECT_TRUE(MakePracticeContext(s, r, &ctx).ok());
    EXPECT_TRUE(PracticeItems(ctx, &items).ok());
  }
  const PracticeItem& Item(const std::string& target) const {
    for (const PracticeItem& it : items)
      if (it.target == target) return it;
    ADD_FAILURE() << "no item " << target;
    return items.front();
  }
  StageMarks Check(const std::string& target, const std::vector<std::string>& cells,
                   const std::map<std::string, Matrix>& earlier = {}) const {
    const PracticeItem& it = Item(target);
    StageMarks m;
    const Status st = CheckPractice(ctx, it, cells, it.rows, it.cols, earlier, &m);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return m;
  }
  Matrix Truth(const std::string& target) const {
    Matrix m;
    EXPECT_TRUE(PracticeTruth(ctx, Item(target), &m).ok());
    return m;
  }
};

std::string Text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

// The eval JSON entry at a dotted path (a list's item or an array's element by index).
const json* At(const json& j, const std::string& path) {
  const json* cur = &j;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot - start);
    if (cur->is_object()) {
      if (!cur->contains(part)) return nullptr;
      cur = &(*cur)[part];
    } else if (cur->is_array()) {
      const size_t k = std::stoul(part);
      if (k >= cur->size()) return nullptr;
      cur = &(*cur)[k];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

// The entry as rows of numbers, as the practice sheet lays it out: a number
// 1 x 1, a list 1 x n, a matrix its rows. null (a non-finite value) is NaN.
Matrix AsMatrix(const json& e) {
  auto num = [](const json& x) { return x.is_null() ? std::nan("") : x.get<double>(); };
  if (e.is_null()) return Matrix::Constant(1, 1, std::nan(""));
  if (e.is_number()) return Matrix::Constant(1, 1, e.get<double>());
  if (e.is_boolean()) return Matrix::Constant(1, 1, e.get<bool>() ? 1 : 0);
  if (e.is_array() && !e.empty() && e[0].is_array()) {
    Matrix m(static_cast<Eigen::Index>(e.size()), static_cast<Eigen::Index>(e[0].size()));
    for (size_t i = 0; i < e.size(); ++i)
      for (size_t j = 0; j < e[i].size(); ++j) m(i, j) = num(e[i][j]);
    return m;
  }
  Matrix m(1, static_cast<Eigen::Index>(e.size()));
  for (size_t j = 0; j < e.size(); ++j) m(0, j) = num(e[j]);
  return m;
}

bool SameMatrix(const Matrix& a, const Matrix& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index k = 0; k < a.size(); ++k) {
    const double x = a.data()[k], y = b.data()[k];  // eval writes every non-finite number as null
    if (std::isfinite(x) != std::isfinite(y)) return false;
    if (std::isfinite(x) && !(x == y || std::abs(x - y) <= 1e-12 * std::max(1.0, std::abs(y)))) return false;
  }
  return true;
}

// Every view's items, on every shipped preset of that view: the truth the
// sheet marks against is the number `attnlab eval` prints at that path.
TEST(PracticeSheet, EveryViewsTruthIsWhatEvalPrints) {
  const std::vector<std::string> files = {
      "e7-temperature-sweep.json", "e3-gqa.json",        "e3-multihead-shapes.json", "e1-scaling.json",
      "e5-quadratic-kernel.json",  "e5-causal-linear.json", "e6-selection.json",      "e9-gradients-softmax.json",
      "e8-svhn.json",              "e8-filter-3x5.json", "e4-decoding-gqa.json",     "e10-logistic-separable.json",
      "e10-rnn-sgd.json",          "e10-rnn-relu-h0.json"};
  std::map<std::string, int> checked_per_view;
  for (const std::string& file : files) {
    Practice p(Load(file));
    std::string text;
    ASSERT_TRUE(EvalToJson(p.s, p.r, "", &text).ok());
    const json eval = json::parse(text);
    const json& scope = eval["views"][p.s.view];
    for (const PracticeItem& it : p.items) {
      if (!it.unavailable.empty()) continue;
      const json* e = At(scope, it.target);
      ASSERT_NE(e, nullptr) << file << ": " << it.target;
      const Matrix expected = AsMatrix(*e);
      EXPECT_TRUE(SameMatrix(p.Truth(it.target), expected)) << file << ": " << it.target;
      EXPECT_EQ(it.rows, expected.rows()) << file << ": " << it.target;
      EXPECT_EQ(it.cols, expected.cols()) << file << ": " << it.target << " = " << e->dump();
      ++checked_per_view[p.s.view];
    }
  }
  for (const ViewModel* v : ViewModels()) {
    if (std::string(v->key) == "attention") continue;
    EXPECT_GT(checked_per_view[v->key], 0) << v->key << ": no item could be practised on its presets";
  }
  // A stack (one matrix per head) is offered one head at a time.
  Practice gqa(Load("e3-gqa.json"));
  EXPECT_EQ(gqa.Item("weights.3").rows, 5);
  EXPECT_EQ(gqa.Item("weights.3").cols, 5);
}

TEST(PracticeSheet, TheAttentionViewOffersItsStagesInPipelineOrder) {
  Scenario s = Load("e9-dedupe-sort.json");
  s.view = "attention";
  Practice p(s);
  std::vector<std::string> targets;
  for (const PracticeItem& it : p.items) targets.push_back(it.target);
  EXPECT_EQ(targets, AttentionPracticeStages());
  EXPECT_TRUE(p.Item("weights").stage);
  EXPECT_EQ(p.Item("weights").rows, 7);
  EXPECT_EQ(p.Item("loss").rows, 1);
  EXPECT_EQ(p.Item("loss").cols, 1);
  EXPECT_TRUE(p.Item("Q").unavailable.empty());

  // Q, K, V given directly are not asked for; two heads are the Multi-head view's.
  Scenario qkv;
  qkv.input = InputMode::kQKV;
  qkv.Q = Matrix::Identity(2, 2);
  qkv.K = Matrix::Identity(2, 2);
  qkv.V = Matrix::Identity(2, 2);
  qkv.unembedding = Unembedding::kNone;
  Practice q(qkv);
  EXPECT_NE(q.Item("Q").unavailable.find("given"), std::string::npos);
  EXPECT_TRUE(q.Item("weights").unavailable.empty());
  EXPECT_NE(q.Item("logits").unavailable.find("no logits"), std::string::npos);
  Scenario two = Load("e9-two-heads.json");
  two.view = "attention";
  Practice t(two);
  EXPECT_NE(t.Item("weights").unavailable.find("one head"), std::string::npos);
}

// The data beside the blank cells is what the stage is computed from, never
// the stage itself or a later one.
TEST(PracticeSheet, GivensNeverHoldTheAnswer) {
  Scenario s = Load("e9-dedupe-sort.json");
  s.view = "attention";
  Practice p(s);
  const std::vector<std::string>& stages = AttentionPracticeStages();
  for (size_t k = 0; k < stages.size(); ++k) {
    std::vector<PracticeGiven> givens;
    ASSERT_TRUE(PracticeGivens(p.ctx, p.Item(stages[k]), {}, &givens).ok());
    for (const PracticeGiven& g : givens) {
      for (size_t later = k; later < stages.size(); ++later) {
        EXPECT_NE(g.name, stages[later]) << "practising " << stages[k];
        EXPECT_NE(g.name, "your " + stages[later]) << "practising " << stages[k];
      }
    }
  }
  // P is computed from the scores (and T): both are shown; the scores with -inf where masked.
  std::vector<PracticeGiven> givens;
  ASSERT_TRUE(PracticeGivens(p.ctx, p.Item("weights"), {}, &givens).ok());
  std::vector<std::string> names;
  for (const PracticeGiven& g : givens) names.push_back(g.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "scores"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "T"), names.end());
  // The student's own scores stand in for the truth once they have typed them.
  const Matrix mine = Matrix::Constant(7, 7, 1.0);
  ASSERT_TRUE(PracticeGivens(p.ctx, p.Item("weights"), {{"scores", mine}}, &givens).ok());
  bool shown = false;
  for (const PracticeGiven& g : givens) shown = shown || (g.name == "your scores" && g.values == mine);
  EXPECT_TRUE(shown);

  // A view's givens: E7's row and T, and not the weights.
  Practice t(Load("e7-temperature-sweep.json"));
  ASSERT_TRUE(PracticeGivens(t.ctx, t.Item("cursor_weights"), {}, &givens).ok());
  names.clear();
  for (const PracticeGiven& g : givens) names.push_back(g.name);
  EXPECT_EQ(names, (std::vector<std::string>{"z", "cursor"}));
  // The RNN's inputs, which eval now prints for this.
  Practice rnn(Load("e10-rnn-sgd.json"));
  ASSERT_TRUE(PracticeGivens(rnn.ctx, rnn.Item("dL_dw"), {}, &givens).ok());
  ASSERT_EQ(givens.size(), 7u);
  EXPECT_EQ(givens[0].text, "tanh");
  EXPECT_EQ(givens[1].name, "w");
  EXPECT_EQ(givens[1].values(0, 0), 0.5);
  // Every given of every view resolves on its presets (a misspelt name would vanish silently).
  for (const std::string& file : {"e7-temperature-sweep.json", "e1-scaling.json", "e5-quadratic-kernel.json",
                                  "e6-selection.json", "e9-gradients-softmax.json", "e8-filter-3x5.json",
                                  "e4-decoding-gqa.json", "e10-logistic-separable.json", "e10-rnn-sgd.json",
                                  "e3-gqa.json"}) {
    Practice v(Load(file));
    for (const PracticeItem& it : v.items) {
      if (!it.unavailable.empty()) continue;
      ASSERT_TRUE(PracticeGivens(v.ctx, it, {}, &givens).ok());
      size_t expected = it.givens.size();
      for (const std::string& g : it.givens)  // the alternatives of a layer and a chain, a bias that may be absent
        expected -= g == "layer" || g == "layers[].layer" || g == "^b_O";
      std::string got;
      for (const PracticeGiven& g : givens) got += g.name + " ";
      EXPECT_GE(givens.size(), expected) << file << ": " << it.target << ": " << got;
      EXPECT_FALSE(givens.empty()) << file << ": " << it.target;
    }
  }
}

TEST(PracticeSheet, AViewsTargetIsMarkedExactlyOrAtTheDigitsGiven) {
  // E7's row z = (4, 3, 2, 1) at T = 1/2: w_j = e^{2(z_j - 4)} / (1 + e^-2 + e^-4 + e^-6).
  Scenario s = Load("e7-temperature-sweep.json");
  TemperatureLabSettings& lab = s.views.Get<TemperatureLabSettings>();
  lab.scores = {4, 3, 2, 1};
  lab.cursor = 0.5;
  Practice p(s);
  const double sum = 1 + std::exp(-2.0) + std::exp(-4.0) + std::exp(-6.0);
  EXPECT_NEAR(p.Truth("cursor_weights")(0, 0), 1 / sum, 1e-15);
  StageMarks m = p.Check("cursor_weights", {"1/(1+e^-2+e^-4+e^-6)", "0.1171", "0.02", ""});
  EXPECT_NEAR(std::exp(-2.0) / sum, 0.1171, 0.00005);
  EXPECT_EQ(m.marks[0], Mark::kRight);        // an expression: exact
  EXPECT_EQ(m.marks[1], Mark::kRight);        // 0.1171: rounds to the truth at 4 digits
  EXPECT_EQ(m.marks[2], Mark::kTooFewDigits); // 0.02 could be 0.0158 rounded: too few digits to tell
  EXPECT_EQ(m.marks[3], Mark::kBlank);
  m = p.Check("cursor_weights", {"0.866", "0.117", "0.0158", "0.00215"});
  EXPECT_EQ(m.wrong, 2) << "0.866 and 0.00215 are not the truth at their digits (0.8650, 0.00214)";
  EXPECT_EQ(m.right, 2);
  m = p.Check("cursor_weights", {"exp(", "", "", ""});
  EXPECT_EQ(m.marks[0], Mark::kWrong);
  EXPECT_FALSE(m.errors[0].empty());
}

// Tolerances per view: a descent of 500 steps by hand rounds as it goes, so
// the logistic view's final norm accepts 0.1% (its target says so); the
// Temperature view's weights take the digits rule alone.
TEST(PracticeSheet, ToleranceIsTheTargets) {
  Practice logistic(Load("e10-logistic-separable.json"));
  const double norm = logistic.Truth("descent.norm.1")(0, 0);
  EXPECT_NEAR(norm, 0.9138213416442212, 1e-12) << "eval's first step of descent";
  EXPECT_EQ(logistic.Item("descent.norm.1").tolerance, 1e-3);
  EXPECT_EQ(logistic.Check("descent.norm.1", {Text(norm * (1 + 5e-4))}).right, 1);
  EXPECT_EQ(logistic.Check("descent.norm.1", {Text(norm * (1 + 5e-3))}).wrong, 1);
  EXPECT_EQ(logistic.Check("loss_at_w0", {Text(std::log(2.0) * (1 + 5e-4))}).wrong, 1)
      << "L(w0) = ln 2 is one sum: no slack";
  EXPECT_EQ(logistic.Check("loss_at_w0", {"ln(2)"}).right, 1);
  Practice t(Load("e7-temperature-sweep.json"));
  const Matrix w = t.Truth("cursor_weights");
  std::vector<std::string> cells;
  for (Eigen::Index j = 0; j < w.cols(); ++j) cells.push_back(Text(w(0, j) * (1 + 5e-4)));
  EXPECT_EQ(t.Check("cursor_weights", cells).right, 0);
  // Gradients by hand: 0.1% too.
  Practice g(Load("e9-gradients-softmax.json"));
  EXPECT_EQ(g.Item("heads.0.grad_scores").tolerance, 1e-3);
}

// E8: a 3 x 5 filter over 128 x 128, no padding, stride 1 -> 126 x 124... as
// the preset sets it; the sizes come from floor((N + 2P - D(F - 1) - 1)/S) + 1.
TEST(PracticeSheet, AConvolutionSizeOffByOneIsNamed) {
  Practice p(Load("e8-filter-3x5.json"));
  const Matrix size = p.Truth("output_size");
  ASSERT_EQ(size.cols(), 2);
  EXPECT_EQ(size(0, 0), 126);  // floor((128 - 2 - 1)/1) + 1
  StageMarks m = p.Check("output_size", {Text(size(0, 0) - 1), Text(size(0, 1) - 1)});
  EXPECT_EQ(m.wrong, 2);
  EXPECT_NE(m.mistake.find("forgot the + 1"), std::string::npos) << m.mistake;
  m = p.Check("output_size", {Text(size(0, 0) + 1), Text(size(0, 1))});
  EXPECT_NE(m.mistake.find("one too many"), std::string::npos) << m.mistake;
  m = p.Check("output_size", {Text(size(0, 0) + 7), Text(size(0, 1))});
  EXPECT_EQ(m.mistake, "");
  m = p.Check("output_size", {Text(size(0, 0)), Text(size(0, 1))});
  EXPECT_EQ(m.right, 2);
  // A chain's output shape takes the same.
  Practice chain(Load("e8-svhn.json"));
  EXPECT_EQ(chain.Truth("output_shape")(0, 0), 10);
  EXPECT_NE(chain.Check("output_shape", {"9"}).mistake.find("off by one"), std::string::npos);
}

TEST(PracticeSheet, HintsGiveTheFormulaThenTheNumbersThenTheValue) {
  Scenario s = Load("e9-dedupe-sort.json");
  s.view = "attention";
  s.attention.temperature = 1.0;  // softmax, so that a weight is a number to work out
  Practice p(s);
  const PracticeItem& w = p.Item("weights");
  const Matrix truth = p.Truth("weights");
  const double value = truth(1, 0);
  const std::string h1 = PracticeHint(p.ctx, w, 1, 0, 1, {});
  const std::string h2 = PracticeHint(p.ctx, w, 1, 0, 2, {});
  const std::string h3 = PracticeHint(p.ctx, w, 1, 0, 3, {});
  EXPECT_NE(h1.find("softmax"), std::string::npos) << h1;
  EXPECT_NE(h2.find("row maximum"), std::string::npos) << h2;
  EXPECT_NE(h2.find("exp("), std::string::npos) << h2;
  char digits[32];
  std::snprintf(digits, sizeof digits, "%.4f", value);
  for (const std::string& h : {h1, h2}) EXPECT_EQ(h.find(digits), std::string::npos) << "gives the value away: " << h;
  EXPECT_NE(h3.find(digits), std::string::npos) << h3;
  EXPECT_EQ(PracticeHint(p.ctx, w, 1, 0, 0, {}), "");
  // Level 2 fills in the student's own scores when they typed them.
  Matrix mine = p.Truth("scores");
  mine(1, 0) = 123;
  const std::string yours = PracticeHint(p.ctx, w, 1, 0, 2, {{"scores", mine}});
  EXPECT_NE(yours.find("your scores"), std::string::npos) << yours;
  EXPECT_NE(yours.find("123"), std::string::npos) << yours;
  // A masked score says why it is -inf, not a number.
  const std::string masked = PracticeHint(p.ctx, p.Item("scores"), 0, 6, 2, {});
  EXPECT_NE(masked.find("mask"), std::string::npos) << masked;
  // A view's target: the formula with its data.
  Practice rnn(Load("e10-rnn-sgd.json"));
  const std::string r2 = PracticeHint(rnn.ctx, rnn.Item("dL_dw"), 0, 0, 2, {});
  EXPECT_NE(r2.find("x1 = 1"), std::string::npos) << r2;
  EXPECT_EQ(r2.find("0.2694"), std::string::npos) << r2;
  EXPECT_NE(PracticeHint(rnn.ctx, rnn.Item("dL_dw"), 0, 0, 3, {}).find("0.269374"), std::string::npos);
  // Exact where it is a simple fraction: E9's fully averaged row 6 under argmax is 1/7.
  Scenario e9 = Load("e9-dedupe-sort.json");
  e9.view = "attention";
  Practice a(e9);
  EXPECT_NE(PracticeHint(a.ctx, a.Item("weights"), 6, 0, 3, {}).find("1/7"), std::string::npos);
}

// The practice state is part of the scenario file: written, read back equal,
// and a bad one refused naming its field.
TEST(PracticeState, RoundTripsThroughTheScenarioFile) {
  Scenario s = Load("e9-dedupe-sort.json");
  s.practice.on = true;
  s.practice.target["attention"] = "weights";
  PracticeSheet sheet;
  sheet.rows = 1;
  sheet.cols = 2;
  sheet.cells = {"1/3", "exp(3)/(2exp(3)+4)"};
  sheet.checked = {"1/3", ""};
  sheet.hints = {0, 3};
  s.practice.sheets["attention:loss"] = sheet;
  sheet.checked.clear();
  sheet.revealed = true;
  s.practice.sheets["temperature:cursor_weights"] = sheet;
  Scenario back;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok());
  EXPECT_TRUE(back.practice == s.practice);
  EXPECT_TRUE(back == s);
  Scenario changed = back;
  changed.practice.sheets["attention:loss"].hints[0] = 1;
  EXPECT_FALSE(changed == s) << "a hint is an edit (undo and the unsaved mark see it)";
  // Never practised: nothing written.
  EXPECT_EQ(ScenarioToJson(Load("e9-dedupe-sort.json")).find("\"practice\""), std::string::npos);
}

TEST(PracticeState, ABadPracticeBlockIsRefusedNamingItsField) {
  const std::string head = R"({"view": "attention", "X": [[1, 0], [0, 1]], "practice": )";
  auto error = [&](const std::string& practice) {
    Scenario s;
    const Status st = ParseScenario(head + practice + "}", &s);
    EXPECT_FALSE(st.ok()) << practice;
    return st.field() + ": " + st.message();
  };
  EXPECT_NE(error(R"({"on": 1})").find("practice.on"), std::string::npos);
  EXPECT_NE(error(R"({"target": {"nope": "weights"}})").find("practice.target.nope"), std::string::npos);
  EXPECT_NE(error(R"({"target": {"attention": "a b"}})").find("practice.target.attention"), std::string::npos);
  EXPECT_NE(error(R"({"sheets": {"weights": {"rows": 1, "cols": 1}}})").find("view:quantity"), std::string::npos);
  EXPECT_NE(error(R"({"sheets": {"attention:weights": {"rows": 1, "cols": 2, "cells": ["1"]}}})").find("expected 2 answers"),
            std::string::npos);
  EXPECT_NE(error(R"({"sheets": {"attention:weights": {"rows": 1, "cols": 1, "hints": [4]}}})").find("hints[0]"),
            std::string::npos);
  EXPECT_NE(error(R"({"sheets": {"attention:weights": {"rows": 30, "cols": 30}}})").find("at most 400"), std::string::npos);
  EXPECT_NE(error(R"({"sheets": {"attention:weights": {"cols": 1}}})").find("rows"), std::string::npos);
  EXPECT_NE(error(R"({"sheets": {"attention:weights": {"rows": 1, "cols": 1, "cells": [")" + std::string(1001, '1') + R"("]}}})")
                .find("at most 1000"),
            std::string::npos);
  EXPECT_NE(error(R"({"sheets": {"attention:w": {"rows": 1, "cols": 1, "bogus": 1}}})").find("bogus"), std::string::npos);
  // A blank sheet needs only its shape.
  Scenario s;
  ASSERT_TRUE(ParseScenario(head + R"({"sheets": {"attention:weights": {"rows": 2, "cols": 3}}})" + "}", &s).ok());
  EXPECT_EQ(s.practice.sheets["attention:weights"].cells.size(), 6u);
  EXPECT_EQ(s.practice.sheets["attention:weights"].hints.size(), 6u);
}

}  // namespace
}  // namespace attnlab

namespace attnlab {
namespace {

// The review's cases: what a scenario's data do not determine, or a sheet
// cannot lay out, is not asked; what is asked has all its data.
TEST(PracticeSheet, OnlyWhatTheDataDetermineIsAsked) {
  // 100 typed scores: a 1 x 100 row is past the sheet's 63 columns.
  Scenario wide = Load("e7-temperature-sweep.json");
  wide.views.Get<TemperatureLabSettings>().scores = std::vector<double>(100, 1.0);
  Practice w(wide);
  EXPECT_NE(w.Item("cursor_weights").unavailable.find("at most 63"), std::string::npos) << w.Item("cursor_weights").unavailable;
  // A causal kernel: the linear form's S and z are prefix sums, not the given ones.
  Practice causal(Load("e5-causal-linear.json"));
  EXPECT_NE(causal.Item("output_linear.0.0").unavailable.find("causal"), std::string::npos);
  EXPECT_NE(causal.Item("phi_Q.0.0").unavailable.find("polynomial"), std::string::npos) << "elu+1 has no explicit quadratic map";
  std::vector<PracticeGiven> givens;
  ASSERT_TRUE(PracticeGivens(causal.ctx, causal.Item("denominators.0"), {}, &givens).ok());
  ASSERT_FALSE(givens.empty());
  EXPECT_EQ(givens.back().name, "causal");
  EXPECT_EQ(givens.back().text, "yes");
  Practice quadratic(Load("e5-quadratic-kernel.json"));
  EXPECT_TRUE(quadratic.Item("output_linear.0.0").unavailable.empty());
  EXPECT_TRUE(quadratic.Item("phi_dim").unavailable.empty());
  // A network: each layer's output shape, one item per layer, and nothing from a broken one.
  Practice svhn(Load("e8-svhn.json"));
  EXPECT_EQ(svhn.Truth("layers.0.out_shape"), (Matrix(1, 3) << 8, 28, 28).finished());  // floor((32 - 4 - 1)/1) + 1 = 28
  EXPECT_EQ(svhn.Truth("layers.1.out_shape"), (Matrix(1, 3) << 8, 7, 7).finished());    // floor((28 - 3 - 1)/4) + 1 = 7
  EXPECT_NE(svhn.Check("layers.0.out_shape", {"8", "27", "27"}).mistake.find("forgot the + 1"), std::string::npos);
  Practice bug(Load("e8-svhn-bug.json"));
  for (const PracticeItem& it : bug.items) EXPECT_FALSE(it.unavailable.empty()) << it.target;
  EXPECT_NE(bug.Item("total_params").unavailable.find("error"), std::string::npos) << bug.Item("total_params").unavailable;
  // Decoding's y with a previous cache needs the whole cache: not asked.
  Practice gqa(Load("e4-decoding-gqa.json"));
  EXPECT_FALSE(gqa.Item("Y.0.0").unavailable.empty());
  // Gradients under argmax: dL/dscores is exactly 0, with the reason in the view.
  Practice argmax(Load("e9-gradients-argmax.json"));
  EXPECT_NE(argmax.Item("heads.0.grad_scores").unavailable.find("argmax"), std::string::npos);
  // No W_O: R is Z itself, not a question.
  Scenario e2 = Load("e2-argmax-attention.json");
  e2.view = "attention";
  Practice a(e2);
  if (e2.W_O.size() == 0) EXPECT_FALSE(a.Item("R").unavailable.empty());
  // Every head's matrix whole, one given each (the mean of the heads' P needs all of them).
  Practice heads(Load("e3-gqa.json"));
  ASSERT_TRUE(PracticeGivens(heads.ctx, heads.Item("avg_weights"), {}, &givens).ok());
  ASSERT_EQ(givens.size(), 4u);
  EXPECT_EQ(givens[3].name, "weights (head 3)");
  EXPECT_EQ(givens[3].values, heads.r.heads[3].weights);
  Matrix mean = Matrix::Zero(5, 5);
  for (const PracticeGiven& g : givens) mean += g.values / 4;
  EXPECT_TRUE(mean.isApprox(heads.Truth("avg_weights"), 1e-12));
}

TEST(PracticeSheet, HintsNeverCallAnUnansweredScoreMasked) {
  Scenario s = Load("e9-dedupe-sort.json");
  s.view = "attention";
  s.attention.temperature = 1.0;
  Practice p(s);
  Matrix partial = Matrix::Constant(7, 7, std::nan(""));
  partial(0, 0) = 9;
  partial(1, 1) = 9;
  const std::string h = PracticeHint(p.ctx, p.Item("weights"), 1, 1, 2, {{"scores", partial}});
  EXPECT_EQ(h.find("masked"), std::string::npos) << h;
  EXPECT_NE(h.find("?"), std::string::npos) << "a blank score shows as ?: " << h;
  EXPECT_NE(PracticeHint(p.ctx, p.Item("weights"), 1, 3, 2, {{"scores", partial}}).find("masked"), std::string::npos)
      << "key 3 is after query 1: the causal mask's";
}

TEST(PracticeAnswer, ExtremeExponentsAndZerosWithDecimals) {
  Answer a;
  ASSERT_TRUE(ParseAnswer("1.0e-2147483648", &a).ok());  // no overflow computing its precision
  EXPECT_EQ(a.value, 0.0);
  ASSERT_TRUE(ParseAnswer("1.5e+2147483647", &a).ok());
  EXPECT_TRUE(std::isinf(a.value));
  // A zero has no significant digit: "0.00" cannot tell 0.0021 from 0.
  EXPECT_EQ(MarkAnswerText("0.00", 0.0021), Mark::kTooFewDigits);
  EXPECT_EQ(MarkAnswerText("0.00", 0.0), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("0.00", 0.01), Mark::kWrong);
}

}  // namespace
}  // namespace attnlab
