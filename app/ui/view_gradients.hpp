// attnlab app: what the Gradients view keeps between frames: the gradients of
// the four estimators at the lab's T, the sweep against T, and the live
// training run (a Trainer advanced a bounded number of steps per frame).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "attnlab/gradients.hpp"
#include "attnlab/gradients_view.hpp"
#include "attnlab/scenario.hpp"

namespace attnlab::ui {

// The view's estimators, in the order they are drawn side by side.
inline constexpr std::array<Estimator, 4> kGradEstimators = {Estimator::kSoftmax, Estimator::kArgmax,
                                                             Estimator::kStraightThrough, Estimator::kGumbelSoftmax};
int GradEstimatorIndex(Estimator e);

// At most this many training steps per frame, and at most this much time
// (the window never waits on training; the numbers are shown, never saved).
inline constexpr int kMaxTrainStepsPerFrame = 16;
inline constexpr double kTrainBudgetMs = 4.0;

struct GradientsViewCache {
  // The gradients (eval's code path): recomputed on every revision.
  bool computed = false;
  uint64_t computed_revision = 0;
  Status status;                           // of the shown estimator
  std::array<Gradients, 4> grads;          // kGradEstimators at the lab's T
  std::array<Status, 4> grad_status;
  std::array<GradientNorms, 4> norms;
  std::vector<TemperaturePoint> sweep;     // softmax's norms against T
  Status sweep_status;

  // Training.
  Trainer trainer;
  bool trainer_ready = false;
  Status train_status;       // why there is no run, or why it stopped
  Scenario trained_from;     // the scenario at Reset, its views and presentation cleared
  GradientsLabSettings trained_lab;
  bool synced = false;
  uint64_t synced_revision = 0;  // SyncTrainer ran for this revision of the scenario
  bool playing = false;
  int last_steps = 0;        // steps run in the last frame that trained
  double last_ms = 0;        // and how long they took
  int shown_run = 0;         // the run whose weights the training panels show

  // "Save as scenario…"
  std::string save_path;
  std::string save_message;
  bool save_failed = false;
};

// The trainer's state as the screen needs it, testable without drawing:
// brings the trainer in line with the scenario and the lab (Reset when the
// model, the examples or the seed change; SetOptions for the rest).
void SyncTrainer(const Scenario& scenario, GradientsViewCache* c);
// Up to `max_steps` steps within `budget_ms` (after SyncTrainer); stops the
// run at the lab's max_steps or when the loss is no longer finite. Returns
// the steps run.
int TrainSteps(GradientsViewCache* c, int max_steps, double budget_ms);
// The scenario with the shown run's trained weights, for the Attention view
// (view "attention", its own temperature the run's forward one).
Scenario TrainedScenario(const Scenario& scenario, const GradientsViewCache& c);

}  // namespace attnlab::ui
