// attnlab app: the matrix panels of the Attention view.
//
// Every panel has a header (collapse arrow, name, shape, formula, a menu) and
// a heatmap. Input panels edit the scenario in place (MatrixEditor) and carry
// the error message when their shape is the one that no longer works; result
// panels explain the hovered cell ("read the maths"). Panels flow left to
// right and wrap, so the same layout serves a 1280x720 projector and a 4K
// screen.
#pragma once

#include <string>
#include <vector>

#include "app_state.hpp"
#include "ui/presentation.hpp"

namespace attnlab::ui {

// Where the next panel goes: beside the previous one when it fits.
struct PanelFlow {
  bool first = true;
  bool last_folded = false;  // folded headers share rows; an open panel starts its own
};

enum class MatrixKind {
  kSigned,        // X, Q, K, V: diverging colours
  kRawScores,     // Q K^T (step mode)
  kScaledScores,  // scale * Q K^T before the mask (step mode; values = raw scores)
  kScores,        // scale * Q K^T with -inf where masked
  kWeights,       // P: sequential 0..1, argmax outlined, click to mask
  kMeanWeights,   // the heads' mean P (nn.MultiheadAttention's averaged weights): sequential, key columns
  kOutput,        // Z = P V
  kProjected,     // R = Z W_O
  kLogits,
  kProbs,         // sequential 0..1
};

struct ResultPanel {
  std::string name;     // "P", "heads[1].scores": also the key of its UI state
  std::string formula;  // "softmax(scores / T)"
  const Matrix* values = nullptr;
  MatrixKind kind = MatrixKind::kSigned;
  int head = 0;
  bool large = false;  // presentation: as big as the space allows
  ImVec2 room{0, 0};   // > 0: presentation, drawn into this room with numbers at the UI's text size
};

// The least room a presentation panel needs to print its numbers at the
// UI's text size (the header line included).
ImVec2 ResultPanelReadableSize(const AppState& s, const ResultPanel& panel);

// The scenario's input matrix named as in a scenario file ("E", "X", "Q",
// "W_O", "unembedding", "heads[1].W_K", "W_Q" for the single head), or null.
Matrix* InputMatrix(Scenario& scenario, const std::string& name);

// A result matrix as a presentation slide: drawn into its room, numbers at the
// UI's text size, least room = ResultPanelReadableSize.
Slide MatrixSlide(AppState& s, ResultPanel panel, std::string label);

void InputMatrixPanel(AppState& s, PanelFlow& flow, const std::string& name, const char* what,
                      const std::vector<std::string>* row_labels, const std::vector<std::string>* col_labels);
void ResultMatrixPanel(AppState& s, PanelFlow& flow, const ResultPanel& panel);

// A figure of a lab view (a plot, or the Temperature view's weight map) as a
// panel like the matrices': named, listed in panel_names, exported alone from
// its "…" menu or with Ctrl+E over it. A group holds a header line (the
// title, and the menu button unless exporting) and the figure:
//
//   ImVec2 body = size;  // in: the whole panel; out: the room under the header
//   if (BeginFigurePanel(s, "entropy_vs_T", "Entropy against T", &body)) {
//     Plot("entropy", spec, body);  // spec.title empty: the header shows it
//     EndFigurePanel(s, "entropy_vs_T");
//   }
//
// Returns false, drawing nothing, while another panel is exported alone.
bool BeginFigurePanel(AppState& s, const std::string& name, const std::string& title, ImVec2* body);
void EndFigurePanel(AppState& s, const std::string& name);
// A picture of one panel is being drawn: views draw their panels alone (no
// controls, no text), each at FigureExportSize(), and only the chosen one shows.
bool ExportingOnePanel(const AppState& s);
ImVec2 FigureExportSize();

struct HeatmapSpec;  // widgets/heatmap.hpp

// The heatmap of a lab view's matrix figure, as every view draws one: named
// `name` (its title drawn by the figure's header, not the map), the labels,
// the colours (sequential 0..1 for weights unless auto range, else diverging
// about 0), the number style, and labels a little smaller in presentation.
// The view adds its own (mask, outlines, revision) to the result.
HeatmapSpec FigureHeatmapSpec(const AppState& s, const std::string& name, const Matrix* values,
                              const std::vector<std::string>* rows, const std::vector<std::string>* cols,
                              bool sequential);

// Fills (pure; tested): one-hot rows put a 1 in column i mod cols of row i.
void FillIdentity(Matrix* m);
void FillOneHotRows(Matrix* m);
void FillRandom(Matrix* m, unsigned seed);  // N(0, 1), rounded to 2 decimals so it reads well

}  // namespace attnlab::ui
