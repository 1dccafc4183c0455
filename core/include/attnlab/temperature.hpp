// attnlab core: softmax as the temperature sweeps from argmax to uniform (E7).
//
//   w(T)    = softmax(z / T)                        z: one row of scores (n)
//   H(T)    = -sum_j w_j log w_j  (nats)            0 <= H <= log n
//   max(T)  = max_j w_j                             1/n <= max <= 1
//   T -> 0+ : argmax, the tied maxima share equally (RowSoftmax at T = 0)
//   T -> inf: uniform, w_j = 1/n, H = log n
//   temperatures: T_m = t_min (t_max / t_min)^(m / (count - 1)), m = 0..count-1
//
// With d_j = z_j - max z <= 0 and S = sum_j exp(d_j / T):
//   max(T) = 1 / S   (the largest term is exp(0) = 1)
//   H(T)   = log S - (1 / T) sum_j w_j d_j
// so one pass of exps per (row, T) gives both, and nothing overflows.
#pragma once

#include <string>
#include <vector>

#include "attnlab/matrix.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

struct TemperatureRange {
  double t_min = 1e-3;
  double t_max = 1e3;
  int count = 200;
};

// `count` log-spaced temperatures from t_min to t_max (both included, ascending).
// Fails naming "t_min"/"t_max"/"count" for t_min <= 0, t_max <= t_min, count < 2.
Status LogTemperatures(const TemperatureRange& range, std::vector<double>* temperatures);

// softmax(z / T) of one row; T = 0 is the argmax limit with ties split
// (kArgmaxRelTol, as everywhere), T = +inf the uniform limit.
RowVector TemperatureWeights(const RowVector& z, double temperature);

// -sum w log w in nats, with 0 log 0 = 0 (the T -> 0 limit of a zero weight).
double Entropy(const RowVector& weights);

// One row swept over the range.
struct RowSweep {
  std::vector<double> temperatures;  // (count), ascending
  Matrix weights;                    // (count, n): row m = softmax(z / T_m)
  std::vector<double> entropy;       // (count)
  std::vector<double> max_weight;    // (count)
  RowVector cold_limit;              // (n) T -> 0+: argmax, ties split
  RowVector hot_limit;               // (n) T -> inf: 1/n each
  double cold_entropy = 0;           // log(number of tied maxima)
  double hot_entropy = 0;            // log n
};
// Fails naming "scores" for an empty or non-finite row, or the range's field.
Status SweepRow(const RowVector& z, const TemperatureRange& range, RowSweep* sweep);

// Every row of a score matrix swept over the range: the entropy and the
// largest weight only (all the weights would be count * n_q * n_k numbers).
struct MatrixSweep {
  std::vector<double> temperatures;  // (count), ascending
  Matrix entropy;                    // (n_q, count): row i = row i's curve H(T)
  Matrix max_weight;                 // (n_q, count)
};
// Cost: count * n_q * n_k exps at most, far fewer in practice: terms with
// d_j / T < -kSweepCutoff are skipped (exp < 2e-22 each: below round-off of a
// sum whose largest term is 1), and once T exceeds the row's spread the sums
// come from a power series in 1/T (see temperature.cpp). 256 x 256 x 200 T:
// about 6 ms on one core (bench_labs).
inline constexpr double kSweepCutoff = 50.0;
Status SweepMatrix(const Matrix& scores, const TemperatureRange& range, MatrixSweep* sweep);

// ---- The Temperature view (E7) -------------------------------------------
// Its settings, in a scenario file's "temperature_lab" object (views/temperature_view.cpp).
struct TemperatureLabSettings {
  int row = 0;                 // the row of the scenario's scores that is swept (0-based)
  std::vector<double> scores;  // a typed row instead; empty = use the scenario's scores
  double t_min = 1e-3, t_max = 1e3;  // the swept range (log axis)
  double cursor = 1.0;               // the T whose weights are drawn as bars
  bool whole_matrix = false;         // every row: weight map at the cursor, entropy per row
};
inline bool operator==(const TemperatureLabSettings& a, const TemperatureLabSettings& b) {
  return a.row == b.row && a.scores == b.scores && a.t_min == b.t_min && a.t_max == b.t_max &&
         a.cursor == b.cursor && a.whole_matrix == b.whole_matrix;
}

inline constexpr int kTemperatureSweepCount = 200;  // temperatures in every sweep of the view
// Whole-matrix mode sweeps every row over 200 temperatures up to this many
// score cells (512 x 512: about 10 ms); larger maps show the cursor's weights only.
inline constexpr double kMaxSweptCells = 512.0 * 512;

// The swept row: the typed scores (keys "k0".."k(n-1)", as every view names them), or row `settings.row`
// (clamped) of `scores` (head 0's, -inf where masked) with its masked keys left
// out (keys "k<column>").
struct TemperatureRow {
  bool typed = false;
  int row = 0;                          // the scenario's row (not typed)
  RowVector z;                          // (n) the swept scores
  std::vector<std::string> key_labels;  // (n)
};
TemperatureRow SweptRow(const TemperatureLabSettings& settings, const Matrix* scores);

// softmax(scores / T) of every row of a score matrix with -inf where masked:
// masked entries 0, a fully masked row all 0; T = 0 is argmax with ties split.
Matrix TemperatureMatrix(const Matrix& scores, double temperature);

// Everything the view shows: the row's sweep and weights at the cursor, and in
// whole-matrix mode every row's weights at the cursor and entropy / largest
// weight against T (only when no entry is masked: `matrix_note` says why not).
struct TemperatureView {
  TemperatureRow row;
  RowSweep sweep;
  RowVector cursor_weights;  // (n) softmax(z / cursor)
  Matrix cursor_matrix;      // whole matrix: (n_q, n_k) at the cursor
  bool matrix_swept = false;
  MatrixSweep matrix_sweep;
  std::string matrix_note;
};
// `scores`: the scenario's (head 0), or null when it has none. Fails naming
// "scores" for an empty row, or "temperature_lab.t_min" / "t_max".
Status ComputeTemperatureView(const TemperatureLabSettings& settings, const Matrix* scores, TemperatureView* out);
// Only the parts that depend on the cursor (the bars and the whole-matrix
// weights), for a view computed with the same settings but the cursor.
void UpdateTemperatureCursor(const TemperatureLabSettings& settings, const Matrix* scores, TemperatureView* out);

}  // namespace attnlab
