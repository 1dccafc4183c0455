// attnlab app: practice mode (issue 17). On any view the student chooses a
// computed quantity ("practise this"); the view gives way to a sheet with the
// question's data and blank cells. Check marks each cell (attnlab/practice.hpp),
// names a common mistake, and, for the attention pipeline's stages, marks a
// later stage against what follows from the student's own earlier answers.
// Hints come in three levels per cell: the formula, the numbers filled in, the
// value. While practising nothing else of the view is drawn, and Export and the
// worked solution are off: no hover, picture or copy gives the answer away.
//
// The sheets live in Scenario::practice: saved with the scenario and the
// session, and every change (a cell typed, Check, a hint) is one step of undo.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "attnlab/practice.hpp"

namespace attnlab::ui {

// "attention:weights": the key of a sheet in Scenario::practice.sheets.
std::string PracticeSheetKey(const std::string& view, const std::string& target);

// The student's answers to the attention stages, as numbers, for marking a
// later stage ("errors do not carry"): every sheet of the view that is filled
// in completely, parses and has its stage's shape, and is not revealed. With
// `partial`, a sheet with some cells filled in counts too, its other cells NaN
// (what the sheet shows as "your Q", so that the truth is never shown for a
// stage the student is still working).
std::map<std::string, Matrix> PracticeEarlier(const Scenario& s, const std::vector<PracticeItem>& items, bool partial);

// What the sheet shows and marks this frame; recomputed when the scenario changes.
struct PracticeCache {
  uint64_t revision = ~0ull;
  std::string view;
  Status status;                      // why there is nothing to practise
  PracticeContext ctx;                // the view's eval, redone only when more than the practice changed
  Scenario ctx_for;                   // the scenario ctx was computed from, its practice left out
  bool ctx_ready = false;
  std::vector<PracticeItem> items;
  int current = -1;                   // index into items
  Matrix truth;
  std::vector<PracticeGiven> givens;
  std::map<std::string, Matrix> earlier, shown;
  bool has_marks = false;             // the sheet was checked
  StageMarks marks;                   // of the cells as they were at Check
  Status marks_status;
  int cell = -1;                      // the cell whose hints show (row-major); UI only, not undone
};

// The practice sheet, in place of the view (the window and presentation).
void DrawPracticeSheet(AppState& s);

// Turns practice mode on or off (one step of undo).
void TogglePractice(AppState& s);

}  // namespace attnlab::ui
