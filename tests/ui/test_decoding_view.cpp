// The Decoding view (E4) driven headless: the forward and back buttons step
// through the sequence and the cache grows one row a step; each step is one
// step of undo; "measure" asks before it runs anything.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "app_state.hpp"
#include "attnlab/decoding.hpp"
#include "attnlab/format.hpp"
#include "attnlab/scenario.hpp"
#include "headless_ui.hpp"
#include "ui/view_decoding.hpp"
#include "ui/views.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;

float Height(const ui::AppState& s, const std::string& item) {
  const ui::ItemRect r = s.ui.items.at(item);
  return r.max.y - r.min.y;
}

TEST(DecodingView, StepButtonsMoveThroughTheSequenceAndTheCacheGrowsARowAStep) {
  ui::AppState s = testing::LoadedPreset("e4-decoding-mha-vs-mqa.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  ASSERT_TRUE(ui.Has("decoding.forward"));
  ASSERT_TRUE(ui.Has("decoding.check"));
  EXPECT_EQ(s.scenario.views.Get<DecodingLabSettings>().step, 2);
  ASSERT_TRUE(ui.Has("decoding.cache_K"));
  const float three_rows = Height(s, "decoding.cache_K");
  ui.Click("decoding.forward");
  ui.Frame();
  EXPECT_EQ(s.scenario.views.Get<DecodingLabSettings>().step, 3);
  const float four_rows = Height(s, "decoding.cache_K");
  EXPECT_NEAR(four_rows / three_rows, 4.0 / 3.0, 0.02);
  ui.Click("decoding.forward");  // the last step: the button is disabled
  EXPECT_EQ(s.scenario.views.Get<DecodingLabSettings>().step, 3);
  ui.Click("decoding.back");
  ui.Click("decoding.back");
  EXPECT_EQ(s.scenario.views.Get<DecodingLabSettings>().step, 1);
  s.Undo();
  EXPECT_EQ(s.scenario.views.Get<DecodingLabSettings>().step, 2);
  // The check the screen shows is eval's number.
  const ui::DecodingViewCache& c = s.ui.caches.Get<ui::DecodingViewCache>();
  ASSERT_TRUE(c.view.decoded);
  EXPECT_LT(c.view.max_abs_diff, 1e-12);
}

TEST(DecodingView, TheLayoutPickerTurnsGqaIntoMqaAndMhaWithThePreviousCache) {
  ui::AppState s = testing::LoadedPreset("e4-decoding-gqa.json");  // h = 4, g = 2, a previous cache of 2 positions
  HeadlessUi ui(s);
  const DecodingLabSettings before = s.scenario.views.Get<DecodingLabSettings>();
  ui.Click("decoding.layout");
  ui.Frame();
  ASSERT_TRUE(ui.Has("decoding.layout.g1"));
  ui.Click("decoding.layout.g1");
  ui.Frame();
  EXPECT_EQ(KvHeadCount(s.scenario), 1);
  const DecodingLabSettings& mqa = s.scenario.views.Get<DecodingLabSettings>();
  ASSERT_EQ(mqa.cache_K[1].size(), 1u);
  // the merged K/V head's cache is the mean of the two it replaces
  EXPECT_TRUE(mqa.cache_K[1][0].isApprox((before.cache_K[1][0] + before.cache_K[1][1]) / 2, 1e-15));
  EXPECT_TRUE(mqa.cache_V[0][0].isApprox((before.cache_V[0][0] + before.cache_V[0][1]) / 2, 1e-15));
  const ui::DecodingViewCache& c = s.ui.caches.Get<ui::DecodingViewCache>();
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.view.model.layout.n_kv_heads, 1);
  EXPECT_LT(c.view.max_abs_diff, 1e-12);
  // back to MHA: g = 4 copies
  ui.Click("decoding.layout");
  ui.Frame();
  ui.Click("decoding.layout.g4");
  ui.Frame();
  EXPECT_EQ(KvHeadCount(s.scenario), 4);
  EXPECT_EQ(s.scenario.views.Get<DecodingLabSettings>().cache_K[0].size(), 4u);
  EXPECT_TRUE(s.ui.caches.Get<ui::DecodingViewCache>().status.ok());
  s.Undo();
  s.Undo();
  EXPECT_EQ(KvHeadCount(s.scenario), 2);
  EXPECT_TRUE(s.scenario.views.Get<DecodingLabSettings>() == before);
}

// Picking a layout replaces s.scenario (s.Edit() = next): the frame that picks
// must not go on reading the old settings (the cost fields below the picker
// read them). The ASan build of this test reports the use after free; here
// every setting the frame could have written must be the new scenario's.
TEST(DecodingView, PickingALayoutReadsNothingOfTheReplacedScenarioThatFrame) {
  ui::AppState s = testing::LoadedPreset("e4-decoding-gqa.json");
  HeadlessUi ui(s);
  for (int g : {1, 4, 2, 1}) {
    const DecodingLabSettings before = s.scenario.views.Get<DecodingLabSettings>();
    ui.Click("decoding.layout");
    ui.Frame();
    ASSERT_TRUE(ui.Has("decoding.layout.g" + std::to_string(g)));
    ui.Click("decoding.layout.g" + std::to_string(g));
    EXPECT_EQ(KvHeadCount(s.scenario), g);
    const DecodingLabSettings& after = s.scenario.views.Get<DecodingLabSettings>();
    EXPECT_EQ(after.cost_b, before.cost_b);
    EXPECT_EQ(after.cost_n, before.cost_n);
    EXPECT_EQ(after.cost_d, before.cost_d);
    EXPECT_EQ(after.cost_h, before.cost_h);
    EXPECT_EQ(after.cost_g, before.cost_g);
    EXPECT_EQ(after.step, before.step);
    ui.Frame();
    ASSERT_TRUE(s.ui.caches.Get<ui::DecodingViewCache>().status.ok());
  }
}

// A scenario that does not evaluate is not decoded: s.derived is the last
// good one's, and the decode read the new, invalid scenario beside it.
TEST(DecodingView, AScenarioThatDoesNotEvaluateIsNotDecoded) {
  ui::AppState s = testing::LoadedPreset("e4-decoding-gqa.json");  // the batch is decoding_lab.inputs; X is not decoded
  HeadlessUi ui(s);
  ASSERT_TRUE(s.ui.caches.Get<ui::DecodingViewCache>().view.decoded);
  s.Edit().X = Matrix::Zero(3, 5);  // W_Q is 8 rows: Evaluate fails, the decode alone would not notice
  ui.Frame();
  ASSERT_FALSE(s.status.ok());
  ASSERT_TRUE(s.has_result);
  const ui::DecodingViewCache& c = s.ui.caches.Get<ui::DecodingViewCache>();
  EXPECT_EQ(c.status.ToString(), s.status.ToString());
  EXPECT_FALSE(c.status.ok() && c.view.decoded);
  EXPECT_FALSE(ui.Has("decoding.weights"));
}

TEST(DecodingView, HoveringAWeightShowsItsScoreAndSoftmaxWithNumbers) {
  ui::AppState s = testing::LoadedPreset("e4-decoding-mha-vs-mqa.json");  // step 2: 3 cached positions
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("decoding.weights"));
  const ui::ItemRect grid = s.ui.items.at("decoding.weights");
  const float cell = (grid.max.x - grid.min.x) / 3;  // 3 positions
  ui.MoveTo(ImVec2(grid.min.x + cell * 2.5f, grid.min.y + 2));  // head 0, the new token
  ui.Frame();
  const std::string& text = s.ui.hover_explanation;
  EXPECT_NE(text.find("s[2] = scale \u00B7 q_h0 \u00B7 k_2"), std::string::npos) << text;
  EXPECT_NE(text.find("weight = exp((s[2]"), std::string::npos) << text;
  const ui::DecodingViewCache& c = s.ui.caches.Get<ui::DecodingViewCache>();
  const double w = c.view.run.weights[0](2, 2);  // sequence 0, head 0, step 2, position 2
  EXPECT_NE(text.find("= " + FormatNumber(w, NumberStyle::kAuto, 4) + "\n"), std::string::npos) << text;
  ASSERT_TRUE(ui.Has("decoding.y"));
  const ui::ItemRect y = s.ui.items.at("decoding.y");
  ui.MoveTo(ImVec2(y.min.x + 2, y.min.y + 2));
  ui.Frame();
  EXPECT_NE(s.ui.hover_explanation.find("y[0] = o \u00B7 W_O[:, 0]"), std::string::npos) << s.ui.hover_explanation;
}

TEST(DecodingView, MeasureAsksBeforeItRuns) {
  ui::AppState s = testing::LoadedPreset("e4-decoding-gqa.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("decoding.measure"));
  ui.Click("decoding.measure");
  ui.Frame();
  EXPECT_TRUE(ui.Has("decoding.measure_run"));  // the confirmation, with its cost
  EXPECT_EQ(s.ui.caches.Get<ui::DecodingViewCache>().measure, nullptr);
}

TEST(DecodingView, MeasureRunsOffTheUiThreadAndPlotsBesideTheModel) {
  ui::AppState s = testing::LoadedPreset("e4-decoding-gqa.json");
  DecodingLabSettings& lab = s.scenario.views.Get<DecodingLabSettings>();
  lab.cost_b = 1;
  lab.cost_n = 64;
  lab.cost_d = 64;
  lab.cost_h = 4;
  lab.cost_g = 2;
  HeadlessUi ui(s);
  ui.Click("decoding.measure");
  ui.Frame();
  ASSERT_TRUE(ui.Has("decoding.measure_run"));
  ui.Click("decoding.measure_run");
  ui::DecodingViewCache& c = s.ui.caches.Get<ui::DecodingViewCache>();
  ASSERT_NE(c.measure, nullptr);
  for (int i = 0; i < 600; ++i) {  // frames keep coming while it runs (at most 60 s)
    {
      std::lock_guard<std::mutex> lock(c.measure->mu);
      if (!c.measure->running) break;
    }
    ui.Frame();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ui.Frame();
  std::lock_guard<std::mutex> lock(c.measure->mu);
  EXPECT_TRUE(c.measure->done) << c.measure->error;
  EXPECT_GT(c.measure->bandwidth, 1e8);
  EXPECT_GT(c.measure->peak, 1e8);
  for (int layout = 0; layout < 3; ++layout)
    for (int p = 0; p < ui::DecodingMeasure::kPoints; ++p) EXPECT_GT(c.measure->seconds[layout][p], 0);
  EXPECT_EQ(c.measure->n[3], 64);
  EXPECT_TRUE(ui.Has("panel.timing.group"));
}

// Timings are of the cost sizes: changing one drops them (and cancels a
// running job); "cancel" stops a job; neither waits for the job on the UI thread.
TEST(DecodingView, MeasureIsCancelledAndItsTimingsDroppedWhenTheCostSizesChange) {
  ui::AppState s = testing::LoadedPreset("e4-decoding-gqa.json");
  DecodingLabSettings& lab = s.scenario.views.Get<DecodingLabSettings>();
  lab.cost_b = 1;
  lab.cost_n = 64;
  lab.cost_d = 64;
  lab.cost_h = 4;
  lab.cost_g = 2;
  HeadlessUi ui(s);
  ui::DecodingViewCache& c = s.ui.caches.Get<ui::DecodingViewCache>();
  // a running job: cancelled by its button, without waiting for it
  ui.Click("decoding.measure");
  ui.Frame();
  ui.Click("decoding.measure_run");
  ASSERT_NE(c.measure, nullptr);
  std::shared_ptr<ui::DecodingMeasure> first = c.measure;
  ui.Frame();
  ASSERT_TRUE(ui.Has("decoding.measure_cancel"));  // the bandwidth alone reads 3 x 320 MiB
  const auto t0 = std::chrono::steady_clock::now();
  ui.Click("decoding.measure_cancel");
  // The click draws a frame; under the sanitizers, beside the measuring thread
  // and another test, that took 0.1002 s once. Waiting for the job would take
  // seconds (3 x 320 MiB read before the first check of the flag).
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.5);
  EXPECT_EQ(c.measure, nullptr);
  EXPECT_TRUE(first->cancel);
  for (int i = 0; i < 200 && first->running; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(first->running);
  ui.Frame();
  EXPECT_TRUE(c.retired.empty());  // joined once it stopped
  {
    std::lock_guard<std::mutex> lock(first->mu);
    EXPECT_FALSE(first->done);
  }
  // a finished job: its timings go when a cost size changes
  ui.Click("decoding.measure");
  ui.Frame();
  ui.Click("decoding.measure_run");
  ASSERT_NE(c.measure, nullptr);
  for (int i = 0; i < 600 && c.measure->running; ++i) {
    ui.Frame();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ui.Frame();
  ASSERT_NE(c.measure, nullptr);
  ui.Click("decoding.cost_n");
  ui.Type("128");
  ui.Key(ImGuiKey_Enter);
  ui.Frame();
  EXPECT_EQ(s.scenario.views.Get<DecodingLabSettings>().cost_n, 128);
  EXPECT_EQ(c.measure, nullptr);  // the n = 64 timings are not shown against n = 128
}

// E4 asks for FLOPs, bytes and intensity as n, b and h vary: all nine plots.
TEST(DecodingView, FlopsBytesAndIntensityArePlottedAgainstNBAndH) {
  ui::AppState s = testing::LoadedPreset("e4-decoding-gqa.json");
  HeadlessUi ui(s);
  for (const char* q : {"cost", "flops", "intensity"})
    for (const char* x : {"n", "b", "h"})
      EXPECT_TRUE(ui.Has(std::string("decoding.plot.") + q + "_vs_" + x)) << q << " against " << x;
  // against h, GQA's g is gcd(cost_g, h): the label says which g
  EXPECT_EQ(ui::GqaPlotLabel(4, true), "GQA, g = gcd(4, h)");
  EXPECT_EQ(ui::GqaPlotLabel(4, false), "GQA, g = 4");
}

TEST(DecodingView, ACostSizePastTheLimitIsNotTaken) {
  ui::AppState s = testing::LoadedPreset("e4-decoding-gqa.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("decoding.cost_n"));
  ui.Click("decoding.cost_n");
  ui.Type("1024");  // the click selected the field's text
  ui.Key(ImGuiKey_Enter);
  EXPECT_EQ(s.scenario.views.Get<DecodingLabSettings>().cost_n, 1024);
  ui.Click("decoding.cost_n");
  ui.Type("99999");  // an MHA cache of 8.4 GB: past the 512 MiB a measurement may take
  ui.Key(ImGuiKey_Enter);
  EXPECT_EQ(s.scenario.views.Get<DecodingLabSettings>().cost_n, 1024);
}

}  // namespace
}  // namespace attnlab
