// The Attention view, driven headless: real widgets, real clicks, real core.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "app_state.hpp"
#include "headless_ui.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;

const std::string kPresets = ATTNLAB_PRESETS_DIR;

ui::AppState LoadedState(const std::string& file) {
  ui::AppState s;
  const Status st = s.LoadScenario(kPresets + "/" + file);
  EXPECT_TRUE(st.ok()) << st.ToString();
  s.presets = {{kPresets + "/e2-argmax-attention.json", "e2-argmax-attention.json", "E2. Argmax attention", "E2", "attention", ""},
               {kPresets + "/e9-dedupe-sort.json", "e9-dedupe-sort.json", "E9. Dedupe and sort", "E9", "attention", ""}};
  return s;
}

TEST(AttentionView, DrawsTheE9WeightMapAsASquareGridOfSevenBySeven) {
  ui::AppState s = LoadedState("e9-dedupe-sort.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("panel.P"));
  const ui::ItemRect r = s.ui.items["panel.P"];
  const float w = r.max.x - r.min.x, h = r.max.y - r.min.y;
  EXPECT_GT(w, 7 * 20.0f);  // readable cells, not a thumbnail
  EXPECT_FLOAT_EQ(w, h);
  EXPECT_NEAR(s.derived.loss, 4.2114, 5e-5);
}

TEST(AttentionView, LeavingArgmaxRecomputesTheWeightsAtTheRememberedTemperature) {
  ui::AppState s = LoadedState("e9-dedupe-sort.json");
  HeadlessUi ui(s);
  EXPECT_DOUBLE_EQ(s.derived.Weights()(6, 0), 1.0 / 7);
  EXPECT_DOUBLE_EQ(s.derived.Weights()(1, 0), 0.0);
  ui.Click("control.argmax");
  EXPECT_EQ(s.scenario.attention.temperature, 1.0);
  // Row 1 ("A" after "D") at T = 1: scores [0, 9] -> weights 1/(1+e^9), e^9/(1+e^9).
  EXPECT_NEAR(s.derived.Weights()(1, 0), 1.0 / (1.0 + std::exp(9.0)), 1e-12);
  ui.Click("control.argmax");
  EXPECT_EQ(s.scenario.attention.temperature, 0.0);
  EXPECT_DOUBLE_EQ(s.derived.Weights()(1, 0), 0.0);
}

TEST(AttentionView, TheNextTokenButtonSwitchesTheLossToTheNextTokenConvention) {
  ui::AppState s = LoadedState("e9-dedupe-sort.json");
  HeadlessUi ui(s);
  ui.Click("control.loss.next_token");
  EXPECT_EQ(s.scenario.loss.convention, LossConvention::kNextToken);
  EXPECT_NEAR(s.derived.loss, 8.7973, 5e-5);
  ui.Click("control.loss.same_position");
  EXPECT_NEAR(s.derived.loss, 4.2114, 5e-5);
}

TEST(AttentionView, ClickingAPresetInTheSidebarOpensIt) {
  ui::AppState s = LoadedState("e9-dedupe-sort.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("preset.e2-argmax-attention.json"));
  ui.Click("preset.e2-argmax-attention.json");
  EXPECT_EQ(s.scenario.title, "E2. Argmax attention");
  ASSERT_EQ(s.derived.Z.rows(), 1);
  EXPECT_MATRIX_NEAR(s.derived.Z, testing::M({{1, 4, 3}}), 0.0);
}

TEST(AttentionView, AShapeThatCannotWorkIsShownAsAMessageAndTheLastResultIsKept) {
  ui::AppState s = LoadedState("e9-dedupe-sort.json");
  HeadlessUi ui(s);
  s.scenario.heads[0].W_Q = Matrix::Ones(3, 2);  // E is 6x4: W_Q needs 4 rows
  s.MarkDirty();
  ui.Frame();
  ui.Frame();
  EXPECT_FALSE(s.status.ok());
  EXPECT_EQ(s.status.field(), "W_Q");
  EXPECT_NE(s.status.message().find("expected 4 rows"), std::string::npos) << s.status.ToString();
  EXPECT_TRUE(ui.Has("status.error"));
  EXPECT_TRUE(s.has_result);
  EXPECT_NEAR(s.derived.loss, 4.2114, 5e-5);  // the last good result, not garbage
}

TEST(AttentionView, PresentationModeHidesTheSidebarAndEnlargesTheMap) {
  ui::AppState s = LoadedState("e9-dedupe-sort.json");
  HeadlessUi ui(s);
  const float small = s.ui.items["panel.P"].max.x - s.ui.items["panel.P"].min.x;
  ui.Click("button.presentation");
  EXPECT_TRUE(s.ui.presentation);
  ui.Frame();
  EXPECT_FALSE(ui.Has("preset.e9-dedupe-sort.json"));
  ASSERT_TRUE(ui.Has("panel.P"));
  EXPECT_GE(s.ui.items["panel.P"].max.x - s.ui.items["panel.P"].min.x, small);
}

TEST(AttentionView, HoveringEveryCellOfTheMapIsSafeIncludingMaskedOnes) {
  ui::AppState s = LoadedState("e9-dedupe-sort.json");
  HeadlessUi ui(s);
  const ui::ItemRect r = s.ui.items["panel.P"];
  const float cell = (r.max.x - r.min.x) / 7;
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 7; ++j) ui.MoveTo(ImVec2(r.min.x + cell * (j + 0.5f), r.min.y + cell * (i + 0.5f)));
  SUCCEED();
}

TEST(AttentionView, MultiHeadScenariosDrawEachHeadsWeights) {
  ui::AppState s = LoadedState("e9-two-heads.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_TRUE(ui.Has("panel.heads[0].P"));
  EXPECT_TRUE(ui.Has("panel.heads[1].P"));
  EXPECT_NEAR(s.derived.loss, 10.2114, 5e-5);
}

}  // namespace
}  // namespace attnlab
