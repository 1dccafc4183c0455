#include "attnlab/e10_lab.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace attnlab {
namespace {

bool SamePoint(Point2 a, Point2 b) { return a.x == b.x && a.y == b.y; }

// 3 significant digits for the note; Value() for messages ("1000", "1e+300").
std::string Fixed(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}
std::string Value(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

Status CheckValue(double v, double bound, const std::string& path, const char* what) {
  if (!std::isfinite(v)) return Status::Error(path, std::string(what) + " must be a finite number");
  if (std::abs(v) > bound)
    return Status::Error(path, std::string(what) + " = " + Value(v) + " is out of range (|value| <= " + Value(bound) + ")");
  return Status::Ok();
}

// Separability through the origin, decided exactly from the angles of the
// directions u_i = y_i x_i (points at the origin aside): sorted round the
// circle, the widest gap G between neighbours says it.
//   G > pi: the u_i lie in an open half-plane, every y_i w.x_i > 0 for w at the
//           middle of the arc they fill (strict; w* is that middle, so it does
//           not depend on the points' order);
//   G = pi: a closed half-plane, w its inner normal; with some u_i off its
//           boundary line, L(alpha w) still falls as alpha grows (weak: no
//           minimum); with every u_i on the line (both ways) or none: a minimum;
//   G < pi: no half-plane holds them all: L has a finite minimum.
// Points at the origin keep w.x = 0: with them, strict becomes weak.
struct Separability {
  enum Kind { kNone, kStrict, kWeak, kAllAtOrigin } kind = kNone;
  Point2 w;          // unit
  int on_line = 0;   // weak: points with y_i w.x_i = 0
  double limit = 0;  // weak: lim L(alpha w) = log 2 x (points on the line) / n
};

Separability Classify(const LogisticData& d) {
  constexpr double kPi = 3.14159265358979323846;
  constexpr double kTol = 1e-12;
  Separability out;
  std::vector<double> angles;
  int at_origin = 0;
  for (size_t i = 0; i < d.points.size(); ++i) {
    const double ux = d.labels[i] * d.points[i].x, uy = d.labels[i] * d.points[i].y;
    if (ux == 0 && uy == 0) {
      ++at_origin;
    } else {
      angles.push_back(std::atan2(uy, ux));
    }
  }
  if (angles.empty()) {
    out.kind = d.points.empty() ? Separability::kNone : Separability::kAllAtOrigin;
    return out;
  }
  std::sort(angles.begin(), angles.end());
  double gap = angles.front() + 2 * kPi - angles.back();  // from the last round to the first
  double start = angles.back();
  for (size_t k = 1; k < angles.size(); ++k) {
    if (angles[k] - angles[k - 1] > gap) {
      gap = angles[k] - angles[k - 1];
      start = angles[k - 1];
    }
  }
  // The u_i fill the arc from start + gap to start + 2 pi, of length 2 pi - gap.
  const double arc_begin = start + gap, arc = 2 * kPi - gap;
  if (gap > kPi + kTol) {
    const double mid = std::remainder(arc_begin + arc / 2, 2 * kPi);  // in [-pi, pi]: exact for axis directions
    out.w = {std::cos(mid), std::sin(mid)};
    out.kind = at_origin ? Separability::kWeak : Separability::kStrict;
  } else if (gap >= kPi - kTol) {
    const double mid = std::remainder(arc_begin + kPi / 2, 2 * kPi);  // the inner normal of the half-plane
    out.w = {std::cos(mid), std::sin(mid)};
    int inside = 0;
    for (double a : angles) {
      const double off = std::remainder(a - arc_begin, 2 * kPi);
      if (off > kTol && off < kPi - kTol) ++inside;
    }
    if (inside == 0) return out;  // every u_i on the boundary line, both ways: a minimum
    out.kind = Separability::kWeak;
  } else {
    return out;
  }
  if (out.kind == Separability::kWeak) {
    for (size_t i = 0; i < d.points.size(); ++i) {
      const double m = d.labels[i] * (out.w.x * d.points[i].x + out.w.y * d.points[i].y);
      if (std::abs(m) <= 1e-9 * std::max(1.0, std::hypot(d.points[i].x, d.points[i].y))) ++out.on_line;
    }
    out.limit = std::log(2.0) * out.on_line / static_cast<double>(d.points.size());
  }
  return out;
}

}  // namespace

bool operator==(const LogisticLabSettings& a, const LogisticLabSettings& b) {
  if (a.data.points.size() != b.data.points.size() || a.data.labels != b.data.labels) return false;
  for (size_t i = 0; i < a.data.points.size(); ++i)
    if (!SamePoint(a.data.points[i], b.data.points[i])) return false;
  return a.lambda == b.lambda && a.learning_rate == b.learning_rate && a.steps == b.steps && SamePoint(a.w0, b.w0) &&
         a.alpha_max == b.alpha_max;
}

LogisticLabSettings DefaultLogisticLab() {
  LogisticLabSettings lab;
  lab.data.points = {{1.0, 2.0}, {2.0, 1.0}, {1.5, 0.5}, {-1.0, -1.5}, {-2.0, -0.5}, {-0.5, -2.0}};
  lab.data.labels = {1, 1, 1, -1, -1, -1};
  return lab;
}

Status CheckLogisticLab(const LogisticLabSettings& lab) {
  const std::string p = "logistic_lab";
  if (lab.data.points.size() > static_cast<size_t>(kMaxLogisticPoints))
    return Status::Error(p + ".points", std::to_string(lab.data.points.size()) + " points; at most " +
                                            std::to_string(kMaxLogisticPoints));
  if (lab.data.labels.size() != lab.data.points.size())
    return Status::Error(p + ".labels", std::to_string(lab.data.labels.size()) + " labels for " +
                                            std::to_string(lab.data.points.size()) + " points: give one per point");
  Status st;
  for (size_t i = 0; i < lab.data.points.size(); ++i) {
    const std::string at = p + ".points[" + std::to_string(i) + "]";
    if (!(st = CheckValue(lab.data.points[i].x, kMaxLogisticCoordinate, at + "[0]", "x")).ok() ||
        !(st = CheckValue(lab.data.points[i].y, kMaxLogisticCoordinate, at + "[1]", "y")).ok())
      return st;
    if (lab.data.labels[i] != 1 && lab.data.labels[i] != -1)
      return Status::Error(p + ".labels[" + std::to_string(i) + "]",
                           "a label is +1 or -1, got " + std::to_string(lab.data.labels[i]));
  }
  if (!std::isfinite(lab.lambda) || lab.lambda < 0 || lab.lambda > kMaxLogisticLambda)
    return Status::Error(p + ".lambda", "lambda must be in [0, " + Value(kMaxLogisticLambda) + "], got " + Value(lab.lambda));
  if (!std::isfinite(lab.learning_rate) || lab.learning_rate <= 0 || lab.learning_rate > kMaxE10LearningRate)
    return Status::Error(p + ".learning_rate", "the learning rate must be in (0, " + Value(kMaxE10LearningRate) +
                                                   "], got " + Value(lab.learning_rate));
  if (lab.steps < 1 || lab.steps > kMaxLogisticSteps)
    return Status::Error(p + ".steps", "steps must be 1.." + std::to_string(kMaxLogisticSteps) + ", got " +
                                           std::to_string(lab.steps));
  if (static_cast<long long>(lab.steps) * static_cast<long long>(lab.data.points.size()) > kMaxLogisticWork)
    return Status::Error(p + ".steps", std::to_string(lab.steps) + " steps on " + std::to_string(lab.data.points.size()) +
                                           " points; steps x points must stay within " + std::to_string(kMaxLogisticWork));
  if (!(st = CheckValue(lab.w0.x, kMaxLogisticCoordinate, p + ".w0[0]", "w0")).ok() ||
      !(st = CheckValue(lab.w0.y, kMaxLogisticCoordinate, p + ".w0[1]", "w0")).ok())
    return st;
  if (!std::isfinite(lab.alpha_max) || lab.alpha_max <= 0 || lab.alpha_max > 1e4)
    return Status::Error(p + ".alpha_max", "alpha_max must be in (0, 10000], got " + Value(lab.alpha_max));
  return Status::Ok();
}

Status ComputeLogisticLab(const LogisticLabSettings& lab, LogisticLabView* out) {
  Status st = CheckLogisticLab(lab);
  if (!st.ok()) return st;
  LogisticLabView v;
  const LogisticData& d = lab.data;
  v.descent = LogisticDescent(d, lab.w0, lab.learning_rate, lab.steps, 0.0);
  if (lab.lambda > 0) {
    v.descent_l2 = LogisticDescent(d, lab.w0, lab.learning_rate, lab.steps, lab.lambda);
    // Each step multiplies w by (1 - eta lambda) before the data's bounded pull:
    // with eta lambda >= 2 that factor is at least 1 in size and ||w|| grows
    // geometrically. The records stop where w leaves 1e12 (or is no longer finite).
    if (lab.learning_rate * lab.lambda >= 2) {
      v.l2_diverged = true;
      for (size_t t = 0; t < v.descent_l2.size(); ++t) {
        const LogisticStep& r = v.descent_l2[t];
        if (!std::isfinite(r.loss) || !(r.norm <= 1e12)) {
          v.descent_l2.resize(std::max<size_t>(t, 1));
          break;
        }
      }
    }
  }
  Point2 dir{1.0, 0.0};
  const Separability sep = Classify(d);
  if (d.points.empty()) {
    v.note = "no points: add some";
  } else if (sep.kind == Separability::kStrict) {
    v.separable = v.no_minimum = true;
    v.w_star = dir = sep.w;
    double margin = INFINITY;
    for (size_t i = 0; i < d.points.size(); ++i)
      margin = std::min(margin, d.labels[i] * (v.w_star.x * d.points[i].x + v.w_star.y * d.points[i].y));
    v.note = "separable: w* = (" + Fixed(v.w_star.x) + ", " + Fixed(v.w_star.y) + "), every y_i w*.x_i > 0 (smallest " +
             Fixed(margin) + "): L(alpha w*) -> 0 as alpha grows, no minimum";
  } else if (sep.kind == Separability::kWeak) {
    v.no_minimum = true;
    v.w_star = dir = sep.w;
    v.note = "separable only weakly: w = (" + Fixed(v.w_star.x) + ", " + Fixed(v.w_star.y) +
             ") has every y_i w.x_i >= 0, " + std::to_string(sep.on_line) +
             " point(s) on its line: L(alpha w) falls towards " + Fixed(sep.limit) + " as alpha grows, still no minimum";
  } else if (sep.kind == Separability::kAllAtOrigin) {
    v.note = "every point is at the origin: L = log 2 for every w";
  } else {
    v.w_star = {0.0, 0.0};
    const Point2 last = v.descent.back().w;
    const double n = std::hypot(last.x, last.y);
    if (n > 0 && std::isfinite(n)) dir = {last.x / n, last.y / n};
    v.note = "not separable through the origin: no w has every y_i w.x_i >= 0 with one > 0, "
             "so L has a finite minimum even with lambda = 0";
  }
  if (v.l2_diverged) {
    v.note += "; with lambda the descent diverges: eta lambda = " + Fixed(lab.learning_rate * lab.lambda) +
              " >= 2 (each step scales w by 1 - eta lambda)";
  }
  v.alphas.resize(kAlphaSamples);
  for (int k = 0; k < kAlphaSamples; ++k) v.alphas[k] = lab.alpha_max * k / (kAlphaSamples - 1);
  v.loss_along = LossAlong(d, dir, v.alphas, 0.0);
  if (lab.lambda > 0) {
    v.loss_along_l2 = LossAlong(d, dir, v.alphas, lab.lambda);
    const size_t k = static_cast<size_t>(std::min_element(v.loss_along_l2.begin(), v.loss_along_l2.end()) -
                                         v.loss_along_l2.begin());
    v.alpha_min_l2 = v.alphas[k];
    v.loss_min_l2 = v.loss_along_l2[k];
  }
  *out = std::move(v);
  return Status::Ok();
}

bool operator==(const RnnLabSettings& a, const RnnLabSettings& b) {
  const RnnInput &x = a.in, &y = b.in;
  return x.g == y.g && x.w == y.w && x.a == y.a && x.x1 == y.x1 && x.x2 == y.x2 && x.h0 == y.h0 && x.y == y.y &&
         x.learning_rate == y.learning_rate;
}

bool ParseActivation(const std::string& name, Activation* g) {
  for (Activation a : {Activation::kTanh, Activation::kSigmoid, Activation::kRelu})
    if (name == ActivationName(a)) {
      *g = a;
      return true;
    }
  return false;
}

Status CheckRnnLab(const RnnLabSettings& lab) {
  const std::string p = "rnn_lab.";
  const RnnInput& in = lab.in;
  const struct {
    const char* key;
    double v;
  } values[] = {{"w", in.w}, {"a", in.a}, {"x1", in.x1}, {"x2", in.x2}, {"h0", in.h0}, {"y", in.y}};
  Status st;
  for (const auto& f : values)
    if (!(st = CheckValue(f.v, kMaxRnnValue, p + f.key, f.key)).ok()) return st;
  if (!std::isfinite(in.learning_rate) || in.learning_rate <= 0 || in.learning_rate > kMaxE10LearningRate)
    return Status::Error(p + "learning_rate", "the learning rate must be in (0, " + Value(kMaxE10LearningRate) +
                                                  "], got " + Value(in.learning_rate));
  if (in.g != Activation::kTanh && in.g != Activation::kSigmoid && in.g != Activation::kRelu)
    return Status::Error(p + "activation", "tanh, sigmoid or relu");
  return Status::Ok();
}

Status ComputeRnnLab(const RnnLabSettings& lab, RnnLabView* out) {
  Status st = CheckRnnLab(lab);
  if (!st.ok()) return st;
  RnnLabView v;
  v.step = RnnSgdStep(lab.in);
  v.exam_exact = lab.in.h0 == 0.0;
  double span = 2.0 * std::abs(lab.in.w - v.step.w_after);
  if (!(span >= 1.0) || !std::isfinite(span)) span = 1.0;
  span = std::min(span, 4.0 * kMaxRnnValue);
  v.curve_w.resize(kRnnCurveSamples);
  v.curve_loss.resize(kRnnCurveSamples);
  for (int k = 0; k < kRnnCurveSamples; ++k) {
    v.curve_w[k] = lab.in.w - span + 2.0 * span * k / (kRnnCurveSamples - 1);
    v.curve_loss[k] = RnnLoss(lab.in, v.curve_w[k]);
  }
  *out = std::move(v);
  return Status::Ok();
}

}  // namespace attnlab
