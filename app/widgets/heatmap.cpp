#include "widgets/heatmap.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

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
  for (int i = 0; i < rows; ++i)
    e.row_label_w = std::max(e.row_label_w, ui_font->CalcTextSizeA(label_px, FLT_MAX, 0.0f, Label(spec.row_labels, i).c_str()).x);
  for (int j = 0; j < cols; ++j)
    e.col_label_h = std::max(e.col_label_h, ui_font->CalcTextSizeA(label_px, FLT_MAX, 0.0f, Label(spec.col_labels, j).c_str()).x);
  e.row_label_w += style.ItemInnerSpacing.x * 2;
  e.col_label_h += style.ItemInnerSpacing.y * 2;
  const float bar_w = font * 0.9f;
  const float bar_label_w = ImGui::CalcTextSize("-0.00").x + font * 0.45f;
  e.bar_total = spec.show_colorbar ? style.ItemSpacing.x * 2 + bar_w + style.ItemInnerSpacing.x + bar_label_w
                                   : style.ItemSpacing.x;
  const std::string shape = std::to_string(rows) + "x" + std::to_string(cols);
  const float title_w = ImGui::CalcTextSize((spec.title + "  " + shape).c_str()).x;
  e.title_in_corner = spec.show_title && spec.subtitle.empty() && title_w + style.ItemInnerSpacing.x <= e.row_label_w &&
                      e.col_label_h >= font * 1.2f;
  e.title_h = spec.show_title && !e.title_in_corner ? ImGui::GetTextLineHeightWithSpacing() : 0.0f;
  return e;
}

}  // namespace

void HeatmapRange(const HeatmapSpec& spec, double* out_min, double* out_max) {
  double vmin = spec.vmin, vmax = spec.vmax;
  if (!spec.fixed_range) {
    const Matrix& m = *spec.values;
    bool any = false;
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      for (Eigen::Index j = 0; j < m.cols(); ++j) {
        if (spec.allowed && !(*spec.allowed)(i, j)) continue;
        const double v = m(i, j);
        if (!std::isfinite(v)) continue;
        vmin = any ? std::min(vmin, v) : v;
        vmax = any ? std::max(vmax, v) : v;
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

ImVec2 HeatmapSize(const HeatmapSpec& spec, float cell) {
  const Extents e = MeasureExtents(spec);
  const float font = ImGui::GetFontSize();
  return ImVec2(e.row_label_w + cell * static_cast<float>(spec.values->cols()) + e.bar_total,
                e.title_h + e.col_label_h + cell * static_cast<float>(spec.values->rows()) + font * 0.6f);
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

HeatmapResult Heatmap(const char* str_id, const HeatmapSpec& spec, ImVec2 size) {
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
  const float row_label_w = ext.row_label_w, col_label_h = ext.col_label_h, bar_total = ext.bar_total;
  const float bar_w = font * 0.9f;

  // Title "P  7x7": in the empty corner above the row labels when it fits and
  // there is no subtitle, else on a line of its own with the subtitle.
  const std::string shape = std::to_string(rows) + "x" + std::to_string(cols);
  const bool title_in_corner = ext.title_in_corner;
  const float title_top = ImGui::GetCursorScreenPos().y;
  if (spec.show_title && !title_in_corner) {
    ImGui::Text("%s", spec.title.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s", shape.c_str());
    if (!spec.subtitle.empty()) {
      ImGui::SameLine();
      ImGui::TextDisabled("  %s", spec.subtitle.c_str());
    }
  }

  // Colour range.
  double vmin = spec.vmin, vmax = spec.vmax;
  HeatmapRange(spec, &vmin, &vmax);
  result.vmin = vmin;
  result.vmax = vmax;

  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float used_by_title = origin.y - title_top;
  const float avail_w = size.x - row_label_w - bar_total;
  const float avail_h = size.y - used_by_title - col_label_h - font * 0.6f;  // colour bar's last label
  float cell = std::min(avail_w / std::max(cols, 1), avail_h / std::max(rows, 1));
  cell = std::clamp(cell, 2.0f, spec.cell > 0 ? spec.cell : font * spec.max_cell_fonts);
  cell = std::floor(cell);
  result.cell = cell;

  const ImVec2 grid_min(origin.x + row_label_w, origin.y + col_label_h);
  const ImVec2 grid_max(grid_min.x + cell * cols, grid_min.y + cell * rows);
  result.grid_min = grid_min;
  result.grid_max = grid_max;

  // Claim the whole rectangle; hit-test the grid.
  // Below the grid: room for the colour bar's last label (half a line).
  const ImVec2 total(row_label_w + cell * cols + bar_total, col_label_h + cell * rows + font * 0.6f);
  ImGui::InvisibleButton("##grid", total);
  const bool hovered = ImGui::IsItemHovered();
  if (hovered) {
    int r, c;
    if (CellAt(grid_min, cell, rows, cols, ImGui::GetIO().MousePos, &r, &c)) {
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
  const int label_every = std::max(1, static_cast<int>(std::ceil(label_px * 1.1f / cell)));
  for (int i = 0; i < rows; i += label_every) {
    const std::string s = Label(spec.row_labels, i);
    const ImVec2 ts = label_size(s);
    dl->AddText(ui_font, label_px,
                ImVec2(grid_min.x - style.ItemInnerSpacing.x - ts.x, grid_min.y + cell * i + (cell - ts.y) * 0.5f),
                text_color, s.c_str());
  }
  for (int j = 0; j < cols; j += label_every) {
    const std::string s = Label(spec.col_labels, j);
    AddTextVertical(dl, ImVec2(grid_min.x + cell * j + (cell - label_px) * 0.5f, grid_min.y - style.ItemInnerSpacing.y),
                    text_color, s.c_str(), label_px);
  }

  // Cells.
  // Values in cells: up to the UI font, smaller in small cells, never unreadable.
  ImFont* value_font = ImGui::GetFont();
  const float value_px = std::min(font, cell * 0.42f);
  const bool show_values = value_px >= 9.0f;
  // Masked cells: a neutral tone between background and text, hatched, so they
  // never read as a value of the colour map.
  const ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg), fg = ImGui::GetStyleColorVec4(ImGuiCol_Text);
  const ImU32 masked_bg = ImGui::GetColorU32(ImVec4(bg.x + (fg.x - bg.x) * 0.12f, bg.y + (fg.y - bg.y) * 0.12f,
                                                    bg.z + (fg.z - bg.z) * 0.12f, 1.0f));
  const ImU32 hatch = dim_color;
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      const ImVec2 a(grid_min.x + cell * j, grid_min.y + cell * i);
      const ImVec2 b(a.x + cell, a.y + cell);
      const bool masked = spec.allowed && !(*spec.allowed)(i, j);
      if (masked) {
        dl->AddRectFilled(a, b, masked_bg);
        Hatch(dl, a, b, hatch, std::max(4.0f, cell / 5.0f), std::max(1.0f, font / 16.0f));
        if (spec.masked_text && show_values) {
          const ImVec2 ts = value_font->CalcTextSizeA(value_px, FLT_MAX, 0.0f, spec.masked_text);
          if (ts.x <= cell - 4) {
            dl->AddText(value_font, value_px, ImVec2(a.x + (cell - ts.x) * 0.5f, a.y + (cell - ts.y) * 0.5f),
                        text_color, spec.masked_text);
          }
        }
        continue;
      }
      const double v = m(i, j);
      const Rgb c = SampleColormap(spec.colormap, Normalize(v, vmin, vmax));
      dl->AddRectFilled(a, b, ToImU32(c));
      if (show_values) {
        const std::string s = FormatNumber(v, spec.number_style, 2);
        // Shrink a long value to fit its cell, down to a readable minimum.
        float px = value_px;
        ImVec2 ts = value_font->CalcTextSizeA(px, FLT_MAX, 0.0f, s.c_str());
        const float room = cell * 0.86f;  // a margin each side, so neighbours never touch
        if (ts.x > room) {
          px = px * room / ts.x;
          ts = value_font->CalcTextSizeA(px, FLT_MAX, 0.0f, s.c_str());
        }
        if (px >= 9.0f) {
          const ImU32 ink = Luminance(c) > 0.33f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255);
          dl->AddText(value_font, px, ImVec2(a.x + (cell - ts.x) * 0.5f, a.y + (cell - ts.y) * 0.5f), ink,
                      s.c_str());
        }
      }
    }
  }
  // Grid lines between cells when they are large enough to matter.
  if (cell >= 8) {
    const ImU32 line = ImGui::GetColorU32(ImGuiCol_WindowBg);
    for (int i = 1; i < rows; ++i) dl->AddLine(ImVec2(grid_min.x, grid_min.y + cell * i), ImVec2(grid_max.x, grid_min.y + cell * i), line);
    for (int j = 1; j < cols; ++j) dl->AddLine(ImVec2(grid_min.x + cell * j, grid_min.y), ImVec2(grid_min.x + cell * j, grid_max.y), line);
  }
  // Argmax outlines: a dark and a light ring, visible on every colour.
  if (spec.argmax) {
    const float t = std::max(2.0f, font / 7.0f);
    for (int i = 0; i < rows && i < static_cast<int>(spec.argmax->size()); ++i) {
      for (int j : (*spec.argmax)[i]) {
        const ImVec2 a(grid_min.x + cell * j, grid_min.y + cell * i);
        const ImVec2 b(a.x + cell, a.y + cell);
        dl->AddRect(ImVec2(a.x + t * 0.5f, a.y + t * 0.5f), ImVec2(b.x - t * 0.5f, b.y - t * 0.5f),
                    IM_COL32(230, 60, 20, 255), 0, 0, t);
      }
    }
  }
  // Hovered cell.
  if (result.hovered_row >= 0) {
    const ImVec2 a(grid_min.x + cell * result.hovered_col, grid_min.y + cell * result.hovered_row);
    dl->AddRect(a, ImVec2(a.x + cell, a.y + cell), text_color, 0, 0, 2.0f);
  }

  // Colour bar with three ticks.
  if (spec.show_colorbar) {
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

  ImGui::PopID();
  return result;
}

}  // namespace attnlab::ui
