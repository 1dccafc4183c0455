// The Gradients view (issue 16), driven headless: every panel draws; the
// argmax note and "read the maths" say why dL/dscores is zero; Step, Play,
// Pause and Reset drive the trainer (argmax's W_Q and W_K never move); the
// trained weights save as a scenario that loads and evaluates; presentation
// keeps the numbers at the text size at 1024x768.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <unistd.h>

#include "app_state.hpp"
#include "attnlab/gradients_view.hpp"
#include "attnlab/scenario_io.hpp"
#include "headless_ui.hpp"
#include "ui/view_gradients.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;

ui::GradientsViewCache& Cache(ui::AppState& s) { return s.ui.caches.Get<ui::GradientsViewCache>(); }

const Trainer::Run& RunOf(ui::AppState& s, Estimator e) {
  const Trainer::Run* run = Cache(s).trainer.Find(e);
  EXPECT_NE(run, nullptr);
  return *run;
}

// Every panel of the view draws for `preset` (a fresh window each).
void ExpectEveryPanel(const char* preset) {
  {
    ui::AppState s = testing::LoadedPreset(preset);
    HeadlessUi ui(s, ImVec2(1600, 1200));
    const std::set<std::string> names(s.ui.panel_names.begin(), s.ui.panel_names.end());
    for (const char* panel : {"P", "grad_P", "grad_scores", "grad_logits", "grad_R",
                              "grad_Z", "grad_sizes", "norms_vs_T", "train_loss", "moved_W_Q", "moved_W_K",
                              "compare.softmax.grad_scores", "compare.argmax.grad_scores",
                              "compare.straight_through.grad_scores", "compare.gumbel_softmax.P", "gumbel_noise"})
      EXPECT_TRUE(names.count(panel)) << preset << ": " << panel;
    if (std::string(preset) == "e2-gradients.json") {
      for (const char* panel : {"grad_Q", "grad_K", "grad_V"})
        EXPECT_TRUE(names.count(panel)) << preset << ": " << panel;
    } else {
      for (const char* panel : {"grad_W_Q", "grad_W_K", "grad_W_V", "grad_W_O", "grad_E",
                                "grad_E_input", "grad_E_unembed", "train.W_Q", "train.P"})
        EXPECT_TRUE(names.count(panel)) << preset << ": " << panel;
    }
  }
}

TEST(GradientsView, EveryPanelDrawsUnderArgmaxSoftmaxAndStraightThrough) {
  for (const char* preset : {"e9-gradients-argmax.json", "e9-gradients-softmax.json", "e9-gradients-ste.json"})
    ExpectEveryPanel(preset);
}

TEST(GradientsView, EveryPanelDrawsForGumbelTrainingAndE2) {
  for (const char* preset : {"e9-gradients-gumbel.json", "e9-gradients-training.json", "e2-gradients.json"})
    ExpectEveryPanel(preset);
}

TEST(GradientsView, ArgmaxSaysWhyTheScoresGradientIsZero) {
  ui::AppState s = testing::LoadedPreset("e9-gradients-argmax.json");
  HeadlessUi ui(s, ImVec2(1600, 1200));
  ASSERT_TRUE(ui.Has("gradients.grad_scores"));
  ui.MoveTo(ui.Cell("gradients.grad_scores", 3, 1, 7));
  EXPECT_NE(s.ui.hover_explanation.find("piecewise constant"), std::string::npos) << s.ui.hover_explanation;
  EXPECT_NE(s.ui.hover_explanation.find("W_Q and W_K only"), std::string::npos) << s.ui.hover_explanation;
  // Under softmax the same cell reads the formula with its numbers.
  s.Edit().views.Get<GradientsLabSettings>().estimator = Estimator::kSoftmax;
  ui.Frame();
  ui.MoveTo(ui.Cell("gradients.grad_scores", 3, 1, 7));
  EXPECT_NE(s.ui.hover_explanation.find("(1/T) p_ij"), std::string::npos) << s.ui.hover_explanation;
}

// The estimator's note has a fixed height: switching argmax <-> softmax moves
// no panel below it (normal and presentation mode).
TEST(GradientsView, SwitchingTheEstimatorMovesNoPanel) {
  for (bool presentation : {false, true}) {
    ui::AppState s = testing::LoadedPreset("e9-gradients-argmax.json");
    s.ui.presentation = presentation;
    HeadlessUi ui(s, presentation ? ImVec2(1024, 768) : ImVec2(1600, 1200));
    ui.Frame();
    // grad_scores: in the first row of panels, and the first slide of the preset's choice.
    const std::string first = "gradients.grad_scores";
    ASSERT_TRUE(ui.Has(first)) << presentation;
    const float y_argmax = s.ui.items.at(first).min.y;
    s.Edit().views.Get<GradientsLabSettings>().estimator = Estimator::kSoftmax;
    ui.Frame();
    ui.Frame();
    ASSERT_TRUE(ui.Has(first)) << first << (presentation ? " (presentation)" : "");
    EXPECT_EQ(s.ui.items.at(first).min.y, y_argmax) << first << (presentation ? " (presentation)" : "");
    s.Edit().views.Get<GradientsLabSettings>().estimator = Estimator::kStraightThrough;
    ui.Frame();
    ui.Frame();
    EXPECT_EQ(s.ui.items.at(first).min.y, y_argmax) << first << (presentation ? " (presentation)" : "");
  }
}

TEST(GradientsView, StepMovesSoftmaxButNeverArgmaxsQueryAndKeyWeights) {
  ui::AppState s = testing::LoadedPreset("e9-gradients-softmax.json");
  HeadlessUi ui(s, ImVec2(1600, 8000));
  ASSERT_TRUE(Cache(s).trainer_ready) << Cache(s).train_status.ToString();
  ASSERT_TRUE(ui.Has("gradients.step"));
  ui.Click("gradients.step");
  ASSERT_EQ(Cache(s).trainer.steps(), 1);
  ui.Click("gradients.step");
  ASSERT_EQ(Cache(s).trainer.steps(), 2);
  const Trainer::Run& argmax = RunOf(s, Estimator::kArgmax);
  ASSERT_EQ(argmax.history.size(), 2u);
  EXPECT_EQ(argmax.history.back().moved_W_Q, 0.0);
  EXPECT_EQ(argmax.history.back().moved_W_K, 0.0);
  EXPECT_GT(argmax.history.back().moved_W_V, 0.0);
  const Trainer::Run& softmax = RunOf(s, Estimator::kSoftmax);
  EXPECT_GT(softmax.history.back().moved_W_Q, 0.0);
  // Reset: back to step 0, the weights at their start.
  ui.Click("gradients.reset");
  EXPECT_EQ(Cache(s).trainer.steps(), 0);
  EXPECT_TRUE(RunOf(s, Estimator::kSoftmax).history.empty());
}

// A step that fails leaves the runs half-stepped (those before the failing one
// moved): Play and Step are off until Reset, and the status line says so.
TEST(GradientsView, AFailedStepDisablesPlayAndStepUntilReset) {
  ui::AppState s = testing::LoadedPreset("e9-gradients-softmax.json");
  HeadlessUi ui(s, ImVec2(1600, 8000));
  ASSERT_TRUE(Cache(s).trainer_ready) << Cache(s).train_status.ToString();
  s.Edit().views.Get<GradientsLabSettings>().learning_rate = 1e300;  // set in code: past the file's bound
  ui.Frame();
  ASSERT_TRUE(Cache(s).trainer_ready) << Cache(s).train_status.ToString();
  for (int i = 0; i < 8 && Cache(s).train_status.ok(); ++i) ui::TrainSteps(&Cache(s), 1, 1e9);
  ASSERT_FALSE(Cache(s).train_status.ok());
  ASSERT_NE(Cache(s).train_status.message().find("training stopped"), std::string::npos)
      << Cache(s).train_status.ToString();
  EXPECT_FALSE(Cache(s).trainer_ready);
  EXPECT_NE(Cache(s).train_status.message().find("Reset"), std::string::npos);
  const int steps = Cache(s).trainer.steps();
  ui.Frame();
  ui.Click("gradients.step");
  ui.Click("gradients.play");
  EXPECT_FALSE(Cache(s).playing);
  EXPECT_EQ(Cache(s).trainer.steps(), steps);
  EXPECT_EQ(ui::TrainSteps(&Cache(s), 1, 1e9), 0);
  // Reset, with a rate that trains: a fresh run that steps.
  s.Edit().views.Get<GradientsLabSettings>().learning_rate = 0.05;
  ui.Frame();
  ui.Click("gradients.reset");
  EXPECT_TRUE(Cache(s).trainer_ready) << Cache(s).train_status.ToString();
  EXPECT_EQ(Cache(s).trainer.steps(), 0);
  ui.Click("gradients.step");
  EXPECT_EQ(Cache(s).trainer.steps(), 1);
}

TEST(GradientsView, PlayRunsABoundedNumberOfStepsPerFrameAndPauseStops) {
  ui::AppState s = testing::LoadedPreset("e9-gradients-training.json");
  HeadlessUi ui(s, ImVec2(1600, 8000));
  ASSERT_TRUE(Cache(s).trainer_ready) << Cache(s).train_status.ToString();
  ui.Click("gradients.play");  // three frames and one more
  EXPECT_TRUE(Cache(s).playing);
  const int after_click = Cache(s).trainer.steps();
  EXPECT_GT(after_click, 0);
  EXPECT_LE(after_click, 4 * ui::kMaxTrainStepsPerFrame);
  ui.Frame();
  EXPECT_GT(Cache(s).trainer.steps(), after_click);
  EXPECT_LE(Cache(s).last_steps, ui::kMaxTrainStepsPerFrame);
  ui.Click("gradients.play");  // now "Pause"
  EXPECT_FALSE(Cache(s).playing);
  const int paused = Cache(s).trainer.steps();
  ui.Frame();
  ui.Frame();
  EXPECT_EQ(Cache(s).trainer.steps(), paused);
}

TEST(GradientsView, AHugeLearningRateStopsTheRunWithAMessage) {
  ui::AppState s = testing::LoadedPreset("e9-gradients-softmax.json");
  s.scenario.views.Get<GradientsLabSettings>().learning_rate = 1e6;
  HeadlessUi ui(s, ImVec2(1600, 1200));
  ui::GradientsViewCache& c = Cache(s);
  ASSERT_TRUE(c.trainer_ready);
  c.playing = true;
  for (int i = 0; i < 6 && c.playing; ++i) ui.Frame();
  EXPECT_FALSE(c.playing);
  EXPECT_FALSE(c.train_status.ok());
  EXPECT_EQ(c.train_status.field().rfind("gradients_lab.train.learning_rate", 0), 0u) << c.train_status.ToString();
}

TEST(GradientsView, SaveWritesTheTrainedWeightsAsAScenarioThatLoadsAndEvaluates) {
  ui::AppState s = testing::LoadedPreset("e9-gradients-softmax.json");
  HeadlessUi ui(s, ImVec2(1600, 8000));
  ui::GradientsViewCache& c = Cache(s);
  ASSERT_TRUE(c.trainer_ready);
  ui.Click("gradients.step");
  char dir[] = "/tmp/attnlab-gradsave-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  c.save_path = std::string(dir) + "/trained.json";
  c.shown_run = ui::GradEstimatorIndex(Estimator::kSoftmax);
  ASSERT_TRUE(ui.Has("gradients.save"));
  ui.Click("gradients.save");
  EXPECT_FALSE(c.save_failed) << c.save_message;
  EXPECT_FALSE(c.save_message.empty()) << s.ui.items["gradients.save"].min.x << "," << s.ui.items["gradients.save"].min.y
                                       << " " << s.ui.items["gradients.step"].min.y;
  Scenario loaded;
  const Status loaded_st = LoadScenarioFile(c.save_path, &loaded);
  ASSERT_TRUE(loaded_st.ok()) << loaded_st.ToString() << " (" << c.save_message << ")";
  EXPECT_EQ(loaded.view, "attention");
  Result r;
  ASSERT_TRUE(Evaluate(loaded, &r).ok());
  EXPECT_TRUE(loaded.heads[0].W_Q.isApprox(RunOf(s, Estimator::kSoftmax).model.heads[0].W_Q));
  EXPECT_FALSE(loaded.heads[0].W_Q.isApprox(s.scenario.heads[0].W_Q)) << "the weights trained";
  std::remove(c.save_path.c_str());
  rmdir(dir);
  // "Open in the Attention view": one step of undo.
  ui.Click("gradients.open_attention");
  EXPECT_EQ(s.scenario.view, "attention");
  s.Undo();
  EXPECT_EQ(s.scenario.view, "gradients");
}

TEST(GradientsView, PresentationKeepsCellNumbersAtTheTextSizeAt1024x768) {
  ui::AppState s = testing::LoadedPreset("e9-gradients-argmax.json");
  s.ui.presentation = true;
  HeadlessUi ui(s, ImVec2(1024, 768));
  ui.Frame();
  const float ui_px = s.ui.fonts.presentation->FontSize;
  ASSERT_TRUE(ui.Has("slide.grad_scores"));
  ASSERT_TRUE(s.ui.cell_text_px.count("grad_scores"));
  const float px = s.ui.cell_text_px.at("grad_scores");
  EXPECT_TRUE(px == 0.0f || px >= ui_px) << px << " < " << ui_px;
  EXPECT_GT(px, 0.0f) << "the main figure has room for its numbers at 1024x768";
}

// Every gradients preset's presentation choice draws all its panels at
// 1024x768: nothing is left out with "No room for ...".
TEST(GradientsView, EveryPresetsPresentationChoiceDrawsAllItsPanelsAt1024x768) {
  for (const char* preset : {"e9-gradients-argmax.json", "e9-gradients-softmax.json", "e9-gradients-ste.json",
                             "e9-gradients-gumbel.json", "e9-gradients-training.json", "e2-gradients.json"}) {
    ui::AppState s = testing::LoadedPreset(preset);
    s.ui.presentation = true;
    HeadlessUi ui(s, ImVec2(1024, 768));
    ui.Frame();
    ASSERT_TRUE(s.scenario.presentation.count("gradients")) << preset;
    std::string hidden;
    for (const std::string& k : s.ui.slides_hidden) hidden += k + " ";
    EXPECT_TRUE(s.ui.slides_hidden.empty()) << preset << ": no room for " << hidden;
    for (const std::string& key : s.scenario.presentation.at("gradients"))
      EXPECT_TRUE(ui.Has("slide." + key)) << preset << ": " << key;
    for (const std::string& key : s.scenario.presentation.at("gradients"))
      if (s.ui.cell_text_px.count(key))
        EXPECT_GT(s.ui.cell_text_px.at(key), 0.0f) << preset << ": " << key << " shows its numbers";
  }
}

// "No room for ..." wraps within the window rather than running off it.
TEST(GradientsView, NoRoomMessageWrapsAt1024x768) {
  ui::AppState s = testing::LoadedPreset("e9-gradients-ste.json");
  s.ui.presentation = true;
  s.scenario.presentation["gradients"] = {"compare.softmax.grad_scores", "compare.argmax.grad_scores",
                                          "compare.straight_through.grad_scores", "compare.gumbel_softmax.grad_scores",
                                          "compare.softmax.P", "compare.argmax.P", "compare.straight_through.P",
                                          "compare.gumbel_softmax.P", "gumbel_noise", "grad_W_Q", "grad_W_K"};
  HeadlessUi ui(s, ImVec2(1024, 768));
  ui.Frame();
  ASSERT_FALSE(s.ui.slides_hidden.empty());
  ASSERT_TRUE(ui.Has("text.slides_hidden"));
  const ui::ItemRect r = s.ui.items.at("text.slides_hidden");
  EXPECT_LE(r.max.x, 1024.0f);
  EXPECT_LE(r.max.y, 768.0f);
  EXPECT_GT(r.max.y - r.min.y, ImGui::GetTextLineHeight() * 1.5f) << "a long list takes more than one line";
}

// Seeds are 64-bit in files: the training seed's field shows and takes a seed
// past 999999 (it used to show the seed modulo 10^6 and take an int).
TEST(GradientsView, SeedFieldsTakeSixtyFourBitSeeds) {
  ui::AppState s = testing::LoadedPreset("e9-gradients-training.json");
  HeadlessUi ui(s, ImVec2(1600, 8000));
  ASSERT_TRUE(ui.Has("gradients.train_seed"));
  ui.Click("gradients.train_seed");
  ui.Type("12345678901234");
  ui.Key(ImGuiKey_Enter);
  ui.Frame();
  EXPECT_EQ(s.scenario.views.Get<GradientsLabSettings>().train_seed, 12345678901234ull);
}

// An empty training plot says what fills it; the hint goes with the first step.
TEST(GradientsView, EmptyTrainingPlotsSayPressPlayOrStep) {
  ui::AppState s = testing::LoadedPreset("e9-gradients-training.json");
  HeadlessUi ui(s, ImVec2(1600, 8000));
  ASSERT_TRUE(Cache(s).trainer_ready);
  EXPECT_TRUE(ui.Has("gradients.hint.train_loss"));
  EXPECT_TRUE(ui.Has("gradients.hint.moved_W_Q"));
  ui.Click("gradients.step");
  ui.Frame();
  EXPECT_FALSE(ui.Has("gradients.hint.train_loss"));
  EXPECT_FALSE(ui.Has("gradients.hint.moved_W_Q"));
}

// dL/dP's "read the maths" takes head h's columns of dL/dZ after the widths of
// the heads before it: with d_v = 1 then 2, head 1's terms sum to its dL/dP.
TEST(GradientsView, ExplainPReadsItsHeadsColumnsWithUnequalWidths) {
  ui::AppState s = testing::LoadedPreset("e9-two-heads.json");
  {
    Scenario& e = s.Edit();
    e.view = "gradients";
    e.attention.temperature = 1.0;
    e.heads[0].W_V = Matrix(4, 1);
    e.heads[0].W_V << 1, 0, 2, 1;
    e.W_O = Matrix(3, 4);
    e.W_O << 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1;
    e.views.Get<GradientsLabSettings>().estimator = Estimator::kSoftmax;
  }
  s.ui.number_style = NumberStyle::kDecimal;
  HeadlessUi ui(s, ImVec2(1600, 2400));
  ui.Frame();
  ASSERT_TRUE(Cache(s).status.ok()) << Cache(s).status.ToString();
  ASSERT_TRUE(ui.Has("gradients.heads[1].grad_P"));
  ui.MoveTo(ui.Cell("gradients.heads[1].grad_P", 6, 2, 7));
  const std::string text = s.ui.hover_explanation;
  ASSERT_NE(text.find("dL/dP_ij"), std::string::npos) << text;
  // "= a·b + c·d\n= total": the products' sum is the total.
  const size_t first = text.find("\n= ") + 3, second = text.find("\n= ", first);
  ASSERT_NE(second, std::string::npos) << text;
  std::string terms = text.substr(first, second - first);
  double sum = 0;
  int n = 0;
  for (size_t at = 0; at < terms.size();) {
    size_t dot = terms.find("\u00B7", at);
    if (dot == std::string::npos) break;
    const double a = std::stod(terms.substr(at, dot - at));
    size_t end = terms.find(" + ", dot);
    const double b = std::stod(terms.substr(dot + 2, (end == std::string::npos ? terms.size() : end) - dot - 2));
    sum += a * b;
    ++n;
    at = end == std::string::npos ? terms.size() : end + 3;
  }
  EXPECT_EQ(n, 2) << text;
  EXPECT_NEAR(sum, Cache(s).grads[0].heads[1].d_P(6, 2), 2e-3) << text;
}

}  // namespace
}  // namespace attnlab
