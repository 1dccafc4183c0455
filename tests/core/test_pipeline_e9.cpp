// The presets through the whole pipeline: E9 (the exam's one-layer
// transformer) against the hand-derived values in EXERCISES.md and their
// closed forms, the two-heads erratum, and the E2 and E7 presets.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/temperature.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

using testing::M;

Scenario LoadPreset(const std::string& name) {
  Scenario s;
  const Status st = LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/" + name, &s);
  EXPECT_TRUE(st.ok()) << name << ": " << st.ToString();
  return s;
}

Result EvaluateOk(const Scenario& s) {
  Result r;
  const Status st = Evaluate(s, &r);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return r;
}

// Closed forms from EXERCISES.md E9.
const double kE3 = std::exp(3.0);
const double kPA = kE3 / (2 * kE3 + 4);                                                // P(A), P(D)
const double kPStop = 1.0 / (2 * std::exp(9.0 / 7) + 2 * std::exp(6.0 / 7) + 2);       // P(<STOP>)
const double kPSwapped = 1.0 / (2 * kE3 + 4);                                          // 0.0226
const double kPNextA = std::exp(1.5) / (2 * std::exp(1.5) + 2 * std::exp(0.75) + 2);  // 0.2949
const double kLoss = -2 * std::log(kPA) - std::log(kPStop);
const double kLossNext = -std::log(kPNextA) - 2 * std::log(kPSwapped);
const double kLossTwoHeads = -2 * std::log(kPSwapped) - std::log(kPStop);

const Matrix& E9QKV() {
  static const Matrix m = M({{3, 0}, {0, 3}, {0, 3}, {0, 0}, {0, 3}, {3, 0}, {0, 0}});
  return m;
}

const Matrix& E9P() {
  const double q = 1.0 / 4, t = 1.0 / 3, h = 1.0 / 2, s = 1.0 / 7;
  static const Matrix m = M({{1, 0, 0, 0, 0, 0, 0},
                             {0, 1, 0, 0, 0, 0, 0},
                             {0, h, h, 0, 0, 0, 0},
                             {q, q, q, q, 0, 0, 0},
                             {0, t, t, 0, t, 0, 0},
                             {h, 0, 0, 0, 0, h, 0},
                             {s, s, s, s, s, s, s}});
  return m;
}

const Matrix& E9Z() {
  static const Matrix m =
      M({{3, 0}, {0, 3}, {0, 3}, {3.0 / 4, 3.0 / 2}, {0, 3}, {3, 0}, {6.0 / 7, 9.0 / 7}});
  return m;
}

TEST(PipelineE9, ClosedFormsAgreeWithTheExamsRoundedNumbers) {
  // Guards the constants this file uses as expected values.
  EXPECT_NEAR(kPA, 0.4547, 5e-5);
  EXPECT_NEAR(kPStop, 0.0717, 5e-5);
  EXPECT_NEAR(kPSwapped, 0.0226, 5e-5);
  EXPECT_NEAR(kPNextA, 0.2949, 5e-5);
  EXPECT_NEAR(kLoss, 4.2114, 5e-5);
  EXPECT_NEAR(kLossNext, 8.7973, 5e-5);
  EXPECT_NEAR(kLossTwoHeads, 10.2114, 5e-5);
}

TEST(PipelineE9, InputIsTheOneHotRowsOfTheTokens) {
  const Result r = EvaluateOk(LoadPreset("e9-dedupe-sort.json"));
  // D A A <START> A D <STOP>: e4 e1 e1 0 e1 e4 0.
  EXPECT_MATRIX_NEAR(r.X,
                     M({{0, 0, 0, 1},
                        {1, 0, 0, 0},
                        {1, 0, 0, 0},
                        {0, 0, 0, 0},
                        {1, 0, 0, 0},
                        {0, 0, 0, 1},
                        {0, 0, 0, 0}}),
                     0.0);
}

TEST(PipelineE9, QueriesKeysAndValuesAreEqual) {
  const Result r = EvaluateOk(LoadPreset("e9-dedupe-sort.json"));
  EXPECT_MATRIX_NEAR(r.Q, E9QKV(), 0.0);
  EXPECT_MATRIX_NEAR(r.K, E9QKV(), 0.0);
  EXPECT_MATRIX_NEAR(r.V, E9QKV(), 0.0);
}

TEST(PipelineE9, EveryRowOfPIsAsDerivedByHand) {
  const Result r = EvaluateOk(LoadPreset("e9-dedupe-sort.json"));
  ASSERT_EQ(r.Weights().rows(), 7);
  ASSERT_EQ(r.Weights().cols(), 7);  // not 7x8 (the exam's erratum)
  for (int i = 0; i < 7; ++i) {
    EXPECT_MATRIX_NEAR(r.Weights().row(i), E9P().row(i), 1e-12) << "row " << i;
  }
  EXPECT_MATRIX_NEAR(r.heads[0].weights, E9P(), 1e-12);
}

TEST(PipelineE9, ZIsPTimesV) {
  const Result r = EvaluateOk(LoadPreset("e9-dedupe-sort.json"));
  EXPECT_MATRIX_NEAR(r.Z, E9Z(), 1e-12);
}

TEST(PipelineE9, RIsZTimesWOComputedIndependently) {
  const Result r = EvaluateOk(LoadPreset("e9-dedupe-sort.json"));
  // W_O = [[0,1,0,1],[1,0,1,0]]: each row [z1, z2] becomes [z2, z1, z2, z1].
  Matrix R(7, 4);
  for (int i = 0; i < 7; ++i) {
    const double z1 = E9Z()(i, 0), z2 = E9Z()(i, 1);
    R.row(i) << z2, z1, z2, z1;
  }
  ASSERT_EQ(r.R.rows(), 7);  // not 6 (the exam's erratum)
  EXPECT_MATRIX_NEAR(r.R, R, 1e-12);
  // logits = R E^T: the four one-hot columns, then two zero columns.
  Matrix logits = Matrix::Zero(7, 6);
  logits.leftCols(4) = R;
  EXPECT_MATRIX_NEAR(r.logits, logits, 1e-12);
}

TEST(PipelineE9, ArgmaxListsOfPRows) {
  const Result r = EvaluateOk(LoadPreset("e9-dedupe-sort.json"));
  const std::vector<std::vector<int>> expected = {
      {0}, {1}, {1, 2}, {0, 1, 2, 3}, {1, 2, 4}, {0, 5}, {0, 1, 2, 3, 4, 5, 6}};
  ASSERT_EQ(r.heads.size(), 1u);
  EXPECT_EQ(r.heads[0].argmax.ToVectors(), expected);
}

TEST(PipelineE9, ExamConventionProbabilitiesMatchTheExamAndTheClosedForms) {
  const Result r = EvaluateOk(LoadPreset("e9-dedupe-sort.json"));
  ASSERT_EQ(r.loss_terms.size(), 3u);
  const double expected_closed[3] = {kPA, kPA, kPStop};
  const double expected_exam[3] = {0.4547, 0.4547, 0.0717};
  const int targets[3] = {0, 3, 5};  // A, D, <STOP>
  for (int i = 0; i < 3; ++i) {
    const LossTerm& t = r.loss_terms[i];
    EXPECT_EQ(t.position, 4 + i);
    EXPECT_EQ(t.row, 4 + i);  // same position
    EXPECT_EQ(t.target, targets[i]);
    EXPECT_NEAR(t.prob, expected_exam[i], 5e-5) << "term " << i;
    EXPECT_NEAR(t.prob, expected_closed[i], 1e-12) << "term " << i;
    EXPECT_NEAR(t.loss, -std::log(expected_closed[i]), 1e-12) << "term " << i;
    EXPECT_NEAR(r.probs(t.row, t.target), expected_closed[i], 1e-12);
  }
}

TEST(PipelineE9, LossMeanAndPerplexity) {
  const Result r = EvaluateOk(LoadPreset("e9-dedupe-sort.json"));
  EXPECT_NEAR(r.loss, 4.2114, 5e-5);
  EXPECT_NEAR(r.loss, kLoss, 1e-12);
  EXPECT_NEAR(r.mean_loss, 1.4038, 5e-5);
  EXPECT_NEAR(r.mean_loss, kLoss / 3, 1e-12);
  EXPECT_NEAR(r.perplexity, std::exp(kLoss / 3), 1e-12);
}

TEST(PipelineE9, NextTokenConvention) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.loss.convention = LossConvention::kNextToken;
  const Result r = EvaluateOk(s);
  ASSERT_EQ(r.loss_terms.size(), 3u);
  const double expected_closed[3] = {kPNextA, kPSwapped, kPSwapped};
  const double expected_exam[3] = {0.2949, 0.0226, 0.0226};
  for (int i = 0; i < 3; ++i) {
    const LossTerm& t = r.loss_terms[i];
    EXPECT_EQ(t.position, 4 + i);
    EXPECT_EQ(t.row, 3 + i);  // position t is predicted from row t - 1
    EXPECT_NEAR(t.prob, expected_exam[i], 5e-5) << "term " << i;
    EXPECT_NEAR(t.prob, expected_closed[i], 1e-12) << "term " << i;
  }
  EXPECT_NEAR(r.loss, 8.7973, 5e-5);
  EXPECT_NEAR(r.loss, kLossNext, 1e-12);
}

TEST(PipelineE9, LabelSmoothingFollowsTheFormula) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  for (double eps : {0.1, 0.5}) {
    s.loss.label_smoothing = eps;
    const Result r = EvaluateOk(s);
    ASSERT_EQ(r.loss_terms.size(), 3u);
    // -(1 - eps) log p_target - eps / V sum_j log p_j, from the probabilities.
    double total = 0;
    for (const LossTerm& t : r.loss_terms) {
      double sum_log = 0;
      for (int j = 0; j < 6; ++j) sum_log += std::log(r.probs(t.row, j));
      const double expected = -(1 - eps) * std::log(r.probs(t.row, t.target)) - eps / 6 * sum_log;
      EXPECT_NEAR(t.loss, expected, 1e-12) << "eps " << eps << ", position " << t.position;
      total += expected;
    }
    EXPECT_NEAR(r.loss, total, 1e-12);
    // And from the closed form at position 4: logits [3, 0, 3, 0, 0, 0],
    // log p_j = l_j - log(2e^3 + 4).
    const double lse = std::log(2 * kE3 + 4);
    const double sum_log4 = (3 - lse) * 2 + (0 - lse) * 4;
    EXPECT_NEAR(r.loss_terms[0].loss, -(1 - eps) * (3 - lse) - eps / 6 * sum_log4, 1e-12);
  }
}

TEST(PipelineE9, TwoIdenticalHeadsWithIdentityWOGiveTheLiteralResult) {
  const Result r = EvaluateOk(LoadPreset("e9-two-heads.json"));
  ASSERT_EQ(r.heads.size(), 2u);
  ASSERT_EQ(r.loss_terms.size(), 3u);
  // concat(Z, Z) I_4 = [z1, z2, z1, z2].
  Matrix R(7, 4);
  for (int i = 0; i < 7; ++i) R.row(i) << E9Z()(i, 0), E9Z()(i, 1), E9Z()(i, 0), E9Z()(i, 1);
  EXPECT_MATRIX_NEAR(r.R, R, 1e-12);
  const double expected[3] = {kPSwapped, kPSwapped, kPStop};
  const double exam[3] = {0.0226, 0.0226, 0.0717};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(r.loss_terms[i].prob, exam[i], 5e-5) << "term " << i;
    EXPECT_NEAR(r.loss_terms[i].prob, expected[i], 1e-12) << "term " << i;
  }
  EXPECT_NEAR(r.loss, 10.2114, 5e-5);
  EXPECT_NEAR(r.loss, kLossTwoHeads, 1e-12);
  // Each head attends exactly as the one-head model does.
  EXPECT_MATRIX_NEAR(r.heads[0].weights, E9P(), 1e-12);
  EXPECT_MATRIX_NEAR(r.heads[1].weights, E9P(), 1e-12);
  EXPECT_MATRIX_NEAR(r.Weights(), E9P(), 1e-12);
}

// One head: Scores() and Weights() are that head's own matrices, not copies
// (two (n, n) matrices per head, attention.hpp); several: their mean.
TEST(Pipeline, OneHeadKeepsNoCopyOfScoresOrWeights) {
  const Result one = EvaluateOk(LoadPreset("e9-dedupe-sort.json"));
  EXPECT_EQ(&one.Scores(), &one.heads[0].scores);
  EXPECT_EQ(&one.Weights(), &one.heads[0].weights);
  EXPECT_EQ(one.mean_scores.size(), 0);
  EXPECT_EQ(one.mean_weights.size(), 0);
  const Result two = EvaluateOk(LoadPreset("e9-two-heads.json"));
  EXPECT_EQ(&two.Weights(), &two.mean_weights);
  EXPECT_MATRIX_NEAR(two.mean_weights, (two.heads[0].weights + two.heads[1].weights) / 2, 1e-15);
}

TEST(PipelineE9, TwoHeadsClaimHoldsAfterSwappingTheColumnsOfEachWV) {
  Scenario s = LoadPreset("e9-two-heads.json");
  ASSERT_EQ(s.heads.size(), 2u);
  for (HeadWeights& h : s.heads) {
    ASSERT_EQ(h.W_V.cols(), 2);
    h.W_V.col(0).swap(h.W_V.col(1));
  }
  const Result r = EvaluateOk(s);
  EXPECT_NEAR(r.loss, 4.2114, 5e-5);
  EXPECT_NEAR(r.loss, kLoss, 1e-12);
  ASSERT_EQ(r.loss_terms.size(), 3u);
  EXPECT_NEAR(r.loss_terms[0].prob, kPA, 1e-12);
  EXPECT_NEAR(r.loss_terms[1].prob, kPA, 1e-12);
  EXPECT_NEAR(r.loss_terms[2].prob, kPStop, 1e-12);
}

TEST(PipelineE9, TwoHeadsClaimHoldsWithBlockDiagonalSwapWO) {
  Scenario s = LoadPreset("e9-two-heads.json");
  s.W_O = M({{0, 1, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, 1, 0}});  // blockdiag(J, J)
  const Result r = EvaluateOk(s);
  EXPECT_NEAR(r.loss, kLoss, 1e-12);
}

TEST(PipelineE2, PresetOutputIsValueTwo) {
  const Scenario s = LoadPreset("e2-argmax-attention.json");
  EXPECT_EQ(s.input, InputMode::kQKV);
  const Result r = EvaluateOk(s);
  EXPECT_MATRIX_NEAR(r.Scores(), M({{3, 11, 5, 2}}), 0.0);
  EXPECT_MATRIX_NEAR(r.Weights(), M({{0, 1, 0, 0}}), 0.0);
  EXPECT_MATRIX_NEAR(r.Z, M({{1, 4, 3}}), 0.0);
  EXPECT_EQ(r.heads[0].argmax.ToVectors(), std::vector<std::vector<int>>{{1}});
  EXPECT_FALSE(r.has_loss());
}

TEST(PipelineE7, PresetRowsAtZeroTemperature) {
  const Scenario s = LoadPreset("e7-temperature.json");
  EXPECT_EQ(s.attention.temperature, 0.0);
  const Result r = EvaluateOk(s);
  const Matrix expected = M({{1, 0, 0, 0}, {0, 0, 1, 0}, {0.5, 0, 0.5, 0}, {0.25, 0.25, 0.25, 0.25}});
  EXPECT_MATRIX_NEAR(r.Weights(), expected, 0.0);
  EXPECT_MATRIX_NEAR(r.Z, expected, 0.0);  // V = I
}

TEST(PipelineE7, PresetRowsAtTemperatureOneAreTheSoftmaxOfTheScores) {
  Scenario s = LoadPreset("e7-temperature.json");
  s.attention.temperature = 1.0;
  const Result r = EvaluateOk(s);
  const double z[4][4] = {{4, 3, 2, 1}, {1, -2, 5, 0}, {5, -2, 5, 0}, {2, 2, 2, 2}};
  for (int i = 0; i < 4; ++i) {
    double sum = 0;
    for (double v : z[i]) sum += std::exp(v);
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(r.Weights()(i, j), std::exp(z[i][j]) / sum, 1e-15);
  }
}

// Evaluate() is a pure function of the scenario: evaluating into a Result
// that already holds another scenario's numbers (as the window does on every
// edit) gives exactly what a fresh Result gets.
TEST(Pipeline, EvaluateIntoAReusedResultEqualsAFreshOne) {
  Scenario e9 = LoadPreset("e9-dedupe-sort.json");
  Scenario masked = e9;  // a fully masked row: diagnostics and fully_masked_rows
  masked.attention.mask.kind = MaskKind::kCustom;
  masked.attention.mask.custom = Mask::Constant(7, 7, true);
  masked.attention.mask.custom.row(2).setConstant(false);
  Scenario next = e9;
  next.loss.convention = LossConvention::kNextToken;
  Scenario short_seq = e9;  // fewer positions, no loss
  short_seq.tokens = {"A", "D"};
  short_seq.loss = LossSpec();
  Scenario bad = e9;  // fails after the heads have been computed
  bad.W_O = M({{1, 0, 0, 0}});
  const Scenario two = LoadPreset("e9-two-heads.json");
  const Scenario e2 = LoadPreset("e2-argmax-attention.json");
  const Scenario e7 = LoadPreset("e7-temperature.json");

  const std::vector<std::pair<const char*, const Scenario*>> sequence = {
      {"masked", &masked}, {"e9", &e9},   {"two heads", &two}, {"e2", &e2},   {"e9", &e9},
      {"bad", &bad},       {"next", &next}, {"short", &short_seq}, {"e7", &e7}, {"masked", &masked},
      {"e2", &e2},         {"two heads", &two}};
  Result reused;
  for (const auto& [name, scenario] : sequence) {
    SCOPED_TRACE(name);
    Result fresh;
    const Status st_fresh = Evaluate(*scenario, &fresh);
    const Status st_reused = Evaluate(*scenario, &reused);
    ASSERT_EQ(st_fresh.ok(), st_reused.ok());
    EXPECT_EQ(st_fresh.ToString(), st_reused.ToString());
    if (!st_fresh.ok()) continue;
    EXPECT_MATRIX_NEAR(reused.X, fresh.X, 0.0);
    EXPECT_MATRIX_NEAR(reused.Q, fresh.Q, 0.0);
    EXPECT_MATRIX_NEAR(reused.K, fresh.K, 0.0);
    EXPECT_MATRIX_NEAR(reused.V, fresh.V, 0.0);
    EXPECT_MATRIX_NEAR(reused.Weights(), fresh.Weights(), 0.0);
    EXPECT_MATRIX_NEAR(reused.Z, fresh.Z, 0.0);
    EXPECT_MATRIX_NEAR(reused.R, fresh.R, 0.0);
    EXPECT_MATRIX_NEAR(reused.logits, fresh.logits, 0.0);
    EXPECT_MATRIX_NEAR(reused.probs, fresh.probs, 0.0);
    // scores hold -inf where masked, so compare them cell by cell.
    ASSERT_EQ(reused.Scores().rows(), fresh.Scores().rows());
    ASSERT_EQ(reused.Scores().cols(), fresh.Scores().cols());
    EXPECT_TRUE((reused.Scores().array() == fresh.Scores().array()).all());
    ASSERT_EQ(reused.heads.size(), fresh.heads.size());
    for (size_t h = 0; h < fresh.heads.size(); ++h) {
      EXPECT_EQ(reused.heads[h].argmax, fresh.heads[h].argmax) << "head " << h;
      EXPECT_EQ(reused.heads[h].fully_masked_rows, fresh.heads[h].fully_masked_rows) << "head " << h;
      EXPECT_EQ(reused.heads[h].scale, fresh.heads[h].scale) << "head " << h;
      EXPECT_MATRIX_NEAR(reused.heads[h].output, fresh.heads[h].output, 0.0);
      EXPECT_TRUE(reused.heads[h].allowed == fresh.heads[h].allowed);
    }
    EXPECT_EQ(reused.diagnostics, fresh.diagnostics);
    EXPECT_EQ(reused.has_loss(), fresh.has_loss());
    ASSERT_EQ(reused.loss_terms.size(), fresh.loss_terms.size());
    for (size_t i = 0; i < fresh.loss_terms.size(); ++i) {
      EXPECT_EQ(reused.loss_terms[i].row, fresh.loss_terms[i].row);
      EXPECT_EQ(reused.loss_terms[i].loss, fresh.loss_terms[i].loss);
    }
    if (fresh.has_loss()) {
      EXPECT_EQ(reused.loss, fresh.loss);
    } else {
      EXPECT_TRUE(std::isnan(reused.loss)) << reused.loss;
    }
  }
}

// A confident mistake: the target's logit is 1000 below the other's, so its
// probability underflows to 0 in doubles, yet the loss is the true
// -log softmax = 1000 + log(1 + e^-1000) = 1000, not infinity.
// A loss-only edit: EvaluateLoss on the old result gives Evaluate's numbers.
void ExpectSameLoss(const Result& got, const Result& want) {
  ASSERT_EQ(got.loss_terms.size(), want.loss_terms.size());
  for (size_t i = 0; i < want.loss_terms.size(); ++i) {
    EXPECT_EQ(got.loss_terms[i].position, want.loss_terms[i].position);
    EXPECT_EQ(got.loss_terms[i].row, want.loss_terms[i].row);
    EXPECT_EQ(got.loss_terms[i].target, want.loss_terms[i].target);
    EXPECT_EQ(got.loss_terms[i].prob, want.loss_terms[i].prob);
    EXPECT_EQ(got.loss_terms[i].loss, want.loss_terms[i].loss);
  }
  EXPECT_TRUE(got.loss == want.loss || (std::isnan(got.loss) && std::isnan(want.loss)));
  EXPECT_TRUE(got.perplexity == want.perplexity || (std::isnan(got.perplexity) && std::isnan(want.perplexity)));
}

TEST(Pipeline, EvaluateLossAfterALossOnlyEditEqualsAFullEvaluate) {
  const Scenario e9 = LoadPreset("e9-dedupe-sort.json");
  std::vector<std::pair<const char*, Scenario>> edits;
  Scenario s = e9;
  s.loss.positions = {1, 2};
  s.loss.targets = {0, 3};
  edits.push_back({"positions and targets", s});
  s = e9;
  s.loss.convention = LossConvention::kNextToken;
  s.loss.positions.clear();
  s.loss.targets.clear();
  edits.push_back({"next token, every position", s});
  s = e9;
  s.loss.label_smoothing = 0.1;
  edits.push_back({"label smoothing", s});
  s = e9;
  s.loss.enabled = false;
  edits.push_back({"no loss", s});
  for (const auto& [name, edited] : edits) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(SameLogits(e9, edited));
    Result r = EvaluateOk(e9);
    const double* weights = r.heads[0].weights.data();
    ASSERT_TRUE(EvaluateLoss(edited, &r).ok());
    EXPECT_EQ(r.heads[0].weights.data(), weights);
    ExpectSameLoss(r, EvaluateOk(edited));
  }
}

TEST(Pipeline, AFailedEvaluateLossLeavesTheResultAsItWas) {
  const Scenario e9 = LoadPreset("e9-dedupe-sort.json");
  Result r = EvaluateOk(e9);
  const Result before = r;
  Scenario bad = e9;
  bad.loss.positions = {1, 99};
  bad.loss.targets = {0, 0};
  const Status st = EvaluateLoss(bad, &r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "loss.positions[1]");
  EXPECT_EQ(Evaluate(bad, &r).ToString(), st.ToString());  // the same message as a full Evaluate
  Result again = before;
  EXPECT_FALSE(EvaluateLoss(bad, &again).ok());
  ExpectSameLoss(again, before);
}

TEST(Pipeline, SameLogitsSeesEveryInputOfTheAttentionAndIgnoresTheRest) {
  const Scenario e9 = LoadPreset("e9-dedupe-sort.json");
  Scenario s = e9;
  s.title = "another";
  s.notes = "other notes";
  s.loss.targets = {1, 1, 1};
  s.views.Set(TemperatureLabSettings{});
  EXPECT_TRUE(SameLogits(e9, s));
  const std::vector<std::pair<const char*, std::function<void(Scenario&)>>> changes = {
      {"E", [](Scenario& x) { x.E(0, 0) += 1; }},
      {"tokens", [](Scenario& x) { std::swap(x.tokens[0], x.tokens[1]); }},
      {"W_Q", [](Scenario& x) { x.heads[0].W_Q = Matrix::Identity(x.E.cols(), x.E.cols()); }},
      {"temperature", [](Scenario& x) { x.attention.temperature = 0.5; }},
      {"scale", [](Scenario& x) { x.attention.scale.kind = ScaleKind::kInvSqrtDk; }},
      {"mask", [](Scenario& x) { x.attention.mask.kind = MaskKind::kNone; }},
      {"naive softmax", [](Scenario& x) { x.attention.naive_softmax = !x.attention.naive_softmax; }},
      {"unembedding", [](Scenario& x) { x.unembedding = Unembedding::kNone; }},
      {"heads", [](Scenario& x) { x.heads.push_back(HeadWeights{}); }},
  };
  for (const auto& [name, change] : changes) {
    Scenario c = e9;
    change(c);
    EXPECT_FALSE(SameLogits(e9, c)) << name;
  }
}

// Fully masked rows in different blocks of the engine (64 queries a block):
// all-zero weights and outputs, one diagnostic each, never NaN.
TEST(Pipeline, FullyMaskedRowsInSeveralBlocksAreZeroAndEachHasADiagnostic) {
  Scenario s;
  s.input = InputMode::kX;
  const int n = 150;
  s.X.resize(n, 4);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < 4; ++j) s.X(i, j) = std::sin(0.3 * i + j);
  s.unembedding = Unembedding::kNone;
  s.attention.mask.kind = MaskKind::kCustom;
  s.attention.mask.custom = Mask::Constant(n, n, false);
  for (int i = 0; i < n; ++i) s.attention.mask.custom.row(i).head(i + 1).setConstant(true);
  for (int row : {3, 100, 149}) s.attention.mask.custom.row(row).setConstant(false);
  const Result r = EvaluateOk(s);
  EXPECT_EQ(r.heads[0].fully_masked_rows, (std::vector<int>{3, 100, 149}));
  ASSERT_EQ(r.diagnostics.size(), 3u);
  EXPECT_NE(r.diagnostics[1].find("row 100"), std::string::npos) << r.diagnostics[1];
  EXPECT_TRUE(r.Weights().allFinite());
  for (int row : {3, 100, 149}) {
    EXPECT_MATRIX_NEAR(r.Weights().row(row), Matrix::Zero(1, n), 0.0);
    EXPECT_MATRIX_NEAR(r.Z.row(row), Matrix::Zero(1, 4), 0.0);
  }
  EXPECT_NEAR(r.Weights().row(99).sum(), 1.0, 1e-14);
}

TEST(Pipeline, LossOfAConfidentMistakeIsFinite) {
  Scenario s;
  s.input = InputMode::kX;
  s.X = M({{1.0}});
  s.attention.scale.kind = ScaleKind::kNone;
  s.unembedding = Unembedding::kMatrix;
  s.U = M({{0.0, -1000.0}});
  s.loss.enabled = true;
  s.loss.positions = {0};
  s.loss.targets = {1};
  const Result r = EvaluateOk(s);
  ASSERT_EQ(r.loss_terms.size(), 1u);
  EXPECT_LT(r.loss_terms[0].prob, 1e-300);
  EXPECT_NEAR(r.loss, 1000.0, 1e-9);
  // With label smoothing eps: -(1 - eps)(-1000) ... = (1 - eps) 1000 + eps/2 * 1000.
  s.loss.label_smoothing = 0.2;
  const Result rs = EvaluateOk(s);
  EXPECT_NEAR(rs.loss, 0.8 * 1000.0 + 0.1 * 1000.0, 1e-9);
}

}  // namespace
}  // namespace attnlab
