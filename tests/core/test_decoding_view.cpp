// The Decoding view (E4): its "decoding_lab" settings read, checked and
// written back, and its eval block against independent values.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "attnlab/decoding.hpp"
#include "attnlab/matrix_text.hpp"
#include "attnlab/report.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

using json = nlohmann::json;

const std::string kModel = R"("X": [[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0]], "num_heads": 2, "n_kv_heads": 1,
  "W_Q": [[1, 0, 0, 1], [0, 1, 1, 0], [1, 0, 1, 0], [0, 1, 0, 1]], "W_K": [[1, 0], [0, 1], [1, 1], [0, 0]],
  "W_V": [[1, 2], [0, 1], [1, 0], [2, 0]], "W_O": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
  "mask": "causal", "unembedding": "none", "view": "decoding")";

Status Parse(const std::string& lab, Scenario* s) {
  return ParseScenario("{" + kModel + (lab.empty() ? "" : ", \"decoding_lab\": " + lab) + "}", s);
}

json Eval(const Scenario& s) {
  Result r;
  Status st = Evaluate(s, &r);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::string text;
  st = EvalToJson(s, r, "", &text);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return st.ok() ? json::parse(text)["views"]["decoding"] : json();
}

TEST(DecodingLabIo, EveryFieldSurvivesARoundTrip) {
  Scenario s;
  const Status st = Parse(R"({"inputs": [[[1, 0, 0, 0], [0, 1, 0, 0]], [[0, 0, 1, 0], [0, 0, 0, 1]]],
      "cache_K": [[[[0.5, 1]]], [[[2, 3]]]], "cache_V": [[[[1, 1]]], [[[0, 1]]]], "step": 1, "sequence": 1,
      "cost_b": 4, "cost_n": 512, "cost_d": 256, "cost_h": 8, "cost_g": 2})",
                          &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  Scenario back;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok()) << ScenarioToJson(s);
  EXPECT_TRUE(s == back);
  const DecodingLabSettings& lab = *back.views.Find<DecodingLabSettings>();
  EXPECT_EQ(lab.inputs.size(), 2u);
  EXPECT_EQ(lab.inputs[1](1, 3), 1.0);
  EXPECT_EQ(lab.cache_K[1][0](0, 1), 3.0);
  EXPECT_EQ(lab.cache_V[1][0](0, 1), 1.0);
  EXPECT_EQ(lab.step, 1);
  EXPECT_EQ(lab.sequence, 1);
  EXPECT_EQ(lab.cost_b, 4);
  EXPECT_EQ(lab.cost_n, 512);
  EXPECT_EQ(lab.cost_d, 256);
  EXPECT_EQ(lab.cost_h, 8);
  EXPECT_EQ(lab.cost_g, 2);
  // sequences of tokens, as lists or one string each
  Scenario t;
  ASSERT_TRUE(ParseScenario(R"({"vocab": ["a", "b"], "tokens": "a b", "E": [[1, 0], [0, 1]], "view": "decoding",
      "decoding_lab": {"sequences": ["a b a", ["b", "b", "a"]]}})", &t).ok());
  Scenario t2;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(t), &t2).ok());
  EXPECT_TRUE(t == t2);
  EXPECT_EQ(t2.views.Find<DecodingLabSettings>()->sequences[0], (std::vector<std::string>{"a", "b", "a"}));
  DecodingLabSettings changed = lab;
  changed.cache_K[0][0](0, 0) = 7;
  EXPECT_FALSE(changed == lab);
  changed = lab;
  changed.inputs.pop_back();
  EXPECT_FALSE(changed == lab);
}

TEST(DecodingLabIo, BadFieldsAreNamedWithTheirPath) {
  const struct {
    const char* lab;
    const char* message;
  } cases[] = {
      {R"({"stpe": 1})", "decoding_lab.stpe: unknown key"},
      {R"({"step": -1})", "decoding_lab.step: must be >= 0, got -1"},
      {R"({"cost_h": 0})", "decoding_lab.cost_h: must be >= 1, got 0"},
      {R"({"cost_g": 3})", "decoding_lab.cost_g: must divide cost_h = 16, got 3"},
      {R"({"cost_h": 24})", "decoding_lab.cost_h: must divide d = 1024 (d_k = d / h)"},
      {R"({"cost_b": 100000})", "decoding_lab.cost_b: must be a whole number from 1 to 256"},
      {R"({"cost_n": 65536})", "decoding_lab.cost_n: the KV cache at these sizes is 8192 MiB; at most 512 MiB (lower b, n or d)"},
      {R"({"inputs": 3})", "decoding_lab.inputs: expected an array of matrices, got 3"},
      {R"({"inputs": [[[1, 2]], 5]})", "decoding_lab.inputs[1]: expected a matrix (an array of rows), got 5"},
      {R"({"cache_K": [[[[1, 2]]], [7]]})", "decoding_lab.cache_K[1][0]: expected a matrix (an array of rows), got 7"},
      {R"({"sequences": [[]]})", "decoding_lab.sequences[0]: a sequence needs at least one token"},
      {R"({"sequences": [["a"]], "inputs": [[[1, 0, 0, 0]]]})",
       "decoding_lab.inputs: give the batch as sequences (tokens) or as inputs (X), not both"},
  };
  for (const auto& c : cases) {
    Scenario s;
    const Status st = Parse(c.lab, &s);
    EXPECT_EQ(st.ToString().substr(0, std::string(c.message).size()), c.message) << c.lab << " -> " << st.ToString();
  }
  // 65 sequences: the batch bound
  std::string many = "[";
  for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + "[[1, 0, 0, 0]]";
  Scenario s;
  EXPECT_EQ(Parse(R"({"inputs": )" + many + "]}", &s).ToString(),
            "decoding_lab.inputs: at most 64 matrices, got 65");
}

// Only sequence 0's length was measured on reading: a later, longer one was
// built (a matrix per sequence) before the equal-length check at eval.
TEST(DecodingLabIo, EverySequenceIsTheSameLengthAndWithinThePositionsOnReading) {
  Scenario s;
  Status st = Parse(R"({"inputs": [[[1, 0, 0, 0]], [[1, 0, 0, 0], [0, 1, 0, 0]]]})", &s);
  EXPECT_EQ(st.ToString(),
            "decoding_lab.inputs[1]: has 2 positions, sequence 0 has 1; a batch's sequences are the same length");
  std::string tokens = "[";
  for (int i = 0; i < 3000; ++i) tokens += std::string(i ? "," : "") + "\"a\"";
  tokens += "]";
  Scenario t;
  st = ParseScenario(R"({"vocab": ["a", "b"], "tokens": "a b", "E": [[1, 0], [0, 1]], "view": "decoding",
      "decoding_lab": {"sequences": [["a"], )" + tokens + "]}}",
                     &t);
  EXPECT_EQ(st.ToString(), "decoding_lab.sequences[1]: 3000 positions; at most 2048");
  Scenario u;
  st = ParseScenario(R"({"vocab": ["a", "b"], "tokens": "a b", "E": [[1, 0], [0, 1]], "view": "decoding",
      "decoding_lab": {"sequences": [["a", "b"], ["b"]]}})",
                     &u);
  EXPECT_EQ(st.field(), "decoding_lab.sequences[1]") << st.ToString();
}

TEST(DecodingLabIo, ShapesThatDoNotFitTheModelAreNamedAtEval) {
  const struct {
    const char* lab;
    const char* message;
  } cases[] = {
      {R"({"inputs": [[[1, 0, 0, 0]], [[1, 0, 0]]]})", "decoding_lab.inputs[1]: expected 4 columns (d_model), got 3"},
      {R"({"cache_K": [[[[1, 0]]]], "cache_V": [[[[1, 0]]], [[[0, 1]]]]})",
       "decoding_lab.cache_V: expected 1 sequences (b), got 2"},
      {R"({"cache_K": [[[[1, 0, 1]]]], "cache_V": [[[[1, 0]]]]})",
       "decoding_lab.cache_K[0][0]: expected 1x2 (cached positions x d_k), got 1x3"},
      {R"({"cache_K": [[[[1, 0]], [[1, 0]]]], "cache_V": [[[[1, 0]]]]})",
       "decoding_lab.cache_K[0]: expected 1 K/V heads (n_kv_heads), got 2"},
      {R"({"sequences": [["a"]]})", "decoding_lab.sequences: token sequences need the scenario's vocab and E"},
  };
  for (const auto& c : cases) {
    Scenario s;
    ASSERT_TRUE(Parse(c.lab, &s).ok()) << c.lab;
    Result r;
    ASSERT_TRUE(Evaluate(s, &r).ok());
    std::string text;
    EXPECT_EQ(EvalToJson(s, r, "", &text).ToString(), c.message) << c.lab;
  }
}

TEST(DecodingLabIo, TheWeightsOfAllStepsAreBounded) {
  // 2 heads x 2048 steps x 2048 positions = 8.4 M weights > 4.19 M: refused on reading, naming the batch
  std::string rows = "[";
  for (int i = 0; i < 2048; ++i) rows += std::string(i ? "," : "") + "[1, 0, 0, 0]";
  rows += "]";
  Scenario s;
  const Status st = Parse(R"({"inputs": [)" + rows + "]}", &s);
  EXPECT_EQ(st.field(), "decoding_lab.inputs") << st.ToString();
  EXPECT_NE(st.message().find("at most 4.194e+06"), std::string::npos) << st.ToString();
}

TEST(DecodingLabIo, TheWeightsAllStepsReadAreBounded) {
  // 1024 steps over a model of 4 x 1024 x 1024 numbers (32 MiB) re-read 34 GB of weights: refused
  Scenario s;
  s.input = InputMode::kX;
  s.X = Matrix::Zero(1024, 1024);
  s.views.Get<DecodingLabSettings>();
  s.view = "decoding";
  const Status st = FindViewModel("decoding")->check_limits(s);
  EXPECT_EQ(st.field(), "X");
  EXPECT_NE(st.message().find("1024 steps each reading 25.17 MB of weights"), std::string::npos) << st.ToString();
  s.X = Matrix::Zero(16, 1024);  // 16 steps: 0.4 GB
  EXPECT_TRUE(FindViewModel("decoding")->check_limits(s).ok());
}

// What eval prints (Y, Y_batched, q, the cache, the weights) is bounded by
// kMaxResultCells on reading, naming the printed field.
TEST(DecodingLabIo, ThePrintedOutputsAreBounded) {
  Scenario s;
  s.input = InputMode::kX;
  s.X = Matrix::Zero(512, 8);
  s.heads.resize(1);
  s.heads[0].W_Q = s.heads[0].W_K = s.heads[0].W_V = Matrix::Identity(8, 8);
  s.W_O = Matrix::Zero(8, 25000);  // Y [1, 512, 25000] = 12.8 M numbers, twice with Y_batched
  s.views.Get<DecodingLabSettings>();
  s.view = "decoding";
  Status st = FindViewModel("decoding")->check_limits(s);
  EXPECT_EQ(st.field(), "X");
  EXPECT_NE(st.message().find("for Y "), std::string::npos) << st.ToString();
  s.W_O = Matrix::Zero(8, 6000);  // 3.1 M each: Y and Y_batched fit, 6.1 M
  EXPECT_TRUE(FindViewModel("decoding")->check_limits(s).ok());
  // the cache: 2000 cached positions + 1 step x d_k = 6000 = 12 M numbers for K
  s.X = Matrix::Zero(1, 8);
  s.W_O = Matrix();
  s.heads[0].W_Q = s.heads[0].W_K = Matrix::Zero(8, 6000);
  s.heads[0].W_V = Matrix::Zero(8, 1);
  s.views.Get<DecodingLabSettings>().cache_K = {{Matrix::Zero(2000, 6000)}};
  st = FindViewModel("decoding")->check_limits(s);
  EXPECT_EQ(st.field(), "decoding_lab.cache_K");
  EXPECT_NE(st.message().find("for K "), std::string::npos) << st.ToString();
}

TEST(DecodingViewEval, StepsEqualTheOneShotAndTheCacheHasItsShape) {
  Scenario s;
  ASSERT_TRUE(Parse("", &s).ok());
  const json v = Eval(s);
  EXPECT_EQ(v["layout"], "MQA");
  EXPECT_EQ(v["cache_shape"], json::parse("[1, 1, 3, 2]"));
  EXPECT_LT(v["max_abs_diff"].get<double>(), 1e-12);
  EXPECT_EQ(v["K"].size(), 1u);     // batch
  EXPECT_EQ(v["K"][0].size(), 1u);  // one K/V head
  // K = X W_K, by hand: rows (1,0,0,1) W_K = (1, 0); (0,1,1,0) W_K = (1, 2); (1,1,0,0) W_K = (1, 1)
  EXPECT_EQ(v["K"][0][0], json::parse("[[1, 0], [1, 2], [1, 1]]"));
  // step 0 sees only itself: weight 1 for both heads, y = (v, v) W_O = (v, v), v = (1,0,0,1) W_V = (3, 2)
  EXPECT_EQ(v["weights"][0][0][0][0], 1.0);
  EXPECT_EQ(v["weights"][0][1][0][0], 1.0);
  EXPECT_EQ(v["Y"][0][0], json::parse("[3, 2, 3, 2]"));
  EXPECT_EQ(v["Y_batched"][0].size(), 3u);
  // each step's weights sum to 1 over the positions it sees, 0 past them
  for (int head = 0; head < 2; ++head)
    for (int t = 0; t < 3; ++t) {
      double sum = 0;
      for (int p = 0; p < 3; ++p) sum += v["weights"][0][head][t][p].get<double>();
      EXPECT_NEAR(sum, 1.0, 1e-15);
      if (t < 2) {
        EXPECT_EQ(v["weights"][0][head][t][2], 0.0);
      }
    }
  // the cost block at E4's sizes: MHA's f64 cache read is 268435456 bytes a step
  EXPECT_EQ(v["cost"]["MHA"]["byte_terms"][2],
            "KV cache read: w\u00B7b\u00B7g\u00B7n\u00B7(d_k + d_v) = 8\u00B78\u00B716\u00B72048\u00B7(64 + 64) = 268435456");
  EXPECT_EQ(v["cost"]["GQA"]["cache_bytes_per_token"], 8 * 4 * 128);
  EXPECT_EQ(v["cost"]["MQA"]["cache_bytes_per_token"], 8 * 1 * 128);
}

TEST(DecodingViewEval, TokenSequencesGoThroughTheVocabulary) {
  Scenario s;
  ASSERT_TRUE(ParseScenario(R"({"vocab": ["a", "b"], "tokens": "a b", "E": [[1, 0], [0, 2]], "view": "decoding",
      "unembedding": "none", "decoding_lab": {"sequences": ["a b a", "b b a"]}})", &s).ok());
  const json v = Eval(s);
  EXPECT_EQ(v["batch"], 2);
  EXPECT_EQ(v["steps"], 3);
  // identity projections: the cache holds the embeddings
  EXPECT_EQ(v["K"][1][0], json::parse("[[0, 2], [0, 2], [1, 0]]"));
  EXPECT_LT(v["max_abs_diff"].get<double>(), 1e-12);
  Scenario bad = s;
  bad.views.Get<DecodingLabSettings>().sequences[1][2] = "z";
  Result r;
  ASSERT_TRUE(Evaluate(bad, &r).ok());
  std::string text;
  EXPECT_EQ(EvalToJson(bad, r, "", &text).ToString(), "decoding_lab.sequences[1][2]: \"z\" is not in the vocabulary");
}

TEST(DecodingViewEval, CrossAttentionDecodesXAloneAndSaysSo) {
  Scenario s;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e3-cross-attention.json", &s).ok());
  s.view = "decoding";
  const json v = Eval(s);
  EXPECT_NE(v["note"].get<std::string>().find("X_kv (cross-attention) is not used"), std::string::npos);
  EXPECT_LT(v["max_abs_diff"].get<double>(), 1e-12);
}

TEST(DecodingViewEval, QKVGivenDirectlyLeavesANoteAndTheCosts) {
  Scenario s;
  ASSERT_TRUE(ParseScenario(R"({"Q": [[1, 0]], "K": [[1, 0]], "V": [[1, 0]], "view": "decoding"})", &s).ok());
  const json v = Eval(s);
  EXPECT_NE(v["note"].get<std::string>().find("Q, K and V directly"), std::string::npos);
  EXPECT_TRUE(v["cost"].contains("MQA"));
}

// Round-off is relative to max |Y|: a Y of 1e9 differs from the one-shot by
// more than an absolute 1e-9 and still agrees; a Y of 1e-12 differing by
// 1e-12 does not; a difference in the weights alone is a difference.
TEST(DecodingViewEval, TheCheckIsRelativeToYAndCoversTheWeights) {
  Scenario s;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e4-decoding-gqa.json", &s).ok());
  s.W_O *= 1e12;
  json v = Eval(s);
  EXPECT_GT(v["max_abs_Y"].get<double>(), 1e10);
  EXPECT_GT(v["max_abs_diff"].get<double>(), 1e-9);  // an absolute 1e-9 called this "they differ"
  EXPECT_EQ(v["check"], "round-off");
  EXPECT_TRUE(DecodeIsRoundOff(1e-3, 0, 1e9));
  EXPECT_FALSE(DecodeIsRoundOff(1e-12, 0, 1e-12));  // all of Y
  EXPECT_FALSE(DecodeIsRoundOff(0, 1e-6, 1.0));     // the weights
  EXPECT_TRUE(DecodeIsRoundOff(0, 0, 0));
}

// Practice targets are numbers a student can work out by hand: one step's
// weights, one y, a cost count; not the round-off between two computations.
TEST(DecodingViewEval, PracticeTargetsCanBeWorkedOutByHand) {
  Scenario s;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e4-decoding-mha-vs-mqa.json", &s).ok());
  const json v = Eval(s);
  for (const PracticeTarget& t : FindViewModel("decoding")->practice) {
    EXPECT_EQ(std::string(t.name).find("diff"), std::string::npos) << t.name;  // round-off is not worked out by hand
    std::string p = t.name;
    for (char& c : p)
      if (c == '.') c = '/';
    EXPECT_TRUE(v.contains(json::json_pointer("/" + p))) << t.name;
  }
  // the first step of the preset (no previous cache) has weight 1 on its one position
  EXPECT_EQ(v["weights"][0][0][0][0], 1.0);
  const json row = v["weights"][0][0][1];
  EXPECT_NEAR(row[0].get<double>() + row[1].get<double>(), 1.0, 1e-15);
}

// The CSV label lines quote per RFC 4180: the einsums hold commas and quotes.
TEST(DecodingReport, CsvLabelLinesQuoteCommasAndQuotes) {
  Report r;
  r.AddLabels("einsums", {"o = einsum(\"bhn,bnv->bhv\")", "plain"});
  r.AddText("note", "a, b");
  EXPECT_EQ(ReportToText(r, "", ReportTextFormat::kCsv),
            "# einsums,\"o = einsum(\"\"bhn,bnv->bhv\"\")\",plain\n# note,\"a, b\"\n");
  // the decoding view's own einsums: every line splits back into its fields
  Scenario s;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e4-decoding-gqa.json", &s).ok());
  Result res;
  ASSERT_TRUE(Evaluate(s, &res).ok());
  Report rep;
  ASSERT_TRUE(FindViewModel("decoding")->evaluate(s, res, &rep).ok());
  const std::string text = ReportToText(rep, "", ReportTextFormat::kCsv);
  const size_t at = text.find("# einsums,");
  ASSERT_NE(at, std::string::npos);
  const std::string einsums = text.substr(at, text.find('\n', at) - at);
  EXPECT_NE(einsums.find("\"k = einsum(\"\"bd,gdk->bgk\"\")  [b, g, k] = [2, 2, 2]\""), std::string::npos) << einsums;
}

// Blocks of unequal length or matrices of another shape are refused: the
// writers index the slices as i * inner + j (ReportJson read past the end).
TEST(DecodingReport, Tensor4RefusesInconsistentBlocksAndWritesLatex) {
  Report r;
  Status st = r.AddTensor4("K", {{Matrix::Zero(2, 2), Matrix::Zero(2, 2)}, {Matrix::Zero(2, 2)}}, "batch, kv_head, position, k");
  EXPECT_EQ(st.ToString(), "K[1]: expected 2 matrices like [0], got 1");
  st = r.AddTensor4("K", {{Matrix::Zero(2, 2)}, {Matrix::Zero(3, 2)}}, "batch, kv_head, position, k");
  EXPECT_EQ(st.ToString(), "K[1][0]: expected 2x2 like [0][0], got 3x2");
  EXPECT_TRUE(r.entries().empty());
  Matrix a(1, 2), b(1, 2);
  a << 1, 2;
  b << 3, 4;
  ASSERT_TRUE(r.AddTensor4("K", {{a}, {b}}, "batch, kv_head, position, k").ok());
  EXPECT_EQ(ReportToText(r, "v", ReportTextFormat::kLatex),
            "% v.K[batch 0, kv_head 0] 1x2\n" + FormatMatrixText(a, MatrixTextFormat::kLatex) +
                "\n% v.K[batch 1, kv_head 0] 1x2\n" + FormatMatrixText(b, MatrixTextFormat::kLatex));
}

TEST(DecodingViewEval, ThePresetsCheckTheirIdentityAndShapes) {
  for (const char* name : {"e4-decoding-mha-vs-mqa.json", "e4-decoding-gqa.json"}) {
    Scenario s;
    const Status st = LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/" + name, &s);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(s.view, "decoding");
    EXPECT_LE(s.name.size(), 40u);
    EXPECT_NE(s.solution.find("bhn,bnv->bhv"), std::string::npos) << name;
    EXPECT_NE(s.solution.find("b h v, b d v->b d"), std::string::npos) << name;
    const json v = Eval(s);
    EXPECT_LT(v["max_abs_diff"].get<double>(), 1e-12) << name;
    EXPECT_EQ(v["check"], "round-off") << name;
  }
  Scenario mqa, gqa;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e4-decoding-mha-vs-mqa.json", &mqa).ok());
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e4-decoding-gqa.json", &gqa).ok());
  EXPECT_EQ(Eval(mqa)["cache_shape"], json::parse("[2, 1, 4, 2]"));  // [b, n, k] with g = 1
  EXPECT_EQ(Eval(gqa)["cache_shape"], json::parse("[2, 2, 5, 2]"));  // 2 cached + 3 steps
  EXPECT_EQ(Eval(gqa)["prior"], 2);
}

}  // namespace
}  // namespace attnlab
