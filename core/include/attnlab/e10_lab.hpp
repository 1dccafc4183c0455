// attnlab core: the settings and computed results of E10's two small views
// (issue 16), on top of the maths in attnlab/exam_extras.hpp.
//
// Logistic regression (view "logistic", settings "logistic_lab"):
//   points x_i in R^2 with labels y_i = +-1 (no bias: the line passes through 0)
//   separable  <=> some w* has y_i w*.x_i > 0 for all i; weakly: every y_i w.x_i >= 0 and one > 0
//                  (a point at the origin, or on the line): decided exactly from the angles of y_i x_i
//   loss_along[k] = L(alpha_k w*) for alpha_k = alpha_max k / (kAlphaSamples - 1), lambda = 0
//                   (strictly decreasing towards 0: no minimum), and with the lab's lambda
//                   (L + lambda/2 alpha^2: a finite minimum at alpha_min_l2)
//   descent        steps + 1 records of w <- w - eta grad L(w) from w0, lambda = 0
//                  (||w|| grows without bound on separable data, like log t)
//   descent_l2     the same with lambda (when lambda > 0): ||w|| levels off
//
// The RNN (view "rnn", settings "rnn_lab"): RnnInput, and RnnSgdStep's factors;
//   loss_curve: L(w') for w' in [w - span, w + span] (kRnnCurveSamples), span = max(1, 2 |w - w_after|).
#pragma once

#include <string>
#include <vector>

#include "attnlab/exam_extras.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

constexpr int kMaxLogisticPoints = 500;
constexpr int kMaxLogisticSteps = 5000;
// steps x points: each frame of a drag reruns both descents (2 x 10^6 terms, a few ms).
constexpr long long kMaxLogisticWork = 1000000;
constexpr double kMaxLogisticCoordinate = 1e3;  // |x|, |y| of a point, |w0|
constexpr double kMaxLogisticLambda = 1e3;
constexpr double kMaxE10LearningRate = 1e3;    // eta, both E10 views
constexpr double kMaxRnnValue = 1e3;           // |w|, |a|, |x_t|, |h_0|, |y|
constexpr int kAlphaSamples = 101;
constexpr int kRnnCurveSamples = 101;

struct LogisticLabSettings {
  LogisticData data;  // default: six separable points
  double lambda = 0.1;  // the L2 penalty shown beside lambda = 0
  double learning_rate = 1.0;
  int steps = 200;
  Point2 w0;           // where gradient descent starts
  double alpha_max = 10.0;
};
bool operator==(const LogisticLabSettings& a, const LogisticLabSettings& b);
LogisticLabSettings DefaultLogisticLab();
// Every count and value in range, finite, labels +-1, as many labels as points.
Status CheckLogisticLab(const LogisticLabSettings& lab);

struct LogisticLabView {
  bool separable = false;   // strictly: some w* has every y_i w*.x_i > 0
  bool no_minimum = false;  // strictly or weakly (every y_i w.x_i >= 0, one > 0): L has no minimum
  Point2 w_star;  // unit length: the middle of the cone of separating directions (strict), or the
                  // half-plane's normal (weak); (0, 0) when neither
  std::string note;  // "separable: ..." / "not separable through the origin: ..."
  std::vector<double> alphas, loss_along, loss_along_l2;
  double alpha_min_l2 = 0, loss_min_l2 = 0;  // the minimum of loss_along_l2 on the grid (lambda > 0)
  std::vector<LogisticStep> descent, descent_l2;  // descent_l2 empty when lambda = 0
  bool l2_diverged = false;  // eta lambda >= 2: descent_l2 stops where ||w|| passes 1e12
};
Status ComputeLogisticLab(const LogisticLabSettings& lab, LogisticLabView* out);

struct RnnLabSettings {
  RnnInput in;
};
bool operator==(const RnnLabSettings& a, const RnnLabSettings& b);
Status CheckRnnLab(const RnnLabSettings& lab);
// "tanh", "sigmoid", "relu" -> g; false for another name.
bool ParseActivation(const std::string& name, Activation* g);

struct RnnLabView {
  RnnStep step;
  std::vector<double> curve_w, curve_loss;
  bool exam_exact = true;  // h_0 = 0: the exam's formula is the whole derivative
};
Status ComputeRnnLab(const RnnLabSettings& lab, RnnLabView* out);

}  // namespace attnlab
