// attnlab widgets: a small plot module on ImDrawList (no plotting library is
// packaged for Debian). In the spirit of ImPlot, but as plain data: the caller
// fills a PlotSpec (axes, series, markers) and calls
//
//   PlotSpec spec;
//   spec.title = "Entropy against T";
//   spec.x = PlotAxis{"T", AxisScale::kLog};
//   spec.series.push_back(LineSeries("H(T)", temperatures, entropy));
//   spec.markers.push_back(PlotMarker{"T = 1", 1.0});
//   PlotResult r = Plot("##entropy", spec, size);     // a widget in the current window
//
// Plot() claims `size` with an InvisibleButton, draws with DrawPlot() and adds
// the hover readout (the nearest point, as a tooltip). DrawPlot() draws into any
// ImDrawList rectangle with no widget state, so a plot can be rendered
// offscreen (PNG export) from the same spec. The caller owns the data; a spec
// holds copies (plots here have at most a few thousand points).
//
// Sizes come from the font size (PlotStyle::font_size), so a plot scales with
// the UI font (presentation mode uses 30 px). The pure parts (ticks, tick
// labels, data <-> pixel mapping, range fitting, nearest point, binning) are
// free functions, tested in tests/ui/test_plot.cpp.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

namespace attnlab::ui {

enum class AxisScale { kLinear, kLog };

struct PlotAxis {
  std::string label;
  AxisScale scale = AxisScale::kLinear;
  bool fit = true;            // range from the data and markers; false = [min, max]
  double min = 0, max = 1;    // used when fit is false
  bool include_zero = false;  // linear fit: stretch to include 0 (weights, counts)
  // Explicit ticks (e.g. key indices) with their labels; empty = automatic.
  std::vector<double> ticks;
  std::vector<std::string> tick_labels;
};

enum class SeriesKind { kLine, kScatter, kBars };

struct PlotSeries {
  std::string label;  // in the legend and the hover readout; "" = not in the legend
  SeriesKind kind = SeriesKind::kLine;
  std::vector<double> x, y;  // equal lengths; bars: x = centres, y = heights
  double bar_width = 0;      // bars, in data units; 0 = 0.8 x the smallest spacing of x
  int color = -1;            // palette index; -1 = the series' own index
  float weight = 1.0f;       // line thickness / marker size, relative to the default
  bool dashed = false;
};

// A vertical line at x, labelled at the top of the plot (a limit, a cursor).
struct PlotMarker {
  std::string label;
  double x = 0;
  int color = -1;  // palette index; -1 = the text colour
  bool dashed = true;
};

struct PlotSpec {
  std::string title;
  PlotAxis x, y;
  std::vector<PlotSeries> series;
  std::vector<PlotMarker> markers;
  bool legend = true;
};

// Colours and sizes; CurrentPlotStyle() takes them from ImGui's style and font.
struct PlotStyle {
  ImFont* font = nullptr;  // nullptr = ImGui::GetFont()
  float font_size = 13.0f;
  ImU32 text = IM_COL32(230, 230, 230, 255);
  ImU32 text_dim = IM_COL32(150, 150, 150, 255);
  ImU32 frame = IM_COL32(30, 30, 34, 255);
  ImU32 grid = IM_COL32(80, 80, 90, 255);
  bool dark = true;  // picks the palette's shades
};
PlotStyle CurrentPlotStyle(bool dark);
// Colour-blind-safe series colours (Okabe-Ito), wrapping around.
ImU32 PaletteColor(int index, bool dark, float alpha = 1.0f);

// Where things went, in screen pixels, and the ranges used.
struct AxisRange {
  double min = 0, max = 1;  // log axes: both > 0
  AxisScale scale = AxisScale::kLinear;
};
struct PlotLayout {
  ImVec2 frame_min{0, 0}, frame_max{0, 0};  // the whole widget
  ImVec2 area_min{0, 0}, area_max{0, 0};    // the data rectangle
  AxisRange x, y;
};

struct PlotHit {
  int series = -1, index = -1;  // -1: none
  bool ok() const { return series >= 0; }
};

struct PlotResult {
  PlotLayout layout;
  bool hovered = false;       // the mouse is over the data rectangle
  double mouse_x = 0;         // the mouse's x in data units (when hovered)
  bool dragging = false;      // the left button is held on the plot (cursor drags)
  PlotHit nearest;            // the point under the hover readout
};

// The widget: claims `size` (pixels; 0 = the available width / 16 fonts high).
PlotResult Plot(const char* str_id, const PlotSpec& spec, ImVec2 size);

// Draws the whole plot into [min, max]; `highlight` (may be null) is ringed.
PlotLayout DrawPlot(ImDrawList* draw_list, ImVec2 min, ImVec2 max, const PlotSpec& spec, const PlotStyle& style,
                    const PlotHit* highlight = nullptr);

// ---- pure parts ----

// Linear ticks at multiples of a 1-2-5 step (1, 2, 5, 10, 20, ...) inside
// [lo, hi], at most about `max_ticks` of them; `step` (may be null) receives it.
std::vector<double> LinearTicks(double lo, double hi, int max_ticks, double* step = nullptr);
// Log ticks at powers of ten (every k-th power when there are too many); when
// the range spans less than two decades, also at 2 and 5 times them.
std::vector<double> LogTicks(double lo, double hi, int max_ticks);
// "0.25", "-3", "1e-3", "1000": decimals fitted to `step` on linear axes;
// powers of ten as 1eK outside 0.1 .. 1000 on log axes.
std::string FormatTick(double v, AxisScale scale, double step);

// Data -> pixel along one axis, p0 the pixel of range.min, p1 of range.max
// (p1 < p0 for a y axis, which grows upwards). Log axes map log10(v).
float DataToPixel(const AxisRange& range, double v, float p0, float p1);
double PixelToData(const AxisRange& range, float p, float p0, float p1);

// The range of an axis: fixed, or the data's (x or y of every series, and the
// markers' x) padded by 5% (a decade fraction on log axes; non-positive values
// ignored there). A degenerate range is widened so that it maps.
AxisRange FitAxis(const PlotSpec& spec, bool x_axis);

// The nearest point to `mouse` within `max_px` pixels (bars: the bar under the
// mouse), or none.
PlotHit NearestPoint(const PlotSpec& spec, const PlotLayout& layout, ImVec2 mouse, float max_px);

// A histogram of `values` in `bins` equal bins over [lo, hi] (values outside
// are dropped) as bars; density = true scales them to unit area, so a
// probability density can be overlaid.
PlotSeries HistogramSeries(const std::string& label, const std::vector<double>& values, int bins, double lo,
                           double hi, bool density);

PlotSeries LineSeries(const std::string& label, std::vector<double> x, std::vector<double> y, int color = -1);

}  // namespace attnlab::ui
