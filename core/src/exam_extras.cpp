#include "attnlab/exam_extras.hpp"

#include <algorithm>
#include <cmath>

namespace attnlab {
namespace {

// log(1 + exp(-m)) without overflow.
double Softplus(double minus_m) { return std::max(minus_m, 0.0) + std::log1p(std::exp(-std::abs(minus_m))); }
double Sigmoid(double z) { return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z)); }
double Dot(Point2 a, Point2 b) { return a.x * b.x + a.y * b.y; }

}  // namespace

double LogisticLoss(const LogisticData& d, Point2 w, double lambda) {
  double sum = 0;
  for (size_t i = 0; i < d.points.size(); ++i) sum += Softplus(-d.labels[i] * Dot(w, d.points[i]));
  const double m = d.points.empty() ? 1.0 : static_cast<double>(d.points.size());
  return sum / m + 0.5 * lambda * Dot(w, w);
}

Point2 LogisticGradient(const LogisticData& d, Point2 w, double lambda) {
  Point2 g;
  for (size_t i = 0; i < d.points.size(); ++i) {
    const double y = d.labels[i];
    const double s = Sigmoid(-y * Dot(w, d.points[i]));
    g.x -= y * d.points[i].x * s;
    g.y -= y * d.points[i].y * s;
  }
  const double m = d.points.empty() ? 1.0 : static_cast<double>(d.points.size());
  g.x = g.x / m + lambda * w.x;
  g.y = g.y / m + lambda * w.y;
  return g;
}

bool Separates(const LogisticData& d, Point2 w) {
  for (size_t i = 0; i < d.points.size(); ++i)
    if (!(d.labels[i] * Dot(w, d.points[i]) > 0)) return false;
  return !d.points.empty();
}

bool SeparatingDirection(const LogisticData& d, Point2* w_star, int epochs) {
  Point2 w;
  for (int e = 0; e < epochs; ++e) {
    bool mistake = false;
    for (size_t i = 0; i < d.points.size(); ++i) {
      if (d.labels[i] * Dot(w, d.points[i]) <= 0) {
        w.x += d.labels[i] * d.points[i].x;
        w.y += d.labels[i] * d.points[i].y;
        mistake = true;
      }
    }
    if (!mistake) break;
  }
  if (!Separates(d, w)) return false;
  const double n = std::sqrt(Dot(w, w));
  *w_star = {w.x / n, w.y / n};
  return true;
}

std::vector<double> LossAlong(const LogisticData& d, Point2 w_star, const std::vector<double>& alphas, double lambda) {
  std::vector<double> out;
  out.reserve(alphas.size());
  for (double a : alphas) out.push_back(LogisticLoss(d, {a * w_star.x, a * w_star.y}, lambda));
  return out;
}

std::vector<LogisticStep> LogisticDescent(const LogisticData& d, Point2 w0, double learning_rate, int steps,
                                          double lambda) {
  std::vector<LogisticStep> out;
  out.reserve(static_cast<size_t>(std::max(0, steps)) + 1);
  Point2 w = w0;
  for (int t = 0;; ++t) {
    out.push_back({w, LogisticLoss(d, w, lambda), std::sqrt(Dot(w, w))});
    if (t >= steps) break;  // steps <= 0: the start alone
    const Point2 g = LogisticGradient(d, w, lambda);
    w.x -= learning_rate * g.x;
    w.y -= learning_rate * g.y;
  }
  return out;
}

const char* ActivationName(Activation g) {
  switch (g) {
    case Activation::kTanh: return "tanh";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kRelu: return "relu";
  }
  return "tanh";
}

double Activate(Activation g, double z) {
  switch (g) {
    case Activation::kTanh: return std::tanh(z);
    case Activation::kSigmoid: return Sigmoid(z);
    case Activation::kRelu: return z > 0 ? z : 0.0;
  }
  return z;
}

double ActivateDerivative(Activation g, double z) {
  switch (g) {
    case Activation::kTanh: {
      const double t = std::tanh(z);
      return 1.0 - t * t;
    }
    case Activation::kSigmoid: {
      const double s = Sigmoid(z);
      return s * (1.0 - s);
    }
    case Activation::kRelu: return z > 0 ? 1.0 : 0.0;
  }
  return 1.0;
}

double RnnLoss(const RnnInput& in, double w) {
  const double h1 = Activate(in.g, w * in.h0 + in.a * in.x1);
  const double h2 = Activate(in.g, w * h1 + in.a * in.x2);
  return 0.5 * (h2 - in.y) * (h2 - in.y);
}

RnnStep RnnSgdStep(const RnnInput& in) {
  RnnStep s;
  s.z1 = in.w * in.h0 + in.a * in.x1;
  s.h1 = Activate(in.g, s.z1);
  s.z2 = in.w * s.h1 + in.a * in.x2;
  s.h2 = Activate(in.g, s.z2);
  s.loss = 0.5 * (s.h2 - in.y) * (s.h2 - in.y);
  s.dL_dh2 = s.h2 - in.y;
  s.g_prime_z2 = ActivateDerivative(in.g, s.z2);
  s.g_prime_z1 = ActivateDerivative(in.g, s.z1);
  s.dz2_dw_direct = s.h1;
  s.dz2_dw_through_h1 = in.w * s.g_prime_z1 * in.h0;
  s.dL_dw = s.dL_dh2 * s.g_prime_z2 * (s.dz2_dw_direct + s.dz2_dw_through_h1);
  s.dL_dw_exam = s.dL_dh2 * s.g_prime_z2 * s.h1;
  const double h = 1e-6 * std::max(1.0, std::abs(in.w));
  s.finite_difference = (RnnLoss(in, in.w + h) - RnnLoss(in, in.w - h)) / (2 * h);
  s.w_after = in.w - in.learning_rate * s.dL_dw;
  s.loss_after = RnnLoss(in, s.w_after);
  return s;
}

}  // namespace attnlab
