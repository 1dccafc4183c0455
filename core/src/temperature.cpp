#include "attnlab/temperature.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "attnlab/softmax.hpp"

namespace attnlab {

Status LogTemperatures(const TemperatureRange& range, std::vector<double>* temperatures) {
  if (!(range.t_min > 0) || !std::isfinite(range.t_min))
    return Status::Error("t_min", "must be a positive number (a log axis starts above 0)");
  if (!(range.t_max > range.t_min) || !std::isfinite(range.t_max))
    return Status::Error("t_max", "must be larger than t_min");
  if (range.count < 2 || range.count > 100000) return Status::Error("count", "must be from 2 to 100000");
  temperatures->resize(static_cast<size_t>(range.count));
  const double log_lo = std::log(range.t_min), log_hi = std::log(range.t_max);
  for (int m = 0; m < range.count; ++m) {
    (*temperatures)[static_cast<size_t>(m)] = std::exp(log_lo + (log_hi - log_lo) * m / (range.count - 1));
  }
  // The end points exactly as given (exp(log x) may be off by one ulp).
  temperatures->front() = range.t_min;
  temperatures->back() = range.t_max;
  return Status::Ok();
}

RowVector TemperatureWeights(const RowVector& z, double temperature) {
  const Eigen::Index n = z.size();
  if (n == 0) return RowVector();
  if (std::isinf(temperature)) return RowVector::Constant(n, 1.0 / static_cast<double>(n));
  SoftmaxOptions options;
  options.temperature = temperature;
  const Matrix row = z;
  return RowSoftmax(row, Mask(), options).row(0);
}

double Entropy(const RowVector& weights) {
  double h = 0;
  for (Eigen::Index j = 0; j < weights.size(); ++j) {
    const double w = weights(j);
    if (w > 0) h -= w * std::log(w);
  }
  return h;
}

namespace {

Status CheckRow(const RowVector& z) {
  if (z.size() == 0) return Status::Error("scores", "the row is empty");
  for (Eigen::Index j = 0; j < z.size(); ++j)
    if (!std::isfinite(z(j))) return Status::Error("scores", "entry " + std::to_string(j) + " is not finite");
  return Status::Ok();
}

}  // namespace

Status SweepRow(const RowVector& z, const TemperatureRange& range, RowSweep* sweep) {
  Status st = CheckRow(z);
  if (!st.ok()) return st;
  if (!(st = LogTemperatures(range, &sweep->temperatures)).ok()) return st;
  const Eigen::Index n = z.size();
  const size_t count = sweep->temperatures.size();
  sweep->weights.resize(static_cast<Eigen::Index>(count), n);
  sweep->entropy.resize(count);
  sweep->max_weight.resize(count);
  for (size_t m = 0; m < count; ++m) {
    const RowVector w = TemperatureWeights(z, sweep->temperatures[m]);
    sweep->weights.row(static_cast<Eigen::Index>(m)) = w;
    sweep->entropy[m] = Entropy(w);
    sweep->max_weight[m] = w.maxCoeff();
  }
  sweep->cold_limit = TemperatureWeights(z, 0.0);
  sweep->hot_limit = RowVector::Constant(n, 1.0 / static_cast<double>(n));
  sweep->cold_entropy = Entropy(sweep->cold_limit);
  sweep->hot_entropy = std::log(static_cast<double>(n));
  return Status::Ok();
}

Status SweepMatrix(const Matrix& scores, const TemperatureRange& range, MatrixSweep* sweep) {
  if (scores.size() == 0) return Status::Error("scores", "the matrix is empty");
  if (!AllFinite(scores)) return Status::Error("scores", "holds a NaN or infinite entry");
  Status st = LogTemperatures(range, &sweep->temperatures);
  if (!st.ok()) return st;
  const Eigen::Index n_q = scores.rows(), n_k = scores.cols();
  const Eigen::Index count = static_cast<Eigen::Index>(sweep->temperatures.size());
  sweep->entropy.resize(n_q, count);
  sweep->max_weight.resize(n_q, count);

  // Two shortcuts keep this at a few ms for 256 x 256 x 200 (bench_labs):
  // - cold end: d sorted descending; at temperature T only the head with
  //   d_j > -cutoff T contributes, and that head only grows as T rises;
  // - hot end: once |d_j| / T <= 1 for every j, the sums are power series in
  //   x = 1/T over the row's power sums P_k = sum_j d_j^k:
  //     S = sum_k P_k x^k / k!,   sum_j d_j e^(d_j x) = sum_k P_(k+1) x^k / k!
  //   kSeriesTerms terms leave an error below 1/(kSeriesTerms+1)! ~ 1e-26
  //   relative; the alternating terms are bounded by n e, S >= n / e, so
  //   cancellation costs at most a factor e^2 of round-off.
  constexpr int kSeriesTerms = 24;
  Eigen::ArrayXd d(n_k), e(n_k), power(n_k);
  double power_sums[kSeriesTerms + 2];
  for (Eigen::Index i = 0; i < n_q; ++i) {
    const double row_max = scores.row(i).maxCoeff();
    for (Eigen::Index j = 0; j < n_k; ++j) d(j) = scores(i, j) - row_max;
    std::sort(d.data(), d.data() + n_k, std::greater<double>());
    const double spread = -d(n_k - 1);  // max_j |d_j|
    bool have_power_sums = false;
    Eigen::Index head = 1;  // d(0) = 0 always counts
    for (Eigen::Index m = 0; m < count; ++m) {
      const double T = sweep->temperatures[static_cast<size_t>(m)];
      if (spread <= T) {
        if (!have_power_sums) {
          power.setOnes();
          for (int k = 0; k < kSeriesTerms + 2; ++k) {
            power_sums[k] = power.sum();
            power *= d;
          }
          have_power_sums = true;
        }
        const double x = 1.0 / T;
        double sum = 0, weighted = 0, term = 1;  // term = x^k / k!
        for (int k = 0; k <= kSeriesTerms; ++k) {
          sum += power_sums[k] * term;
          weighted += power_sums[k + 1] * term;
          term *= x / (k + 1);
        }
        sweep->max_weight(i, m) = 1.0 / sum;
        sweep->entropy(i, m) = std::log(sum) - weighted / sum * x;
        continue;
      }
      const double floor = -kSweepCutoff * T;
      while (head < n_k && d(head) > floor) ++head;
      const double inv_t = 1.0 / T;
      auto ds = d.head(head);
      auto es = e.head(head);
      es = (ds * inv_t).exp();
      const double sum = es.sum();                    // >= 1
      const double weighted = (es * ds).sum() / sum;  // sum_j w_j d_j <= 0
      sweep->max_weight(i, m) = 1.0 / sum;
      // log S - (1/T) sum w d: both terms >= 0, no cancellation.
      sweep->entropy(i, m) = std::log(sum) - weighted * inv_t;
    }
  }
  return Status::Ok();
}

TemperatureRow SweptRow(const TemperatureLabSettings& settings, const Matrix* scores) {
  TemperatureRow out;
  std::vector<double> values;
  if (!settings.scores.empty()) {
    out.typed = true;
    values = settings.scores;
    for (size_t j = 0; j < values.size(); ++j) out.key_labels.push_back("k" + std::to_string(j));  // as every view names keys
  } else if (scores && scores->rows() > 0) {
    out.row = std::clamp(settings.row, 0, static_cast<int>(scores->rows()) - 1);
    for (Eigen::Index j = 0; j < scores->cols(); ++j) {
      const double v = (*scores)(out.row, j);
      if (v == -std::numeric_limits<double>::infinity()) continue;  // masked key
      values.push_back(v);
      out.key_labels.push_back("k" + std::to_string(j));
    }
  }
  out.z = Eigen::Map<const RowVector>(values.data(), static_cast<Eigen::Index>(values.size()));
  return out;
}

Matrix TemperatureMatrix(const Matrix& scores, double temperature) {
  Matrix out = Matrix::Zero(scores.rows(), scores.cols());
  std::vector<double> values;
  std::vector<Eigen::Index> columns;
  for (Eigen::Index i = 0; i < scores.rows(); ++i) {
    values.clear();
    columns.clear();
    for (Eigen::Index j = 0; j < scores.cols(); ++j) {
      if (scores(i, j) == -std::numeric_limits<double>::infinity()) continue;
      values.push_back(scores(i, j));
      columns.push_back(j);
    }
    if (values.empty()) continue;  // fully masked: zeros, as the pipeline gives
    const RowVector w = TemperatureWeights(
        Eigen::Map<const RowVector>(values.data(), static_cast<Eigen::Index>(values.size())), temperature);
    for (size_t k = 0; k < columns.size(); ++k) out(i, columns[k]) = w(static_cast<Eigen::Index>(k));
  }
  return out;
}

void UpdateTemperatureCursor(const TemperatureLabSettings& settings, const Matrix* scores, TemperatureView* out) {
  out->cursor_weights = TemperatureWeights(out->row.z, settings.cursor);
  out->cursor_matrix = settings.whole_matrix && scores ? TemperatureMatrix(*scores, settings.cursor) : Matrix();
}

Status ComputeTemperatureView(const TemperatureLabSettings& settings, const Matrix* scores, TemperatureView* out) {
  out->row = SweptRow(settings, scores);
  const TemperatureRange range{settings.t_min, settings.t_max, kTemperatureSweepCount};
  Status st = SweepRow(out->row.z, range, &out->sweep);
  if (!st.ok()) {
    if (st.field() == "t_min" || st.field() == "t_max") return Status::Error("temperature_lab." + st.field(), st.message());
    return st;
  }
  UpdateTemperatureCursor(settings, scores, out);
  out->matrix_swept = false;
  out->matrix_note.clear();
  if (!settings.whole_matrix) return Status::Ok();
  if (!scores) {
    out->matrix_note = "Whole-matrix mode needs the scenario's scores.";
    return Status::Ok();
  }
  if (!AllFinite(*scores)) {
    out->matrix_note = "Masked scores: the per-row entropy sweep needs every key allowed.";
    return Status::Ok();
  }
  if (static_cast<double>(scores->size()) > kMaxSweptCells) {
    out->matrix_note = "The per-row entropy sweep covers up to 512 x 512 scores (" + std::to_string(scores->rows()) +
                       " x " + std::to_string(scores->cols()) + " here): the weights at the cursor are shown.";
    return Status::Ok();
  }
  st = SweepMatrix(*scores, range, &out->matrix_sweep);
  if (!st.ok()) return st;
  out->matrix_swept = true;
  return Status::Ok();
}

}  // namespace attnlab
