// Checks the PNG that `attnlab --frames N --screenshot` wrote under Xvfb
// (ctest runs the window first, as a fixture): the picture has the window's
// size, is not blank, and the E9 weight map sits where the app reported it,
// with the colour map's colours in the cells of known weight.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "widgets/colormap.hpp"

namespace {

struct Image {
  int w = 0, h = 0;
  unsigned char* px = nullptr;
  ~Image() { stbi_image_free(px); }
  const unsigned char* At(int x, int y) const { return px + (static_cast<size_t>(y) * w + x) * 3; }
};

std::string g_png, g_report;

TEST(Screenshot, HasTheWindowSizeIsNotBlankAndShowsTheE9Map) {
  Image img;
  int channels = 0;
  img.px = stbi_load(g_png.c_str(), &img.w, &img.h, &channels, 3);
  ASSERT_NE(img.px, nullptr) << "cannot decode " << g_png;
  std::ifstream in(g_report);
  ASSERT_TRUE(in) << "cannot read " << g_report;
  const nlohmann::json report = nlohmann::json::parse(in);
  EXPECT_EQ(img.w, report["width"].get<int>());
  EXPECT_EQ(img.h, report["height"].get<int>());
  EXPECT_EQ(img.w, 1280);
  EXPECT_EQ(img.h, 720);

  // The map: a 7x7 grid of square cells inside the picture.
  const auto& r = report["items"]["panel.P"];
  const double x0 = r[0], y0 = r[1], x1 = r[2], y1 = r[3];
  ASSERT_GT(x1 - x0, 7 * 20.0);
  EXPECT_NEAR(x1 - x0, y1 - y0, 0.5);
  ASSERT_LE(x1, img.w);
  ASSERT_LE(y1, img.h);
  const double cell = (x1 - x0) / 7;

  // Not blank: the map region holds many distinct colours.
  long distinct_steps = 0;
  for (int y = static_cast<int>(y0); y + 1 < static_cast<int>(y1); y += 3)
    for (int x = static_cast<int>(x0); x + 1 < static_cast<int>(x1); x += 3)
      if (std::memcmp(img.At(x, y), img.At(x + 1, y), 3) != 0) ++distinct_steps;
  EXPECT_GT(distinct_steps, 200);

  // Cell colours, sampled near a corner (away from the printed value and the
  // argmax outline): P[0][0] = 1 is the map's top colour, P[1][0] = 0 its bottom.
  auto expect_colour = [&](int row, int col, attnlab::ui::Rgb want) {
    const int x = static_cast<int>(x0 + cell * col + cell * 0.22);
    const int y = static_cast<int>(y0 + cell * row + cell * 0.22);
    const unsigned char* p = img.At(x, y);
    EXPECT_NEAR(p[0], want.r * 255, 3) << "cell " << row << "," << col;
    EXPECT_NEAR(p[1], want.g * 255, 3) << "cell " << row << "," << col;
    EXPECT_NEAR(p[2], want.b * 255, 3) << "cell " << row << "," << col;
  };
  expect_colour(0, 0, attnlab::ui::SampleColormap(attnlab::ui::Colormap::kViridis, 1.0));
  expect_colour(1, 0, attnlab::ui::SampleColormap(attnlab::ui::Colormap::kViridis, 0.0));
  expect_colour(2, 1, attnlab::ui::SampleColormap(attnlab::ui::Colormap::kViridis, 0.5));
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: screenshot_check SCREENSHOT.png REPORT.json\n");
    return 2;
  }
  g_png = argv[1];
  g_report = argv[2];
  return RUN_ALL_TESTS();
}
