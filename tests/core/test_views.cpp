// The table of views (views.hpp): every view's settings round-trip, every
// preset evaluates in every view, and every eval block holds its numbers,
// checked against closed forms where they exist.
#include <gtest/gtest.h>

#include <cmath>
#include <dirent.h>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "attnlab/scaling.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/selection.hpp"
#include "attnlab/temperature.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

using json = nlohmann::json;

std::vector<std::string> PresetPaths() {
  std::vector<std::string> paths;
  DIR* dir = opendir(ATTNLAB_PRESETS_DIR);
  if (!dir) return paths;
  while (const dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0)
      paths.push_back(std::string(ATTNLAB_PRESETS_DIR) + "/" + name);
  }
  closedir(dir);
  return paths;
}

Scenario Load(const std::string& path) {
  Scenario s;
  const Status st = LoadScenarioFile(path, &s);
  EXPECT_TRUE(st.ok()) << path << ": " << st.ToString();
  return s;
}

// The eval object of `s` for `view` (its own when empty).
json Eval(const Scenario& s, const std::string& view = "") {
  Result r;
  Status st = Evaluate(s, &r);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::string text;
  st = EvalToJson(s, r, view, &text);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return st.ok() ? json::parse(text) : json();
}

Scenario WithView(const std::string& preset, const std::string& view) {
  Scenario s = Load(std::string(ATTNLAB_PRESETS_DIR) + "/" + preset);
  s.view = view;
  return s;
}

TEST(Views, TheTableHasDistinctKeysTitlesAndCompleteCodecs) {
  std::set<std::string> keys, settings_keys;
  ASSERT_GE(ViewModels().size(), 4u);
  EXPECT_STREQ(ViewModels().front()->key, "attention");  // the default view
  for (const ViewModel* v : ViewModels()) {
    EXPECT_TRUE(keys.insert(v->key).second) << v->key;
    EXPECT_NE(std::string(v->title), "");
    EXPECT_NE(std::string(v->summary), "");
    EXPECT_NE(v->evaluate, nullptr) << v->key;
    EXPECT_EQ(v->codec == nullptr, v->settings_key == nullptr) << v->key;
    if (v->settings_key) {
      EXPECT_TRUE(settings_keys.insert(v->settings_key).second) << v->settings_key;
    }
    EXPECT_EQ(FindViewModel(v->key), v);
  }
  EXPECT_EQ(FindViewModel("no-such-view"), nullptr);
}

TEST(Views, AnUnknownViewInAFileIsAnErrorListingTheViews) {
  Scenario s;
  const Status st = ParseScenario(R"({"view": "heads", "Q": [[1]], "K": [[1]], "V": [[1]]})", &s);
  EXPECT_EQ(st.field(), "view");
  EXPECT_NE(st.message().find(ViewKeyList()), std::string::npos) << st.ToString();
}

TEST(Views, EveryPresetRoundTripsToAnEqualScenario) {
  const std::vector<std::string> paths = PresetPaths();
  ASSERT_GE(paths.size(), 8u);
  for (const std::string& path : paths) {
    const Scenario s = Load(path);
    Scenario back;
    const Status st = ParseScenario(ScenarioToJson(s), &back);
    ASSERT_TRUE(st.ok()) << path << ": " << st.ToString();
    EXPECT_TRUE(s == back) << path;
  }
}

TEST(Views, ScenarioEqualitySeesAChangedViewSetting) {
  Scenario a = WithView("e7-temperature-sweep.json", "temperature");
  Scenario b = a;
  ASSERT_TRUE(a == b);
  b.views.Get<TemperatureLabSettings>().cursor *= 2;
  EXPECT_FALSE(a == b);
  b = a;
  b.views.Get<ScalingLabSettings>();  // settings a has not got
  EXPECT_FALSE(a == b);
  b = a;
  b.attention.mask.kind = MaskKind::kCausal;
  EXPECT_FALSE(a == b);
}

// One test per view, so that ctest runs them side by side. Every preset is
// evaluated in every view; the seeded numbers must repeat, which is checked
// on the view's own presets and on E9 (a view that ignores the attention
// model, such as Scaling, prints the same numbers for every other preset).
class EveryPreset : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryPreset, TheViewEvaluatesItDeterministically) {
  const std::string key = GetParam();
  ASSERT_NE(FindViewModel(key), nullptr);
  for (const std::string& path : PresetPaths()) {
    const Scenario s = Load(path);
    Result r;
    ASSERT_TRUE(Evaluate(s, &r).ok()) << path;
    std::string first;
    const Status st = EvalToJson(s, r, key, &first);
    ASSERT_TRUE(st.ok()) << path << " in " << key << ": " << st.ToString();
    if (s.view == key || path.find("/e9-dedupe-sort.json") != std::string::npos) {
      std::string second;
      ASSERT_TRUE(EvalToJson(s, r, key, &second).ok());
      EXPECT_EQ(first, second) << path << " in " << key << ": seeded numbers must repeat";
    }
    const json j = json::parse(first);
    ASSERT_TRUE(j["views"].contains(key)) << path;
    EXPECT_FALSE(j["views"][key].empty()) << path << " in " << key;
    // The pipeline keeps its top-level keys whatever the view.
    for (const char* k : {"weights", "output", "scores", "loss"}) EXPECT_TRUE(j.contains(k)) << k;
  }
}

std::vector<std::string> ViewKeys() {
  std::vector<std::string> keys;
  for (const ViewModel* v : ViewModels()) keys.push_back(v->key);
  return keys;
}

INSTANTIATE_TEST_SUITE_P(Views, EveryPreset, ::testing::ValuesIn(ViewKeys()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(Views, EvalOfAnUnknownViewNamesIt) {
  const Scenario s = WithView("e9-dedupe-sort.json", "attention");
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  std::string text;
  EXPECT_EQ(EvalToJson(s, r, "nope", &text).field(), "view");
}

// Each practice target names a number the view's eval prints.
TEST(Views, PracticeTargetsNameEntriesOfTheEvalOutput) {
  const Scenario base = Load(std::string(ATTNLAB_PRESETS_DIR) + "/e9-dedupe-sort.json");
  for (const ViewModel* v : ViewModels()) {
    Scenario s = base;
    s.view = v->key;
    const json j = Eval(s);
    EXPECT_FALSE(v->practice.empty()) << v->key;
    for (const PracticeTarget& t : v->practice) {
      const std::string name = t.name;
      const size_t list = name.find("[].");
      if (list != std::string::npos) {  // "layers[].out_shape": a field of each item of a list, on the view's own preset
        ASSERT_EQ(std::string(v->key), "conv") << "a list target: give this test a preset of " << v->key;
        const json c = Eval(Load(std::string(ATTNLAB_PRESETS_DIR) + "/e8-svhn.json"))["views"]["conv"];
        const json& items = c[name.substr(0, list)];
        ASSERT_TRUE(items.is_array() && !items.empty()) << name;
        EXPECT_TRUE(items[0].contains(name.substr(list + 3))) << name;
        continue;
      }
      const json& scope = std::string(v->key) == "attention" ? j : j["views"][v->key];
      const json::json_pointer pointer("/" + [&] {
        std::string p = t.name;
        for (char& c : p)
          if (c == '.') c = '/';
        return p;
      }());
      EXPECT_TRUE(scope.contains(pointer)) << v->key << ": " << t.name;
    }
  }
}

TEST(AttentionViewEval, GivesTheShapeOfEveryStage) {
  const json j = Eval(WithView("e9-dedupe-sort.json", "attention"));
  const json& a = j["views"]["attention"];
  EXPECT_EQ(a["positions"], 7);
  EXPECT_EQ(a["heads"], 1);
  EXPECT_EQ(a["shapes"]["weights"], json::parse("[7, 7]"));
  EXPECT_EQ(a["shapes"]["X"], json::parse("[7, 4]"));
  EXPECT_EQ(a["shapes"]["probs"], json::parse("[7, 6]"));
}

TEST(TemperatureViewEval, TheSweepReachesBothLimits) {
  // E7's first vector (4, 3, 2, 1), typed; T from 1e-3 to 1e3.
  Scenario s = WithView("e7-temperature-sweep.json", "temperature");
  TemperatureLabSettings& lab = s.views.Get<TemperatureLabSettings>();
  lab.scores = {4, 3, 2, 1};
  lab.cursor = 0.5;
  const json t = Eval(s)["views"]["temperature"];
  ASSERT_EQ(t["temperatures"].size(), 200u);
  EXPECT_DOUBLE_EQ(t["temperatures"][0].get<double>(), 1e-3);
  EXPECT_DOUBLE_EQ(t["temperatures"][199].get<double>(), 1e3);
  EXPECT_EQ(t["cold_limit"], json::parse("[1, 0, 0, 0]"));
  // T -> 0: the weights are the argmax; T = 1000: within 2e-3 of uniform, H -> log 4.
  EXPECT_EQ(t["weights"][0], json::parse("[1.0, 0.0, 0.0, 0.0]"));
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(t["weights"][199][j].get<double>(), 0.25, 2e-3);
  EXPECT_NEAR(t["entropy"][199].get<double>(), std::log(4.0), 1e-5);
  EXPECT_NEAR(t["entropy"][0].get<double>(), 0.0, 1e-12);
  EXPECT_DOUBLE_EQ(t["hot_entropy"].get<double>(), std::log(4.0));
  EXPECT_NEAR(t["max_weight"][0].get<double>(), 1.0, 1e-12);
  // The cursor's bars at T = 1/2: w_j = e^(2 (z_j - 4)) / sum.
  const double sum = 1 + std::exp(-2.0) + std::exp(-4.0) + std::exp(-6.0);
  EXPECT_NEAR(t["cursor_weights"][0].get<double>(), 1 / sum, 1e-15);
  EXPECT_NEAR(t["cursor_weights"][3].get<double>(), std::exp(-6.0) / sum, 1e-15);
  EXPECT_NEAR(t["cursor_max_weight"].get<double>(), 1 / sum, 1e-15);
}

TEST(TemperatureViewEval, AScenarioRowLeavesItsMaskedKeysOut) {
  // E9's causal argmax scores: row 2 (the third token) sees keys 0, 1, 2.
  Scenario s = WithView("e9-dedupe-sort.json", "temperature");
  s.views.Get<TemperatureLabSettings>().row = 2;
  const json t = Eval(s)["views"]["temperature"];
  EXPECT_EQ(t["row_source"], "scores");
  EXPECT_EQ(t["keys"], json::parse(R"(["k0", "k1", "k2"])"));
  // Q = K rows [3,0] [0,3] [0,3]: q_2 . k_j = 0, 9, 9; the limit splits the tie.
  EXPECT_EQ(t["z"], json::parse("[0.0, 9.0, 9.0]"));
  EXPECT_EQ(t["cold_limit"], json::parse("[0.0, 0.5, 0.5]"));
}

TEST(TemperatureViewEval, WholeMatrixModeGivesEveryRowsCurves) {
  Scenario s = WithView("e7-temperature-sweep.json", "temperature");
  s.views.Get<TemperatureLabSettings>().whole_matrix = true;
  s.views.Get<TemperatureLabSettings>().cursor = 0;
  const json m = Eval(s)["views"]["temperature"]["whole_matrix"];
  ASSERT_TRUE(m.contains("entropy")) << m.dump();
  ASSERT_EQ(m["entropy"].size(), 4u);        // one row per query
  ASSERT_EQ(m["entropy"][0].size(), 200u);   // one column per temperature
  ASSERT_EQ(m["max_weight"].size(), 4u);
  // Row 3 is (a, a, a, a): uniform at every T.
  for (const json& h : m["entropy"][3]) EXPECT_NEAR(h.get<double>(), std::log(4.0), 1e-12);
  // At the cursor T = 0: the argmax rows of E7, ties split.
  EXPECT_EQ(m["cursor_weights"][2], json::parse("[0.5, 0.0, 0.5, 0.0]"));
}

TEST(TemperatureViewEval, MaskedScoresSayWhyTheyAreNotSweptAsAWhole) {
  Scenario s = WithView("e9-dedupe-sort.json", "temperature");
  s.views.Get<TemperatureLabSettings>().whole_matrix = true;
  const json m = Eval(s)["views"]["temperature"]["whole_matrix"];
  EXPECT_FALSE(m.contains("entropy"));
  EXPECT_NE(m["note"].get<std::string>().find("Masked"), std::string::npos);
  EXPECT_EQ(m["cursor_weights"][0][1], 0.0);  // a masked weight is exactly 0
}

TEST(ScalingViewEval, EstimatesAgreeWithTheClosedFormsWithinTheirStandardErrors) {
  Scenario s = WithView("e1-scaling.json", "scaling");
  ScalingLabSettings& lab = s.views.Get<ScalingLabSettings>();
  lab.d = 16;
  lab.mu = 0.5;
  lab.sigma = 1.5;
  lab.max_d = 64;
  const json c = Eval(s)["views"]["scaling"];
  // E[q.k] = ||mu||^2 = 16 * 0.25 = 4; Var = d sigma^4 + 2 sigma^2 ||mu||^2 = 81 + 18 = 99.
  EXPECT_DOUBLE_EQ(c["closed_form"]["mean"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(c["closed_form"]["variance"].get<double>(), 99.0);
  EXPECT_DOUBLE_EQ(c["closed_form"]["scaled_variance"].get<double>(), 99.0 / 16);
  EXPECT_DOUBLE_EQ(c["closed_form"]["scaled_mean"].get<double>(), 1.0);
  for (const char* part : {"raw", "scaled"}) {
    const json& m = c[part];
    const std::string p = part;
    const double mean = c["closed_form"][p == "raw" ? "mean" : "scaled_mean"].get<double>();
    const double var = c["closed_form"][p == "raw" ? "variance" : "scaled_variance"].get<double>();
    EXPECT_EQ(m["n"], 5000);
    EXPECT_NEAR(m["mean"].get<double>(), mean, 4 * m["mean_se"].get<double>()) << part;
    EXPECT_NEAR(m["variance"].get<double>(), var, 4 * m["variance_se"].get<double>()) << part;
  }
  // The curve at d = 1, 2, 4, ..., 64 with its closed forms d sigma^4 + 2 sigma^2 d mu^2.
  const json& v = c["variance_curve"];
  ASSERT_EQ(v["d"], json::parse("[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]"));
  for (size_t i = 0; i < v["d"].size(); ++i) {
    const double d = v["d"][i].get<double>();
    EXPECT_DOUBLE_EQ(v["raw_closed"][i].get<double>(), d * std::pow(1.5, 4) + 2 * 1.5 * 1.5 * d * 0.25);
    EXPECT_DOUBLE_EQ(v["scaled_closed"][i].get<double>(), std::pow(1.5, 4) + 2 * 1.5 * 1.5 * 0.25);
  }
  // Unscaled scores saturate the softmax as d grows; scaled ones do not.
  const json& sat = c["saturation"];
  EXPECT_GT(sat["raw_max_weight"].back().get<double>(), sat["raw_max_weight"].front().get<double>());
  EXPECT_GT(sat["raw_max_weight"].back().get<double>(), sat["scaled_max_weight"].back().get<double>());
}

TEST(SelectionViewEval, AtTheMeansTheWeightsAreTheClosedForm) {
  const json c = Eval(WithView("e6-selection.json", "selection"))["views"]["selection"];
  const double t = c["t"].get<double>();
  const double n = c["n"].get<double>();
  const double closed = t / (2 * t + n - 2);
  EXPECT_DOUBLE_EQ(c["closed_form_pair_weight"].get<double>(), closed);
  EXPECT_NEAR(c["one_head"]["alpha_a_at_mean"].get<double>(), closed, 1e-15);
  EXPECT_NEAR(c["one_head"]["alpha_b_at_mean"].get<double>(), closed, 1e-15);
  const json& w = c["one_head"]["weights_at_mean"][0];
  ASSERT_EQ(w.size(), static_cast<size_t>(n));
  EXPECT_NEAR(w[2].get<double>(), 1 / (2 * t + n - 2), 1e-15);  // every other key
  // Two heads, each selecting one key of the pair: the mean output is their average.
  EXPECT_EQ(c["two_heads"]["weights_at_mean"].size(), 2u);
  // Noisy keys (the preset's c_a): one head drifts widely, two heads hardly.
  const double one = c["one_head"]["drift"]["variance"].get<double>();
  const double two = c["two_heads"]["drift"]["variance"].get<double>();
  EXPECT_LT(two * 4, one);
}

TEST(ReportText, ARank3ArrayPrintsOneTitledMatrixPerLeadingIndex) {
  Report r;
  Matrix a(2, 3), b(2, 3);
  a << 1, 2, 3, 4, 5, 6;
  b << 0.5, 0, 0, 0, 0, 1;
  r.AddTensor("weights", {a, b}, "head, query, key");
  r.AddNumber("loss", 0.25);
  Report& sec = r.AddSection("raw");
  sec.AddNumbers("mean", std::vector<double>{1.5, -2});
  const std::string latex = ReportToText(r, "views.x", ReportTextFormat::kLatex);
  EXPECT_NE(latex.find("% views.x.weights[head 0] 2x3\n"), std::string::npos) << latex;
  EXPECT_NE(latex.find("% views.x.weights[head 1] 2x3\n"), std::string::npos) << latex;
  EXPECT_NE(latex.find("% views.x.loss = 0.25\n"), std::string::npos) << latex;
  const std::string csv = ReportToText(r, "views.x", ReportTextFormat::kCsv);
  EXPECT_NE(csv.find("# views.x.weights[head 1] 2x3\n0.5,0,0\n0,0,1\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("# views.x.raw.mean,1.5,-2\n"), std::string::npos) << csv;
  ASSERT_NE(r.Find("raw.mean"), nullptr);
  EXPECT_EQ(r.Find("raw.nope"), nullptr);
}

}  // namespace
}  // namespace attnlab
