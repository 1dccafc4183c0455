// The Convolution view (E8), driven headless: the one-click fix of the exam's
// Linear(120, 10), stepping the kernel over the grid, removing a layer, each
// one step of undo; presentation keeps the grid's numbers at the text size.
#include <gtest/gtest.h>

#include <string>

#include "app_state.hpp"
#include "attnlab/conv_shape.hpp"
#include "headless_ui.hpp"
#include "ui/view_conv.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;

const std::string kPresets = ATTNLAB_PRESETS_DIR;

TEST(ConvView, TheFixButtonMakesTheExamsNetworkFitAsOneStepOfUndo) {
  ui::AppState s = testing::LoadedPreset("e8-svhn-bug.json");
  HeadlessUi ui(s, ImVec2(1600, 1000));
  const ConvView& v = s.ui.caches.Get<ui::ConvViewCache>().view;
  ASSERT_EQ(v.chain.errors.size(), 1u);
  EXPECT_EQ(v.warnings.size(), 2u);
  ASSERT_TRUE(ui.Has("conv.chain.fix.7"));
  ui.Click("conv.chain.fix.7");
  const ConvLabSettings& lab = *s.scenario.views.Find<ConvLabSettings>();
  EXPECT_EQ(lab.layers[7].in_channels, 144);
  EXPECT_TRUE(s.ui.caches.Get<ui::ConvViewCache>().view.chain.ok());
  EXPECT_EQ(s.ui.caches.Get<ui::ConvViewCache>().view.chain.total_params, 208 + 2064 + 1450);
  ASSERT_TRUE(s.CanUndo());
  s.Undo();
  EXPECT_EQ(s.scenario.views.Find<ConvLabSettings>()->layers[7].in_channels, 120);
}

TEST(ConvView, RemovingALayerReflowsEveryShape) {
  ui::AppState s = testing::LoadedPreset("e8-svhn.json");
  HeadlessUi ui(s, ImVec2(1600, 1000));
  ASSERT_TRUE(ui.Has("conv.chain.remove.1"));
  ui.Click("conv.chain.remove.1");  // the first average pooling
  const ConvView& v = s.ui.caches.Get<ui::ConvViewCache>().view;
  ASSERT_EQ(v.chain.layers.size(), 7u);
  // Conv-2 now sees 28x28: floor((28 + 2 - 4) / 1) + 1 = 27; pooled 13; 16·13·13 = 2704 features.
  EXPECT_EQ(v.chain.layers[2].out_shape, (std::vector<long long>{16, 27, 27}));
  ASSERT_EQ(v.chain.errors.size(), 1u);
  EXPECT_EQ(v.chain.errors[0].actual, 16 * 13 * 13);
}

TEST(ConvView, TheArrowStepsTheKernelToTheNextOutputCell) {
  ui::AppState s = testing::LoadedPreset("e8-dilated.json");
  HeadlessUi ui(s, ImVec2(1600, 1000));
  ASSERT_TRUE(ui.Has("conv.grid.next"));
  ui.Click("conv.grid.next");
  EXPECT_EQ(s.scenario.views.Find<ConvLabSettings>()->step, 1);
  ui.Click("conv.grid.next");
  EXPECT_EQ(s.scenario.views.Find<ConvLabSettings>()->step, 2);
  s.Undo();
  EXPECT_EQ(s.scenario.views.Find<ConvLabSettings>()->step, 1);
}

TEST(ConvView, SwitchingToOneLayerKeepsTheFirstConvolution) {
  ui::AppState s = testing::LoadedPreset("e8-svhn.json");
  HeadlessUi ui(s, ImVec2(1600, 1000));
  ui.Click("conv.mode.layer");
  const ConvLabSettings& lab = *s.scenario.views.Find<ConvLabSettings>();
  EXPECT_FALSE(lab.chain);
  ASSERT_EQ(lab.layers.size(), 1u);
  EXPECT_EQ(lab.layers[0].kernel[0], 5);
  EXPECT_TRUE(s.ui.caches.Get<ui::ConvViewCache>().view.grid_shown);
}

TEST(ConvView, TypingIntoTheGridsInputChangesTheOutputCellsThatReadIt) {
  ui::AppState s = testing::LoadedPreset("e8-dilated.json");
  HeadlessUi ui(s, ImVec2(1600, 1200));
  ui.Click("conv.grid.edit");
  ASSERT_TRUE(ui.Has("conv.grid_input"));
  const Matrix before = s.ui.caches.Get<ui::ConvViewCache>().view.grid.output;
  ui.Click(ui.Cell("conv.grid_input", 2, 2, 7));
  ASSERT_TRUE(s.ui.editors["grid_input"].Editing());
  ui.Type("10");
  ui.Key(ImGuiKey_Enter);
  ui.Frame();
  const ConvLabSettings& lab = *s.scenario.views.Find<ConvLabSettings>();
  ASSERT_EQ(lab.grid_input.rows(), 7);
  EXPECT_EQ(lab.grid_input(2, 2), 10.0);
  // x(2, 2) was (2 + 4) mod 5 = 1; with dilation 2 and padding 1 it is read by the
  // outputs (i, j) with i + 2a - 1 = 2, j + 2b - 1 = 2, kernel weight (b - 1): 9 more times it.
  const Matrix& after = s.ui.caches.Get<ui::ConvViewCache>().view.grid.output;
  const Matrix& k = s.ui.caches.Get<ui::ConvViewCache>().view.grid_kernel;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) {
      double want = before(i, j);
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
          if (i + 2 * a - 1 == 2 && j + 2 * b - 1 == 2) want += 9.0 * k(a, b);
      EXPECT_DOUBLE_EQ(after(i, j), want) << i << "," << j;
    }
}

TEST(ConvView, ALayerOfTheNetworkOpensInTheGridOnItsOwnInput) {
  ui::AppState s = testing::LoadedPreset("e8-svhn.json");
  HeadlessUi ui(s, ImVec2(1600, 1000));
  ASSERT_TRUE(ui.Has("conv.chain.grid.3"));
  ui.Click("conv.chain.grid.3");  // Conv-2 on 7x7x8
  const ConvLabSettings& lab = *s.scenario.views.Find<ConvLabSettings>();
  EXPECT_FALSE(lab.chain);
  EXPECT_EQ(lab.input, (std::vector<long long>{8, 7, 7}));
  const ConvView& v = s.ui.caches.Get<ui::ConvViewCache>().view;
  ASSERT_TRUE(v.grid_shown);
  // The 7x7 input itself, padded by 1: floor((7 + 2 - 4) / 1) + 1 = 6.
  EXPECT_EQ(v.grid.output.rows(), 6);
  EXPECT_EQ(v.grid.output.cols(), 6);
  s.Undo();
  EXPECT_TRUE(s.scenario.views.Find<ConvLabSettings>()->chain);
}

}  // namespace
}  // namespace attnlab
