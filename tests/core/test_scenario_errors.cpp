// Every kind of bad input comes back as a Status naming the field, with a
// message a user can act on; none of it crashes, hangs or turns into NaN.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

using json = nlohmann::json;
using testing::M;

std::string PresetPath(const std::string& name) { return std::string(ATTNLAB_PRESETS_DIR) + "/" + name; }

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

json PresetJson(const std::string& name) { return json::parse(ReadText(PresetPath(name))); }

Scenario LoadPreset(const std::string& name) {
  Scenario s;
  const Status st = LoadScenarioFile(PresetPath(name), &s);
  EXPECT_TRUE(st.ok()) << name << ": " << st.ToString();
  return s;
}

Status Parse(const json& j, Scenario* s = nullptr) {
  Scenario local;
  return ParseScenario(j.dump(), s ? s : &local);
}

// Parses `j` (which must succeed) and evaluates it.
Status ParseAndEvaluate(const json& j, Result* r = nullptr) {
  Scenario s;
  const Status parsed = ParseScenario(j.dump(), &s);
  EXPECT_TRUE(parsed.ok()) << parsed.ToString();
  Result local;
  return Evaluate(s, r ? r : &local);
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

#define EXPECT_ERROR(status, want_field, want_text)                                          \
  do {                                                                                       \
    const Status st_ = (status);                                                             \
    EXPECT_FALSE(st_.ok()) << "expected an error";                                           \
    EXPECT_EQ(st_.field(), want_field) << st_.ToString();                                    \
    EXPECT_TRUE(Contains(st_.message(), want_text)) << "message lacks \"" << (want_text)     \
                                                    << "\": " << st_.ToString();            \
  } while (0)

TEST(ScenarioErrors, ThePresetsThemselvesParseAndEvaluate) {
  // The premise of every test below: the unmodified files are fine.
  for (const char* name : {"e2-argmax-attention.json", "e7-temperature.json", "e9-dedupe-sort.json",
                           "e9-two-heads.json"}) {
    Scenario s;
    ASSERT_TRUE(LoadScenarioFile(PresetPath(name), &s).ok()) << name;
    Result r;
    const Status st = Evaluate(s, &r);
    EXPECT_TRUE(st.ok()) << name << ": " << st.ToString();
  }
}

TEST(ScenarioErrors, TruncatedJsonIsMalformedAndNamesALine) {
  const std::string text = ReadText(PresetPath("e9-dedupe-sort.json"));
  ASSERT_GT(text.size(), 100u);
  for (size_t cut : {text.size() / 2, text.size() - 3, size_t{1}}) {
    Scenario s;
    const Status st = ParseScenario(text.substr(0, cut), &s);
    EXPECT_FALSE(st.ok()) << "cut at " << cut;
    EXPECT_TRUE(Contains(st.message(), "malformed JSON")) << st.ToString();
    EXPECT_TRUE(Contains(st.message(), "line")) << st.ToString();
  }
  Scenario s;
  EXPECT_ERROR(ParseScenario("", &s), "", "malformed JSON");
}

TEST(ScenarioErrors, NonObjectTopLevelIsAnError) {
  Scenario s;
  EXPECT_ERROR(ParseScenario("[1, 2]", &s), "", "one JSON object");
}

TEST(ScenarioErrors, UnknownTopLevelKeyNamesIt) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["foo"] = 1;
  EXPECT_ERROR(Parse(j), "foo", "unknown key");
}

TEST(ScenarioErrors, UnknownKeyInsideLossNamesThePath) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["loss"]["foo"] = 1;
  EXPECT_ERROR(Parse(j), "loss.foo", "unknown key");
}

TEST(ScenarioErrors, UnknownKeyInsideAHeadNamesThePath) {
  json j = PresetJson("e9-two-heads.json");
  j["heads"][0]["foo"] = 1;
  EXPECT_ERROR(Parse(j), "heads[0].foo", "unknown key");
}

TEST(ScenarioErrors, UnknownKeyInsideAMaskObjectNamesThePath) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["mask"] = {{"type", "sliding_window"}, {"width", 2}, {"height", 3}};
  EXPECT_ERROR(Parse(j), "mask.height", "unknown key");
}

TEST(ScenarioErrors, TemperatureAsAStringIsATypeError) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["temperature"] = "hot";
  EXPECT_ERROR(Parse(j), "temperature", "expected a number");
}

TEST(ScenarioErrors, OtherWrongTypesNameTheirField) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["title"] = 3;
  EXPECT_ERROR(Parse(j), "title", "expected a string");

  j = PresetJson("e9-dedupe-sort.json");
  j["W_O"] = "identity";
  EXPECT_ERROR(Parse(j), "W_O", "expected a matrix");

  j = PresetJson("e9-dedupe-sort.json");
  j["loss"]["positions"] = {4, 5.5, 6};
  EXPECT_ERROR(Parse(j), "loss.positions[1]", "whole number");

  j = PresetJson("e9-dedupe-sort.json");
  j["naive_softmax"] = 1;
  EXPECT_ERROR(Parse(j), "naive_softmax", "true or false");
}

// The lecture-hall keys: a short name, the course's solution, the panels
// shown in presentation. Read as strictly as every other key.
TEST(ScenarioErrors, NameSolutionAndPresentationAreCheckedLikeEveryKey) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["solution"] = 7;
  EXPECT_ERROR(Parse(j), "solution", "expected a string");

  j = PresetJson("e9-dedupe-sort.json");
  j["name"] = std::string(41, 'x');
  EXPECT_ERROR(Parse(j), "name", "at most 40");

  j = PresetJson("e9-dedupe-sort.json");
  j["presentation"] = json::array({"P"});
  EXPECT_ERROR(Parse(j), "presentation", "expected an object");

  j = PresetJson("e9-dedupe-sort.json");
  j["presentation"] = {{"atention", {"P"}}};
  EXPECT_ERROR(Parse(j), "presentation.atention", "unknown view");

  j = PresetJson("e9-dedupe-sort.json");
  j["presentation"] = {{"attention", {"P", 3}}};
  EXPECT_ERROR(Parse(j), "presentation.attention[1]", "expected a string");

  j = PresetJson("e9-dedupe-sort.json");
  j["presentation"] = {{"attention", {"P", "P"}}};
  EXPECT_ERROR(Parse(j), "presentation.attention[1]", "listed twice");

  j = PresetJson("e9-dedupe-sort.json");
  j["presentation"] = {{"attention", {"P", "loss table"}}};
  EXPECT_ERROR(Parse(j), "presentation.attention[1]", "not a panel name");

  j = PresetJson("e9-dedupe-sort.json");
  j["presentation"] = {{"attention", json::array()}, {"temperature", {"weights_vs_T", "exercise"}}};
  Scenario s;
  ASSERT_TRUE(Parse(j, &s).ok());
  EXPECT_TRUE(s.presentation.at("attention").empty());
  EXPECT_EQ(s.presentation.at("temperature"), (std::vector<std::string>{"weights_vs_T", "exercise"}));
}

TEST(ScenarioErrors, NegativeTemperatureInTheFileIsAnError) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["temperature"] = -1;
  EXPECT_ERROR(Parse(j), "temperature", ">= 0");
}

TEST(ScenarioErrors, RaggedMatrixRowNamesTheRow) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["W_Q"][2] = {2, 1, 5};
  EXPECT_ERROR(Parse(j), "W_Q[2]", "expected 2 numbers");
  EXPECT_TRUE(Contains(Parse(j).message(), "got 3")) << Parse(j).ToString();
}

TEST(ScenarioErrors, NonNumberCellNamesTheCell) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["W_Q"][1][0] = "x";
  EXPECT_ERROR(Parse(j), "W_Q[1][0]", "expected a number");

  j = PresetJson("e9-dedupe-sort.json");
  j["W_Q"][1][0] = nullptr;
  EXPECT_ERROR(Parse(j), "W_Q[1][0]", "expected a number");

  j = PresetJson("e9-two-heads.json");
  j["heads"][1]["W_K"][3][1] = true;
  EXPECT_ERROR(Parse(j), "heads[1].W_K[3][1]", "expected a number");
}

TEST(ScenarioErrors, WQRowsMustMatchTheWidthOfE) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["W_Q"] = {{0, 3}, {1, 2}, {2, 1}};
  EXPECT_ERROR(ParseAndEvaluate(j), "W_Q", "expected 4 rows (d_model of E), got 3");
}

TEST(ScenarioErrors, WKWidthMustMatchWQ) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["W_K"] = {{0, 3, 1}, {1, 2, 1}, {2, 1, 1}, {3, 0, 1}};
  EXPECT_ERROR(ParseAndEvaluate(j), "W_K", "expected 2 columns");
  EXPECT_TRUE(Contains(ParseAndEvaluate(j).message(), "got 3"));
}

TEST(ScenarioErrors, WKWidthMismatchInTheSecondHeadNamesTheHead) {
  json j = PresetJson("e9-two-heads.json");
  j["heads"][1]["W_K"] = {{0}, {1}, {2}, {3}};
  EXPECT_ERROR(ParseAndEvaluate(j), "heads[1].W_K", "expected 2 columns");
}

TEST(ScenarioErrors, WOWithWrongRowsIsAnError) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["W_O"] = {{0, 1, 0, 1}, {1, 0, 1, 0}, {1, 1, 1, 1}};
  EXPECT_ERROR(ParseAndEvaluate(j), "W_O", "expected 2 rows");
  EXPECT_TRUE(Contains(ParseAndEvaluate(j).message(), "got 3"));
}

TEST(ScenarioErrors, WOWithWrongColumnsIsAnError) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["W_O"] = {{0, 1, 0}, {1, 0, 1}};
  EXPECT_ERROR(ParseAndEvaluate(j), "W_O", "expected 4 columns");
  EXPECT_TRUE(Contains(ParseAndEvaluate(j).message(), "got 3"));
}

TEST(ScenarioErrors, TwoHeadsWOMustHaveRowsForBothHeads) {
  json j = PresetJson("e9-two-heads.json");
  j["W_O"] = {{0, 1, 0, 1}, {1, 0, 1, 0}};
  EXPECT_ERROR(ParseAndEvaluate(j), "W_O", "expected 4 rows");
}

TEST(ScenarioErrors, ERowsMustMatchTheVocabulary) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["E"].erase(5);
  EXPECT_ERROR(ParseAndEvaluate(j), "E", "expected 6 rows");
  EXPECT_TRUE(Contains(ParseAndEvaluate(j).message(), "got 5"));
}

TEST(ScenarioErrors, UnknownTokenNamesItsIndex) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["tokens"][2] = "Z";
  EXPECT_ERROR(ParseAndEvaluate(j), "tokens[2]", "\"Z\" is not in the vocabulary");
}

TEST(ScenarioErrors, NaNInAnInputNamesTheMatrixAndCell) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.heads[0].W_Q(1, 0) = std::numeric_limits<double>::quiet_NaN();
  Result r;
  EXPECT_ERROR(Evaluate(s, &r), "W_Q", "[1][0]");
  EXPECT_TRUE(Contains(Evaluate(s, &r).message(), "NaN"));

  Scenario two = LoadPreset("e9-two-heads.json");
  two.heads[1].W_V(3, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_ERROR(Evaluate(two, &r), "heads[1].W_V", "[3][1]");
}

TEST(ScenarioErrors, InfinityInAnInputNamesTheMatrixAndCell) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.E(2, 3) = std::numeric_limits<double>::infinity();
  Result r;
  EXPECT_ERROR(Evaluate(s, &r), "E", "[2][3]");
  EXPECT_TRUE(Contains(Evaluate(s, &r).message(), "infinity"));

  Scenario e2 = LoadPreset("e2-argmax-attention.json");
  e2.K(0, 2) = -std::numeric_limits<double>::infinity();
  EXPECT_ERROR(Evaluate(e2, &r), "K", "[0][2]");
  EXPECT_TRUE(Contains(Evaluate(e2, &r).message(), "-infinity"));
}

TEST(ScenarioErrors, NegativeTemperatureAtEvaluateIsAnError) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.attention.temperature = -0.5;
  Result r;
  EXPECT_ERROR(Evaluate(s, &r), "temperature", ">= 0");
  s.attention.temperature = std::numeric_limits<double>::quiet_NaN();
  EXPECT_ERROR(Evaluate(s, &r), "temperature", "NaN");
}

TEST(ScenarioErrors, AMillionTokensFailFastNamingTheLimit) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.tokens.assign(1000000, "A");
  Result r;
  const auto start = std::chrono::steady_clock::now();
  const Status st = Evaluate(s, &r);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_ERROR(st, "tokens", "limit");
  EXPECT_TRUE(Contains(st.message(), std::to_string(kMaxPositions))) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "1000000")) << st.ToString();
  EXPECT_LT(seconds, 0.5) << "Evaluate took " << seconds << " s to refuse";
  EXPECT_EQ(r.Weights().size(), 0);
}

TEST(ScenarioErrors, TheLimitIsExactlyKMaxPositions) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.tokens.assign(kMaxPositions + 1, "A");
  Result r;
  EXPECT_ERROR(Evaluate(s, &r), "tokens", "limit");
  s.tokens.assign(kMaxPositions, "A");
  const Status st = Evaluate(s, &r);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST(ScenarioErrors, TooManyRowsOfQOrKFailFast) {
  Scenario s = LoadPreset("e2-argmax-attention.json");
  s.tokens.clear();
  s.K = Matrix::Ones(kMaxPositions + 1, 3);
  s.V = Matrix::Ones(kMaxPositions + 1, 3);
  Result r;
  const Status st = Evaluate(s, &r);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "K") << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "limit")) << st.ToString();
}

TEST(ScenarioErrors, LossPositionOutOfRangeNamesIt) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.loss.positions = {4, 5, 7};
  Result r;
  EXPECT_ERROR(Evaluate(s, &r), "loss.positions[2]", "outside the sequence");
  s.loss.positions = {-1, 5, 6};
  EXPECT_ERROR(Evaluate(s, &r), "loss.positions[0]", "outside the sequence");
}

TEST(ScenarioErrors, LossPositionOutOfRangeWithoutTargetsNamesIt) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.loss.positions = {4, 9};
  s.loss.targets.clear();
  Result r;
  EXPECT_ERROR(Evaluate(s, &r), "loss.positions[1]", "outside the sequence");
}

TEST(ScenarioErrors, NextTokenPositionZeroIsAnError) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.loss.convention = LossConvention::kNextToken;
  s.loss.positions = {0, 5, 6};
  Result r;
  EXPECT_ERROR(Evaluate(s, &r), "loss.positions[0]", "position 0");
}

TEST(ScenarioErrors, LossTargetNotInTheVocabularyIsAnError) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["loss"]["targets"] = {"A", "D", "Z"};
  EXPECT_ERROR(Parse(j), "loss.targets[2]", "not in the vocabulary");

  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.loss.targets = {0, 3, 6};  // 6 columns: 0..5
  Result r;
  EXPECT_ERROR(Evaluate(s, &r), "loss.targets[2]", "not a column");
}

TEST(ScenarioErrors, LossTargetsAndPositionsMustHaveTheSameLength) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.loss.targets = {0, 3};
  Result r;
  EXPECT_ERROR(Evaluate(s, &r), "loss.targets", "expected 3 targets");
}

TEST(ScenarioErrors, LabelSmoothingOutsideZeroOneIsAnError) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  Result r;
  for (double eps : {1.0, -0.1, std::numeric_limits<double>::quiet_NaN()}) {
    s.loss.label_smoothing = eps;
    EXPECT_ERROR(Evaluate(s, &r), "loss.label_smoothing", "[0, 1)");
  }
}

TEST(ScenarioErrors, MaskParameterBelowOneInTheFileIsAnError) {
  json j = PresetJson("e9-dedupe-sort.json");
  j["mask"] = {{"type", "sliding_window"}, {"width", 0}};
  EXPECT_ERROR(ParseAndEvaluate(j), "mask", "width");
  j["mask"] = "padding";  // needs a length
  EXPECT_FALSE(Parse(j).ok());
  EXPECT_EQ(Parse(j).field(), "mask");
}

TEST(ScenarioErrors, CustomMaskWithWrongShapeIsAnError) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.attention.mask.kind = MaskKind::kCustom;
  s.attention.mask.custom = Mask::Constant(7, 6, true);
  Result r;
  EXPECT_ERROR(Evaluate(s, &r), "mask", "7x7");
}

TEST(ScenarioErrors, FullyMaskedRowGivesZerosAndADiagnosticNotAnError) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  Mask custom = Mask::Constant(7, 7, false);
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j <= i; ++j) custom(i, j) = true;
  custom.row(2).setConstant(false);
  s.attention.mask.kind = MaskKind::kCustom;
  s.attention.mask.custom = custom;
  for (double T : {0.0, 1.0}) {
    s.attention.temperature = T;
    Result r;
    const Status st = Evaluate(s, &r);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_TRUE(r.Weights().allFinite()) << r.Weights();
    EXPECT_TRUE(r.Z.allFinite()) << r.Z;
    EXPECT_TRUE(r.probs.allFinite()) << r.probs;
    EXPECT_TRUE(std::isfinite(r.loss));
    EXPECT_MATRIX_NEAR(r.Weights().row(2), Matrix::Zero(1, 7), 0.0);
    EXPECT_MATRIX_NEAR(r.Z.row(2), Matrix::Zero(1, 2), 0.0);
    EXPECT_EQ(r.heads[0].fully_masked_rows, std::vector<int>{2});
    ASSERT_EQ(r.diagnostics.size(), 1u);
    EXPECT_TRUE(Contains(r.diagnostics[0], "row 2")) << r.diagnostics[0];
    EXPECT_TRUE(Contains(r.diagnostics[0], "masked")) << r.diagnostics[0];
    // The other rows are untouched: at T = 0 they are E9's P.
    if (T == 0.0) {
      EXPECT_NEAR(r.Weights()(6, 3), 1.0 / 7, 1e-15);
    }
  }
}

TEST(ScenarioErrors, FailedParseLeavesTheScenarioUnchanged) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  const Scenario before = s;

  json j = PresetJson("e7-temperature.json");
  j["W_O"] = {{1, 2}, {3}};  // ragged, found late in the parse
  for (const std::string& bad : {std::string("{\"title\": \"x\", "), j.dump(),
                                 std::string("{\"title\": \"changed\", \"foo\": 1}")}) {
    ASSERT_FALSE(ParseScenario(bad, &s).ok()) << bad;
    EXPECT_EQ(s.title, before.title);
    EXPECT_EQ(s.notes, before.notes);
    EXPECT_EQ(s.input, before.input);
    EXPECT_EQ(s.vocab, before.vocab);
    EXPECT_EQ(s.tokens, before.tokens);
    EXPECT_MATRIX_NEAR(s.E, before.E, 0.0);
    EXPECT_MATRIX_NEAR(s.heads[0].W_Q, before.heads[0].W_Q, 0.0);
    EXPECT_MATRIX_NEAR(s.W_O, before.W_O, 0.0);
    EXPECT_EQ(s.attention.temperature, before.attention.temperature);
    EXPECT_EQ(s.loss.positions, before.loss.positions);
  }
  // And it still evaluates to E9's loss.
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  EXPECT_NEAR(r.loss, 4.2114, 5e-5);
}

TEST(ScenarioErrors, MissingFileIsAnErrorNamingThePath) {
  Scenario s;
  const std::string path = PresetPath("no-such-preset.json");
  const Status st = LoadScenarioFile(path, &s);
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(Contains(st.message(), path)) << st.ToString();
}

// A folder passed as a scenario file is said to be a folder (tellg() of a
// directory stream once made it "8796093022207 MiB").
TEST(ScenarioErrors, FolderGivenAsScenarioFileSaysItIsAFolder) {
  Scenario s;
  const Status st = LoadScenarioFile(ATTNLAB_PRESETS_DIR, &s);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(Contains(st.message(), "director") || Contains(st.message(), "folder")) << st.ToString();
  EXPECT_FALSE(Contains(st.message(), "MiB")) << st.ToString();
}

// A repeated vocabulary entry would name two rows of E and two columns of the
// logits; the file is rejected, naming the repeat.
TEST(ScenarioErrors, DuplicateVocabularyEntryIsRejectedOrResolvedConsistently) {
  const std::string text =
      R"({"vocab": ["A", "A"], "tokens": ["A"], "E": [[1], [2]],
          "loss": {"positions": [0], "targets": ["A"]}})";
  Scenario s;
  const Status st = ParseScenario(text, &s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "vocab[1]") << st.ToString();
  if (!st.ok()) return;
  std::vector<int> ids;
  ASSERT_TRUE(TokenIds(s, &ids).ok());
  ASSERT_EQ(s.loss.targets.size(), 1u);
  EXPECT_EQ(s.loss.targets[0], ids[0]) << "token \"A\" is id " << ids[0] << ", target \"A\" is id "
                                       << s.loss.targets[0];
}

}  // namespace
}  // namespace attnlab

namespace attnlab {
namespace {

// A scenario file over the size limit is refused before it is read (a sparse
// file: the test writes nothing to disk).
TEST(ScenarioErrors, AHugeFileIsRefusedWithTheLimitBeforeReadingIt) {
  char path[] = "/tmp/attnlab-huge-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, kMaxScenarioBytes + 1), 0);
  close(fd);
  Scenario s;
  s.title = "unchanged";
  const Status st = LoadScenarioFile(path, &s);
  unlink(path);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("at most 64 MiB"), std::string::npos) << st.ToString();
  EXPECT_EQ(s.title, "unchanged");
}

}  // namespace
}  // namespace attnlab
