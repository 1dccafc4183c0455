// attnlab widgets: a labelled matrix heatmap.
//
//   HeatmapResult r = Heatmap("##P", spec, size);   // draws into the current window
//
// Knows nothing of AppState: the caller owns the data and reads back which cell
// is hovered or clicked. Cells are coloured by value (colour bar on the right),
// values printed when they fit, argmax cells outlined, masked cells hatched.
// Row = query, column = key; row labels on the left, column labels on top.
//
// Above kTextureCells cells (widgets/texture.hpp) the map is one texture, one
// texel per cell, refilled only when `revision`, the colour map or the range
// change, and the widget becomes a viewport: it fits its room at zoom 1, the
// wheel zooms about the pointer, the middle button or Space + left drag pans
// (a plain left drag stays the caller's: scrubbing a value), and values,
// grid lines, argmax outlines and hatching (a repeated pattern texture, one
// quad per masked run of a visible row) appear once the cells are big enough
// on screen. Only visible cells cost anything per frame.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "attnlab/format.hpp"
#include "attnlab/mask.hpp"
#include "attnlab/matrix.hpp"
#include "attnlab/softmax.hpp"
#include "widgets/colormap.hpp"

namespace attnlab::ui {

struct HeatmapSpec {
  std::string title;     // "P", shown with the shape: "P  7x7"
  std::string subtitle;  // beside the title, e.g. "softmax(Q K^T / T)"; "" puts the title in the corner
  const Matrix* values = nullptr;
  const AllowedKeys* allowed = nullptr;  // masked cells hatched; may be null
  const ArgmaxSets* argmax = nullptr;    // per row, outlined columns; may be null
  const std::vector<std::pair<int, int>>* outlined = nullptr;  // (row, col) cells framed: a loss's targets
  const std::vector<std::string>* row_labels = nullptr;  // may be null: indices are shown
  const std::vector<std::string>* col_labels = nullptr;
  Colormap colormap = Colormap::kViridis;
  bool fixed_range = true;  // [vmin, vmax]; false = the values' own range
  double vmin = 0.0, vmax = 1.0;
  NumberStyle number_style = NumberStyle::kAuto;
  float max_cell_fonts = 3.4f;  // largest cell, in font sizes
  float label_scale = 1.0f;     // row/column labels' size, relative to the UI font
  bool show_title = true;       // false: the caller draws its own header
  bool show_colorbar = true;
  const char* masked_text = nullptr;  // printed in masked cells (scores: "-inf" before the softmax)
  float cell = 0;               // > 0: use this cell size (still clamped to fit `size`)
  // > 0 (presentation): values are printed at least this size, never smaller.
  // Cells widen to fit them (and may then be wider than tall), with fewer
  // digits if need be; when even one digit does not fit, cells show their
  // colour alone and the hovered cell's number in a tooltip.
  float min_value_px = 0;
  // The digits HeatmapReadableSize() lays a map out for: 2, or 0 = the fewest
  // that read (one significant digit: 0.06, -0.1, 2e-4).
  int readable_digits = 2;
  // Changes whenever `values`, `allowed` or `argmax` change (a texture is
  // refilled only then). 0 = unknown: a big map's values are hashed when drawn.
  uint64_t revision = 0;
};

struct HeatmapResult {
  ImVec2 grid_min{0, 0}, grid_max{0, 0};  // the cells' rectangle (the viewport), in screen pixels
  float cell = 0;                         // side of one cell, pixels (textured: the smaller side)
  int hovered_row = -1, hovered_col = -1;
  bool clicked = false;  // left click released on a cell this frame (hovered_* say which)
  double vmin = 0, vmax = 1;  // the colour range used
  // Textured maps: the view. Cells are cell_w x cell_h pixels on screen and
  // (view_row, view_col) is the cell coordinate at grid_min.
  bool textured = false;
  float zoom = 1.0f;
  float cell_w = 0, cell_h = 0;
  double view_row = 0, view_col = 0;
  bool panning = false;  // a pan drag is under way: the left button is not the caller's
  int values_shown = 0;  // cells whose value is printed this frame (0 while too small to read)
  float value_px = 0;    // the size the smallest printed value was drawn at (0: none printed)
  int value_digits = 0;  // the digits asked of FormatNumber for the values (small maps)
  // The top-left corner of cell (row, col) on screen.
  ImVec2 CellMin(int row, int col) const {
    return ImVec2(grid_min.x + static_cast<float>((col - view_col) * cell_w),
                  grid_min.y + static_cast<float>((row - view_row) * cell_h));
  }
};

// Lays out and draws the heatmap within `size` (the widget may use less).
HeatmapResult Heatmap(const char* str_id, const HeatmapSpec& spec, ImVec2 size);

// The colour range Heatmap() uses: [spec.vmin, spec.vmax], or with
// fixed_range false the values' own range (symmetric about 0 for the
// diverging map), ignoring masked and non-finite cells.
void HeatmapRange(const HeatmapSpec& spec, double* vmin, double* vmax);

// The smallest size in which a map with spec.min_value_px > 0 still prints its
// values at that size (with the fewest digits that read: two), for laying
// out presentation mode; HeatmapSize() of the smallest cell otherwise.
ImVec2 HeatmapReadableSize(const HeatmapSpec& spec);

// The size Heatmap() takes with square cells of side `cell` (labels, colour
// bar and title included), for laying panels out before drawing them. A
// textured map's side is at least HeatmapMinSide() (its cells then stretch).
ImVec2 HeatmapSize(const HeatmapSpec& spec, float cell);
bool HeatmapTextured(const HeatmapSpec& spec);
float HeatmapMinSide();
// The cells' rectangle for cells of side `cell` (a textured map's thin side stretched).
ImVec2 HeatmapGridSize(const HeatmapSpec& spec, float cell);

// The cell under `p` in a view whose top-left is cell (view_row, view_col) and
// whose cells are cell_w x cell_h pixels; false outside [0, rows) x [0, cols).
bool ViewCellAt(ImVec2 grid_min, ImVec2 grid_max, double view_row, double view_col, float cell_w, float cell_h,
                int rows, int cols, ImVec2 p, int* row, int* col);

// The cell under `p`, for a grid of rows x cols square cells of side `cell`
// starting at `grid_min`. False outside the grid.
bool CellAt(ImVec2 grid_min, float cell, int rows, int cols, ImVec2 p, int* row, int* col);

// Draws `text` rotated 90 degrees counter-clockwise (reading bottom to top) with
// the start of the text at `bottom_left`.
// `size` is the font size in pixels (0 = the current font's).
void AddTextVertical(ImDrawList* draw_list, ImVec2 bottom_left, ImU32 color, const char* text, float size = 0);

}  // namespace attnlab::ui
