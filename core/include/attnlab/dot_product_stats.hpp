// attnlab core: why attention scales by 1/sqrt(d) (E1), by Monte Carlo and in
// closed form.
//
//   q, k ~ N(mu, sigma^2 I) in R^d, independent      mu: (d), a constant or per component
//   E[q.k]          = ||mu||^2
//   Var[q.k]        = d sigma^4 + 2 sigma^2 ||mu||^2
//   q.k / sqrt(d):    mean ||mu||^2 / sqrt(d), variance Var[q.k] / d (= sigma^4 when mu = 0)
// Why: q.k = sum_i q_i k_i; with q_i = mu_i + sigma a_i, k_i = mu_i + sigma b_i,
//   q_i k_i = mu_i^2 + sigma mu_i (a_i + b_i) + sigma^2 a_i b_i, three uncorrelated
//   terms of variance 0, 2 sigma^2 mu_i^2 and sigma^4, summed over i.
//
// Saturation: the scores of one query against n_keys keys have a spread that
// grows like sqrt(d) unscaled, so softmax puts almost all weight on one key;
// scaled they stay O(1). MeanMaxWeight measures E[max_j softmax(s)_j].
//
// Every sampler is seeded (NormalSampler): the same spec gives the same numbers.
#pragma once

#include <cstdint>
#include <vector>

#include "attnlab/matrix.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

inline constexpr int kMaxDotDimension = 65536;
inline constexpr int kMaxDotSamples = 10000000;

struct DotProductSpec {
  int d = 64;
  double mu = 0.0;                   // every component of the mean...
  std::vector<double> mu_components;  // ...unless given per component: (d)
  double sigma = 1.0;                 // >= 0
  int samples = 5000;                 // pairs (q, k)
  std::uint64_t seed = 1;
};

// The mean vector of `spec`: mu_components, or mu repeated d times.
Vector MeanVector(const DotProductSpec& spec);
// Fails naming "d", "mu_components", "sigma" or "samples".
Status CheckDotProductSpec(const DotProductSpec& spec);

struct DotProductClosedForm {
  double mean = 0;             // ||mu||^2
  double variance = 0;         // d sigma^4 + 2 sigma^2 ||mu||^2
  double scaled_mean = 0;      // mean / sqrt(d)
  double scaled_variance = 0;  // variance / d
};
DotProductClosedForm DotProductMoments(int d, double mu_norm2, double sigma);
DotProductClosedForm DotProductMoments(const DotProductSpec& spec);

// Sample moments with their standard errors, for "the estimate is within a few
// standard errors of the closed form".
//   mean_se     = sqrt(s^2 / n)
//   variance_se = sqrt((m4 - s^4) / n)   m4 = the sample fourth central moment
// (the large-n standard deviation of the sample variance, valid for any
// distribution with a finite fourth moment: q.k is not normal).
struct SampleMoments {
  int n = 0;
  double mean = 0, variance = 0;  // variance: unbiased (n - 1)
  double mean_se = 0, variance_se = 0;
};
SampleMoments Moments(const std::vector<double>& x);

struct DotProductSamples {
  std::vector<double> raw;     // (samples) q.k
  std::vector<double> scaled;  // (samples) q.k / sqrt(d)
  SampleMoments raw_moments, scaled_moments;
  DotProductClosedForm closed_form;
};
Status SampleDotProducts(const DotProductSpec& spec, DotProductSamples* out);

// Variance against d: for each d in `dims` (mu as the constant spec.mu; the
// per-component mean does not extend to other d), `samples` pairs from seed
// spec.seed + index.
struct VarianceCurve {
  std::vector<double> dims;
  std::vector<double> raw_variance, scaled_variance;      // estimates
  std::vector<double> raw_closed, scaled_closed;          // closed forms
};
Status VarianceAgainstDimension(const DotProductSpec& spec, const std::vector<int>& dims, int samples,
                                VarianceCurve* out);

// The N(mean, variance) density at each x: the closed-form curve a histogram
// of q.k is compared with (q.k is not exactly normal for small d; that is
// part of what the picture shows). variance <= 0 gives zeros.
std::vector<double> NormalDensity(const std::vector<double>& x, double mean, double variance);

// 1, 2, 4, ... up to max_d (and max_d itself when it is not a power of two).
std::vector<int> PowersOfTwoUpTo(int max_d);

// Softmax saturation: E[max_j softmax(q.k_j / s)_j] over `trials` queries, each
// against `keys` fresh keys, q and k_j ~ N(mu, sigma^2 I) (mu constant), for
// s = 1 (raw) and s = sqrt(d) (scaled).
struct SaturationCurve {
  std::vector<double> dims;
  std::vector<double> raw_max_weight, scaled_max_weight;
};
Status MeanMaxWeightAgainstDimension(const DotProductSpec& spec, const std::vector<int>& dims, int keys,
                                     int trials, SaturationCurve* out);

}  // namespace attnlab
