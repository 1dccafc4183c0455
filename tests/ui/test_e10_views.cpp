// E10's two views driven headless: every panel draws (in the window and in
// presentation mode, at 1024x768), dragging a point of the logistic view
// moves it and recomputes the lines as one step of undo, right-click removes
// one, and the RNN's sliders change w as one step of undo.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "attnlab/e10_lab.hpp"
#include "headless_ui.hpp"
#include "ui/view_e10.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;

bool Drew(const ui::AppState& s, const std::string& panel) {
  return std::find(s.ui.panel_names.begin(), s.ui.panel_names.end(), panel) != s.ui.panel_names.end();
}

TEST(E10Views, EveryLogisticPanelDrawsInTheWindowAndInPresentation) {
  ui::AppState s = testing::LoadedPreset("e10-logistic-separable.json");
  {
    HeadlessUi ui(s, ImVec2(1024, 768));
    for (const char* p : {"points", "loss_along", "norm_vs_steps", "loss_vs_steps"}) EXPECT_TRUE(Drew(s, p)) << p;
    EXPECT_TRUE(ui.Has("logistic.canvas"));
    EXPECT_TRUE(ui.Has("logistic.point.5"));
    EXPECT_TRUE(s.ui.caches.Get<ui::LogisticViewCache>().view.separable);
  }
  s.ui.presentation = true;
  HeadlessUi ui(s, ImVec2(1024, 768));
  for (const char* p : {"points", "loss_along", "norm_vs_steps"}) EXPECT_TRUE(ui.Has(std::string("slide.") + p)) << p;
}

TEST(E10Views, EveryRnnPanelDrawsInTheWindowAndInPresentation) {
  ui::AppState s = testing::LoadedPreset("e10-rnn-relu-h0.json");
  {
    HeadlessUi ui(s, ImVec2(1024, 768));
    for (const char* p : {"forward", "factors", "sgd_step"}) EXPECT_TRUE(Drew(s, p)) << p;
    EXPECT_TRUE(ui.Has("rnn.finite_difference"));
    EXPECT_DOUBLE_EQ(s.ui.caches.Get<ui::RnnViewCache>().view.step.dL_dw, 2.5);
    EXPECT_FALSE(s.ui.caches.Get<ui::RnnViewCache>().view.exam_exact);
  }
  s.ui.presentation = true;
  HeadlessUi ui(s, ImVec2(1024, 768));
  for (const char* p : {"factors", "sgd_step"}) EXPECT_TRUE(ui.Has(std::string("slide.") + p)) << p;
}

TEST(E10Views, DraggingAPointMovesItAsOneStepOfUndo) {
  ui::AppState s = testing::LoadedPreset("e10-logistic-separable.json");
  HeadlessUi ui(s, ImVec2(1280, 900));
  ASSERT_TRUE(ui.Has("logistic.point.0"));
  const Point2 before = s.scenario.views.Find<LogisticLabSettings>()->data.points[0];  // (1, 2), label +1
  const ImVec2 from = ui.Center("logistic.point.0");
  const ImVec2 origin = ui.Center("logistic.canvas");
  ImGuiIO& io = ImGui::GetIO();
  ui.MoveTo(from);
  io.MouseDown[0] = true;
  ui.Frame();
  // Several frames of drag: across to the other side of the origin.
  for (int k = 1; k <= 5; ++k)
    ui.MoveTo(ImVec2(from.x + (2 * origin.x - from.x - from.x) * k / 5.0f, from.y + (2 * origin.y - from.y - from.y) * k / 5.0f));
  io.MouseDown[0] = false;
  ui.Frame();
  ui.Frame();
  const Point2 after = s.scenario.views.Find<LogisticLabSettings>()->data.points[0];
  EXPECT_NEAR(after.x, -before.x, 0.1);
  EXPECT_NEAR(after.y, -before.y, 0.1);
  // A +1 point among the -1 points: no longer separable through the origin.
  EXPECT_FALSE(s.ui.caches.Get<ui::LogisticViewCache>().view.separable);
  ASSERT_TRUE(s.CanUndo());
  s.Undo();
  ui.Frame();
  const Point2 undone = s.scenario.views.Find<LogisticLabSettings>()->data.points[0];
  EXPECT_EQ(undone.x, before.x);
  EXPECT_EQ(undone.y, before.y);
  EXPECT_FALSE(s.CanUndo()) << "the drag must be one step";
  EXPECT_TRUE(s.ui.caches.Get<ui::LogisticViewCache>().view.separable);
}

TEST(E10Views, RightClickRemovesAPointAndAddButtonsAddOne) {
  ui::AppState s = testing::LoadedPreset("e10-logistic-separable.json");
  HeadlessUi ui(s, ImVec2(1280, 900));
  ImGuiIO& io = ImGui::GetIO();
  ui.MoveTo(ui.Center("logistic.point.3"));
  io.MouseDown[1] = true;
  ui.Frame();
  io.MouseDown[1] = false;
  ui.Frame();
  ui.Frame();
  EXPECT_EQ(s.scenario.views.Find<LogisticLabSettings>()->data.points.size(), 5u);
  ui.Click("logistic.add_minus");
  const LogisticLabSettings& lab = *s.scenario.views.Find<LogisticLabSettings>();
  ASSERT_EQ(lab.data.points.size(), 6u);
  EXPECT_EQ(lab.data.labels.back(), -1);
  s.Undo();
  s.Undo();
  ui.Frame();
  EXPECT_EQ(s.scenario.views.Find<LogisticLabSettings>()->data.points.size(), 6u);
  EXPECT_EQ(s.scenario.views.Find<LogisticLabSettings>()->data.points[3].x, -1.0);
}

TEST(E10Views, ClickingTheWSliderChangesWAndTheStepAsOneStepOfUndo) {
  ui::AppState s = testing::LoadedPreset("e10-rnn-sgd.json");
  HeadlessUi ui(s, ImVec2(1280, 900));
  ASSERT_TRUE(ui.Has("rnn.w"));
  ui.Click("rnn.w");  // the middle of -3..3
  const RnnInput& in = s.scenario.views.Find<RnnLabSettings>()->in;
  EXPECT_NEAR(in.w, 0.0, 0.1);
  EXPECT_NE(in.w, 0.5);
  EXPECT_EQ(s.ui.caches.Get<ui::RnnViewCache>().view.step.w_after, RnnSgdStep(in).w_after);
  s.Undo();
  ui.Frame();
  EXPECT_EQ(s.scenario.views.Find<RnnLabSettings>()->in.w, 0.5);
  EXPECT_FALSE(s.CanUndo());
}

TEST(E10Views, TypingNanIntoASliderLeavesTheValue) {
  ui::AppState s = testing::LoadedPreset("e10-rnn-sgd.json");
  HeadlessUi ui(s, ImVec2(1280, 900));
  ImGuiIO& io = ImGui::GetIO();
  io.KeyCtrl = true;  // ctrl-click: type a value
  ui.Click("rnn.w");
  io.KeyCtrl = false;
  for (int k = 0; k < 8; ++k) ui.Key(ImGuiKey_Backspace);
  ui.Type("nan");
  ui.Key(ImGuiKey_Enter);
  ui.Frame();
  const double w = s.scenario.views.Find<RnnLabSettings>()->in.w;
  EXPECT_TRUE(std::isfinite(w)) << w;
  EXPECT_TRUE(s.ui.caches.Get<ui::RnnViewCache>().status.ok());
  EXPECT_FALSE(s.CanUndo());
  // A number typed the same way is taken.
  io.KeyCtrl = true;
  ui.Click("rnn.w");
  io.KeyCtrl = false;
  for (int k = 0; k < 8; ++k) ui.Key(ImGuiKey_Backspace);
  ui.Type("1.25");
  ui.Key(ImGuiKey_Enter);
  ui.Frame();
  EXPECT_EQ(s.scenario.views.Find<RnnLabSettings>()->in.w, 1.25);
}

TEST(E10Views, ABadSettingShowsItsMessageAndDrawsNoPanel) {
  ui::AppState s = testing::LoadedPreset("e10-rnn-sgd.json");
  s.scenario.views.Get<RnnLabSettings>().in.learning_rate = 1e300;  // as a hand-made state could hold
  HeadlessUi ui(s, ImVec2(1024, 768));
  EXPECT_EQ(s.ui.caches.Get<ui::RnnViewCache>().view.step.w_after, 0.0);
  EXPECT_FALSE(s.ui.caches.Get<ui::RnnViewCache>().status.ok());
  EXPECT_EQ(s.ui.caches.Get<ui::RnnViewCache>().status.field(), "rnn_lab.learning_rate");
  EXPECT_FALSE(Drew(s, "factors"));
}

}  // namespace
}  // namespace attnlab
