#include "attnlab/selection.hpp"

#include <cmath>
#include <string>

#include "attnlab/softmax.hpp"

namespace attnlab {

Status CheckSelectionSpec(const SelectionSpec& spec) {
  if (spec.n < 2 || spec.n > kMaxSelectionKeys)
    return Status::Error("n", "must be from 2 to " + std::to_string(kMaxSelectionKeys));
  if (spec.a < 0 || spec.a >= spec.n) return Status::Error("a", "must name a key, 0 to " + std::to_string(spec.n - 1));
  if (spec.b < 0 || spec.b >= spec.n) return Status::Error("b", "must name a key, 0 to " + std::to_string(spec.n - 1));
  if (spec.a == spec.b) return Status::Error("b", "must differ from a (two keys are averaged)");
  if (!(spec.t > 0) || !std::isfinite(spec.t)) return Status::Error("t", "must be > 0 (q = log(t)(u_a + u_b))");
  if (!(spec.s > 0) || !std::isfinite(spec.s)) return Status::Error("s", "must be > 0 (q1 = log(s) u_a)");
  if (!spec.noise.empty() && static_cast<int>(spec.noise.size()) != spec.n)
    return Status::Error("noise", "expected one entry per key (" + std::to_string(spec.n) + "), got " +
                                      std::to_string(spec.noise.size()));
  for (size_t i = 0; i < spec.noise.size(); ++i) {
    const KeyNoise& k = spec.noise[i];
    if (!(k.alpha >= 0) || !(k.c >= 0) || !std::isfinite(k.alpha) || !std::isfinite(k.c))
      return Status::Error("noise[" + std::to_string(i) + "]", "alpha and c must be >= 0 (they are variances)");
  }
  if (!spec.query.empty() && static_cast<int>(spec.query.size()) != spec.n)
    return Status::Error("query", "expected " + std::to_string(spec.n) + " numbers, got " +
                                      std::to_string(spec.query.size()));
  for (double v : spec.query)
    if (!std::isfinite(v)) return Status::Error("query", "holds a non-finite number");
  if (spec.samples < 1 || spec.samples > kMaxSelectionSamples)
    return Status::Error("samples", "must be from 1 to " + std::to_string(kMaxSelectionSamples));
  return Status::Ok();
}

double OrthonormalPairWeight(double t, int n) { return t / (2.0 * t + n - 2.0); }

Matrix SelectionQueries(const SelectionSpec& spec) {
  if (spec.two_heads) {
    Matrix q = Matrix::Zero(2, spec.n);
    q(0, spec.a) = std::log(spec.s);
    q(1, spec.b) = std::log(spec.t);
    return q;
  }
  Matrix q = Matrix::Zero(1, spec.n);
  if (!spec.query.empty()) {
    for (int i = 0; i < spec.n; ++i) q(0, i) = spec.query[static_cast<size_t>(i)];
  } else {
    q(0, spec.a) = std::log(spec.t);
    q(0, spec.b) = std::log(spec.t);
  }
  return q;
}

Matrix SampleKeys(const SelectionSpec& spec, NormalSampler& normal) {
  Matrix keys = Matrix::Identity(spec.n, spec.n);
  if (spec.noise.empty()) return keys;
  for (int i = 0; i < spec.n; ++i) {
    const KeyNoise& k = spec.noise[static_cast<size_t>(i)];
    const double sa = std::sqrt(k.alpha), sc = std::sqrt(k.c);
    for (int j = 0; j < spec.n; ++j) keys(i, j) += sa * normal.Next();
    keys(i, i) += sc * normal.Next();  // along u_i = e_i
  }
  return keys;
}

SelectionOutcome AttendOnce(const SelectionSpec& spec, const Matrix& keys) {
  const Matrix q = SelectionQueries(spec);
  SelectionOutcome out;
  // scores(h, i) = q_h . k_i: raw dot products, T = 1, as in the exercise.
  const Matrix scores = q * keys.transpose();
  out.weights = RowSoftmax(scores, Mask(), SoftmaxOptions());
  out.output = out.weights.colwise().mean();  // V = I: weights V = weights
  return out;
}

Status SimulateSelection(const SelectionSpec& spec, SelectionRun* run) {
  Status st = CheckSelectionSpec(spec);
  if (!st.ok()) return st;
  *run = SelectionRun();
  run->mean_keys = Matrix::Identity(spec.n, spec.n);
  run->at_mean = AttendOnce(spec, run->mean_keys);
  run->closed_form_pair_weight = OrthonormalPairWeight(spec.t, spec.n);
  NormalSampler normal(spec.seed);
  const size_t samples = static_cast<size_t>(spec.samples);
  run->alpha_a.resize(samples);
  run->alpha_b.resize(samples);
  run->drift.resize(samples);
  for (size_t k = 0; k < samples; ++k) {
    const Matrix keys = SampleKeys(spec, normal);
    SelectionOutcome o = AttendOnce(spec, keys);
    run->alpha_a[k] = o.output(spec.a);
    run->alpha_b[k] = o.output(spec.b);
    run->drift[k] = o.output(spec.a) - o.output(spec.b);
    if (k == 0) {
      run->first_keys = keys;
      run->first = std::move(o);
    }
  }
  run->alpha_a_moments = Moments(run->alpha_a);
  run->alpha_b_moments = Moments(run->alpha_b);
  run->drift_moments = Moments(run->drift);
  return Status::Ok();
}

SelectionSpec SelectionSpecOf(const SelectionLabSettings& lab) {
  SelectionSpec spec;
  spec.n = lab.n;
  spec.a = lab.a;
  spec.b = lab.b;
  spec.t = lab.t;
  spec.s = lab.s;
  spec.two_heads = lab.two_heads;
  spec.query = lab.query;
  spec.samples = lab.samples;
  spec.seed = lab.seed;
  const bool noisy = lab.alpha > 0 || lab.c_a > 0 || lab.c_b > 0 || lab.c_other > 0;
  if (noisy) {
    spec.noise.assign(static_cast<size_t>(lab.n), KeyNoise{lab.alpha, lab.c_other});
    if (lab.a >= 0 && lab.a < lab.n) spec.noise[static_cast<size_t>(lab.a)].c = lab.c_a;
    if (lab.b >= 0 && lab.b < lab.n) spec.noise[static_cast<size_t>(lab.b)].c = lab.c_b;
  }
  return spec;
}

}  // namespace attnlab
