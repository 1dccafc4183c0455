// The Multi-head view (E3) driven headless: E3(b)'s widening is flagged the
// moment it happens, with the shapes named, and the one-click fix restores the
// residual's width; the kind menu turns MHA into MQA; each is one step of undo.
#include <gtest/gtest.h>

#include <string>

#include "app_state.hpp"
#include "attnlab/multihead.hpp"
#include "headless_ui.hpp"
#include "ui/views.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;

TEST(MultiHeadView, WideningWVIsFlaggedAndFixedInOneClick) {
  ui::AppState s = testing::LoadedPreset("e3-multihead-shapes.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(s.status.ok());
  EXPECT_TRUE(ui.Has("panel.shapes.group"));
  EXPECT_TRUE(ui.Has("panel.avg_P.group"));
  EXPECT_TRUE(ui.Has("panel.kv_shapes.group"));
  EXPECT_FALSE(ui.Has("multihead.fix"));
  ui.Click("multihead.widen");
  // W_V is now d_model x 2 d_model, and W_O's input width is wrong at once.
  EXPECT_EQ(CurrentLayout(s.scenario, 4).d_v, 4);
  ASSERT_FALSE(s.status.ok());
  EXPECT_EQ(s.status.field(), "W_O");
  EXPECT_NE(s.status.message().find("W_O is 4x4 but Z, the 2 heads' outputs side by side, is 4x8"), std::string::npos)
      << s.status.ToString();
  ui.Frame();
  ASSERT_TRUE(ui.Has("multihead.fix"));
  ui.Click("multihead.fix");
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.scenario.W_O.rows(), 8);
  EXPECT_EQ(s.derived.R.cols(), 4);  // the residual's width again
  // Two edits, two steps of undo.
  s.Undo();
  EXPECT_EQ(s.scenario.W_O.rows(), 4);
  s.Undo();
  EXPECT_EQ(CurrentLayout(s.scenario, 4).d_v, 2);
}

TEST(MultiHeadView, TheHeadCountFieldResplitsAndKeepsTheNumbers) {
  ui::AppState s = testing::LoadedPreset("e3-multihead-shapes.json");
  HeadlessUi ui(s);
  MultiHeadWeights before;
  ASSERT_TRUE(PackHeads(s.scenario, 4, &before).ok());
  // The "+" of the heads field: h = 2 -> 3 does not divide d_model = 4, so
  // d_k stays 2 and W_Q gains a head; h = 4 would re-split.
  s.scenario.view = "multihead";
  ASSERT_TRUE(ui.Has("multihead.heads"));
  const ui::ItemRect field = s.ui.items.at("multihead.heads");
  // (the "+" button is the last frame-height square of the 6.5-em field, before its label)
  const float plus = field.min.x + ImGui::GetFontSize() * 6.5f - ImGui::GetFrameHeight() * 0.5f;
  ui.Click(ImVec2(plus, (field.min.y + field.max.y) * 0.5f));
  ASSERT_EQ(s.scenario.heads.size(), 3u);
  EXPECT_EQ(CurrentLayout(s.scenario, 4).d_k, 2);
  MultiHeadWeights after;
  ASSERT_TRUE(PackHeads(s.scenario, 4, &after).ok());
  EXPECT_TRUE(after.W_Q.leftCols(4) == before.W_Q);  // the old heads keep their numbers
  // Three heads of d_v = 2 are 6 wide: W_O (4 rows) no longer fits, and says so.
  EXPECT_EQ(s.status.field(), "W_O");
}

// A layout change that leaves W_O unfit keeps the old result (2 heads) while
// the scenario has 1: the Attention view draws that frame without reading a
// head the scenario no longer has.
TEST(MultiHeadView, AStaleResultWithFewerHeadsDrawsInEveryView) {
  ui::AppState s = testing::LoadedPreset("e3-multihead-wide-wv.json");
  HeadlessUi ui(s);
  ASSERT_EQ(s.derived.heads.size(), 2u);
  std::string what;
  Scenario one = s.scenario;
  ASSERT_TRUE(SetHeadLayout(&one, HeadLayout{1, 1, 2, 4}, &what).ok()) << what;
  s.Edit() = one;
  ui.Frame();
  ASSERT_FALSE(s.status.ok());  // W_O: 8 rows for 4 columns of Z
  EXPECT_EQ(s.derived.heads.size(), 2u);
  ASSERT_EQ(s.scenario.heads.size(), 1u);
  for (const char* view : {"attention", "multihead", "temperature"}) {
    s.scenario.view = view;
    ui.Frame();
    ui.Frame();
  }
  SUCCEED();
}

// An n_kv_heads that does not divide h is shown as such, and choosing a kind
// replaces it.
TEST(MultiHeadView, AnInvalidKvHeadCountCanBeReplaced) {
  ui::AppState s = testing::LoadedPreset("e3-gqa.json");
  s.Edit().n_kv_heads = 3;
  HeadlessUi ui(s);
  ASSERT_EQ(s.status.field(), "n_kv_heads");
  ui.Click("multihead.kind");
  ASSERT_TRUE(ui.Has("multihead.kind.2"));  // the menu lists 4, 2 and 1
  ui.Click("multihead.kind.2");
  EXPECT_EQ(s.scenario.n_kv_heads, 2);
  EXPECT_TRUE(s.status.ok()) << s.status.ToString();
}

}  // namespace
}  // namespace attnlab
