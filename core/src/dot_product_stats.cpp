#include "attnlab/dot_product_stats.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "attnlab/random.hpp"

namespace attnlab {

Vector MeanVector(const DotProductSpec& spec) {
  if (!spec.mu_components.empty()) {
    return Eigen::Map<const Vector>(spec.mu_components.data(), static_cast<Eigen::Index>(spec.mu_components.size()));
  }
  return Vector::Constant(std::max(spec.d, 0), spec.mu);
}

Status CheckDotProductSpec(const DotProductSpec& spec) {
  if (spec.d < 1 || spec.d > kMaxDotDimension)
    return Status::Error("d", "must be from 1 to " + std::to_string(kMaxDotDimension));
  if (!spec.mu_components.empty() && static_cast<int>(spec.mu_components.size()) != spec.d)
    return Status::Error("mu_components", "expected d = " + std::to_string(spec.d) + " numbers, got " +
                                              std::to_string(spec.mu_components.size()));
  for (double m : spec.mu_components)
    if (!std::isfinite(m)) return Status::Error("mu_components", "holds a non-finite number");
  if (!std::isfinite(spec.mu)) return Status::Error("mu", "must be finite");
  if (!(spec.sigma >= 0) || !std::isfinite(spec.sigma)) return Status::Error("sigma", "must be >= 0");
  if (spec.samples < 2 || spec.samples > kMaxDotSamples)
    return Status::Error("samples", "must be from 2 to " + std::to_string(kMaxDotSamples));
  return Status::Ok();
}

DotProductClosedForm DotProductMoments(int d, double mu_norm2, double sigma) {
  DotProductClosedForm c;
  const double s2 = sigma * sigma;
  c.mean = mu_norm2;
  c.variance = d * s2 * s2 + 2.0 * s2 * mu_norm2;
  c.scaled_mean = c.mean / std::sqrt(static_cast<double>(d));
  c.scaled_variance = c.variance / d;
  return c;
}

DotProductClosedForm DotProductMoments(const DotProductSpec& spec) {
  return DotProductMoments(spec.d, MeanVector(spec).squaredNorm(), spec.sigma);
}

SampleMoments Moments(const std::vector<double>& x) {
  SampleMoments m;
  m.n = static_cast<int>(x.size());
  if (m.n == 0) return m;
  double sum = 0;
  for (double v : x) sum += v;
  m.mean = sum / m.n;
  // Two passes: the centred sums do not lose the variance to cancellation
  // when the mean is large (mu = 10 in R^1000 gives q.k ~ 1e5).
  double m2 = 0, m4 = 0;
  for (double v : x) {
    const double c = v - m.mean, c2 = c * c;
    m2 += c2;
    m4 += c2 * c2;
  }
  if (m.n < 2) return m;
  m.variance = m2 / (m.n - 1);
  m.mean_se = std::sqrt(m.variance / m.n);
  const double biased = m2 / m.n;
  m.variance_se = std::sqrt(std::max(0.0, m4 / m.n - biased * biased) / m.n);
  return m;
}

Status SampleDotProducts(const DotProductSpec& spec, DotProductSamples* out) {
  Status st = CheckDotProductSpec(spec);
  if (!st.ok()) return st;
  const Vector mu = MeanVector(spec);
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(spec.d));
  NormalSampler normal(spec.seed);
  out->raw.resize(static_cast<size_t>(spec.samples));
  out->scaled.resize(static_cast<size_t>(spec.samples));
  for (int p = 0; p < spec.samples; ++p) {
    double dot = 0;
    for (int i = 0; i < spec.d; ++i) {
      const double q = mu(i) + spec.sigma * normal.Next();
      const double k = mu(i) + spec.sigma * normal.Next();
      dot += q * k;
    }
    out->raw[static_cast<size_t>(p)] = dot;
    out->scaled[static_cast<size_t>(p)] = dot * inv_sqrt_d;
  }
  out->raw_moments = Moments(out->raw);
  out->scaled_moments = Moments(out->scaled);
  out->closed_form = DotProductMoments(spec);
  return Status::Ok();
}

std::vector<double> NormalDensity(const std::vector<double>& x, double mean, double variance) {
  std::vector<double> y(x.size(), 0.0);
  if (!(variance > 0)) return y;
  constexpr double kInvSqrtTwoPi = 0.39894228040143267793994605993438;
  const double inv_sd = 1.0 / std::sqrt(variance);
  for (size_t i = 0; i < x.size(); ++i) {
    const double z = (x[i] - mean) * inv_sd;
    y[i] = kInvSqrtTwoPi * inv_sd * std::exp(-0.5 * z * z);
  }
  return y;
}

std::vector<int> PowersOfTwoUpTo(int max_d) {
  std::vector<int> dims;
  for (long long d = 1; d <= max_d; d *= 2) dims.push_back(static_cast<int>(d));
  if (max_d >= 1 && dims.back() != max_d) dims.push_back(max_d);
  return dims;
}

Status VarianceAgainstDimension(const DotProductSpec& spec, const std::vector<int>& dims, int samples,
                                VarianceCurve* out) {
  *out = VarianceCurve();
  for (size_t k = 0; k < dims.size(); ++k) {
    DotProductSpec at = spec;
    at.d = dims[k];
    at.mu_components.clear();
    at.samples = samples;
    at.seed = spec.seed + k;
    DotProductSamples s;
    Status st = SampleDotProducts(at, &s);
    if (!st.ok()) return st;
    out->dims.push_back(at.d);
    out->raw_variance.push_back(s.raw_moments.variance);
    out->scaled_variance.push_back(s.scaled_moments.variance);
    out->raw_closed.push_back(s.closed_form.variance);
    out->scaled_closed.push_back(s.closed_form.scaled_variance);
  }
  return Status::Ok();
}

Status MeanMaxWeightAgainstDimension(const DotProductSpec& spec, const std::vector<int>& dims, int keys,
                                     int trials, SaturationCurve* out) {
  *out = SaturationCurve();
  if (keys < 1 || keys > 4096) return Status::Error("keys", "must be from 1 to 4096");
  if (trials < 1 || trials > 1000000) return Status::Error("trials", "must be from 1 to 1000000");
  for (size_t k = 0; k < dims.size(); ++k) {
    DotProductSpec at = spec;
    at.d = dims[k];
    at.mu_components.clear();
    Status st = CheckDotProductSpec(at);
    if (!st.ok()) return st;
    NormalSampler normal(spec.seed + 1000003 * (k + 1));
    const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(at.d));
    Vector q(at.d);
    Eigen::ArrayXd scores(keys);
    double raw_sum = 0, scaled_sum = 0;
    for (int t = 0; t < trials; ++t) {
      for (int i = 0; i < at.d; ++i) q(i) = at.mu + at.sigma * normal.Next();
      for (int j = 0; j < keys; ++j) {
        double dot = 0;
        for (int i = 0; i < at.d; ++i) dot += q(i) * (at.mu + at.sigma * normal.Next());
        scores(j) = dot;
      }
      // The same scores, divided by 1 and by sqrt(d); max weight = 1 / sum exp(s - max).
      const double top = scores.maxCoeff();
      raw_sum += 1.0 / (scores - top).exp().sum();
      scaled_sum += 1.0 / ((scores - top) * inv_sqrt_d).exp().sum();
    }
    out->dims.push_back(at.d);
    out->raw_max_weight.push_back(raw_sum / trials);
    out->scaled_max_weight.push_back(scaled_sum / trials);
  }
  return Status::Ok();
}

}  // namespace attnlab
