#include "widgets/plot.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>

#include "widgets/heatmap.hpp"  // AddTextVertical

namespace attnlab::ui {
namespace {

double Transform(const AxisRange& r, double v) { return r.scale == AxisScale::kLog ? std::log10(v) : v; }

bool Plottable(const AxisRange& r, double v) {
  return std::isfinite(v) && (r.scale == AxisScale::kLinear || v > 0);
}

// Dashed line from a to b (dash and gap `dash` pixels).
void DashedLine(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 color, float thickness, float dash) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len = std::sqrt(dx * dx + dy * dy);
  if (len <= 0 || dash <= 0) return;
  for (float s = 0; s < len; s += 2 * dash) {
    const float e = std::min(len, s + dash);
    dl->AddLine(ImVec2(a.x + dx * s / len, a.y + dy * s / len), ImVec2(a.x + dx * e / len, a.y + dy * e / len), color,
                thickness);
  }
}

double DefaultBarWidth(const PlotSeries& s) {
  if (s.bar_width > 0) return s.bar_width;
  std::vector<double> xs = s.x;
  std::sort(xs.begin(), xs.end());
  double gap = std::numeric_limits<double>::infinity();
  for (size_t i = 1; i < xs.size(); ++i)
    if (xs[i] > xs[i - 1]) gap = std::min(gap, xs[i] - xs[i - 1]);
  return std::isfinite(gap) ? 0.8 * gap : 0.8;
}

ImVec2 TextSize(const PlotStyle& st, const std::string& text) {
  ImFont* font = st.font ? st.font : ImGui::GetFont();
  return font->CalcTextSizeA(st.font_size, FLT_MAX, 0.0f, text.c_str());
}

void Text(ImDrawList* dl, const PlotStyle& st, ImVec2 p, ImU32 color, const std::string& text) {
  ImFont* font = st.font ? st.font : ImGui::GetFont();
  dl->AddText(font, st.font_size, p, color, text.c_str());
}

struct Ticks {
  std::vector<double> values;
  std::vector<std::string> labels;
};

Ticks MakeTicks(const PlotAxis& axis, const AxisRange& r, float length_px, float label_px) {
  Ticks t;
  if (!axis.ticks.empty()) {
    for (size_t i = 0; i < axis.ticks.size(); ++i) {
      const double v = axis.ticks[i];
      if (v < std::min(r.min, r.max) || v > std::max(r.min, r.max)) continue;
      t.values.push_back(v);
      t.labels.push_back(i < axis.tick_labels.size() ? axis.tick_labels[i] : FormatTick(v, r.scale, 1.0));
    }
    return t;
  }
  // As many ticks as labels fit with room between them.
  const int max_ticks = std::max(2, static_cast<int>(length_px / std::max(label_px, 1.0f)));
  double step = 0;
  t.values = r.scale == AxisScale::kLog ? LogTicks(r.min, r.max, max_ticks) : LinearTicks(r.min, r.max, max_ticks, &step);
  for (double v : t.values) t.labels.push_back(FormatTick(v, r.scale, step));
  return t;
}

// A ring around one point of a series (the hover readout's point).
void DrawHighlight(ImDrawList* dl, const PlotLayout& L, const PlotSpec& spec, const PlotStyle& st, const PlotHit& hit) {
  if (!hit.ok() || hit.series >= static_cast<int>(spec.series.size())) return;
  const PlotSeries& s = spec.series[static_cast<size_t>(hit.series)];
  const size_t i = static_cast<size_t>(hit.index);
  if (i >= s.x.size() || i >= s.y.size() || !Plottable(L.x, s.x[i]) || !Plottable(L.y, s.y[i])) return;
  const ImVec2 p(DataToPixel(L.x, s.x[i], L.area_min.x, L.area_max.x),
                 DataToPixel(L.y, s.y[i], L.area_max.y, L.area_min.y));
  dl->AddCircle(p, st.font_size * 0.35f, st.text, 0, std::max(1.5f, st.font_size * 0.12f));
}

}  // namespace

ImU32 PaletteColor(int index, bool dark, float alpha) {
  // Okabe-Ito, in an order where neighbours differ in lightness too; the dark
  // theme uses the lighter variants of blue and vermillion.
  static constexpr unsigned char kLight[][3] = {{0, 114, 178},  {230, 159, 0},  {0, 158, 115}, {213, 94, 0},
                                                {204, 121, 167}, {86, 180, 233}, {120, 120, 120}, {170, 150, 0}};
  static constexpr unsigned char kDark[][3] = {{86, 180, 233},  {230, 159, 0},   {0, 200, 140},   {240, 120, 60},
                                               {214, 140, 185}, {120, 150, 255}, {190, 190, 190}, {240, 228, 66}};
  const int n = 8;
  const int i = ((index % n) + n) % n;
  const unsigned char* c = dark ? kDark[i] : kLight[i];
  return IM_COL32(c[0], c[1], c[2], static_cast<int>(alpha * 255.0f + 0.5f));
}

PlotStyle CurrentPlotStyle(bool dark) {
  PlotStyle st;
  st.font = ImGui::GetFont();
  st.font_size = ImGui::GetFontSize();
  st.text = ImGui::GetColorU32(ImGuiCol_Text);
  st.text_dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  st.frame = ImGui::GetColorU32(ImGuiCol_FrameBg);
  st.grid = ImGui::GetColorU32(ImGuiCol_Border);
  st.dark = dark;
  return st;
}

std::vector<double> LinearTicks(double lo, double hi, int max_ticks, double* step_out) {
  std::vector<double> ticks;
  if (lo > hi) std::swap(lo, hi);
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || max_ticks < 1) return ticks;
  const double raw = (hi - lo) / max_ticks;
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  double step = decade * 10;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (decade * m >= raw) {
      step = decade * m;
      break;
    }
  }
  if (step_out) *step_out = step;
  // A range a few units of rounding wide (a huge mean with no spread) has
  // steps the doubles near it cannot tell apart: count the ticks first and
  // give up on more than a handful, instead of looping on k + 1 == k.
  const double first = std::ceil(lo / step - 1e-9);
  const double last = std::floor(hi / step + 1e-9);
  if (!(step > 0) || !std::isfinite(first) || !std::isfinite(last) || last - first > 4.0 * max_ticks + 4 ||
      std::abs(first) > 1e15 || std::abs(last) > 1e15)
    return {lo, hi};
  for (double k = first; k <= last; k += 1.0) {
    const double v = k * step;
    ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);  // no "-0"
  }
  return ticks;
}

std::vector<double> LogTicks(double lo, double hi, int max_ticks) {
  std::vector<double> ticks;
  if (lo > hi) std::swap(lo, hi);
  if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi) || max_ticks < 1) return ticks;
  const int k0 = static_cast<int>(std::ceil(std::log10(lo) - 1e-9));
  const int k1 = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
  const int decades = k1 - k0 + 1;
  if (decades >= 3) {
    const int every = std::max(1, (decades + max_ticks - 1) / max_ticks);
    // Keep 10^0 = 1 on the grid when it is in range: steps from a multiple of `every`.
    int start = k0;
    while (start % every != 0) ++start;
    for (int k = start; k <= k1; k += every) ticks.push_back(std::pow(10.0, k));
    return ticks;
  }
  // Under about two decades: 1, 2, 5 times each power of ten.
  for (int k = k0 - 1; k <= k1; ++k) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, k);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push_back(v);
    }
  }
  if (static_cast<int>(ticks.size()) > max_ticks) {  // too crowded: powers of ten only
    std::vector<double> decades_only;
    for (double v : ticks) {
      const double l = std::log10(v);
      if (std::abs(l - std::round(l)) < 1e-9) decades_only.push_back(v);
    }
    if (decades_only.size() >= 2) return decades_only;
  }
  return ticks;
}

std::string FormatTick(double v, AxisScale scale, double step) {
  char buf[48];
  if (scale == AxisScale::kLog) {
    const double l = std::log10(v);
    const double k = std::round(l);
    if (std::abs(l - k) < 1e-9 && (k < -1 || k > 3)) {
      std::snprintf(buf, sizeof buf, "1e%d", static_cast<int>(k));
      return buf;
    }
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
  }
  if (v == 0) return "0";
  const double a = std::abs(v);
  if (a >= 1e6 || (step > 0 && step < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  const int decimals = step > 0 ? std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9))) : 3;
  std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 6), v);
  return buf;
}

float DataToPixel(const AxisRange& r, double v, float p0, float p1) {
  const double a = Transform(r, r.min), b = Transform(r, r.max);
  const double t = (Transform(r, v) - a) / (b - a);
  return static_cast<float>(p0 + (p1 - p0) * t);
}

double PixelToData(const AxisRange& r, float p, float p0, float p1) {
  const double a = Transform(r, r.min), b = Transform(r, r.max);
  const double u = a + (b - a) * (static_cast<double>(p) - p0) / (static_cast<double>(p1) - p0);
  return r.scale == AxisScale::kLog ? std::pow(10.0, u) : u;
}

AxisRange FitAxis(const PlotSpec& spec, bool x_axis) {
  const PlotAxis& axis = x_axis ? spec.x : spec.y;
  AxisRange r;
  r.scale = axis.scale;
  const bool log = axis.scale == AxisScale::kLog;
  if (!axis.fit) {
    r.min = axis.min;
    r.max = axis.max;
  } else {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    auto take = [&](double v) {
      if (!std::isfinite(v) || (log && v <= 0)) return;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    };
    for (const PlotSeries& s : spec.series) {
      const std::vector<double>& values = x_axis ? s.x : s.y;
      for (double v : values) take(v);
      if (s.kind == SeriesKind::kBars) {
        if (x_axis && !s.x.empty()) {  // the bars' outer edges
          const double w = DefaultBarWidth(s) / 2;
          for (double v : s.x) {
            take(v - w);
            take(v + w);
          }
        } else if (!x_axis && !log) {
          take(0.0);  // bars stand on 0
        }
      }
    }
    if (x_axis)
      for (const PlotMarker& m : spec.markers) take(m.x);
    for (double t : axis.ticks) take(t);
    if (!log && axis.include_zero) take(0.0);
    if (!(hi >= lo)) {  // no data
      lo = log ? 0.1 : 0.0;
      hi = log ? 10.0 : 1.0;
    }
    if (log) {
      const double pad = std::pow(hi / lo, 0.04);
      r.min = lo / pad;
      r.max = hi * pad;
    } else {
      const double pad = (hi - lo) * 0.05;
      r.min = (lo == 0 && axis.include_zero) ? 0.0 : lo - pad;
      r.max = hi + pad;
      if (!x_axis && lo >= 0 && r.min < 0) r.min = 0;  // non-negative data: no axis below 0
    }
  }
  // A degenerate range (one point, equal values, or a range a few units of
  // rounding wide around a large value) still has to map.
  if (!(r.max > r.min) || r.max - r.min <= 1e-12 * std::max(std::abs(r.min), std::abs(r.max))) {
    if (log) {
      const double c = r.min > 0 ? r.min : 1.0;
      r.min = c / 10;
      r.max = c * 10;
    } else {
      const double c = r.min, w = std::max(1.0, std::abs(c) * 0.1);
      r.min = c - w;
      r.max = c + w;
      if (!std::isfinite(r.min) || !std::isfinite(r.max)) {  // near the largest double: stay below it
        r.min = c > 0 ? c / 2 : c;
        r.max = c > 0 ? c : c / 2;
      }
    }
  }
  return r;
}

PlotHit NearestPoint(const PlotSpec& spec, const PlotLayout& L, ImVec2 mouse, float max_px) {
  PlotHit best;
  float best_d2 = max_px * max_px;
  for (size_t si = 0; si < spec.series.size(); ++si) {
    const PlotSeries& s = spec.series[si];
    const size_t n = std::min(s.x.size(), s.y.size());
    const double half = s.kind == SeriesKind::kBars ? DefaultBarWidth(s) / 2 : 0;
    for (size_t i = 0; i < n; ++i) {
      if (!Plottable(L.x, s.x[i]) || !Plottable(L.y, s.y[i])) continue;
      const float px = DataToPixel(L.x, s.x[i], L.area_min.x, L.area_max.x);
      const float py = DataToPixel(L.y, s.y[i], L.area_max.y, L.area_min.y);
      float d2;
      if (s.kind == SeriesKind::kBars) {
        const float x0 = DataToPixel(L.x, s.x[i] - half, L.area_min.x, L.area_max.x);
        const float x1 = DataToPixel(L.x, s.x[i] + half, L.area_min.x, L.area_max.x);
        if (mouse.x < std::min(x0, x1) || mouse.x > std::max(x0, x1)) continue;
        const float base = L.y.scale == AxisScale::kLog ? L.area_max.y : DataToPixel(L.y, 0.0, L.area_max.y, L.area_min.y);
        const float top = std::min(py, base), bottom = std::max(py, base);
        const float dy = mouse.y < top ? top - mouse.y : mouse.y > bottom ? mouse.y - bottom : 0.0f;
        d2 = dy * dy;
      } else {
        d2 = (px - mouse.x) * (px - mouse.x) + (py - mouse.y) * (py - mouse.y);
      }
      if (d2 <= best_d2) {
        best_d2 = d2;
        best.series = static_cast<int>(si);
        best.index = static_cast<int>(i);
      }
    }
  }
  return best;
}

PlotSeries HistogramSeries(const std::string& label, const std::vector<double>& values, int bins, double lo, double hi,
                           bool density) {
  PlotSeries s;
  s.label = label;
  s.kind = SeriesKind::kBars;
  if (bins < 1 || !(hi > lo) || !std::isfinite(hi - lo)) return s;
  const double width = (hi - lo) / bins;
  if (!(width >= std::numeric_limits<double>::min())) return s;  // subnormal bins: densities would overflow
  s.bar_width = width;
  s.x.resize(static_cast<size_t>(bins));
  s.y.assign(static_cast<size_t>(bins), 0.0);
  for (int b = 0; b < bins; ++b) s.x[static_cast<size_t>(b)] = lo + width * (b + 0.5);
  for (double v : values) {
    if (!(v >= lo && v <= hi)) continue;
    const int b = static_cast<int>(std::min<double>(bins - 1, (v - lo) / width));
    s.y[static_cast<size_t>(b)] += 1.0;
  }
  // Unit area over all the values given (those outside the range included),
  // so that the bars and a density curve share a scale.
  if (density && !values.empty())
    for (double& y : s.y) y /= static_cast<double>(values.size()) * width;
  return s;
}

PlotSeries LineSeries(const std::string& label, std::vector<double> x, std::vector<double> y, int color) {
  PlotSeries s;
  s.label = label;
  s.x = std::move(x);
  s.y = std::move(y);
  s.color = color;
  return s;
}

PlotLayout DrawPlot(ImDrawList* dl, ImVec2 min, ImVec2 max, const PlotSpec& spec, const PlotStyle& st,
                    const PlotHit* highlight) {
  PlotLayout L;
  L.frame_min = min;
  L.frame_max = max;
  L.x = FitAxis(spec, true);
  L.y = FitAxis(spec, false);
  const float fs = st.font_size;
  const float pad = fs * 0.4f;
  const float line_w = std::max(1.5f, fs * 0.12f);

  // Header: the title, then the legend entries, flowing onto more lines when
  // they do not fit (never over the data).
  float y = min.y;
  if (!spec.title.empty()) {
    Text(dl, st, ImVec2(min.x, y), st.text, spec.title);
    y += fs * 1.25f;
  }
  if (spec.legend) {
    float x = min.x;
    const float swatch = fs * 1.2f;
    bool any = false;
    for (size_t i = 0; i < spec.series.size(); ++i) {
      const PlotSeries& s = spec.series[i];
      if (s.label.empty()) continue;
      const float w = swatch + pad * 0.5f + TextSize(st, s.label).x + fs;
      if (any && x + w > max.x) {
        x = min.x;
        y += fs * 1.25f;
      }
      const ImU32 c = PaletteColor(s.color >= 0 ? s.color : static_cast<int>(i), st.dark);
      const float cy = y + fs * 0.55f;
      if (s.kind == SeriesKind::kBars) {
        dl->AddRectFilled(ImVec2(x, y + fs * 0.2f), ImVec2(x + swatch, y + fs * 0.9f),
                          PaletteColor(s.color >= 0 ? s.color : static_cast<int>(i), st.dark, 0.6f));
      } else if (s.kind == SeriesKind::kScatter) {
        dl->AddCircleFilled(ImVec2(x + swatch / 2, cy), fs * 0.22f * s.weight, c);
      } else if (s.dashed) {
        DashedLine(dl, ImVec2(x, cy), ImVec2(x + swatch, cy), c, line_w * s.weight, fs * 0.25f);
      } else {
        dl->AddLine(ImVec2(x, cy), ImVec2(x + swatch, cy), c, line_w * s.weight);
      }
      Text(dl, st, ImVec2(x + swatch + pad * 0.5f, y), st.text, s.label);
      x += w;
      any = true;
    }
    if (any) y += fs * 1.25f;
  }
  y += pad * 0.5f;

  // Marker labels go in a strip above the data (never over it), each on the
  // first row where it does not overlap a label already placed. The rows are
  // counted with the area's full width, then placed with the real mapping.
  auto place_markers = [&](float x0, float x1, std::vector<std::pair<float, int>>* out) {
    std::vector<std::vector<std::pair<float, float>>> rows;  // the spans placed on each row
    for (const PlotMarker& m : spec.markers) {
      if (m.label.empty() || !Plottable(L.x, m.x)) {
        out->push_back({0.0f, -1});
        continue;
      }
      const float px = DataToPixel(L.x, m.x, x0, x1);
      const float w = TextSize(st, m.label).x;
      float lx = px - w / 2;
      lx = std::clamp(lx, x0, std::max(x0, x1 - w));
      auto fits = [&](const std::vector<std::pair<float, float>>& spans) {
        for (const auto& sp : spans)
          if (lx < sp.second + pad && lx + w + pad > sp.first) return false;
        return true;
      };
      size_t row = 0;
      while (row < rows.size() && !fits(rows[row])) ++row;
      if (row == rows.size()) rows.emplace_back();
      rows[row].push_back({lx, lx + w});
      out->push_back({lx, static_cast<int>(row)});
    }
    return static_cast<int>(rows.size());
  };
  std::vector<std::pair<float, int>> provisional;
  const int marker_rows = place_markers(min.x + fs * 3.0f, max.x - fs, &provisional);
  const float marker_top = y;
  y += marker_rows * fs * 1.15f;

  // Axes: y label (vertical) and tick labels on the left, x ticks and label below.
  const bool y_label = !spec.y.label.empty();
  const bool x_label = !spec.x.label.empty();
  const float bottom = max.y - (x_label ? fs * 1.2f : 0.0f) - fs * 1.2f;
  const float area_h = std::max(fs, bottom - y);
  const Ticks yt = MakeTicks(spec.y, L.y, area_h, fs * 2.2f);
  float y_tick_w = 0;
  for (const std::string& s : yt.labels) y_tick_w = std::max(y_tick_w, TextSize(st, s).x);
  const float left = min.x + (y_label ? fs * 1.3f : 0.0f) + y_tick_w + pad;
  // Room for the last x tick label's right half ("1000" centred on the edge).
  float right = max.x - fs * 0.8f;
  {
    const Ticks probe = MakeTicks(spec.x, L.x, max.x - left, fs * 4.0f);
    if (!probe.labels.empty()) right = std::min(right, max.x - TextSize(st, probe.labels.back()).x * 0.5f - 2.0f);
  }
  L.area_min = ImVec2(left, y);
  L.area_max = ImVec2(std::max(left + fs, right), std::max(y + fs, bottom));
  const ImVec2 a0 = L.area_min, a1 = L.area_max;

  dl->AddRectFilled(a0, a1, st.frame);
  // y ticks: grid lines and labels.
  for (size_t i = 0; i < yt.values.size(); ++i) {
    const float py = DataToPixel(L.y, yt.values[i], a1.y, a0.y);
    dl->AddLine(ImVec2(a0.x, py), ImVec2(a1.x, py), st.grid, 1.0f);
    const ImVec2 ts = TextSize(st, yt.labels[i]);
    Text(dl, st, ImVec2(left - pad - ts.x, py - ts.y / 2), st.text_dim, yt.labels[i]);
  }
  // x ticks: the label widths decide how many fit.
  float x_label_w = fs * 2.0f;
  {
    const Ticks probe = MakeTicks(spec.x, L.x, a1.x - a0.x, fs * 4.0f);
    for (const std::string& s : probe.labels) x_label_w = std::max(x_label_w, TextSize(st, s).x + fs * 1.2f);
  }
  const Ticks xt = MakeTicks(spec.x, L.x, a1.x - a0.x, x_label_w);
  float last_right = -FLT_MAX;
  for (size_t i = 0; i < xt.values.size(); ++i) {
    const float px = DataToPixel(L.x, xt.values[i], a0.x, a1.x);
    dl->AddLine(ImVec2(px, a0.y), ImVec2(px, a1.y), st.grid, 1.0f);
    const ImVec2 ts = TextSize(st, xt.labels[i]);
    // Centred under the tick, but kept inside the plot's own rectangle.
    const float lx = std::clamp(px - ts.x / 2, min.x, std::max(min.x, max.x - ts.x));
    if (lx < last_right + fs * 0.5f) continue;  // explicit ticks may crowd: skip a label, never overlap
    Text(dl, st, ImVec2(lx, a1.y + pad * 0.5f), st.text_dim, xt.labels[i]);
    last_right = lx + ts.x;
  }
  if (x_label) {
    const ImVec2 ts = TextSize(st, spec.x.label);
    Text(dl, st, ImVec2((a0.x + a1.x - ts.x) / 2, max.y - fs * 1.2f), st.text, spec.x.label);
  }
  if (y_label && TextSize(st, spec.y.label).x <= a1.y - a0.y) {  // a short plot drops it rather than clip it
    const ImVec2 ts = TextSize(st, spec.y.label);
    // ImDrawList culls glyphs against the clip rectangle before they are
    // turned upright, and the unturned text may stick out of it (left of the
    // screen, too, when a picture of the plot starts at its left edge).
    dl->PushClipRect(ImVec2(-1e5f, -1e5f), ImVec2(1e5f, 1e5f), false);
    AddTextVertical(dl, ImVec2(min.x, (a0.y + a1.y + ts.x) / 2), st.text, spec.y.label.c_str(), fs);
    dl->PopClipRect();
  }

  dl->PushClipRect(a0, a1, true);
  // Series: bars first, so lines and points stay visible on top of them.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t si = 0; si < spec.series.size(); ++si) {
      const PlotSeries& s = spec.series[si];
      if ((s.kind == SeriesKind::kBars) != (pass == 0)) continue;
      const int ci = s.color >= 0 ? s.color : static_cast<int>(si);
      const ImU32 c = PaletteColor(ci, st.dark);
      const size_t n = std::min(s.x.size(), s.y.size());
      if (s.kind == SeriesKind::kBars) {
        const double half = DefaultBarWidth(s) / 2;
        const float base = L.y.scale == AxisScale::kLog ? a1.y : DataToPixel(L.y, 0.0, a1.y, a0.y);
        for (size_t i = 0; i < n; ++i) {
          if (!Plottable(L.x, s.x[i]) || !Plottable(L.y, s.y[i])) continue;
          const float x0 = DataToPixel(L.x, s.x[i] - half, a0.x, a1.x);
          const float x1 = DataToPixel(L.x, s.x[i] + half, a0.x, a1.x);
          const float py = DataToPixel(L.y, s.y[i], a1.y, a0.y);
          const ImVec2 p0(std::min(x0, x1), std::min(py, base)), p1(std::max(x0, x1), std::max(py, base));
          dl->AddRectFilled(p0, p1, PaletteColor(ci, st.dark, 0.55f));
          dl->AddRect(p0, p1, c, 0.0f, 0, 1.0f);
        }
        continue;
      }
      ImVec2 prev;
      bool has_prev = false;
      for (size_t i = 0; i < n; ++i) {
        if (!Plottable(L.x, s.x[i]) || !Plottable(L.y, s.y[i])) {
          has_prev = false;  // a gap in a line
          continue;
        }
        const ImVec2 p(DataToPixel(L.x, s.x[i], a0.x, a1.x), DataToPixel(L.y, s.y[i], a1.y, a0.y));
        if (s.kind == SeriesKind::kScatter) {
          dl->AddCircleFilled(p, fs * 0.2f * s.weight, c);
        } else if (has_prev) {
          if (s.dashed) {
            DashedLine(dl, prev, p, c, line_w * s.weight, fs * 0.3f);
          } else {
            dl->AddLine(prev, p, c, line_w * s.weight);
          }
        }
        prev = p;
        has_prev = true;
      }
    }
  }
  // Markers: vertical lines through the data; labels in the strip above.
  for (const PlotMarker& m : spec.markers) {
    if (!Plottable(L.x, m.x)) continue;
    const float px = DataToPixel(L.x, m.x, a0.x, a1.x);
    const ImU32 c = m.color >= 0 ? PaletteColor(m.color, st.dark) : st.text;
    if (m.dashed) {
      DashedLine(dl, ImVec2(px, a0.y), ImVec2(px, a1.y), c, line_w, fs * 0.3f);
    } else {
      dl->AddLine(ImVec2(px, a0.y), ImVec2(px, a1.y), c, line_w);
    }
  }
  dl->PopClipRect();
  dl->AddRect(a0, a1, st.grid, 0.0f, 0, 1.0f);
  std::vector<std::pair<float, int>> placed;
  place_markers(a0.x, a1.x, &placed);
  for (size_t k = 0; k < spec.markers.size() && k < placed.size(); ++k) {
    const PlotMarker& m = spec.markers[k];
    if (placed[k].second < 0) continue;
    const int row = std::min(placed[k].second, std::max(0, marker_rows - 1));
    const ImU32 c = m.color >= 0 ? PaletteColor(m.color, st.dark) : st.text;
    const float ty = marker_top + row * fs * 1.15f;
    Text(dl, st, ImVec2(placed[k].first, ty), c, m.label);
    // A short tick from the label down to the line's top.
    const float px = DataToPixel(L.x, m.x, a0.x, a1.x);
    if (row == marker_rows - 1) dl->AddLine(ImVec2(px, ty + fs * 1.05f), ImVec2(px, a0.y), c, 1.0f);
  }
  if (highlight) DrawHighlight(dl, L, spec, st, *highlight);
  return L;
}

PlotResult Plot(const char* str_id, const PlotSpec& spec, ImVec2 size) {
  PlotResult r;
  ImGui::PushID(str_id);
  const float fs = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (size.x <= 0) size.x = std::max(fs * 8, avail.x);
  if (size.y <= 0) size.y = fs * 16;
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##plot", size);
  const bool item_hovered = ImGui::IsItemHovered();
  r.dragging = ImGui::IsItemActive() && ImGui::IsMouseDown(ImGuiMouseButton_Left);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const PlotStyle st = CurrentPlotStyle(ImGui::GetStyle().Colors[ImGuiCol_WindowBg].x < 0.5f);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  r.layout = DrawPlot(dl, p, ImVec2(p.x + size.x, p.y + size.y), spec, st, nullptr);
  const PlotLayout& L = r.layout;
  r.hovered = item_hovered && mouse.x >= L.area_min.x && mouse.x <= L.area_max.x && mouse.y >= L.area_min.y &&
              mouse.y <= L.area_max.y;
  if (r.hovered || r.dragging) {
    const float mx = std::clamp(mouse.x, L.area_min.x, L.area_max.x);
    r.mouse_x = PixelToData(L.x, mx, L.area_min.x, L.area_max.x);
  }
  PlotHit nearest;
  if (r.hovered) nearest = NearestPoint(spec, L, mouse, fs * 1.5f);
  r.nearest = nearest;
  DrawHighlight(dl, L, spec, st, nearest);
  if (nearest.ok()) {
    const PlotSeries& s = spec.series[static_cast<size_t>(nearest.series)];
    const size_t i = static_cast<size_t>(nearest.index);
    ImGui::BeginTooltip();
    if (!s.label.empty()) ImGui::TextUnformatted(s.label.c_str());
    const std::string xl = spec.x.label.empty() ? "x" : spec.x.label;
    const std::string yl = spec.y.label.empty() ? "y" : spec.y.label;
    if (s.kind == SeriesKind::kBars && s.bar_width > 0 && spec.x.ticks.empty()) {
      ImGui::Text("%s in [%.4g, %.4g]", xl.c_str(), s.x[i] - s.bar_width / 2, s.x[i] + s.bar_width / 2);
    } else if (!spec.x.ticks.empty()) {
      std::string name;
      for (size_t k = 0; k < spec.x.ticks.size(); ++k)
        if (spec.x.ticks[k] == s.x[i] && k < spec.x.tick_labels.size()) name = spec.x.tick_labels[k];
      ImGui::Text("%s = %s", xl.c_str(), name.empty() ? FormatTick(s.x[i], L.x.scale, 0).c_str() : name.c_str());
    } else {
      ImGui::Text("%s = %.4g", xl.c_str(), s.x[i]);
    }
    ImGui::Text("%s = %.4g", yl.c_str(), s.y[i]);
    ImGui::EndTooltip();
  }
  ImGui::PopID();
  return r;
}

}  // namespace attnlab::ui
