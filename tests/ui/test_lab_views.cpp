// The Temperature, Scaling and Selection views, driven headless: move a
// control, and the data behind the plots changes.
#include <gtest/gtest.h>
#include <imgui_internal.h>  // ImGuiWindow::ScrollMax: does the view scroll?

#include <cmath>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "ui/view_scaling.hpp"
#include "ui/view_selection.hpp"
#include "ui/view_temperature.hpp"
#include "headless_ui.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;

const std::string kPresets = ATTNLAB_PRESETS_DIR;

// How far the view's child window ("view" inside "attnlab", see frame.cpp)
// scrolls vertically; -1 when there is none.
float ViewScrollMaxY() {
  for (ImGuiWindow* w : ImGui::GetCurrentContext()->Windows)
    if (std::string(w->Name).rfind("attnlab/view_", 0) == 0) return w->ScrollMax.y;
  return -1;
}

// A point `fraction` of the way across a recorded widget, at its middle height.
ImVec2 Across(const ui::AppState& s, const std::string& name, float fraction) {
  const ui::ItemRect& r = s.ui.items.at(name);
  return ImVec2(r.min.x + (r.max.x - r.min.x) * fraction, (r.min.y + r.max.y) * 0.5f);
}

TEST(TemperatureView, ThePresetSweepsTheFirstE7Row) {
  ui::AppState s = testing::LoadedPreset("e7-temperature-sweep.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("temperature.plot.weights"));
  ASSERT_TRUE(ui.Has("temperature.plot.entropy"));
  const TemperatureView& c = s.ui.caches.Get<ui::TemperatureViewCache>().view;
  EXPECT_MATRIX_NEAR(c.row.z, testing::M({{4, 3, 2, 1}}), 0.0);
  EXPECT_MATRIX_NEAR(c.sweep.cold_limit, testing::M({{1, 0, 0, 0}}), 0.0);
  // The bars at T = 0.5: w_j = e^(2 (z_j - 4)) / sum.
  const double sum = 1 + std::exp(-2.0) + std::exp(-4.0) + std::exp(-6.0);
  EXPECT_NEAR(c.cursor_weights(0), 1 / sum, 1e-12);
}

TEST(TemperatureView, MovingTheCursorSliderChangesTheBars) {
  ui::AppState s = testing::LoadedPreset("e7-temperature-sweep.json");
  HeadlessUi ui(s);
  const double before = s.ui.caches.Get<ui::TemperatureViewCache>().view.cursor_weights(0);
  ui.Click(Across(s, "temperature.cursor", 0.02f));  // far left: T near 1e-3
  EXPECT_LT(s.scenario.views.Get<TemperatureLabSettings>().cursor, 0.01);
  EXPECT_NEAR(s.ui.caches.Get<ui::TemperatureViewCache>().view.cursor_weights(0), 1.0, 1e-12);
  EXPECT_GT(s.ui.caches.Get<ui::TemperatureViewCache>().view.cursor_weights(0), before);
  for (int i = 0; i < 30; ++i) ui.Frame();  // half a second: not a double-click (that types into the slider)
  ui.Click(Across(s, "temperature.cursor", 0.98f));  // far right: T near 1e3, nearly uniform
  EXPECT_GT(s.scenario.views.Get<TemperatureLabSettings>().cursor, 100);
  EXPECT_NEAR(s.ui.caches.Get<ui::TemperatureViewCache>().view.cursor_weights(0), 0.25, 0.01);
}

TEST(TemperatureView, ClickingOnAPlotMovesTheCursorThere) {
  ui::AppState s = testing::LoadedPreset("e7-temperature-sweep.json");
  HeadlessUi ui(s);
  // The x axis spans 1e-3 .. 1e3 in six decades: the middle is T = 1.
  ui.Click(Across(s, "temperature.plot.entropy", 0.5f));
  EXPECT_NEAR(std::log10(s.scenario.views.Get<TemperatureLabSettings>().cursor), 0.0, 0.02);
}

TEST(TemperatureView, TheExamButtonsSweepTheirVector) {
  ui::AppState s = testing::LoadedPreset("e7-temperature-sweep.json");
  HeadlessUi ui(s);
  ui.Click("temperature.exam2");  // [5, -2, 5, 0]
  const TemperatureView& c = s.ui.caches.Get<ui::TemperatureViewCache>().view;
  EXPECT_MATRIX_NEAR(c.row.z, testing::M({{5, -2, 5, 0}}), 0.0);
  EXPECT_MATRIX_NEAR(c.sweep.cold_limit, testing::M({{0.5, 0, 0.5, 0}}), 0.0);
  ui.Click("temperature.exam3");  // (a, a, a, a): uniform at every T
  for (double h : c.sweep.entropy) EXPECT_NEAR(h, std::log(4.0), 1e-15);
}

TEST(TemperatureView, WholeMatrixModeDrawsTheWeightMapAtTheCursor) {
  ui::AppState s = testing::LoadedPreset("e7-temperature-sweep.json");
  HeadlessUi ui(s);
  ui.Click("temperature.whole_matrix");
  ASSERT_TRUE(s.scenario.views.Get<TemperatureLabSettings>().whole_matrix);
  ui.Frame();
  EXPECT_TRUE(ui.Has("temperature.heatmap"));
  const TemperatureView& c = s.ui.caches.Get<ui::TemperatureViewCache>().view;
  ASSERT_EQ(c.cursor_matrix.rows(), 4);
  EXPECT_NEAR(c.cursor_matrix(3, 0), 0.25, 1e-15);
  ASSERT_TRUE(c.matrix_swept);
  EXPECT_NEAR(c.matrix_sweep.entropy(3, 0), std::log(4.0), 1e-12);
}

TEST(ScalingView, MovingDChangesTheSamplesAndTheirClosedForm) {
  ui::AppState s = testing::LoadedPreset("e1-scaling.json");
  HeadlessUi ui(s);
  const ScalingView& c = s.ui.caches.Get<ui::ScalingViewCache>().view;
  ASSERT_TRUE(s.ui.caches.Get<ui::ScalingViewCache>().valid);
  EXPECT_EQ(c.samples.raw.size(), 5000u);
  EXPECT_DOUBLE_EQ(c.samples.closed_form.variance, 64.0);
  const std::vector<double> before = c.samples.raw;
  ui.Click(Across(s, "scaling.d", 0.02f));  // d near 1 (log slider)
  EXPECT_LT(s.scenario.views.Get<ScalingLabSettings>().d, 4);
  EXPECT_DOUBLE_EQ(c.samples.closed_form.variance, s.scenario.views.Get<ScalingLabSettings>().d);  // mu = 0, sigma = 1
  EXPECT_NE(c.samples.raw, before);
  EXPECT_TRUE(ui.Has("scaling.plot.raw"));
  EXPECT_TRUE(ui.Has("scaling.plot.variance"));
}

TEST(ScalingView, ResampleDrawsNewPairsWithTheNextSeed) {
  ui::AppState s = testing::LoadedPreset("e1-scaling.json");
  HeadlessUi ui(s);
  const std::vector<double> before = s.ui.caches.Get<ui::ScalingViewCache>().view.samples.raw;
  ui.Click("scaling.resample");
  EXPECT_EQ(s.scenario.views.Get<ScalingLabSettings>().seed, 2u);
  EXPECT_NE(s.ui.caches.Get<ui::ScalingViewCache>().view.samples.raw, before);
  EXPECT_EQ(s.ui.caches.Get<ui::ScalingViewCache>().view.samples.raw.size(), before.size());
}

TEST(SelectionView, ThePresetShowsTheClosedFormAndAWideSingleHeadDrift) {
  ui::AppState s = testing::LoadedPreset("e6-selection.json");
  HeadlessUi ui(s);
  const ui::SelectionViewCache& c = s.ui.caches.Get<ui::SelectionViewCache>();
  ASSERT_TRUE(c.valid);
  EXPECT_NEAR(c.run.at_mean.weights(0, 0), 100.0 / 206.0, 1e-15);
  EXPECT_GT(std::sqrt(c.run.drift_moments.variance), 0.5);
}

TEST(SelectionView, TheTwoHeadsSwitchShrinksTheSpread) {
  ui::AppState s = testing::LoadedPreset("e6-selection.json");
  HeadlessUi ui(s);
  const double one_head = s.ui.caches.Get<ui::SelectionViewCache>().run.drift_moments.variance;
  ui.Click("selection.two_heads");
  ASSERT_TRUE(s.scenario.views.Get<SelectionLabSettings>().two_heads);
  ui.Frame();
  EXPECT_LT(s.ui.caches.Get<ui::SelectionViewCache>().run.drift_moments.variance * 4, one_head);
  EXPECT_TRUE(ui.Has("selection.s"));
}

TEST(LabViews, EveryPlotIsAPanelWithAnExportMenu) {
  {
    ui::AppState s = testing::LoadedPreset("e1-scaling.json");
    HeadlessUi ui(s);
    const std::vector<std::string> plots = {"histogram_raw", "histogram_scaled", "variance_vs_d", "saturation"};
    EXPECT_EQ(s.ui.panel_names, plots);
    for (const std::string& name : plots) {
      EXPECT_TRUE(ui.Has("panel." + name + ".group")) << name;
      EXPECT_TRUE(ui.Has("panel." + name + ".menu")) << name;
    }
    ui.Click("panel.saturation.menu");
    ASSERT_TRUE(ui.Has("menu.export"));
    ui.Click("menu.export");
    EXPECT_EQ(s.ui.export_request.panel, "saturation");
    EXPECT_TRUE(ui.Has("dialog.export.ok"));  // the window's export dialog asks the rest
  }
  {
    ui::AppState s = testing::LoadedPreset("e6-selection.json");
    HeadlessUi ui(s);
    ui.MoveTo(Across(s, "selection.plot.drift", 0.5f));
    EXPECT_EQ(s.ui.hovered_panel, "output_drift");
    ui.Chord('E');  // Ctrl+E exports the plot under the mouse
    EXPECT_EQ(s.ui.export_request.panel, "output_drift");
  }
}

TEST(LabViews, PresentationModeStillDrawsEveryLab) {
  for (const char* file : {"e7-temperature-sweep.json", "e1-scaling.json", "e6-selection.json"}) {
    ui::AppState s = testing::LoadedPreset(file);
    s.ui.presentation = true;
    HeadlessUi ui(s);
    SCOPED_TRACE(file);
    bool any_plot = false;
    for (const auto& [name, rect] : s.ui.items) {
      if (name.find(".plot.") == std::string::npos) continue;
      any_plot = true;
      EXPECT_GT(rect.max.x - rect.min.x, 100.0f) << name;
      EXPECT_GT(rect.max.y - rect.min.y, 20.0f) << name;
    }
    EXPECT_TRUE(any_plot);
    if (std::string(file) != "e7-temperature-sweep.json") continue;
    // The Temperature view's main plots lie inside the 1280x720 display (no scrolling).
    for (const char* name : {"temperature.plot.weights", "temperature.plot.bars", "panel.weights_vs_T.group",
                             "panel.weights_at_T.group"}) {
      ASSERT_TRUE(ui.Has(name)) << name;
      const ui::ItemRect& r = s.ui.items.at(name);
      EXPECT_GE(r.min.y, 0.0f) << name;
      EXPECT_LE(r.max.x, 1280.0f) << name;
      EXPECT_LE(r.max.y, 720.0f) << name;
    }
  }
}

// At 1280x720 with the 30 px font, the Temperature view's two large figures
// (weights against T, the bars at the cursor) sit side by side with no scrolling.
TEST(LabViews, PresentationModeFitsTheTemperatureViewOnAProjector) {
  ui::AppState s = testing::LoadedPreset("e7-temperature-sweep.json");
  s.ui.presentation = true;
  HeadlessUi ui(s);
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  EXPECT_TRUE(ui.Has("temperature.cursor"));
  EXPECT_TRUE(ui.Has("temperature.row"));
  EXPECT_FALSE(ui.Has("temperature.typed")) << "presentation keeps the controls to one line";
  for (const char* name : {"temperature.plot.weights", "temperature.plot.bars", "panel.weights_vs_T.group",
                           "panel.weights_at_T.group"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(ui.Has(name));
    const ui::ItemRect& r = s.ui.items.at(name);
    EXPECT_GE(r.min.x, 0.0f);
    EXPECT_GE(r.min.y, 0.0f);
    EXPECT_LE(r.max.x, display.x);
    EXPECT_LE(r.max.y, display.y);
  }
  EXPECT_EQ(ViewScrollMaxY(), 0.0f) << "no scrolling";
  const ui::ItemRect& weights = s.ui.items.at("temperature.plot.weights");
  const ui::ItemRect& bars = s.ui.items.at("temperature.plot.bars");
  EXPECT_LT(weights.max.x, bars.min.x) << "side by side";
  EXPECT_GT(weights.max.y - weights.min.y, display.y * 0.4f) << "tall enough to read from the back";
  EXPECT_GT(bars.max.y - bars.min.y, display.y * 0.4f);
  // The whole-matrix mode fits too.
  s.scenario.views.Get<TemperatureLabSettings>().whole_matrix = true;
  ui.Frame();
  ui.Frame();
  for (const char* name : {"temperature.heatmap", "temperature.plot.row_entropy"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(ui.Has(name));
    const ui::ItemRect& r = s.ui.items.at(name);
    EXPECT_LE(r.max.x, display.x);
    EXPECT_LE(r.max.y, display.y);
  }
  EXPECT_EQ(ViewScrollMaxY(), 0.0f) << "no scrolling";
}

}  // namespace
}  // namespace attnlab

namespace attnlab {
namespace {

TEST(LabViews, ALabsControlsAreOneStepOfUndoEach) {
  ui::AppState s = testing::LoadedPreset("e7-temperature-sweep.json");
  testing::HeadlessUi ui(s);
  EXPECT_FALSE(s.edited);  // opening a lab is not an edit
  ui.Click("temperature.whole_matrix");
  ASSERT_TRUE(s.scenario.views.Get<TemperatureLabSettings>().whole_matrix);
  EXPECT_TRUE(s.edited);
  ui.Chord('Z');
  EXPECT_FALSE(s.scenario.views.Get<TemperatureLabSettings>().whole_matrix);
  ui.Chord('Z', /*shift=*/true);
  EXPECT_TRUE(s.scenario.views.Get<TemperatureLabSettings>().whole_matrix);
}

}  // namespace
}  // namespace attnlab
