#include "widgets/heatmap.hpp"

#include <imgui_internal.h>  // SetItemUsingMouseWheel: the wheel zooms a big map, not the window

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#include "widgets/texture.hpp"

namespace attnlab::ui {
namespace {

ImU32 ToImU32(Rgb c, float alpha = 1.0f) { return PackRgba(c, alpha); }

// Diagonal hatching inside [a, b], without clip rectangles (one draw command).
void Hatch(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 color, float step, float thickness) {
  const float w = b.x - a.x, h = b.y - a.y;
  for (float k = step * 0.5f; k < w + h; k += step) {
    // The line x + y = k (local coordinates), clipped to the cell.
    const ImVec2 p0(a.x + std::min(k, w), a.y + std::max(0.0f, k - w));
    const ImVec2 p1(a.x + std::max(0.0f, k - h), a.y + std::min(k, h));
    dl->AddLine(p0, p1, color, thickness);
  }
}

std::string Label(const std::vector<std::string>* labels, int i) {
  if (labels && i < static_cast<int>(labels->size())) return (*labels)[i];
  return std::to_string(i);
}

// The widest of n labels. Above a few hundred, only the longest (in bytes)
// are measured: widths follow lengths closely, and measuring 2048 labels
// several times a frame costs more than the whole map.
float WidestLabel(const std::vector<std::string>* labels, int n, ImFont* font, float px) {
  constexpr int kMeasureAll = 256, kMeasureLongest = 48;
  auto width = [&](int i) { return font->CalcTextSizeA(px, FLT_MAX, 0.0f, Label(labels, i).c_str()).x; };
  float widest = 0;
  if (n <= kMeasureAll) {
    for (int i = 0; i < n; ++i) widest = std::max(widest, width(i));
    return widest;
  }
  if (!labels) return std::max(width(n - 1), width(0));  // indices: the last is the longest
  std::vector<std::pair<size_t, int>> by_length;
  by_length.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n && i < static_cast<int>(labels->size()); ++i) by_length.push_back({(*labels)[i].size(), i});
  const size_t k = std::min<size_t>(kMeasureLongest, by_length.size());
  std::partial_sort(by_length.begin(), by_length.begin() + static_cast<long>(k), by_length.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t t = 0; t < k; ++t) widest = std::max(widest, width(by_length[t].second));
  if (static_cast<int>(labels->size()) < n) widest = std::max(widest, width(n - 1));
  return widest;
}

struct Extents {
  float row_label_w = 0, col_label_h = 0, bar_total = 0, title_h = 0;
  bool title_in_corner = false;
};

Extents MeasureExtents(const HeatmapSpec& spec) {
  Extents e;
  const Matrix& m = *spec.values;
  const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
  const float font = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  ImFont* ui_font = ImGui::GetFont();
  const float label_px = font * spec.label_scale;
  e.row_label_w = WidestLabel(spec.row_labels, rows, ui_font, label_px);
  e.col_label_h = WidestLabel(spec.col_labels, cols, ui_font, label_px);
  e.row_label_w += style.ItemInnerSpacing.x * 2;
  e.col_label_h += style.ItemInnerSpacing.y * 2;
  const float bar_w = font * 0.9f;
  // The ticks' labels: 0, 0.5 and 1 for a fixed [0, 1]; room for "-0.00" otherwise.
  const bool unit = spec.fixed_range && spec.vmin == 0.0 && spec.vmax == 1.0;
  const float bar_label_w = ImGui::CalcTextSize(unit ? "0.5" : "-0.00").x + font * 0.45f;
  e.bar_total = spec.show_colorbar ? style.ItemSpacing.x * 2 + bar_w + style.ItemInnerSpacing.x + bar_label_w
                                   : style.ItemSpacing.x;
  const std::string shape = std::to_string(rows) + "x" + std::to_string(cols);
  const float title_w = ImGui::CalcTextSize((spec.title + "  " + shape).c_str()).x;
  e.title_in_corner = spec.show_title && spec.subtitle.empty() && title_w + style.ItemInnerSpacing.x <= e.row_label_w &&
                      e.col_label_h >= font * 1.2f;
  e.title_h = spec.show_title && !e.title_in_corner ? ImGui::GetTextLineHeightWithSpacing() : 0.0f;
  return e;
}


// Colour bar with three ticks, right of the grid.
void DrawColorbar(ImDrawList* dl, const HeatmapSpec& spec, ImVec2 grid_min, ImVec2 grid_max, double vmin, double vmax) {
  const float font = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  const ImU32 text_color = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim_color = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const float bar_w = font * 0.9f;
  const ImVec2 bar_a(grid_max.x + style.ItemSpacing.x * 2, grid_min.y);
  const ImVec2 bar_b(bar_a.x + bar_w, grid_max.y);
  const int steps = 48;
  const float bh = (bar_b.y - bar_a.y) / steps;
  for (int k = 0; k < steps; ++k) {
    const Rgb top = SampleColormap(spec.colormap, 1.0 - static_cast<double>(k) / steps);
    const Rgb bot = SampleColormap(spec.colormap, 1.0 - static_cast<double>(k + 1) / steps);
    dl->AddRectFilledMultiColor(ImVec2(bar_a.x, bar_a.y + bh * k), ImVec2(bar_b.x, bar_a.y + bh * (k + 1) + 0.5f),
                                ToImU32(top), ToImU32(top), ToImU32(bot), ToImU32(bot));
  }
  dl->AddRect(bar_a, bar_b, dim_color);
  for (int k = 0; k <= 2; ++k) {
    const double v = vmax - (vmax - vmin) * k / 2.0;
    const float y = bar_a.y + (bar_b.y - bar_a.y) * static_cast<float>(k) / 2.0f;
    const std::string s = FormatNumber(v, NumberStyle::kDecimal, 2);
    dl->AddLine(ImVec2(bar_b.x - bar_w * 0.35f, y), ImVec2(bar_b.x, y), text_color, std::max(1.0f, font / 14.0f));
    dl->AddText(ImVec2(bar_b.x + font * 0.45f, y - font * 0.5f), text_color, s.c_str());
  }
}

// Masked cells: a neutral tone between background and text, so they never
// read as a value of the colour map.
ImU32 MaskedTone() {
  const ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg), fg = ImGui::GetStyleColorVec4(ImGuiCol_Text);
  return ImGui::GetColorU32(ImVec4(bg.x + (fg.x - bg.x) * 0.12f, bg.y + (fg.y - bg.y) * 0.12f,
                                   bg.z + (fg.z - bg.z) * 0.12f, 1.0f));
}

// The title "P  7x7" on a line of its own (with the subtitle), or nothing
// when it goes in the corner.
void DrawTitleLine(const HeatmapSpec& spec, const Extents& ext, const std::string& shape) {
  if (!spec.show_title || ext.title_in_corner) return;
  ImGui::Text("%s", spec.title.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("%s", shape.c_str());
  if (!spec.subtitle.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("  %s", spec.subtitle.c_str());
  }
}

void DrawTitleCorner(ImDrawList* dl, const HeatmapSpec& spec, ImVec2 origin, ImVec2 grid_min, const std::string& shape) {
  const float font = ImGui::GetFontSize();
  const ImVec2 at(origin.x, grid_min.y - ImGui::GetStyle().ItemInnerSpacing.y - font);
  dl->AddText(at, ImGui::GetColorU32(ImGuiCol_Text), spec.title.c_str());
  dl->AddText(ImVec2(at.x + ImGui::CalcTextSize((spec.title + "  ").c_str()).x, at.y),
              ImGui::GetColorU32(ImGuiCol_TextDisabled), shape.c_str());
}

}  // namespace

void HeatmapRange(const HeatmapSpec& spec, double* out_min, double* out_max) {
  double vmin = spec.vmin, vmax = spec.vmax;
  if (!spec.fixed_range) {
    const Matrix& m = *spec.values;
    const AllowedKeys* allowed = spec.allowed && !spec.allowed->Unrestricted() ? spec.allowed : nullptr;
    const int cols = static_cast<int>(m.cols());
    bool any = false;
    for (int i = 0; i < m.rows(); ++i) {
      // A row's allowed run at once (vectorised); cell by cell only where the
      // run holds a masked or non-finite cell.
      const int b = allowed ? std::min(allowed->Begin(i), cols) : 0;
      const int e = allowed ? std::min(allowed->End(i), cols) : cols;
      if (b >= e) continue;
      const auto run = m.row(i).segment(b, e - b).array();
      double lo = run.minCoeff(), hi = run.maxCoeff();
      if (!std::isfinite(lo) || !std::isfinite(hi) || (allowed && allowed->HasDense())) {
        bool row_any = false;
        for (int j = b; j < e; ++j) {
          const double v = m(i, j);
          if (!std::isfinite(v) || (allowed && !(*allowed)(i, j))) continue;
          lo = row_any ? std::min(lo, v) : v;
          hi = row_any ? std::max(hi, v) : v;
          row_any = true;
        }
        if (!row_any) continue;
      }
      vmin = any ? std::min(vmin, lo) : lo;
      vmax = any ? std::max(vmax, hi) : hi;
      any = true;
    }
    if (spec.colormap == Colormap::kBlueOrange) {  // diverging: centred on 0
      const double a = std::max(std::abs(vmin), std::abs(vmax));
      vmin = -a;
      vmax = a;
    }
  }
  *out_min = vmin;
  *out_max = vmax;
}

bool HeatmapTextured(const HeatmapSpec& spec) {
  return static_cast<long long>(spec.values->rows()) * static_cast<long long>(spec.values->cols()) > kTextureCells;
}

float HeatmapMinSide() { return ImGui::GetFontSize() * 8.0f; }

namespace {

// The grid's size for cells of side `cell`; a textured map's thin side is
// stretched to HeatmapMinSide() (no thinner than a readable strip).
ImVec2 GridSize(const HeatmapSpec& spec, float cell) {
  const float cols = static_cast<float>(spec.values->cols()), rows = static_cast<float>(spec.values->rows());
  ImVec2 g(cell * cols, cell * rows);
  if (HeatmapTextured(spec)) {
    const float font = ImGui::GetFontSize();
    const float max_cell = font * spec.max_cell_fonts;
    g.x = std::max(g.x, std::min(HeatmapMinSide(), cols * max_cell));
    g.y = std::max(g.y, std::min(HeatmapMinSide(), rows * max_cell));
  }
  return g;
}

// A cell's value with `digits`; 0 = the fewest that still read (one
// significant digit: 0.06, -0.1, 2e-4, -9e-5; integers and simple fractions
// as they are): fewer digits before smaller type.
std::string CellNumber(double v, NumberStyle style, int digits) {
  if (digits > 0 || !std::isfinite(v) || v == 0) return FormatNumber(v, style, std::max(digits, 1));
  if (style == NumberStyle::kFraction || style == NumberStyle::kAuto) {
    const std::string f = FormatNumber(v, style, 1);
    if (f.find('/') != std::string::npos || f.find_first_of(".e") == std::string::npos) return f;
  }
  const double a = std::abs(v);
  char buf[32];
  if (style != NumberStyle::kScientific && a >= 1e-2 && a < 1e5) {
    // Decimals for one significant digit (0.0606 -> 0.06, 0.0966 -> 0.1, 2.4 -> 2).
    const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(a))));
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string t = buf;
    if (t.find('.') != std::string::npos) {
      while (t.back() == '0') t.pop_back();
      if (t.back() == '.') t.pop_back();
    }
    return t == "-0" ? "0" : t;
  }
  std::snprintf(buf, sizeof buf, "%.0e", v);  // 2e-04
  std::string t = buf;
  const size_t e = t.find('e');
  std::string mant = t.substr(0, e), ex = t.substr(e + 1);
  const bool neg = !ex.empty() && ex[0] == '-';
  if (!ex.empty() && (ex[0] == '-' || ex[0] == '+')) ex.erase(0, 1);
  while (ex.size() > 1 && ex[0] == '0') ex.erase(0, 1);
  return mant + "e" + (neg ? "-" : "") + ex;
}

// The widest of the matrix's values printed with `digits` at `px` (masked
// cells print their masked_text instead).
float WidestValue(const HeatmapSpec& spec, int digits, float px) {
  const Matrix& m = *spec.values;
  ImFont* font = ImGui::GetFont();
  float widest = 0;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      if (spec.allowed && !(*spec.allowed)(static_cast<int>(i), static_cast<int>(j))) continue;
      const std::string t = CellNumber(m(i, j), spec.number_style, digits);
      widest = std::max(widest, font->CalcTextSizeA(px, FLT_MAX, 0.0f, t.c_str()).x);
    }
  if (spec.masked_text)
    widest = std::max(widest, font->CalcTextSizeA(px, FLT_MAX, 0.0f, spec.masked_text).x);
  return widest;
}

// A value fills at most this share of its cell's width (a margin each side).
constexpr float kValueRoom = 0.88f;

}  // namespace

ImVec2 HeatmapReadableSize(const HeatmapSpec& spec) {
  if (spec.min_value_px <= 0 || HeatmapTextured(spec)) return HeatmapSize(spec, 2.0f);
  const Extents e = MeasureExtents(spec);
  const float font = ImGui::GetFontSize();
  const float cw = std::ceil(WidestValue(spec, spec.readable_digits, spec.min_value_px) / kValueRoom) + 2.0f;
  const float ch = std::ceil(spec.min_value_px * 1.3f);
  // Column labels lie down when the cells are wide enough (as Heatmap() does).
  const float label_px = font * spec.label_scale;
  float widest_col = 0;
  for (int j = 0; j < static_cast<int>(spec.values->cols()); ++j)
    widest_col = std::max(widest_col, ImGui::GetFont()->CalcTextSizeA(label_px, FLT_MAX, 0.0f, Label(spec.col_labels, j).c_str()).x);
  // (the cells may widen to the labels' width: a projector is wide and short)
  const bool across = widest_col + 6.0f <= std::max(cw, font * spec.max_cell_fonts);
  const float col_label_h = across ? label_px * 1.3f : e.col_label_h;
  const float cells_w = across ? std::max(cw, widest_col + 6.0f) : cw;
  return ImVec2(e.row_label_w + cells_w * static_cast<float>(spec.values->cols()) + e.bar_total,
                e.title_h + col_label_h + ch * static_cast<float>(spec.values->rows()) + font * 0.6f);
}

ImVec2 HeatmapGridSize(const HeatmapSpec& spec, float cell) { return GridSize(spec, cell); }

ImVec2 HeatmapSize(const HeatmapSpec& spec, float cell) {
  const Extents e = MeasureExtents(spec);
  const float font = ImGui::GetFontSize();
  const ImVec2 grid = GridSize(spec, cell);
  return ImVec2(e.row_label_w + grid.x + e.bar_total, e.title_h + e.col_label_h + grid.y + font * 0.6f);
}

bool ViewCellAt(ImVec2 grid_min, ImVec2 grid_max, double view_row, double view_col, float cell_w, float cell_h,
                int rows, int cols, ImVec2 p, int* row, int* col) {
  if (cell_w <= 0 || cell_h <= 0) return false;
  if (p.x < grid_min.x || p.y < grid_min.y || p.x >= grid_max.x || p.y >= grid_max.y) return false;
  const double fc = view_col + static_cast<double>(p.x - grid_min.x) / cell_w;
  const double fr = view_row + static_cast<double>(p.y - grid_min.y) / cell_h;
  if (fc < 0 || fr < 0) return false;
  const int c = static_cast<int>(fc), r = static_cast<int>(fr);
  if (r >= rows || c >= cols) return false;
  *row = r;
  *col = c;
  return true;
}

bool CellAt(ImVec2 grid_min, float cell, int rows, int cols, ImVec2 p, int* row, int* col) {
  if (cell <= 0) return false;
  const float fx = (p.x - grid_min.x) / cell, fy = (p.y - grid_min.y) / cell;
  if (fx < 0 || fy < 0) return false;
  const int c = static_cast<int>(fx), r = static_cast<int>(fy);
  if (r >= rows || c >= cols) return false;
  *row = r;
  *col = c;
  return true;
}

void AddTextVertical(ImDrawList* dl, ImVec2 bottom_left, ImU32 color, const char* text, float size) {
  const int first = dl->VtxBuffer.Size;
  const float h = size > 0 ? size : ImGui::GetFontSize();
  // Drawn horizontally with its top-left at the pivot, then turned about it:
  // (x, y) -> (y, -x) makes the reading direction point up.
  const ImVec2 pivot(bottom_left.x - h, bottom_left.y);
  dl->AddText(ImGui::GetFont(), h, pivot, color, text);
  for (int i = first; i < dl->VtxBuffer.Size; ++i) {
    ImVec2& p = dl->VtxBuffer[i].pos;
    const float dx = p.x - pivot.x, dy = p.y - pivot.y;
    p = ImVec2(pivot.x + dy + h, pivot.y - dx);
  }
}

namespace {

// 1024 colours of a map, packed as RGBA bytes' word (R in the low byte), and
// the grey of NaN: a texture fill looks each cell up instead of interpolating.
struct ColorTable {
  std::array<uint32_t, 1024> rgba;
  uint32_t nan;
  explicit ColorTable(Colormap map) {
    for (size_t k = 0; k < rgba.size(); ++k) {
      rgba[k] = PackRgba(SampleColormap(map, static_cast<double>(k) / static_cast<double>(rgba.size() - 1)));
    }
    nan = PackRgba(SampleColormap(map, std::numeric_limits<double>::quiet_NaN()));
  }
  uint32_t operator()(double t) const {  // t = Normalize(v, ...) in [0, 1], or NaN
    if (!(t >= 0.0)) return t < 0.0 ? rgba.front() : nan;
    const size_t k = static_cast<size_t>(std::lround(std::min(t, 1.0) * static_cast<double>(rgba.size() - 1)));
    return rgba[k];
  }
};

// What a map's texture shows, as one number: when it changes, the texture is refilled.
uint64_t TextureKey(const HeatmapSpec& spec, double vmin, double vmax, ImU32 masked) {
  const Matrix& m = *spec.values;
  uint64_t h = spec.revision != 0 ? HashWords(&spec.revision, 1, 1)
                                  : HashWords(m.data(), static_cast<size_t>(m.size()), 2);
  // A revision names the content: the same widget may show it from another
  // buffer (a recomputed copy) without a refill.
  const uint64_t fields[] = {spec.revision != 0 ? 0 : reinterpret_cast<uintptr_t>(m.data()),
                             static_cast<uint64_t>(m.rows()),
                             static_cast<uint64_t>(m.cols()),
                             static_cast<uint64_t>(spec.colormap),
                             static_cast<uint64_t>(masked),
                             spec.allowed != nullptr};
  h = HashWords(fields, 6, h);
  double range[2] = {vmin, vmax};
  return HashWords(range, 2, h);
}

// One texel per cell: the colour map, or the masked tone.
void FillTexels(const HeatmapSpec& spec, double vmin, double vmax, ImU32 masked, unsigned char* out) {
  const Matrix& m = *spec.values;
  const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
  const ColorTable table(spec.colormap);
  const AllowedKeys* allowed = spec.allowed && !spec.allowed->Unrestricted() ? spec.allowed : nullptr;
  const uint32_t masked_rgba = masked;  // ImU32 packs R in the low byte, as the texture's bytes do
  for (int i = 0; i < rows; ++i) {
    uint32_t* row = reinterpret_cast<uint32_t*>(out) + static_cast<size_t>(i) * static_cast<size_t>(cols);
    const double* v = m.row(i).data();
    const int b = allowed ? std::min(allowed->Begin(i), cols) : 0;
    const int e = allowed ? std::min(allowed->End(i), cols) : cols;
    std::fill(row, row + b, masked_rgba);
    for (int j = b; j < e; ++j) row[j] = table(Normalize(v[j], vmin, vmax));
    if (e > b) std::fill(row + e, row + cols, masked_rgba);
    else std::fill(row, row + cols, masked_rgba);
    if (allowed && allowed->HasDense()) {
      const bool* ok = allowed->DenseRow(i);
      for (int j = b; j < e; ++j)
        if (!ok[j]) row[j] = masked_rgba;
    }
  }
}

// A big map: one texture, drawn through a zoomable, pannable viewport.
HeatmapResult HeatmapTexture(const HeatmapSpec& spec, ImVec2 size) {
  HeatmapResult result;
  result.textured = true;
  const Matrix& m = *spec.values;
  const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
  const float font = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  ImGuiIO& io = ImGui::GetIO();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 text_color = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim_color = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  ImFont* ui_font = ImGui::GetFont();
  const float label_px = font * spec.label_scale;
  const Extents ext = MeasureExtents(spec);
  const std::string shape = std::to_string(rows) + "x" + std::to_string(cols);
  const float title_top = ImGui::GetCursorScreenPos().y;
  DrawTitleLine(spec, ext, shape);

  double vmin = spec.vmin, vmax = spec.vmax;
  HeatmapRange(spec, &vmin, &vmax);
  result.vmin = vmin;
  result.vmax = vmax;

  // The viewport: the whole map at zoom 1, in the room given.
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float avail_w = size.x - ext.row_label_w - ext.bar_total;
  const float avail_h = size.y - (origin.y - title_top) - ext.col_label_h - font * 0.6f;
  float cell = std::min(avail_w / static_cast<float>(cols), avail_h / static_cast<float>(rows));
  cell = std::min(cell, spec.cell > 0 ? spec.cell : font * spec.max_cell_fonts);
  ImVec2 grid = GridSize(spec, std::max(cell, 0.0f));
  grid.x = std::max(1.0f, std::min(grid.x, std::max(avail_w, HeatmapMinSide())));
  grid.y = std::max(1.0f, std::min(grid.y, std::max(avail_h, HeatmapMinSide())));
  const ImVec2 grid_min(origin.x + ext.row_label_w, origin.y + ext.col_label_h);
  const ImVec2 grid_max(grid_min.x + grid.x, grid_min.y + grid.y);
  result.grid_min = grid_min;
  result.grid_max = grid_max;
  const ImVec2 total(ext.row_label_w + grid.x + ext.bar_total, ext.col_label_h + grid.y + font * 0.6f);
  ImGui::InvisibleButton("##grid", total, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonMiddle);
  const bool hovered = ImGui::IsItemHovered();
  const bool over_grid = hovered && io.MousePos.x >= grid_min.x && io.MousePos.y >= grid_min.y &&
                         io.MousePos.x < grid_max.x && io.MousePos.y < grid_max.y;

  // The view, kept in the window's storage under this widget's ids.
  ImGuiStorage* storage = ImGui::GetStateStorage();
  const ImGuiID zoom_id = ImGui::GetID("##zoom"), row_id = ImGui::GetID("##view_row");
  const ImGuiID col_id = ImGui::GetID("##view_col"), pan_id = ImGui::GetID("##pan");
  // Adding a key may move the storage, so every key is added before any
  // pointer is taken (a pointer taken first read freed memory: zoom 0).
  storage->GetFloatRef(zoom_id, 1.0f);
  storage->GetFloatRef(row_id, 0.0f);
  storage->GetFloatRef(col_id, 0.0f);
  storage->GetIntRef(pan_id, -1);
  float* zoom = storage->GetFloatRef(zoom_id, 1.0f);
  float* view_row = storage->GetFloatRef(row_id, 0.0f);
  float* view_col = storage->GetFloatRef(col_id, 0.0f);
  int* pan_button = storage->GetIntRef(pan_id, -1);
  // A panel squeezed to nothing still has cells of some width: no 0 / 0 below.
  const float base_w = std::max(grid.x / static_cast<float>(cols), 1e-3f);
  const float base_h = std::max(grid.y / static_cast<float>(rows), 1e-3f);
  // Zoom in until a cell is four font sizes on its shorter side.
  const float max_zoom = std::max(1.0f, font * 4.0f / std::min(base_w, base_h));
  auto clamp_view = [&] {
    *zoom = std::clamp(*zoom, 1.0f, max_zoom);
    *view_col = std::clamp(*view_col, 0.0f, static_cast<float>(cols) * (1.0f - 1.0f / *zoom));
    *view_row = std::clamp(*view_row, 0.0f, static_cast<float>(rows) * (1.0f - 1.0f / *zoom));
  };
  clamp_view();
  if (over_grid) {
    ImGui::SetItemUsingMouseWheel();
    if (io.MouseWheel != 0.0f) {
      // About the pointer: the cell under it stays under it.
      const float px = io.MousePos.x - grid_min.x, py = io.MousePos.y - grid_min.y;
      const float fc = *view_col + px / (base_w * *zoom), fr = *view_row + py / (base_h * *zoom);
      *zoom = std::clamp(*zoom * std::pow(1.25f, io.MouseWheel), 1.0f, max_zoom);
      *view_col = fc - px / (base_w * *zoom);
      *view_row = fr - py / (base_h * *zoom);
      clamp_view();
    }
    const bool space = ImGui::IsKeyDown(ImGui::GetKeyIndex(ImGuiKey_Space));
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Middle)) *pan_button = ImGuiMouseButton_Middle;
    if (space && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) *pan_button = ImGuiMouseButton_Left;
  }
  if (*pan_button >= 0) {
    if (ImGui::IsMouseDown(*pan_button)) {
      *view_col -= io.MouseDelta.x / (base_w * *zoom);
      *view_row -= io.MouseDelta.y / (base_h * *zoom);
      clamp_view();
      result.panning = true;
    } else {
      *pan_button = -1;
      result.panning = ImGui::IsItemDeactivated();  // the release that ends a pan is no click
    }
  }
  const float cw = base_w * *zoom, ch = base_h * *zoom;
  result.zoom = *zoom;
  result.cell_w = cw;
  result.cell_h = ch;
  result.cell = std::min(cw, ch);
  result.view_row = *view_row;
  result.view_col = *view_col;
  if (over_grid) {
    int r, c;
    if (ViewCellAt(grid_min, grid_max, *view_row, *view_col, cw, ch, rows, cols, io.MousePos, &r, &c)) {
      result.hovered_row = r;
      result.hovered_col = c;
      const ImVec2 drag = ImGui::GetMouseDragDelta(ImGuiMouseButton_Left);
      result.clicked = !result.panning && ImGui::IsItemDeactivated() && drag.x == 0.0f && drag.y == 0.0f &&
                       ImGui::IsMouseReleased(ImGuiMouseButton_Left);
    }
  }

  if (ext.title_in_corner) DrawTitleCorner(dl, spec, origin, grid_min, shape);

  // The visible cells: [r0, r1) x [c0, c1).
  const int r0 = std::clamp(static_cast<int>(*view_row), 0, rows - 1);
  const int c0 = std::clamp(static_cast<int>(*view_col), 0, cols - 1);
  const int r1 = std::clamp(static_cast<int>(std::ceil(*view_row + grid.y / ch)), r0 + 1, rows);
  const int c1 = std::clamp(static_cast<int>(std::ceil(*view_col + grid.x / cw)), c0 + 1, cols);
  auto cell_min = [&](int i, int j) { return result.CellMin(i, j); };

  // Labels of the visible rows and columns, as many as fit.
  // (Kept inside by clamping, not by clip rectangles: ImGui clips text before
  // AddTextVertical turns it, which would cut the column labels.)
  const int row_every = std::max(1, static_cast<int>(std::ceil(label_px * 1.1f / ch)));
  float next_free = -FLT_MAX;  // labels kept whole inside the grid never overlap the previous one
  for (int i = r0 - r0 % row_every; i < r1; i += row_every) {
    const std::string s = Label(spec.row_labels, i);
    const ImVec2 ts = ui_font->CalcTextSizeA(label_px, FLT_MAX, 0.0f, s.c_str());
    // Centred on its row, but kept whole inside the grid's height.
    const float y = std::clamp(cell_min(i, 0).y + (ch - ts.y) * 0.5f, grid_min.y, grid_max.y - ts.y);
    if (y < next_free) continue;
    next_free = y + ts.y;
    dl->AddText(ui_font, label_px, ImVec2(grid_min.x - style.ItemInnerSpacing.x - ts.x, y), text_color, s.c_str());
  }
  const int col_every = std::max(1, static_cast<int>(std::ceil(label_px * 1.1f / cw)));
  next_free = -FLT_MAX;
  for (int j = c0 - c0 % col_every; j < c1; j += col_every) {
    const float x = std::clamp(cell_min(0, j).x + (cw - label_px) * 0.5f, grid_min.x, grid_max.x - label_px);
    if (x < next_free) continue;
    next_free = x + label_px;
    AddTextVertical(dl, ImVec2(x, grid_min.y - style.ItemInnerSpacing.y), text_color, Label(spec.col_labels, j).c_str(),
                    label_px);
  }

  // The map: one quad of the texture's visible part.
  const ImU32 masked_bg = MaskedTone();
  TextureBackend* textures = CurrentTextures();
  const bool fits = textures && cols <= textures->MaxSize() && rows <= textures->MaxSize();
  dl->PushClipRect(grid_min, grid_max, true);
  if (fits) {
    const ImTextureID tex =
        textures->Cached(ImGui::GetID("##texture"), TextureKey(spec, vmin, vmax, masked_bg), cols, rows,
                         [&](unsigned char* px) { FillTexels(spec, vmin, vmax, masked_bg, px); });
    const ImVec2 uv0(*view_col / static_cast<float>(cols), *view_row / static_cast<float>(rows));
    const ImVec2 uv1((*view_col + grid.x / cw) / static_cast<float>(cols), (*view_row + grid.y / ch) / static_cast<float>(rows));
    dl->AddImage(tex, grid_min, grid_max, uv0, uv1);
  } else {
    // No renderer (or a map past its largest texture): a flat placeholder, never a rect per cell.
    dl->AddRectFilled(grid_min, grid_max, masked_bg);
  }

  // Hatching over the masked cells, once they are a few pixels: one quad per
  // masked run of a visible row, textured with the repeating pattern in
  // screen coordinates (so the stripes run on across cells and rows).
  const AllowedKeys* allowed = spec.allowed && !spec.allowed->Unrestricted() ? spec.allowed : nullptr;
  if (allowed && textures && std::min(cw, ch) >= 5.0f) {
    const ImTextureID hatch = textures->HatchPattern();
    const float tile = std::max(8.0f, font * 0.8f);
    auto hatch_run = [&](int i, int j0, int j1) {
      if (j0 >= j1) return;
      const ImVec2 a = cell_min(i, j0), b(cell_min(i, j1).x, a.y + ch);
      dl->AddImage(hatch, a, b, ImVec2((a.x - grid_min.x) / tile, (a.y - grid_min.y) / tile),
                   ImVec2((b.x - grid_min.x) / tile, (b.y - grid_min.y) / tile), dim_color);
    };
    for (int i = r0; i < r1; ++i) {
      const int b = std::min(allowed->Begin(i), cols), e = std::min(allowed->End(i), cols);
      if (b >= e) {
        hatch_run(i, c0, c1);
        continue;
      }
      hatch_run(i, c0, std::min(b, c1));
      hatch_run(i, std::max(e, c0), c1);
      if (allowed->HasDense()) {
        const bool* ok = allowed->DenseRow(i);
        for (int j = std::max(b, c0); j < std::min(e, c1);) {
          if (ok[j]) {
            ++j;
            continue;
          }
          int k = j;
          while (k < std::min(e, c1) && !ok[k]) ++k;
          hatch_run(i, j, k);
          j = k;
        }
      }
    }
  }

  // Values in the visible cells once they are readable (never smaller than 9 px).
  const float value_px = std::min(font, std::min(cw, ch) * 0.42f);
  if (value_px >= 9.0f) {
    const ColorTable table(spec.colormap);
    for (int i = r0; i < r1; ++i) {
      for (int j = c0; j < c1; ++j) {
        const ImVec2 a = cell_min(i, j);
        const bool masked = allowed && !(*allowed)(i, j);
        std::string s;
        ImU32 ink = text_color;
        if (masked) {
          if (!spec.masked_text) continue;
          s = spec.masked_text;
        } else {
          s = FormatNumber(m(i, j), spec.number_style, 2);
          const uint32_t c = table(Normalize(m(i, j), vmin, vmax));
          const Rgb rgb{(c & 255) / 255.0f, ((c >> 8) & 255) / 255.0f, ((c >> 16) & 255) / 255.0f};
          ink = Luminance(rgb) > 0.33f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255);
        }
        float px = value_px;
        ImVec2 ts = ui_font->CalcTextSizeA(px, FLT_MAX, 0.0f, s.c_str());
        const float room = cw * 0.86f;
        if (ts.x > room) {
          px = px * room / ts.x;
          ts = ui_font->CalcTextSizeA(px, FLT_MAX, 0.0f, s.c_str());
        }
        if (px >= 9.0f) {
          dl->AddText(ui_font, px, ImVec2(a.x + (cw - ts.x) * 0.5f, a.y + (ch - ts.y) * 0.5f), ink, s.c_str());
          ++result.values_shown;
        }
      }
    }
  }
  // Grid lines between visible cells when they are large enough to matter.
  if (std::min(cw, ch) >= 8.0f) {
    const ImU32 line = ImGui::GetColorU32(ImGuiCol_WindowBg);
    for (int i = r0 + 1; i < r1; ++i) dl->AddLine(ImVec2(grid_min.x, cell_min(i, 0).y), ImVec2(grid_max.x, cell_min(i, 0).y), line);
    for (int j = c0 + 1; j < c1; ++j) dl->AddLine(ImVec2(cell_min(0, j).x, grid_min.y), ImVec2(cell_min(0, j).x, grid_max.y), line);
  }
  // Argmax outlines of the visible cells, once a cell is a few pixels.
  if (spec.argmax && std::min(cw, ch) >= 4.0f) {
    const float t = std::max(1.0f, std::min(font / 7.0f, std::min(cw, ch) / 4.0f));
    for (int i = r0; i < r1 && i < static_cast<int>(spec.argmax->size()); ++i) {
      for (int j : (*spec.argmax)[static_cast<size_t>(i)]) {
        if (j < c0 || j >= c1) continue;
        const ImVec2 a = cell_min(i, j);
        dl->AddRect(ImVec2(a.x + t * 0.5f, a.y + t * 0.5f), ImVec2(a.x + cw - t * 0.5f, a.y + ch - t * 0.5f),
                    IM_COL32(230, 60, 20, 255), 0, 0, t);
      }
    }
  }
  if (result.hovered_row >= 0) {
    const ImVec2 a = cell_min(result.hovered_row, result.hovered_col);
    dl->AddRect(a, ImVec2(a.x + cw, a.y + ch), text_color, 0, 0, 2.0f);
  }
  dl->PopClipRect();
  if (*zoom > 1.0f) {
    char text[32];
    std::snprintf(text, sizeof text, "\u00D7%.1f", *zoom);
    dl->AddText(ImVec2(origin.x, grid_max.y + font * 0.1f), dim_color, text);
  }
  if (spec.show_colorbar) DrawColorbar(dl, spec, grid_min, grid_max, vmin, vmax);
  return result;
}

}  // namespace

HeatmapResult Heatmap(const char* str_id, const HeatmapSpec& spec, ImVec2 size) {
  if (HeatmapTextured(spec)) {
    ImGui::PushID(str_id);
    HeatmapResult r = HeatmapTexture(spec, size);
    ImGui::PopID();
    return r;
  }
  HeatmapResult result;
  ImGui::PushID(str_id);
  const Matrix& m = *spec.values;
  const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
  const float font = ImGui::GetFontSize();
  const ImGuiStyle& style = ImGui::GetStyle();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 text_color = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim_color = ImGui::GetColorU32(ImGuiCol_TextDisabled);

  // Label extents (labels may be drawn smaller than the UI font).
  ImFont* ui_font = ImGui::GetFont();
  const float label_px = font * spec.label_scale;
  auto label_size = [&](const std::string& s) { return ui_font->CalcTextSizeA(label_px, FLT_MAX, 0.0f, s.c_str()); };
  const Extents ext = MeasureExtents(spec);
  const float row_label_w = ext.row_label_w, bar_total = ext.bar_total;
  float col_label_h = ext.col_label_h;
  bool col_labels_across = false;  // presentation's wide cells: column labels read across

  // Title "P  7x7": in the empty corner above the row labels when it fits and
  // there is no subtitle, else on a line of its own with the subtitle.
  const std::string shape = std::to_string(rows) + "x" + std::to_string(cols);
  const bool title_in_corner = ext.title_in_corner;
  const float title_top = ImGui::GetCursorScreenPos().y;
  DrawTitleLine(spec, ext, shape);

  // Colour range.
  double vmin = spec.vmin, vmax = spec.vmax;
  HeatmapRange(spec, &vmin, &vmax);
  result.vmin = vmin;
  result.vmax = vmax;

  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float used_by_title = origin.y - title_top;
  const float avail_w = size.x - row_label_w - bar_total;
  float avail_h = size.y - used_by_title - col_label_h - font * 0.6f;  // colour bar's last label
  if (spec.min_value_px > 0) {
    // Cells wide enough for the values may be wide enough for the column
    // labels lying down: then they take one line, not the longest label's height.
    float widest_col = 0;
    for (int j = 0; j < cols; ++j) widest_col = std::max(widest_col, label_size(Label(spec.col_labels, j)).x);
    const float need = std::ceil(WidestValue(spec, 1, spec.min_value_px) / kValueRoom) + 2.0f;
    const float room_w = avail_w / std::max(cols, 1);
    if (widest_col + 6.0f <= std::max(need, room_w)) {
      col_labels_across = true;
      avail_h += col_label_h - label_px * 1.3f;
      col_label_h = label_px * 1.3f;
    }
  }
  float cell = std::min(avail_w / std::max(cols, 1), avail_h / std::max(rows, 1));
  cell = std::clamp(cell, 2.0f, spec.cell > 0 ? spec.cell : font * spec.max_cell_fonts);
  cell = std::floor(cell);
  float cw = cell, ch = cell;  // cell width and height: square unless values must stay large
  int digits = 2;
  bool values_fit = true;
  if (spec.min_value_px > 0) {
    // Presentation: the values at the UI's text size or not at all. Widen
    // the cells to the widest value (two digits, else one); rows need only
    // the text's height, so wide cells need not be tall.
    const float min_px = spec.min_value_px;
    const float room_w = avail_w / std::max(cols, 1);
    const float lo = std::ceil(min_px * 1.3f);
    float need = 0;
    values_fit = false;
    const bool rows_fit = avail_h / std::max(rows, 1) >= lo - 0.5f;  // else the grid would leave its room
    for (int d : {2, 1, 0}) {  // 0: one significant digit (CellNumber)
      if (!rows_fit) break;
      need = std::ceil(WidestValue(spec, d, min_px) / kValueRoom) + 2.0f;
      if (need <= room_w + 0.5f) {  // (a room laid out from HeatmapReadableSize() holds it exactly)
        digits = d;
        values_fit = true;
        break;
      }
    }
    const float max_cell = spec.cell > 0 ? spec.cell : font * spec.max_cell_fonts;
    cw = values_fit ? std::floor(std::max(need, std::min(room_w, max_cell))) : std::floor(std::max(2.0f, room_w));
    if (values_fit && col_labels_across) {  // as wide as the labels lying down, room permitting
      float widest_col = 0;
      for (int j = 0; j < cols; ++j) widest_col = std::max(widest_col, label_size(Label(spec.col_labels, j)).x);
      cw = std::floor(std::min(room_w, std::max(cw, widest_col + 6.0f)));
    }
    const float tall = std::max(cw, lo);
    ch = std::floor(std::max(values_fit ? lo : 2.0f, std::min(avail_h / std::max(rows, 1), tall)));
    cell = std::min(cw, ch);
  }
  result.cell = cell;
  result.cell_w = cw;
  result.cell_h = ch;
  result.value_digits = digits;

  const ImVec2 grid_min(origin.x + row_label_w, origin.y + col_label_h);
  const ImVec2 grid_max(grid_min.x + cw * cols, grid_min.y + ch * rows);
  result.grid_min = grid_min;
  result.grid_max = grid_max;

  // Claim the whole rectangle; hit-test the grid.
  // Below the grid: room for the colour bar's last label (half a line).
  const ImVec2 total(row_label_w + cw * cols + bar_total, col_label_h + ch * rows + font * 0.6f);
  ImGui::InvisibleButton("##grid", total);
  const bool hovered = ImGui::IsItemHovered();
  if (hovered) {
    int r, c;
    if (ViewCellAt(grid_min, grid_max, 0, 0, cw, ch, rows, cols, ImGui::GetIO().MousePos, &r, &c)) {
      result.hovered_row = r;
      result.hovered_col = c;
      const ImVec2 drag = ImGui::GetMouseDragDelta(ImGuiMouseButton_Left);  // (0, 0) unless dragged
      result.clicked = ImGui::IsItemDeactivated() && drag.x == 0.0f && drag.y == 0.0f;
    }
  }

  if (title_in_corner) {
    const ImVec2 at(origin.x, grid_min.y - style.ItemInnerSpacing.y - font);
    dl->AddText(at, text_color, spec.title.c_str());
    dl->AddText(ImVec2(at.x + ImGui::CalcTextSize((spec.title + "  ").c_str()).x, at.y), dim_color, shape.c_str());
  }

  // Labels: only as many as fit (every k-th when cells are small).
  const int row_label_every = std::max(1, static_cast<int>(std::ceil(label_px * 1.1f / ch)));
  const int col_label_every = std::max(1, static_cast<int>(std::ceil(label_px * 1.1f / cw)));
  for (int i = 0; i < rows; i += row_label_every) {
    const std::string s = Label(spec.row_labels, i);
    const ImVec2 ts = label_size(s);
    dl->AddText(ui_font, label_px,
                ImVec2(grid_min.x - style.ItemInnerSpacing.x - ts.x, grid_min.y + ch * i + (ch - ts.y) * 0.5f),
                text_color, s.c_str());
  }
  for (int j = 0; j < cols; j += col_label_every) {
    const std::string s = Label(spec.col_labels, j);
    if (col_labels_across) {
      const ImVec2 ts = label_size(s);
      dl->AddText(ui_font, label_px, ImVec2(grid_min.x + cw * j + (cw - ts.x) * 0.5f, grid_min.y - ts.y - style.ItemInnerSpacing.y),
                  text_color, s.c_str());
    } else {
      AddTextVertical(dl, ImVec2(grid_min.x + cw * j + (cw - label_px) * 0.5f, grid_min.y - style.ItemInnerSpacing.y),
                      text_color, s.c_str(), label_px);
    }
  }

  // Cells.
  // Values in cells: up to the UI font, smaller in small cells, never unreadable.
  ImFont* value_font = ImGui::GetFont();
  const float value_px = spec.min_value_px > 0 ? std::max(spec.min_value_px, font) : std::min(font, cell * 0.42f);
  const float min_px = spec.min_value_px > 0 ? spec.min_value_px : 9.0f;
  const bool show_values = spec.min_value_px > 0 ? values_fit : value_px >= 9.0f;
  // Masked cells: a neutral tone between background and text, hatched, so they
  // never read as a value of the colour map.
  const ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg), fg = ImGui::GetStyleColorVec4(ImGuiCol_Text);
  const ImU32 masked_bg = ImGui::GetColorU32(ImVec4(bg.x + (fg.x - bg.x) * 0.12f, bg.y + (fg.y - bg.y) * 0.12f,
                                                    bg.z + (fg.z - bg.z) * 0.12f, 1.0f));
  const ImU32 hatch = dim_color;
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      const ImVec2 a(grid_min.x + cw * j, grid_min.y + ch * i);
      const ImVec2 b(a.x + cw, a.y + ch);
      const bool masked = spec.allowed && !(*spec.allowed)(i, j);
      if (masked) {
        dl->AddRectFilled(a, b, masked_bg);
        continue;  // hatched and labelled below
      }
      const double v = m(i, j);
      const Rgb c = SampleColormap(spec.colormap, Normalize(v, vmin, vmax));
      dl->AddRectFilled(a, b, ToImU32(c));
      if (show_values) {
        const std::string s = CellNumber(v, spec.number_style, digits);
        // Shrink a long value to fit its cell, down to a readable minimum.
        float px = value_px;
        ImVec2 ts = value_font->CalcTextSizeA(px, FLT_MAX, 0.0f, s.c_str());
        const float room = cw * kValueRoom;  // a margin each side, so neighbours never touch
        if (ts.x > room) {
          px = px * room / ts.x;
          ts = value_font->CalcTextSizeA(px, FLT_MAX, 0.0f, s.c_str());
        }
        if (px >= min_px - 0.01f) {
          ++result.values_shown;
          result.value_px = result.value_px > 0 ? std::min(result.value_px, px) : px;
          const ImU32 ink = Luminance(c) > 0.33f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255);
          dl->AddText(value_font, px, ImVec2(a.x + (cw - ts.x) * 0.5f, a.y + (ch - ts.y) * 0.5f), ink,
                      s.c_str());
        }
      }
    }
  }
  // Hatching: with a renderer's textures, one quad of the repeating pattern
  // per masked run of a row; else lines per cell.
  if (spec.allowed && !spec.allowed->Unrestricted()) {
    TextureBackend* textures = CurrentTextures();
    const float step = std::max(4.0f, cell / 5.0f);
    const ImTextureID pattern = textures ? textures->HatchPattern() : nullptr;
    spec.allowed->ForEachMaskedRun(rows, cols, [&](int i, int j, int k) {
        const ImVec2 a(grid_min.x + cw * j, grid_min.y + ch * i), b(grid_min.x + cw * k, a.y + ch);
        if (pattern) {
          const float tile = step * 2.0f;  // the pattern has two lines per tile
          dl->AddImage(pattern, a, b, ImVec2((a.x - grid_min.x) / tile, (a.y - grid_min.y) / tile),
                       ImVec2((b.x - grid_min.x) / tile, (b.y - grid_min.y) / tile), hatch);
        } else {
          for (int c = j; c < k; ++c) {
            const ImVec2 ca(grid_min.x + cw * c, a.y);
            Hatch(dl, ca, ImVec2(ca.x + cw, b.y), hatch, step, std::max(1.0f, font / 16.0f));
          }
        }
    });
    if (spec.masked_text && show_values) {
      const ImVec2 ts = value_font->CalcTextSizeA(value_px, FLT_MAX, 0.0f, spec.masked_text);
      for (int i = 0; i < rows && ts.x <= cw - 4; ++i) {
        for (int j = 0; j < cols; ++j) {
          if ((*spec.allowed)(i, j)) continue;
          dl->AddText(value_font, value_px,
                      ImVec2(grid_min.x + cw * j + (cw - ts.x) * 0.5f, grid_min.y + ch * i + (ch - ts.y) * 0.5f),
                      text_color, spec.masked_text);
        }
      }
    }
  }
  // Grid lines between cells when they are large enough to matter.
  if (cell >= 8) {
    const ImU32 line = ImGui::GetColorU32(ImGuiCol_WindowBg);
    for (int i = 1; i < rows; ++i) dl->AddLine(ImVec2(grid_min.x, grid_min.y + ch * i), ImVec2(grid_max.x, grid_min.y + ch * i), line);
    for (int j = 1; j < cols; ++j) dl->AddLine(ImVec2(grid_min.x + cw * j, grid_min.y), ImVec2(grid_min.x + cw * j, grid_max.y), line);
  }
  // Argmax outlines: a dark and a light ring, visible on every colour.
  if (spec.argmax) {
    const float t = std::max(2.0f, font / 7.0f);
    for (int i = 0; i < rows && i < static_cast<int>(spec.argmax->size()); ++i) {
      for (int j : (*spec.argmax)[i]) {
        const ImVec2 a(grid_min.x + cw * j, grid_min.y + ch * i);
        const ImVec2 b(a.x + cw, a.y + ch);
        dl->AddRect(ImVec2(a.x + t * 0.5f, a.y + t * 0.5f), ImVec2(b.x - t * 0.5f, b.y - t * 0.5f),
                    IM_COL32(230, 60, 20, 255), 0, 0, t);
      }
    }
  }
  // Framed cells (the loss's targets): a light ring inside a dark one, like
  // the argmax outline but dashed-free and in the text's colours.
  if (spec.outlined) {
    const float t = std::max(1.5f, font / 10.0f);
    for (const auto& [i, j] : *spec.outlined) {
      if (i < 0 || j < 0 || i >= rows || j >= cols) continue;
      const ImVec2 a(grid_min.x + cw * j, grid_min.y + ch * i), b(a.x + cw, a.y + ch);
      dl->AddRect(a, b, IM_COL32(0, 0, 0, 255), 0, 0, t * 2.0f);
      dl->AddRect(ImVec2(a.x + t, a.y + t), ImVec2(b.x - t, b.y - t), IM_COL32(255, 255, 255, 255), 0, 0, t);
    }
  }
  // Hovered cell.
  if (result.hovered_row >= 0) {
    const ImVec2 a(grid_min.x + cw * result.hovered_col, grid_min.y + ch * result.hovered_row);
    dl->AddRect(a, ImVec2(a.x + cw, a.y + ch), text_color, 0, 0, 2.0f);
    if (!show_values && spec.min_value_px > 0) {  // colour only: the number on hover
      ImGui::SetTooltip("%s", FormatNumber(m(result.hovered_row, result.hovered_col), spec.number_style, 4).c_str());
    }
  }

  if (spec.show_colorbar) DrawColorbar(dl, spec, grid_min, grid_max, vmin, vmax);

  ImGui::PopID();
  return result;
}

}  // namespace attnlab::ui
