// attnlab widgets: a heatmap whose cells can be edited in place.
//
//   MatrixEditorResult r = MatrixEditor("W_Q", spec, size, state);
//   for (const CellEdit& e : r.edits) scenario.W_Q(e.row, e.col) = e.value;
//
// Click a cell to type into it (fractions such as 1/3 are accepted); Enter
// commits, Escape cancels, Tab / Shift+Tab and Up / Down commit and move.
// Drag a cell sideways to scrub its value (Shift: ten times finer). The widget
// never changes the matrix itself: it returns the edits and the caller applies
// them (through its undo history). Knows nothing of AppState.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

#include "widgets/heatmap.hpp"

namespace attnlab::ui {

struct MatrixEditorState {
  int edit_row = -1, edit_col = -1;  // the cell being typed into, or -1
  bool focus_pending = false;        // give the text field keyboard focus this frame
  char buffer[64] = {};
  std::string error;                 // why the typed text is not a number, or ""
  // A press on the grid: which cell, and its value then (for scrubbing).
  int press_row = -1, press_col = -1;
  double press_value = 0;
  bool scrubbing = false;
  // Set by the text field's callbacks: move after committing.
  int move_rows = 0, move_cols = 0;

  bool Editing() const { return edit_row >= 0; }
  void StartEditing(int row, int col, double value);
  void StopEditing() { edit_row = edit_col = -1; error.clear(); }
};

struct CellEdit {
  int row = 0, col = 0;
  double value = 0;
};

struct MatrixEditorResult {
  HeatmapResult heatmap;
  std::vector<CellEdit> edits;
  bool typed = false;  // the edits were typed (each one a step of undo), not scrubbed
  bool context_menu = false;  // right-clicked: open the caller's menu
  ImVec2 edit_min{0, 0}, edit_max{0, 0};    // the text field over the cell being edited, or empty
  ImVec2 error_min{0, 0}, error_max{0, 0};  // where the typed text's error is shown (beside the grid), or empty
  int context_row = -1, context_col = -1;
};

MatrixEditorResult MatrixEditor(const char* str_id, const HeatmapSpec& spec, ImVec2 size, MatrixEditorState& state);

// The scrubbed value: `start` moved by `pixels` of horizontal drag, rounded to
// the step so that values stay readable (0.01 per pixel; fine: 0.001).
double ScrubValue(double start, float pixels, bool fine);

}  // namespace attnlab::ui
