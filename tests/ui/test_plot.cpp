// The plot widget's pure parts: ticks, labels, mapping, fitting, hit testing, binning.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "widgets/plot.hpp"

namespace attnlab::ui {
namespace {

TEST(PlotTicks, LinearTicksUseOneTwoFiveSteps) {
  double step = 0;
  EXPECT_EQ(LinearTicks(0, 1, 5, &step), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  EXPECT_DOUBLE_EQ(step, 0.2);
  EXPECT_EQ(LinearTicks(-3, 7, 5, &step), (std::vector<double>{-2, 0, 2, 4, 6}));
  EXPECT_DOUBLE_EQ(step, 2);
  LinearTicks(0, 1000, 4, &step);
  EXPECT_DOUBLE_EQ(step, 500);
  LinearTicks(0.001, 0.0013, 3, &step);
  EXPECT_NEAR(step, 1e-4, 1e-18);
  EXPECT_TRUE(LinearTicks(1, 1, 5).empty());
}

TEST(PlotTicks, LinearTicksAreExactMultiplesAndNeverMinusZero) {
  for (double v : LinearTicks(-1.0, 1.0, 4)) {
    EXPECT_FALSE(std::signbit(v) && v == 0.0);
    EXPECT_NEAR(std::round(v / 0.5) * 0.5, v, 1e-12);
  }
}

TEST(PlotTicks, LogTicksArePowersOfTen) {
  EXPECT_EQ(LogTicks(1e-3, 1e3, 10), (std::vector<double>{1e-3, 1e-2, 1e-1, 1, 10, 100, 1000}));
  // Seven decades into three ticks: every third, keeping 1 on the grid.
  EXPECT_EQ(LogTicks(1e-3, 1e3, 3), (std::vector<double>{1e-3, 1, 1000}));
  // Under two decades: 1-2-5 within them.
  EXPECT_EQ(LogTicks(1, 20, 10), (std::vector<double>{1, 2, 5, 10, 20}));
  EXPECT_TRUE(LogTicks(0, 10, 5).empty());
}

TEST(PlotTicks, LabelsAreShortAndReadable) {
  EXPECT_EQ(FormatTick(1e-3, AxisScale::kLog, 0), "1e-3");
  EXPECT_EQ(FormatTick(1e-2, AxisScale::kLog, 0), "1e-2");
  EXPECT_EQ(FormatTick(0.1, AxisScale::kLog, 0), "0.1");
  EXPECT_EQ(FormatTick(1, AxisScale::kLog, 0), "1");
  EXPECT_EQ(FormatTick(1000, AxisScale::kLog, 0), "1000");
  EXPECT_EQ(FormatTick(1e4, AxisScale::kLog, 0), "1e4");
  EXPECT_EQ(FormatTick(5, AxisScale::kLog, 0), "5");
  EXPECT_EQ(FormatTick(0.4, AxisScale::kLinear, 0.2), "0.4");
  EXPECT_EQ(FormatTick(2, AxisScale::kLinear, 0.5), "2.0");
  EXPECT_EQ(FormatTick(-40, AxisScale::kLinear, 20), "-40");
  EXPECT_EQ(FormatTick(0.0, AxisScale::kLinear, 0.25), "0");
  EXPECT_EQ(FormatTick(0.25, AxisScale::kLinear, 0.05), "0.25");
}

TEST(PlotMapping, LinearAndLogAxesMapAndInvert) {
  const AxisRange lin{-1, 3, AxisScale::kLinear};
  EXPECT_FLOAT_EQ(DataToPixel(lin, -1, 100, 500), 100);
  EXPECT_FLOAT_EQ(DataToPixel(lin, 3, 100, 500), 500);
  EXPECT_FLOAT_EQ(DataToPixel(lin, 0, 100, 500), 200);
  // A y axis grows upwards: p0 is the bottom pixel.
  EXPECT_FLOAT_EQ(DataToPixel(lin, 0, 500, 100), 400);
  const AxisRange log{1e-3, 1e3, AxisScale::kLog};
  EXPECT_FLOAT_EQ(DataToPixel(log, 1, 0, 600), 300);  // the middle decade
  EXPECT_FLOAT_EQ(DataToPixel(log, 10, 0, 600), 400);
  EXPECT_NEAR(PixelToData(log, 400, 0, 600), 10, 1e-5);
  EXPECT_NEAR(PixelToData(lin, 200, 100, 500), 0, 1e-6);
}

TEST(PlotFit, RangesCoverTheDataAndMarkersWithPadding) {
  PlotSpec spec;
  spec.series.push_back(LineSeries("a", {1, 2, 3}, {10, 20, 15}));
  spec.markers.push_back(PlotMarker{"m", 5});
  const AxisRange x = FitAxis(spec, true), y = FitAxis(spec, false);
  EXPECT_LT(x.min, 1);
  EXPECT_GT(x.max, 5);  // the marker is inside
  EXPECT_NEAR(y.min, 10 - 0.5, 1e-12);
  EXPECT_NEAR(y.max, 20 + 0.5, 1e-12);
  spec.y.include_zero = true;
  EXPECT_EQ(FitAxis(spec, false).min, 0.0);
  spec.y.fit = false;
  spec.y.min = -1;
  spec.y.max = 2;
  EXPECT_EQ(FitAxis(spec, false).min, -1);
  // Log axes ignore values <= 0 and one value still gives a usable range.
  PlotSpec one;
  one.x.scale = AxisScale::kLog;
  one.series.push_back(LineSeries("b", {0, 4}, {1, 1}));
  const AxisRange lx = FitAxis(one, true);
  EXPECT_GT(lx.min, 0);
  EXPECT_LT(lx.min, 4);
  EXPECT_GT(lx.max, 4);
  const AxisRange ly = FitAxis(one, false);
  EXPECT_LT(ly.min, 1);
  EXPECT_GT(ly.max, 1);
}

TEST(PlotHitTest, FindsTheNearestPointAndTheBarUnderTheMouse) {
  PlotSpec spec;
  spec.series.push_back(LineSeries("a", {0, 1, 2}, {0, 1, 0}));
  PlotSeries bars;
  bars.kind = SeriesKind::kBars;
  bars.x = {5};
  bars.y = {0.5};
  bars.bar_width = 1;
  spec.series.push_back(bars);
  PlotLayout L;
  L.area_min = ImVec2(0, 0);
  L.area_max = ImVec2(600, 100);
  L.x = AxisRange{0, 6, AxisScale::kLinear};
  L.y = AxisRange{0, 1, AxisScale::kLinear};
  // (1, 1) is at pixel (100, 0).
  PlotHit h = NearestPoint(spec, L, ImVec2(104, 3), 10);
  EXPECT_EQ(h.series, 0);
  EXPECT_EQ(h.index, 1);
  EXPECT_FALSE(NearestPoint(spec, L, ImVec2(300, 0), 10).ok());
  // The bar spans x 450..550, y 50..100.
  h = NearestPoint(spec, L, ImVec2(520, 80), 10);
  EXPECT_EQ(h.series, 1);
  EXPECT_EQ(h.index, 0);
}

TEST(PlotHistogram, DensityBarsHaveUnitArea) {
  const std::vector<double> v = {0.1, 0.2, 0.3, 1.5, 1.6, 3.9, 7.0};  // 7.0 is outside [0, 4]
  const PlotSeries h = HistogramSeries("h", v, 4, 0, 4, true);
  ASSERT_EQ(h.x.size(), 4u);
  EXPECT_EQ(h.x, (std::vector<double>{0.5, 1.5, 2.5, 3.5}));
  // Counts 3, 2, 0, 1 of 7 values, bin width 1.
  EXPECT_EQ(h.y, (std::vector<double>{3.0 / 7, 2.0 / 7, 0, 1.0 / 7}));
  const PlotSeries counts = HistogramSeries("h", v, 4, 0, 4, false);
  EXPECT_EQ(counts.y, (std::vector<double>{3, 2, 0, 1}));
  EXPECT_EQ(counts.bar_width, 1.0);
}

}  // namespace
}  // namespace attnlab::ui

namespace attnlab::ui {
namespace {

// A range a few units of rounding wide around a huge value (zero variance,
// a huge mean) once made the tick loop run until memory ran out.
TEST(PlotDegenerate, TicksOfARoundingWideRangeAreBounded) {
  for (double c : {1e16, 6.4e21, 1e25, 1e300, -1e200}) {
    const double lo = c, hi = std::nextafter(std::nextafter(c, 2 * c), 2 * c);
    const std::vector<double> t = LinearTicks(lo, hi, 8);
    EXPECT_LE(t.size(), 40u) << c;
  }
  const std::vector<double> none = LinearTicks(0, std::numeric_limits<double>::infinity(), 8);
  EXPECT_TRUE(none.empty());
}

TEST(PlotDegenerate, AnAxisOverEqualHugeValuesStillMaps) {
  for (double c : {6.4e21, 1e300, 1.7e308, -1.7e308}) {
    PlotSpec spec;
    spec.series.push_back(LineSeries("flat", {c, std::nextafter(c, 0.0)}, {c, c}));
    for (bool x : {true, false}) {
      const AxisRange r = FitAxis(spec, x);
      EXPECT_TRUE(std::isfinite(r.min) && std::isfinite(r.max)) << c;
      EXPECT_GT(r.max - r.min, 1e-12 * std::abs(c)) << c;
    }
  }
}

TEST(PlotDegenerate, AHistogramOfARangeTooNarrowForItsBinsIsEmpty) {
  const double c = 1e25;
  const PlotSeries s = HistogramSeries("h", {c, c}, 41, c, std::nextafter(c, 2 * c), true);
  for (double y : s.y) EXPECT_TRUE(std::isfinite(y));
  const PlotSeries tiny = HistogramSeries("h", {0.0}, 41, 0.0, 1e-320, true);
  for (double y : tiny.y) EXPECT_TRUE(std::isfinite(y));
}

}  // namespace
}  // namespace attnlab::ui
