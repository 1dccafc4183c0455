// attnlab core: E10's two small exam items (issue 16).
//
// 1. Logistic regression on linearly separable points x_i in R^2, y_i = +-1:
//      L(w) = (1/m) sum_i log(1 + exp(-y_i w.x_i)) + (lambda/2) ||w||^2
//      grad = -(1/m) sum_i y_i x_i sigmoid(-y_i w.x_i) + lambda w
//    (no bias: the separator passes through the origin). If w* separates the
//    data (y_i w*.x_i > 0 for all i), L(alpha w*) decreases strictly towards 0
//    as alpha -> infinity (lambda = 0): no minimum exists, and gradient descent
//    makes ||w|| grow without bound (like log t). With lambda > 0 the loss is
//    strongly convex and has one finite minimum.
//    log(1 + exp(-m)) is computed as max(-m, 0) + log1p(exp(-|m|)) (no overflow).
//
// 2. The two-step scalar RNN  z_t = w h_{t-1} + a x_t,  h_t = g(z_t),  t = 1, 2,
//      L = 1/2 (h_2 - y)^2
//      dL/dw = (h_2 - y) g'(z_2) dz_2/dw,  dz_2/dw = h_1 + w g'(z_1) h_0
//    The exam's  w <- w - eta (h_2 - y) g'(z_2) h_1  keeps only the first term:
//    exact when h_0 = 0 (then dh_1/dw = g'(z_1) h_0 = 0), which is the exam's
//    setting; with h_0 != 0 the term through h_1 is missing. Both are returned.
//    g: tanh (g' = 1 - tanh^2), sigmoid (g' = s (1 - s)), ReLU (g' = 1 for
//    z > 0, 0 for z <= 0: at z = 0 the subgradient 0, as PyTorch uses).
#pragma once

#include <vector>

namespace attnlab {

struct Point2 {
  double x = 0, y = 0;
};

struct LogisticData {
  std::vector<Point2> points;
  std::vector<int> labels;  // +1 or -1
};

double LogisticLoss(const LogisticData& d, Point2 w, double lambda = 0.0);
Point2 LogisticGradient(const LogisticData& d, Point2 w, double lambda = 0.0);
// True when w separates the data: y_i w.x_i > 0 for every point.
bool Separates(const LogisticData& d, Point2 w);
// A separating direction (unit length) by the perceptron; false when none is
// found in `epochs` passes (not separable through the origin, or too close).
bool SeparatingDirection(const LogisticData& d, Point2* w_star, int epochs = 1000);
// L(alpha w*) for each alpha.
std::vector<double> LossAlong(const LogisticData& d, Point2 w_star, const std::vector<double>& alphas,
                              double lambda = 0.0);

struct LogisticStep {
  Point2 w;
  double loss = 0, norm = 0;
};
// steps + 1 records: w_0 and after each of `steps` steps of  w <- w - lr grad
// (steps <= 0: w_0 alone).
std::vector<LogisticStep> LogisticDescent(const LogisticData& d, Point2 w0, double learning_rate, int steps,
                                          double lambda = 0.0);

enum class Activation { kTanh, kSigmoid, kRelu };
const char* ActivationName(Activation g);
double Activate(Activation g, double z);
double ActivateDerivative(Activation g, double z);  // ReLU: 0 at z = 0

struct RnnInput {
  Activation g = Activation::kTanh;
  double w = 0.5, a = 1.0, x1 = 1.0, x2 = 0.5, h0 = 0.0, y = 0.0;
  double learning_rate = 0.1;
};

struct RnnStep {
  double z1 = 0, h1 = 0, z2 = 0, h2 = 0, loss = 0;
  // The factors of dL/dw.
  double dL_dh2 = 0;        // h_2 - y
  double g_prime_z2 = 0;    // g'(z_2)
  double g_prime_z1 = 0;    // g'(z_1)
  double dz2_dw_direct = 0; // h_1
  double dz2_dw_through_h1 = 0;  // w g'(z_1) h_0 (0 when h_0 = 0)
  double dL_dw = 0;         // the whole derivative
  double dL_dw_exam = 0;    // (h_2 - y) g'(z_2) h_1, the exam's formula
  double finite_difference = 0;  // central, step 1e-6 max(1, |w|)
  double w_after = 0;       // w - eta dL/dw
  double loss_after = 0;    // L at w_after
};
double RnnLoss(const RnnInput& in, double w);
RnnStep RnnSgdStep(const RnnInput& in);

}  // namespace attnlab
