// attnlab app: UI state of the labs (Temperature, Scaling, Selection views):
// cached samples and sweeps with the settings they were computed from, and
// what the plots showed last frame (for tests). Plain data, owned by AppState.
//
// The labs' settings themselves (cursor T, row, d, mu, sigma, seeds, ...) live
// in the scenario (Scenario::temperature_lab, ...): a preset opens a lab at
// its exercise's numbers and a saved session keeps them. A cache is recomputed
// when the settings it was computed from differ from the scenario's.
#pragma once

#include <string>
#include <vector>

#include "attnlab/dot_product_stats.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/selection.hpp"
#include "attnlab/status.hpp"
#include "attnlab/temperature.hpp"

namespace attnlab::ui {

struct TemperatureLabCache {
  // The row being swept (allowed keys only) and its sweep.
  RowVector row;
  std::vector<std::string> key_labels;
  RowSweep sweep;
  RowVector cursor_weights;  // the bars: softmax(row / cursor T)
  Status status;
  // Whole-matrix mode: entropy / max per row, for the scores it was computed from.
  Matrix swept_scores;
  TemperatureRange swept_range;
  MatrixSweep matrix_sweep;
  bool matrix_valid = false;
  Matrix cursor_matrix;  // weights of every row at the cursor T
  std::string typed_text;  // the "typed row" box
  bool typed_text_init = false;
};

struct ScalingLabCache {
  bool valid = false;
  ScalingLabSettings computed_for;
  DotProductSamples samples;
  VarianceCurve variance;
  SaturationCurve saturation;
  Status status;
};

struct SelectionLabCache {
  bool valid = false;
  SelectionLabSettings computed_for;
  SelectionRun run;
  Status status;
};

struct LabsUiState {
  TemperatureLabCache temperature;
  ScalingLabCache scaling;
  SelectionLabCache selection;
};

}  // namespace attnlab::ui
