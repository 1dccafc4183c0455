#include "attnlab/scaling.hpp"

namespace attnlab {

DotProductSpec ScalingSpec(const ScalingLabSettings& settings) {
  DotProductSpec spec;
  spec.d = settings.d;
  spec.mu = settings.mu;
  spec.mu_components = settings.mu_components;
  spec.sigma = settings.sigma;
  spec.samples = settings.samples;
  spec.seed = settings.seed;
  return spec;
}

double ScalingDraws(const ScalingLabSettings& s) {
  double dims = 0;
  for (int d : PowersOfTwoUpTo(s.max_d)) dims += d;
  return 2.0 * s.samples * s.d + dims * (2.0 * kScalingCurveSamples + (s.keys + 1.0) * kScalingSaturationTrials);
}

bool SameScalingSamples(const ScalingLabSettings& a, const ScalingLabSettings& b) {
  return a.d == b.d && a.mu == b.mu && a.mu_components == b.mu_components && a.sigma == b.sigma &&
         a.samples == b.samples && a.seed == b.seed;
}

bool SameScalingCurves(const ScalingLabSettings& a, const ScalingLabSettings& b) {
  return a.mu == b.mu && a.sigma == b.sigma && a.max_d == b.max_d && a.keys == b.keys && a.seed == b.seed;
}

Status ComputeScalingSamples(const ScalingLabSettings& settings, ScalingView* out) {
  return SampleDotProducts(ScalingSpec(settings), &out->samples);
}

Status ComputeScalingCurves(const ScalingLabSettings& settings, ScalingView* out) {
  const DotProductSpec spec = ScalingSpec(settings);
  const std::vector<int> dims = PowersOfTwoUpTo(settings.max_d);
  Status st = VarianceAgainstDimension(spec, dims, kScalingCurveSamples, &out->variance);
  if (!st.ok()) return st;
  return MeanMaxWeightAgainstDimension(spec, dims, settings.keys, kScalingSaturationTrials, &out->saturation);
}

Status ComputeScalingView(const ScalingLabSettings& settings, ScalingView* out) {
  Status st = ComputeScalingSamples(settings, out);
  if (!st.ok()) return st;
  return ComputeScalingCurves(settings, out);
}

}  // namespace attnlab
