// Bad input of every family gets a message naming its field, never a crash,
// a wrapped number or unbounded work (issue 10).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>

#include "attnlab/format.hpp"
#include "attnlab/limits.hpp"
#include "attnlab/matrix_text.hpp"
#include "attnlab/scaling.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/selection.hpp"

namespace attnlab {
namespace {

const std::string kQkv = R"("Q": [[1, 0]], "K": [[1, 0]], "V": [[1, 0]])";

Status Parse(const std::string& text) {
  Scenario s;
  return ParseScenario(text, &s);
}

TEST(HardenedInput, NumbersBeyondADoubleNameTheirField) {
  Status st = Parse("{" + kQkv + R"(, "temperature": 1e400})");
  EXPECT_EQ(st.field(), "temperature");
  EXPECT_NE(st.message().find("too large for a double"), std::string::npos) << st.ToString();
  st = Parse(R"({"Q": [[1, 2]], "K": [[1, )" + std::string(400, '9') + R"(]], "V": [[1, 0]]})");
  EXPECT_EQ(st.field(), "K[0][1]") << st.ToString();
  st = Parse(R"({"Q": [[-1e999]], "K": [[1]], "V": [[1]]})");
  EXPECT_EQ(st.field(), "Q[0][0]") << st.ToString();
}

TEST(HardenedInput, HugeIntegersDoNotWrap) {
  Status st = Parse("{" + kQkv + R"(, "scaling_lab": {"samples": 18446744073709551615}})");
  EXPECT_EQ(st.field(), "scaling_lab.samples");
  EXPECT_NE(st.message().find("18446744073709551615"), std::string::npos) << st.ToString();
  EXPECT_EQ(st.message().find("-1"), std::string::npos) << st.ToString();
  st = Parse("{" + kQkv + R"(, "mask": {"type": "padding", "length": 99999999999}})");
  EXPECT_EQ(st.field(), "mask.length") << st.ToString();
  st = Parse("{" + kQkv + R"(, "loss": {"positions": [-9223372036854775808]}})");
  EXPECT_EQ(st.field(), "loss.positions[0]") << st.ToString();
}

TEST(HardenedInput, DuplicateKeysAreAnErrorNamingTheKey) {
  Status st = Parse("{" + kQkv + R"(, "temperature": 1, "temperature": 2})");
  EXPECT_EQ(st.field(), "temperature");
  EXPECT_NE(st.message().find("duplicate key"), std::string::npos);
  st = Parse("{" + kQkv + R"(, "loss": {"convention": "next_token", "convention": "same_position"}})");
  EXPECT_EQ(st.field(), "loss.convention") << st.ToString();
  st = Parse(R"({"heads": [{"W_Q": [[1]]}, {"W_Q": [[1]], "W_Q": [[2]]}], "X": [[1]]})");
  EXPECT_EQ(st.field(), "heads[1].W_Q") << st.ToString();
}

TEST(HardenedInput, DeepNestingIsRefusedBeforeItIsBuilt) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const Status st = Parse("{" + kQkv + R"(, "notes": )" + deep + "}");
  EXPECT_NE(st.message().find("nested more than"), std::string::npos) << st.ToString();
}

TEST(HardenedInput, MalformedJsonSaysWhere) {
  const Status st = Parse("{\"Q\": [[1, 2]],\n \"K\": [[1, 2]]\n \"V\": 3}");
  EXPECT_NE(st.message().find("line 3"), std::string::npos) << st.ToString();
}

TEST(HardenedInput, CostLimitsNameTheInputAndTheNumbers) {
  // 8 heads of 2048 positions: 33.6 M attention weights.
  Scenario s;
  s.input = InputMode::kX;
  s.X = Matrix::Zero(2048, 8);
  s.heads.assign(8, HeadWeights{});
  Status st = CheckScenarioCost(s);
  EXPECT_EQ(st.field(), "heads");
  EXPECT_NE(st.message().find("33.55 M attention weights"), std::string::npos) << st.ToString();
  // One head of 2048 positions and width 4096: 34 GFLOP of projections.
  s.heads.assign(1, HeadWeights{});
  s.X = Matrix::Zero(2048, 4096);
  st = CheckScenarioCost(s);
  EXPECT_EQ(st.field(), "X");
  EXPECT_NE(st.message().find("FLOP"), std::string::npos) << st.ToString();
  // The same through Evaluate: refused before any work.
  Result r;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Evaluate(s, &r).field(), "X");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.5);
  // One head at N = 2048, d = 64 is accepted.
  s.X = Matrix::Zero(2048, 64);
  EXPECT_TRUE(CheckScenarioCost(s).ok()) << CheckScenarioCost(s).ToString();
  EXPECT_GT(CostOf(s).attention_cells, 4e6);
}

TEST(HardenedInput, TheCostModelCountsWhatEvalPrints) {
  // Two heads, n = 3, d_model = 2, identity projections, no unembedding.
  Scenario s;
  s.input = InputMode::kX;
  s.X = Matrix::Zero(3, 2);
  s.heads.assign(2, HeadWeights{});
  s.unembedding = Unembedding::kNone;
  const ScenarioCost c = CostOf(s);
  // X 6; Q, K, V side by side 3 * 12 = 36; scores, weights 18; Z 12; R 12;
  // each head again: Q, K, V 36, scores and weights 36, outputs 12.
  EXPECT_DOUBLE_EQ(c.result_cells, 6 + 36 + 18 + 12 + 12 + 36 + 36 + 12);
  EXPECT_DOUBLE_EQ(c.attention_cells, 18);
  // 2 n d (2 d_k + d_v) per head + 2 n^2 (d_k + d_v) per head; no W_O, so no 2 n (sum d_v) d_r.
  EXPECT_DOUBLE_EQ(c.flops, 2 * (2 * 3 * 2 * 6) + 2 * (2 * 9 * 4));
}

TEST(HardenedInput, LossCountsAreBounded) {
  std::string positions;
  for (int i = 0; i <= kMaxLossTerms; ++i) positions += (i ? "," : "") + std::to_string(0);
  const Status st = Parse("{" + kQkv + R"(, "loss": {"positions": [)" + positions + "]}}");
  EXPECT_EQ(st.field(), "loss.positions") << st.ToString();
}

TEST(HardenedInput, MonteCarloViewsAreBoundedByTheirDraws) {
  Status st = Parse("{" + kQkv + R"(, "scaling_lab": {"d": 65536, "samples": 1000000}})");
  EXPECT_EQ(st.field(), "scaling_lab");
  EXPECT_NE(st.message().find("random numbers"), std::string::npos) << st.ToString();
  st = Parse("{" + kQkv + R"(, "selection_lab": {"n": 256, "samples": 200000}})");
  EXPECT_EQ(st.field(), "selection_lab") << st.ToString();
  // The presets' settings are far inside.
  EXPECT_LT(ScalingDraws(ScalingLabSettings()), kMaxScalingDraws / 2);
  EXPECT_LT(SelectionDraws(SelectionLabSettings()), kMaxSelectionDraws / 100);
}

TEST(HardenedInput, ManyTokensOverALargeVocabularyStayLinear) {
  Scenario s;
  s.input = InputMode::kTokens;
  for (int v = 0; v < 4000; ++v) s.vocab.push_back("t" + std::to_string(v));
  for (int i = 0; i < 2048; ++i) s.tokens.push_back("t" + std::to_string((i * 7) % 4000));
  std::vector<int> ids;
  const auto t0 = std::chrono::steady_clock::now();
  for (int rep = 0; rep < 20; ++rep) ASSERT_TRUE(TokenIds(s, &ids).ok());
  // A search per token would be 20 x 2048 x 2000 string compares (~0.5 s); a map is ~10 ms.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.2);
  EXPECT_EQ(ids[5], 35);
}

TEST(HardenedInput, AnEmptyVocabularyRoundTrips) {
  Scenario s;
  Status st = ParseScenario(R"({"vocab": [], "tokens": [], "E": [[1]]})", &s);
  if (!st.ok()) GTEST_SKIP() << "refused at load: " << st.ToString();
  Scenario back;
  st = ParseScenario(ScenarioToJson(s), &back);
  ASSERT_TRUE(st.ok()) << st.ToString() << "\n" << ScenarioToJson(s);
  EXPECT_TRUE(s == back);
}

// Every format writes 1e100 and 1e-100 as such, never a run of digits or 0,
// and the parseable ones read them back.
TEST(HardenedPrinting, HugeAndTinyNumbersInEveryFormat) {
  for (NumberStyle style : {NumberStyle::kAuto, NumberStyle::kDecimal, NumberStyle::kFraction, NumberStyle::kScientific}) {
    EXPECT_EQ(FormatNumber(1e100, style, 3).find("000000"), std::string::npos);
    EXPECT_NE(FormatNumber(1e100, style, 3).find("e100"), std::string::npos) << FormatNumber(1e100, style, 3);
    EXPECT_NE(FormatNumber(-2.5e-100, style, 3).find("e-100"), std::string::npos) << FormatNumber(-2.5e-100, style, 3);
  }
  EXPECT_EQ(LatexNumber(1e100), "10^{100}");
  EXPECT_EQ(LatexNumber(-2.5e-100), "-2.5 \\times 10^{-100}");
  Matrix m(1, 4);
  m << 1e100, -2.5e-100, 1.7976931348623157e308, 4.9e-324;
  for (MatrixTextFormat f : {MatrixTextFormat::kCsv, MatrixTextFormat::kNumpy, MatrixTextFormat::kLatex}) {
    const std::string text = FormatMatrixText(m, f, kFullPrecision);
    EXPECT_EQ(text.find("000000000"), std::string::npos) << text;
    Matrix back;
    ASSERT_TRUE(ParseMatrixText(text, &back).ok()) << text;
    EXPECT_TRUE((back.array() == m.array()).all()) << text;
  }
  const std::string latex4 = FormatMatrixText(m, MatrixTextFormat::kLatex);
  EXPECT_NE(latex4.find("10^{100}"), std::string::npos) << latex4;
  const std::string md = FormatMatrixText(m, MatrixTextFormat::kMarkdown);
  EXPECT_NE(md.find("1.0e100"), std::string::npos) << md;
  EXPECT_NE(md.find("-2.5e-100"), std::string::npos) << md;
}

}  // namespace
}  // namespace attnlab

namespace attnlab {
namespace {

// Finite inputs whose products leave the range of a double: the stage that
// overflowed is named, never nulls further on without a word.
TEST(HardenedPipeline, OverflowAfterTheScoresNamesTheStage) {
  const auto run = [](const std::string& text) {
    Scenario s;
    Status st = ParseScenario(text, &s);
    EXPECT_TRUE(st.ok()) << st.ToString();
    Result r;
    return Evaluate(s, &r);
  };
  // V = X W_V overflows (1e300 x 1e10), while Q and K stay small.
  Status st = run(R"({"X": [[1e300, 0], [0, 1]], "W_Q": [[1e-300, 0], [0, 1]], "W_K": [[1e-300, 0], [0, 1]],
                      "W_V": [[1e10, 0], [0, 1]], "unembedding": "none"})");
  EXPECT_EQ(st.field(), "V") << st.ToString();
  EXPECT_NE(st.message().find("X W_V overflows"), std::string::npos) << st.ToString();
  // R = Z W_O overflows.
  st = run(R"({"Q": [[0]], "K": [[0]], "V": [[1e300]], "W_O": [[1e300]], "unembedding": "none"})");
  EXPECT_EQ(st.field(), "R") << st.ToString();
  // The logits overflow.
  st = run(R"({"Q": [[0]], "K": [[0]], "V": [[1e300]], "unembedding": [[1e300, 1]]})");
  EXPECT_EQ(st.field(), "logits") << st.ToString();
  // The naive softmax overflows on purpose: a diagnostic, not an error.
  Scenario s;
  ASSERT_TRUE(ParseScenario(R"({"Q": [[30]], "K": [[30], [29]], "V": [[1], [2]], "scale": "none",
                                "naive_softmax": true, "unembedding": "none"})", &s).ok());
  Result r;
  EXPECT_TRUE(Evaluate(s, &r).ok());
  EXPECT_FALSE(r.diagnostics.empty());
}

}  // namespace
}  // namespace attnlab
