// Scenario files: ScenarioToJson -> ParseScenario keeps every field,
// ResultToJson holds what `attnlab eval` promises, WriteFileAtomic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::M;

const char* const kPresets[] = {"e2-argmax-attention.json", "e7-temperature.json", "e9-dedupe-sort.json",
                                "e9-two-heads.json"};

Scenario LoadPreset(const std::string& name) {
  Scenario s;
  const Status st = LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/" + name, &s);
  EXPECT_TRUE(st.ok()) << name << ": " << st.ToString();
  return s;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Exact equality, shape included (the JSON writes doubles to round trip).
#define EXPECT_SAME_MATRIX(a, b) EXPECT_MATRIX_NEAR(a, b, 0.0)

void ExpectSameScenario(const Scenario& a, const Scenario& b) {
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.notes, b.notes);
  EXPECT_EQ(a.solution, b.solution);
  EXPECT_EQ(a.presentation, b.presentation);
  EXPECT_EQ(a.view, b.view);
  EXPECT_EQ(a.input, b.input);
  EXPECT_EQ(a.vocab, b.vocab);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_SAME_MATRIX(a.E, b.E);
  EXPECT_SAME_MATRIX(a.X, b.X);
  EXPECT_SAME_MATRIX(a.Q, b.Q);
  EXPECT_SAME_MATRIX(a.K, b.K);
  EXPECT_SAME_MATRIX(a.V, b.V);
  ASSERT_EQ(a.heads.size(), b.heads.size());
  for (size_t h = 0; h < a.heads.size(); ++h) {
    SCOPED_TRACE("head " + std::to_string(h));
    EXPECT_SAME_MATRIX(a.heads[h].W_Q, b.heads[h].W_Q);
    EXPECT_SAME_MATRIX(a.heads[h].W_K, b.heads[h].W_K);
    EXPECT_SAME_MATRIX(a.heads[h].W_V, b.heads[h].W_V);
  }
  EXPECT_SAME_MATRIX(a.W_O, b.W_O);
  EXPECT_EQ(a.attention.scale.kind, b.attention.scale.kind);
  if (a.attention.scale.kind == ScaleKind::kCustom) {
    EXPECT_EQ(a.attention.scale.value, b.attention.scale.value);
  }
  EXPECT_EQ(a.attention.temperature, b.attention.temperature);
  EXPECT_EQ(a.attention.mask.kind, b.attention.mask.kind);
  if (*MaskParamName(a.attention.mask.kind) != '\0') {
    EXPECT_EQ(a.attention.mask.param, b.attention.mask.param);
  }
  ASSERT_EQ(a.attention.mask.custom.rows(), b.attention.mask.custom.rows());
  ASSERT_EQ(a.attention.mask.custom.cols(), b.attention.mask.custom.cols());
  EXPECT_FALSE((a.attention.mask.custom != b.attention.mask.custom).any());
  EXPECT_EQ(a.attention.naive_softmax, b.attention.naive_softmax);
  EXPECT_EQ(a.unembedding, b.unembedding);
  EXPECT_SAME_MATRIX(a.U, b.U);
  EXPECT_EQ(a.loss.enabled, b.loss.enabled);
  EXPECT_EQ(a.loss.convention, b.loss.convention);
  EXPECT_EQ(a.loss.positions, b.loss.positions);
  EXPECT_EQ(a.loss.targets, b.loss.targets);
  EXPECT_EQ(a.loss.label_smoothing, b.loss.label_smoothing);
}

void ExpectSameResult(const Result& a, const Result& b) {
  EXPECT_SAME_MATRIX(a.Weights(), b.Weights());
  EXPECT_SAME_MATRIX(a.Z, b.Z);
  EXPECT_SAME_MATRIX(a.R, b.R);
  EXPECT_SAME_MATRIX(a.probs, b.probs);
  EXPECT_EQ(a.loss_terms.size(), b.loss_terms.size());
  if (a.has_loss()) {
    EXPECT_EQ(a.loss, b.loss);
  } else {
    EXPECT_FALSE(b.has_loss());
  }
}

void ExpectRoundTrip(const Scenario& original) {
  const std::string text = ScenarioToJson(original);
  Scenario back;
  const Status st = ParseScenario(text, &back);
  ASSERT_TRUE(st.ok()) << st.ToString() << "\n" << text;
  ExpectSameScenario(original, back);
  EXPECT_TRUE(original == back);

  Result r1, r2;
  const Status s1 = Evaluate(original, &r1);
  const Status s2 = Evaluate(back, &r2);
  ASSERT_TRUE(s1.ok()) << s1.ToString();
  ASSERT_TRUE(s2.ok()) << s2.ToString();
  ExpectSameResult(r1, r2);

  // Writing the read-back scenario again gives the same text.
  EXPECT_EQ(ScenarioToJson(back), text);
}

// Equality sees the lecture-hall keys (the unsaved mark compares scenarios).
TEST(ScenarioIo, EqualityComparesNameSolutionAndPresentation) {
  const Scenario a = LoadPreset("e9-dedupe-sort.json");
  Scenario b = a;
  EXPECT_TRUE(a == b);
  b.name = "other";
  EXPECT_FALSE(a == b);
  b = a;
  b.solution += " more";
  EXPECT_FALSE(a == b);
  b = a;
  b.presentation["attention"] = {"P"};
  EXPECT_FALSE(a == b);
}

// Step mode must not give the answers away: every preset keeps what is asked
// in `notes` and the course's answer in `solution`, and has a short name of
// its own for the exercise list.
TEST(ScenarioIo, EveryPresetSeparatesTheQuestionFromTheSolution) {
  std::set<std::string> names;
  int presets = 0;
  for (const auto& entry : fs::directory_iterator(ATTNLAB_PRESETS_DIR)) {
    if (entry.path().extension() != ".json") continue;
    ++presets;
    const Scenario s = LoadPreset(entry.path().filename().string());
    SCOPED_TRACE(entry.path().filename().string());
    EXPECT_FALSE(s.notes.empty());
    EXPECT_FALSE(s.solution.empty());
    EXPECT_FALSE(s.name.empty());
    EXPECT_TRUE(names.insert(s.name).second) << "two presets are both named " << s.name;
    // No answer with three or more decimals (0.4547, 4.2114) appears in the question.
    const std::regex decimal("[0-9]+\\.[0-9]{3,}");
    for (auto it = std::sregex_iterator(s.solution.begin(), s.solution.end(), decimal); it != std::sregex_iterator();
         ++it) {
      EXPECT_EQ(s.notes.find(it->str()), std::string::npos) << it->str() << " gives the answer away";
    }
  }
  EXPECT_GE(presets, 8);
}

TEST(ScenarioIo, EveryPresetRoundTripsThroughJson) {
  for (const char* name : kPresets) {
    SCOPED_TRACE(name);
    ExpectRoundTrip(LoadPreset(name));
  }
}

TEST(ScenarioIo, RoundTripKeepsTheE9Loss) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  Scenario back;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok());
  Result r;
  ASSERT_TRUE(Evaluate(back, &r).ok());
  const double pa = std::exp(3.0) / (2 * std::exp(3.0) + 4);
  const double ps = 1.0 / (2 * std::exp(9.0 / 7) + 2 * std::exp(6.0 / 7) + 2);
  EXPECT_NEAR(r.loss, -2 * std::log(pa) - std::log(ps), 1e-12);
}

TEST(ScenarioIo, NonDefaultOptionsRoundTrip) {
  Scenario s = LoadPreset("e9-dedupe-sort.json");
  s.title = "variant \"quoted\" \\ title";
  s.notes = "line 1\nline 2\t\u00e9";
  s.name = "E9 variant";
  s.solution = "P = ... (the course's answer)\n\nErratum: 7x7, not 7x8.";
  s.presentation["attention"] = {"P", "heads[1].P", "loss", "exercise"};
  s.presentation["scaling"] = {};
  s.view = "selection";  // a view other than the default (views are checked against the table)
  s.attention.scale.kind = ScaleKind::kCustom;
  s.attention.scale.value = 0.1 + 0.2;  // a value with a long decimal expansion
  s.attention.temperature = 1.0 / 3;
  s.attention.mask.kind = MaskKind::kSlidingWindow;
  s.attention.mask.param = 3;
  s.attention.naive_softmax = true;
  s.unembedding = Unembedding::kMatrix;
  s.U = M({{1, 0, 0, 0, 0.5, 0}, {0, 1, 0, 0, 0, -0.5}, {0, 0, 1e-7, 0, 0, 0}, {0, 0, 0, 1e7, 0, 0}});
  s.loss.convention = LossConvention::kNextToken;
  s.loss.label_smoothing = 0.125;
  s.loss.targets = {0, 3, 5};
  ExpectRoundTrip(s);

  s.loss.positions.clear();
  s.loss.targets.clear();
  ExpectRoundTrip(s);

  for (MaskKind kind : {MaskKind::kPadding, MaskKind::kPrefixLm, MaskKind::kBlockDiagonal, MaskKind::kNone}) {
    SCOPED_TRACE(MaskKindName(kind));
    s.attention.mask.kind = kind;
    s.attention.mask.param = kind == MaskKind::kNone ? 0 : 2;
    ExpectRoundTrip(s);
  }

  s.attention.scale.kind = ScaleKind::kInvSqrtDk;
  s.unembedding = Unembedding::kNone;
  s.U.resize(0, 0);
  s.loss = LossSpec();
  ExpectRoundTrip(s);
}

TEST(ScenarioIo, CustomMaskAndInputXRoundTrip) {
  Scenario s;
  s.title = "X input";
  s.input = InputMode::kX;
  s.tokens = {"a", "b", "c"};
  s.X = M({{1, 2}, {3, -4}, {0.25, 1e-300}});
  s.heads = {HeadWeights{}, HeadWeights{M({{1, 0}, {0, 1}}), M({{0, 1}, {1, 0}}), M({{2}, {3}}), {}, {}, {}}};
  s.W_O = M({{1, 0}, {0, 1}, {1, 1}});
  s.attention.mask.kind = MaskKind::kCustom;
  s.attention.mask.custom = Mask::Constant(3, 3, true);
  s.attention.mask.custom(0, 2) = false;
  s.attention.mask.custom(1, 0) = false;
  s.unembedding = Unembedding::kMatrix;
  s.U = M({{1, 2, 3}, {4, 5, 6}});
  s.loss.enabled = true;
  s.loss.positions = {0, 2};
  s.loss.targets = {2, 1};
  ExpectRoundTrip(s);
}

TEST(ScenarioIo, TokensGivenAsOneStringAreSplitOnWhitespace) {
  const std::string text = R"({"vocab": "A B", "tokens": "A  B\tA", "E": [[1], [2]]})";
  Scenario s;
  const Status st = ParseScenario(text, &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(s.vocab, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(s.tokens, (std::vector<std::string>{"A", "B", "A"}));
}

TEST(ScenarioIo, ResultJsonOfE9HoldsLossTokenLossesArgmaxAndNullMaskedScores) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  const std::string text = ResultToJson(s, r);
  json j;
  ASSERT_NO_THROW(j = json::parse(text)) << text;

  const double pa = std::exp(3.0) / (2 * std::exp(3.0) + 4);
  const double ps = 1.0 / (2 * std::exp(9.0 / 7) + 2 * std::exp(6.0 / 7) + 2);
  ASSERT_TRUE(j.contains("loss"));
  ASSERT_TRUE(j["loss"].is_number());
  EXPECT_NEAR(j["loss"].get<double>(), -2 * std::log(pa) - std::log(ps), 1e-12);

  ASSERT_TRUE(j.contains("token_losses"));
  ASSERT_TRUE(j["token_losses"].is_array());
  ASSERT_EQ(j["token_losses"].size(), 3u);
  EXPECT_NEAR(j["token_losses"][0].get<double>(), -std::log(pa), 1e-12);
  EXPECT_NEAR(j["token_losses"][1].get<double>(), -std::log(pa), 1e-12);
  EXPECT_NEAR(j["token_losses"][2].get<double>(), -std::log(ps), 1e-12);

  ASSERT_TRUE(j.contains("argmax"));
  ASSERT_EQ(j["argmax"].size(), 7u);
  EXPECT_EQ(j["argmax"][3].get<std::vector<int>>(), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(j["argmax"][6].get<std::vector<int>>(), (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));

  // scores: causal, so row 0 has only column 0 (= 3*3 = 9), the rest null.
  ASSERT_EQ(j["scores"].size(), 7u);
  EXPECT_EQ(j["scores"][0][0].get<double>(), 9.0);
  for (int c = 1; c < 7; ++c) EXPECT_TRUE(j["scores"][0][c].is_null()) << "scores[0][" << c << "]";
  int nulls = 0;
  for (const auto& row : j["scores"])
    for (const auto& v : row) nulls += v.is_null();
  EXPECT_EQ(nulls, 21);  // the 7*6/2 cells above the diagonal

  EXPECT_NEAR(j["weights"][6][0].get<double>(), 1.0 / 7, 1e-15);
  EXPECT_EQ(j["output"].size(), 7u);
  EXPECT_NEAR(j["output"][3][1].get<double>(), 1.5, 1e-15);
  EXPECT_EQ(j["R"].size(), 7u);
  EXPECT_EQ(j["probs"].size(), 7u);
  EXPECT_NEAR(j["target_probs"][2].get<double>(), ps, 1e-12);
  EXPECT_NEAR(j["mean_loss"].get<double>(), (-2 * std::log(pa) - std::log(ps)) / 3, 1e-12);
  EXPECT_TRUE(j["diagnostics"].is_array());
  EXPECT_TRUE(j["diagnostics"].empty());
  EXPECT_FALSE(j.contains("heads"));
}

TEST(ScenarioIo, ResultJsonOfTwoHeadsListsEachHead) {
  const Scenario s = LoadPreset("e9-two-heads.json");
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  const json j = json::parse(ResultToJson(s, r));
  ASSERT_TRUE(j.contains("heads"));
  ASSERT_EQ(j["heads"].size(), 2u);
  EXPECT_TRUE(j["heads"][1]["scores"][0][1].is_null());
  EXPECT_EQ(j["heads"][0]["argmax"][5].get<std::vector<int>>(), (std::vector<int>{0, 5}));
  EXPECT_NEAR(j["loss"].get<double>(), 10.2114, 5e-5);
}

TEST(ScenarioIo, ResultJsonWritesNonFiniteNumbersAsNull) {
  // Naive softmax on E2 with q scaled by 1000: scores up to 11000, exp overflows.
  Scenario s = LoadPreset("e2-argmax-attention.json");
  s.Q *= 1000;
  s.attention.temperature = 1.0;
  s.attention.naive_softmax = true;
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  ASSERT_FALSE(r.Weights().allFinite());  // the premise: the naive softmax did overflow
  ASSERT_FALSE(r.diagnostics.empty());
  json j;
  ASSERT_NO_THROW(j = json::parse(ResultToJson(s, r)));
  bool any_null = false;
  for (const auto& v : j["weights"][0]) any_null |= v.is_null();
  EXPECT_TRUE(any_null) << j["weights"].dump();
  EXPECT_NE(j["diagnostics"][0].get<std::string>().find("naive"), std::string::npos);
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "attnlab-io-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::vector<std::string> Entries(const fs::path& dir) const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  fs::path dir_;
};

using WriteFileAtomicTest = TempDir;

TEST_F(WriteFileAtomicTest, WritesTheFile) {
  const fs::path path = dir_ / "scenario.json";
  const std::string text = "{\"title\": \"x\"}\n";
  const Status st = WriteFileAtomic(path.string(), text);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(ReadText(path), text);
  EXPECT_EQ(Entries(dir_), std::vector<std::string>{"scenario.json"});
}

TEST_F(WriteFileAtomicTest, ReplacesAnExistingFileAndLeavesNoTemporaries) {
  const fs::path path = dir_ / "scenario.json";
  {
    std::ofstream out(path);
    out << "old contents that are longer than the new ones\n";
  }
  ASSERT_TRUE(WriteFileAtomic(path.string(), "new\n").ok());
  EXPECT_EQ(ReadText(path), "new\n");
  ASSERT_TRUE(WriteFileAtomic(path.string(), "").ok());
  EXPECT_EQ(ReadText(path), "");
  EXPECT_EQ(Entries(dir_), std::vector<std::string>{"scenario.json"});
}

TEST_F(WriteFileAtomicTest, WrittenScenarioLoadsBack) {
  const Scenario s = LoadPreset("e9-dedupe-sort.json");
  const fs::path path = dir_ / "e9.json";
  ASSERT_TRUE(WriteFileAtomic(path.string(), ScenarioToJson(s)).ok());
  Scenario back;
  const Status st = LoadScenarioFile(path.string(), &back);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectSameScenario(s, back);
}

TEST_F(WriteFileAtomicTest, NonExistentFolderFailsClearlyAndLeavesNothing) {
  const fs::path missing = dir_ / "no-such-folder";
  const fs::path path = missing / "scenario.json";
  const Status st = WriteFileAtomic(path.string(), "text\n");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(path.string()), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("No such file or directory"), std::string::npos) << st.ToString();
  EXPECT_FALSE(fs::exists(missing));
  EXPECT_TRUE(Entries(dir_).empty());
}

TEST_F(WriteFileAtomicTest, FailedRenameOntoAFolderLeavesNoTemporary) {
  const fs::path target = dir_ / "a-folder";
  fs::create_directory(target);
  {
    std::ofstream out(target / "inside.txt");
    out << "x";
  }
  const Status st = WriteFileAtomic(target.string(), "text\n");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(target.string()), std::string::npos) << st.ToString();
  EXPECT_EQ(Entries(dir_), std::vector<std::string>{"a-folder"});
  EXPECT_EQ(Entries(target), std::vector<std::string>{"inside.txt"});
}

}  // namespace
}  // namespace attnlab
