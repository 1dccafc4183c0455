// attnlab core: the Scaling view (E1), why attention divides q.k by sqrt(d).
//
//   samples     `samples` pairs q, k ~ N(mu, sigma^2 I) in R^d: q.k and q.k / sqrt(d)
//               with their moments beside the closed forms (dot_product_stats.hpp)
//   variance    Var[q.k] and Var[q.k / sqrt(d)] against d = 1, 2, 4, ..., max_d,
//               kScalingCurveSamples pairs per d, seeds spec.seed + index
//   saturation  E[max softmax] of one query against `keys` keys, raw and scaled,
//               kScalingSaturationTrials queries per d
// The maths is dot_product_stats.hpp's; this header holds the view's settings
// and the one function its screen and `attnlab eval` both call.
#pragma once

#include <cstdint>
#include <vector>

#include "attnlab/dot_product_stats.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

// In a scenario file's "scaling_lab" object (views/scaling_view.cpp).
struct ScalingLabSettings {
  int d = 64;
  double mu = 0.0;                    // every component of the mean...
  std::vector<double> mu_components;  // ...or one per component (d of them)
  double sigma = 1.0;
  int samples = 5000;  // pairs (q, k)
  int max_d = 1024;    // variance and saturation plots: d = 1, 2, 4, ..., max_d
  int keys = 16;       // keys per query in the saturation plot
  std::uint64_t seed = 1;
};
inline bool operator==(const ScalingLabSettings& a, const ScalingLabSettings& b) {
  return a.d == b.d && a.mu == b.mu && a.mu_components == b.mu_components && a.sigma == b.sigma &&
         a.samples == b.samples && a.max_d == b.max_d && a.keys == b.keys && a.seed == b.seed;
}

inline constexpr int kScalingCurveSamples = 2000;    // pairs per d in the variance curve
inline constexpr int kScalingSaturationTrials = 200;  // queries per d in the saturation curve

DotProductSpec ScalingSpec(const ScalingLabSettings& settings);

// The cost of the view: normal draws for the samples (2 d per pair), the
// variance curve (2 d kScalingCurveSamples per d) and the saturation curve
// ((keys + 1) d kScalingSaturationTrials per d), d = 1, 2, 4, ..., max_d.
// At most kMaxScalingDraws (about a second), checked when a file is read.
inline constexpr double kMaxScalingDraws = 4e7;
double ScalingDraws(const ScalingLabSettings& settings);

struct ScalingView {
  DotProductSamples samples;
  VarianceCurve variance;
  SaturationCurve saturation;
};
// The samples depend on d, mu, sigma, samples and seed; the curves on mu,
// sigma, max_d, keys and seed. The screen recomputes only the part whose
// settings changed.
bool SameScalingSamples(const ScalingLabSettings& a, const ScalingLabSettings& b);
bool SameScalingCurves(const ScalingLabSettings& a, const ScalingLabSettings& b);
Status ComputeScalingSamples(const ScalingLabSettings& settings, ScalingView* out);
Status ComputeScalingCurves(const ScalingLabSettings& settings, ScalingView* out);
Status ComputeScalingView(const ScalingLabSettings& settings, ScalingView* out);

}  // namespace attnlab
