// attnlab core: the Gradients view's settings (issue 16), in a scenario file's
// "gradients_lab" object (views/gradients_view.cpp). The maths is gradients.hpp.
//
//   "gradients_lab": {
//     "estimator": "softmax" | "argmax" | "straight_through" | "gumbel_softmax",
//     "temperature": 1.414,   T (softmax), T_b (straight-through), tau (Gumbel): one
//                             control drives them all; 1e-3 .. 1e6 (argmax is T = 0)
//     "hard": false,          Gumbel-softmax: one-hot forward, gradient through soft y
//     "seed": 0,              Gumbel noise
//     "train": {"learning_rate": 0.1, "seed": 1, "examples": 0, "max_steps": 500,
//               "freeze": ["W_Q", "W_K", "W_V", "W_O"]}
//   }
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attnlab/gradients.hpp"
#include "attnlab/scenario.hpp"

namespace attnlab {

inline constexpr int kMaxTrainExamples = 64;  // generated dedupe-sort sequences: one step of the four runs stays a frame's work
inline constexpr int kMaxTrainSteps = 100000;     // the run stops (and its history) here
inline constexpr double kMaxGradTemperature = 1e6;
// T, T_b, tau: the slider's floor. The softmax, straight-through and Gumbel
// estimators (the bars and the trainer run all four whatever the lab shows)
// divide by T; argmax is the estimator "argmax", not a tiny T.
inline constexpr double kMinGradTemperature = 1e-3;
inline constexpr double kMaxTrainLearningRate = 1e6;
inline constexpr int kGradSweepPoints = 41;       // norms against T, log-spaced
// eval and the screen: the sweep up to 4 heads of 64 x 64 score cells; the ste
// and gumbel blocks (five score-sized matrices per head) up to 512 x 512.
inline constexpr double kMaxGradSweepCells = 64.0 * 64 * 4;
inline constexpr double kMaxGradExtrasCells = 512.0 * 512;
// The whole view: attention cells (sum over heads of n n_k) up to 256 x 256.
// This bounds a frame's drawing (14 score-sized panels), the 4 backward passes
// per revision, a training step and eval's size. A file whose own view is
// "gradients" is refused above it; another view's scenario evaluated in this
// view gets a note instead (GradientsTooBigNote).
inline constexpr double kMaxGradCells = 256.0 * 256;
// "" when `s` fits the view; else why not, with the numbers.
std::string GradientsTooBigNote(const Scenario& s);

struct GradientsLabSettings {
  Estimator estimator = Estimator::kSoftmax;  // what the gradient panels show
  double temperature = 1.41421356237309505;   // T, T_b, tau (> 0)
  bool hard = false;
  std::uint64_t seed = 0;
  // Training
  double learning_rate = 0.1;
  std::uint64_t train_seed = 1;
  int examples = 0;  // 0 = the scenario's own example
  int max_steps = 500;
  bool freeze_W_Q = false, freeze_W_K = false, freeze_W_V = false, freeze_W_O = false;
};
inline bool operator==(const GradientsLabSettings& a, const GradientsLabSettings& b) {
  return a.estimator == b.estimator && a.temperature == b.temperature && a.hard == b.hard && a.seed == b.seed &&
         a.learning_rate == b.learning_rate && a.train_seed == b.train_seed && a.examples == b.examples &&
         a.max_steps == b.max_steps && a.freeze_W_Q == b.freeze_W_Q && a.freeze_W_K == b.freeze_W_K &&
         a.freeze_W_V == b.freeze_W_V && a.freeze_W_O == b.freeze_W_O;
}

// The options of the estimator `e` at the lab's temperature (argmax: T = 0).
GradientOptions GradientOptionsFor(const GradientsLabSettings& lab, Estimator e);
// The trainer's options from the lab's (temperature, hard, seed, rate, freezes).
TrainOptions TrainOptionsFor(const GradientsLabSettings& lab);
// The temperatures of the view's sweep: kGradSweepPoints from 1e-2 to 1e2 (log).
std::vector<double> GradientSweepTemperatures();

}  // namespace attnlab
