// The icon: the hand-drawn SVG reads in full, draws sharp at 48 px and the
// same at every size, and anything the reader would draw wrongly is refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "icon.hpp"

namespace {

using attnlab::ui::IconDrawing;
using attnlab::ui::LoadIconSvg;
using attnlab::ui::ParseIconSvg;
using attnlab::ui::RasterizeIcon;

const std::string kIcon = std::string(ATTNLAB_PRESETS_DIR) + "/../icon/attnlab.svg";

struct Rgba {
  int r, g, b, a;
  bool operator==(const Rgba& o) const { return r == o.r && g == o.g && b == o.b && a == o.a; }
  bool operator!=(const Rgba& o) const { return !(*this == o); }
};
std::ostream& operator<<(std::ostream& os, const Rgba& c) {
  return os << "rgba(" << c.r << ", " << c.g << ", " << c.b << ", " << c.a << ")";
}

Rgba At(const std::vector<unsigned char>& px, int size, double x, double y) {
  const size_t i = (static_cast<size_t>(y) * size + static_cast<size_t>(x)) * 4;
  return {px[i], px[i + 1], px[i + 2], px[i + 3]};
}

constexpr Rgba kYellow{0xfd, 0xe7, 0x25, 255};  // viridis' top colour: each row's argmax
constexpr Rgba kMasked{0x2c, 0x2f, 0x40, 255};
constexpr Rgba kBackground{0x1b, 0x1d, 0x29, 255};

TEST(Icon, TheShippedSvgIsASquareWithABackgroundAndFiveByFiveCells) {
  IconDrawing d;
  std::string error;
  ASSERT_TRUE(LoadIconSvg(kIcon, &d, &error)) << error;
  EXPECT_EQ(d.size, 48);
  EXPECT_EQ(d.rects.size(), 1u + 25u);
}

// On its own 48-pixel grid every cell is its colour edge to edge, the gaps
// are the background, and the rounded corners are transparent: nothing is
// smeared at the size a desktop menu shows.
TEST(Icon, At48PixelsEveryCellIsSharpAndTheDiagonalIsTheArgmaxColour) {
  IconDrawing d;
  std::string error;
  ASSERT_TRUE(LoadIconSvg(kIcon, &d, &error)) << error;
  const std::vector<unsigned char> px = RasterizeIcon(d, 48);
  ASSERT_EQ(px.size(), 48u * 48u * 4u);
  for (int row = 0; row < 5; ++row) {
    for (int col = 0; col < 5; ++col) {
      const int x = 5 + 8 * col, y = 5 + 8 * row;
      const Rgba first = At(px, 48, x, y);
      for (int dy = 0; dy < 6; ++dy)
        for (int dx = 0; dx < 6; ++dx) ASSERT_EQ(At(px, 48, x + dx, y + dy), first) << "cell " << row << "," << col;
      if (row == col) {
        EXPECT_EQ(first, kYellow) << "diagonal cell " << row;
      } else if (col > row) {
        EXPECT_EQ(first, kMasked) << "masked cell " << row << "," << col;
      } else {
        EXPECT_NE(first, kYellow) << "cell " << row << "," << col;
      }
      EXPECT_EQ(At(px, 48, x + 6, y + 3), kBackground) << "the gap right of cell " << row << "," << col;
    }
  }
  EXPECT_EQ(At(px, 48, 0, 0).a, 0) << "rounded corner";
  EXPECT_EQ(At(px, 48, 47, 47).a, 0) << "rounded corner";
  EXPECT_EQ(At(px, 48, 24, 1), kBackground);
  const int edge = At(px, 48, 1, 3).a;  // on the corner's arc
  EXPECT_GT(edge, 0);
  EXPECT_LT(edge, 255) << "the arc is antialiased";
}

TEST(Icon, LargerSizesDrawTheSamePicture) {
  IconDrawing d;
  std::string error;
  ASSERT_TRUE(LoadIconSvg(kIcon, &d, &error)) << error;
  const std::vector<unsigned char> px48 = RasterizeIcon(d, 48);
  for (int size : {128, 256}) {
    const std::vector<unsigned char> px = RasterizeIcon(d, size);
    ASSERT_EQ(px.size(), static_cast<size_t>(size) * size * 4);
    const double k = size / 48.0;
    for (int row = 0; row < 5; ++row)
      for (int col = 0; col < 5; ++col) {
        const double x = 5 + 8 * col + 3, y = 5 + 8 * row + 3;  // a cell's centre, in 48-pixel units
        EXPECT_EQ(At(px, size, x * k, y * k), At(px48, 48, x, y)) << size << " px, cell " << row << "," << col;
      }
    EXPECT_EQ(At(px, size, 0, 0).a, 0);
  }
}

TEST(Icon, TheReaderRefusesWhatItWouldDrawWrongAndSaysWhere) {
  const std::string head = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 48 48\">\n";
  const std::string rect = "<rect x=\"1\" y=\"1\" width=\"4\" height=\"4\" fill=\"#102030\"/>\n";
  IconDrawing d;
  std::string error;
  ASSERT_TRUE(ParseIconSvg(head + rect + "</svg>\n", &d, &error)) << error;
  ASSERT_EQ(d.rects.size(), 1u);
  EXPECT_EQ(d.rects[0].r, 0x10);
  EXPECT_EQ(d.rects[0].b, 0x30);

  const struct {
    std::string svg, says;
  } bad[] = {
      {head + rect + "<circle cx=\"3\" cy=\"3\" r=\"2\" fill=\"#ffffff\"/>\n</svg>", "line 3: <circle> is not drawn"},
      {head + "<rect width=\"4\" height=\"4\" fill=\"#ffffff\" stroke=\"#000000\"/>\n</svg>", "\"stroke\" is not drawn"},
      {head + "<rect width=\"4\" height=\"4\" fill=\"red\"/>\n</svg>", "fill must be \"#rrggbb\""},
      {head + "<rect width=\"4px\" height=\"4\" fill=\"#ffffff\"/>\n</svg>", "width must be a plain number"},
      {head + "<rect width=\"4\" height=\"4\"/>\n</svg>", "needs width, height and fill"},
      {head + "<rect width=\"4\" height=\"4\" fill=\"#ffffff\"></rect>\n</svg>", "must close itself"},
      {head + "<g>" + rect + "</g></svg>", "<g> is not drawn"},
      {"<svg viewBox=\"0 0 48 32\">" + rect + "</svg>", "viewBox must be \"0 0 S S\""},
      {"<svg width=\"48\">" + rect + "</svg>", "needs a viewBox"},
      {rect + head + "</svg>", "<rect> outside <svg>"},
      {head + rect, "not closed"},
      {head + "<!-- " + rect + "</svg>", "comment is not closed"},
      {head + "</svg>", "has no <rect>"},
      {head + rect + "hello</svg>", "text outside an element"},
      {"", "no <svg>"},
  };
  for (const auto& b : bad) {
    error.clear();
    EXPECT_FALSE(ParseIconSvg(b.svg, &d, &error)) << b.svg;
    EXPECT_NE(error.find(b.says), std::string::npos) << "expected \"" << b.says << "\", got \"" << error << "\"";
  }
  EXPECT_FALSE(LoadIconSvg("/nonexistent/attnlab.svg", &d, &error));
  EXPECT_NE(error.find("cannot read /nonexistent/attnlab.svg"), std::string::npos) << error;
}

}  // namespace
