// The app's table of views (ui/views.hpp): one screen per core view, each
// drawing its panels headless, presentation choosing among them, the sidebar
// switching views as one step of undo.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "attnlab/temperature.hpp"
#include "headless_ui.hpp"
#include "ui/export.hpp"
#include "ui/views.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;

const std::string kPresets = ATTNLAB_PRESETS_DIR;

TEST(ViewTable, OneScreenPerCoreViewInTheSameOrder) {
  const std::vector<const ViewModel*>& models = ViewModels();
  const std::vector<ui::ViewScreen>& screens = ui::ViewScreens();
  ASSERT_EQ(screens.size(), models.size());
  for (size_t i = 0; i < screens.size(); ++i) {
    EXPECT_STREQ(screens[i].key, models[i]->key);
    EXPECT_EQ(screens[i].model, models[i]);
    EXPECT_NE(screens[i].draw, nullptr);
    EXPECT_EQ(ui::FindViewScreen(screens[i].key), &screens[i]);
  }
}

// Every view draws on the same scenario (E9's), names its panels, and its
// presentation layout shows only panels it has.
TEST(ViewTable, EveryViewDrawsItsPanelsAndPresentsSomeOfThem) {
  for (const ui::ViewScreen& screen : ui::ViewScreens()) {
    ui::AppState s = testing::LoadedPreset("e9-dedupe-sort.json");
    s.scenario.view = screen.key;
    {
      HeadlessUi ui(s);
      ui.Frame();
    }
    const std::vector<std::string> panels = ui::PanelNames(s);
    EXPECT_FALSE(panels.empty()) << screen.key;
    EXPECT_FALSE(screen.presentation_panels.empty()) << screen.key;
    for (const std::string& p : screen.presentation_panels)
      EXPECT_TRUE(std::find(panels.begin(), panels.end(), p) != panels.end()) << screen.key << " has no panel " << p;
    s.ui.presentation = true;
    HeadlessUi ui(s, ImVec2(1024, 768));
    ui.Frame();
    EXPECT_TRUE(s.status.ok()) << screen.key;
  }
}

TEST(ViewTable, TheSidebarSwitchesViewsAsOneStepOfUndo) {
  ui::AppState s = testing::LoadedPreset("e9-dedupe-sort.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("view.temperature"));
  ui.Click("view.temperature");
  EXPECT_EQ(s.scenario.view, "temperature");
  ui.Frame();
  EXPECT_TRUE(ui.Has("temperature.plot.weights"));  // the Temperature screen is drawn
  // Opening a view with its default settings is not an edit of its own.
  ASSERT_NE(s.scenario.views.Find<TemperatureLabSettings>(), nullptr);
  s.Undo();
  EXPECT_EQ(s.scenario.view, "attention");
  EXPECT_FALSE(s.CanUndo());
}

TEST(ViewTable, ChangingAViewsSettingIsOneStepOfUndo) {
  ui::AppState s = testing::LoadedPreset("e7-temperature-sweep.json");
  HeadlessUi ui(s);
  ASSERT_FALSE(s.CanUndo());
  ui.Click("temperature.whole_matrix");
  ASSERT_TRUE(s.scenario.views.Get<TemperatureLabSettings>().whole_matrix);
  ui.Frame();
  ASSERT_TRUE(s.CanUndo());
  s.Undo();
  EXPECT_FALSE(s.scenario.views.Get<TemperatureLabSettings>().whole_matrix);
}

}  // namespace
}  // namespace attnlab
