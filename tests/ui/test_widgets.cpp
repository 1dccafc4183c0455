// Pure parts of the widgets: hit-testing and colour maps.
#include <gtest/gtest.h>

#include <cmath>

#include "widgets/colormap.hpp"
#include "widgets/heatmap.hpp"

namespace attnlab::ui {
namespace {

TEST(CellAt, MapsPointsToRowAndColumnAndRejectsOutside) {
  int r = -1, c = -1;
  EXPECT_TRUE(CellAt(ImVec2(100, 50), 10, 3, 4, ImVec2(100, 50), &r, &c));
  EXPECT_EQ(r, 0);
  EXPECT_EQ(c, 0);
  EXPECT_TRUE(CellAt(ImVec2(100, 50), 10, 3, 4, ImVec2(139.9f, 79.9f), &r, &c));
  EXPECT_EQ(r, 2);
  EXPECT_EQ(c, 3);
  EXPECT_FALSE(CellAt(ImVec2(100, 50), 10, 3, 4, ImVec2(140.0f, 60), &r, &c));  // right of the grid
  EXPECT_FALSE(CellAt(ImVec2(100, 50), 10, 3, 4, ImVec2(99.0f, 60), &r, &c));
  EXPECT_FALSE(CellAt(ImVec2(100, 50), 10, 3, 4, ImVec2(120, 80.0f), &r, &c));   // below
}

TEST(Colormap, ViridisEndsAtItsPublishedColours) {
  const Rgb lo = SampleColormap(Colormap::kViridis, 0.0), hi = SampleColormap(Colormap::kViridis, 1.0);
  EXPECT_NEAR(lo.r * 255, 0x44, 0.01);
  EXPECT_NEAR(lo.g * 255, 0x01, 0.01);
  EXPECT_NEAR(lo.b * 255, 0x54, 0.01);
  EXPECT_NEAR(hi.r * 255, 0xfd, 0.01);
  EXPECT_NEAR(hi.g * 255, 0xe7, 0.01);
  EXPECT_NEAR(hi.b * 255, 0x25, 0.01);
}

TEST(Colormap, SequentialMapsGetBrighterMonotonically) {
  for (Colormap map : {Colormap::kViridis, Colormap::kCividis}) {
    float previous = -1;
    for (int k = 0; k <= 100; ++k) {
      const float l = Luminance(SampleColormap(map, k / 100.0));
      EXPECT_GT(l, previous) << ColormapName(map) << " at " << k;
      previous = l;
    }
  }
}

TEST(Colormap, DivergingMapIsLightestAtZero) {
  const float mid = Luminance(SampleColormap(Colormap::kBlueOrange, 0.5));
  EXPECT_GT(mid, Luminance(SampleColormap(Colormap::kBlueOrange, 0.0)));
  EXPECT_GT(mid, Luminance(SampleColormap(Colormap::kBlueOrange, 1.0)));
}

TEST(Colormap, NormalizeClampsAndAnEmptyRangeIsTheMiddle) {
  EXPECT_DOUBLE_EQ(Normalize(0.25, 0, 1), 0.25);
  EXPECT_DOUBLE_EQ(Normalize(-3, 0, 1), 0.0);
  EXPECT_DOUBLE_EQ(Normalize(7, 0, 1), 1.0);
  EXPECT_DOUBLE_EQ(Normalize(2, 2, 2), 0.5);
  const Rgb nan = SampleColormap(Colormap::kViridis, std::nan(""));
  EXPECT_FLOAT_EQ(nan.r, 0.5f);
}

TEST(Colormap, PackRgbaMatchesImGuisLayout) {
  EXPECT_EQ(PackRgba(Rgb{1, 0, 0}), IM_COL32(255, 0, 0, 255));
  EXPECT_EQ(PackRgba(Rgb{0, 0, 1}, 0.0f), IM_COL32(0, 0, 255, 0));
}

}  // namespace
}  // namespace attnlab::ui
