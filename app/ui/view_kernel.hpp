// attnlab app: what the Kernel attention view keeps between frames, and its
// "measure" job (our own engine's time for both forms, off the UI thread).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "attnlab/kernel_attention.hpp"
#include "attnlab/mask.hpp"

namespace attnlab::ui {

// Filled by the worker thread; read by the UI under `mu`.
struct KernelMeasure {
  std::mutex mu;
  std::atomic<bool> running{false};
  std::atomic<bool> cancel{false};
  bool done = false;
  std::string error;
  KernelSpec spec;  // what was measured (the timings are dropped when it changes)
  int D = 0, M = 0;
  std::vector<double> n;                  // 64, 128, .. measure_n
  std::vector<double> quadratic, linear;  // seconds; 0 = not yet
};

// What the panels show, built from the view's numbers once per revision (at
// N = 2048 the copies take 0.1 s): NaN rows (vanishing denominators) become
// hatched rows, never NaN on screen.
struct KernelShown {
  Matrix sim, weights, output, output_linear, diff, den, den_linear, phi_Q, phi_K, S, z, S_step, z_step;
  AllowedKeys sim_allowed, rows_allowed_nk, rows_allowed_m, rows_allowed_linear;  // linear: bad and linear_bad rows
  bool sim_masked = false, rows_masked = false;
  std::vector<std::string> rows, keys, v_cols, phi_cols, phi_rows, one_col, den_cols;
  double max_abs_diff = 0;
};

struct KernelViewCache {
  KernelView view;
  KernelShown shown;
  bool shown_valid = false;
  uint64_t shown_revision = 0;
  Status status;
  bool computed = false;
  uint64_t computed_revision = 0;
  float smallest_value_px = 0;  // this frame's smallest number printed in a cell (0: none)
  std::shared_ptr<KernelMeasure> measure;
  std::thread worker;
  // Cancelled jobs that may still be finishing one size: joined once stopped.
  std::vector<std::pair<std::shared_ptr<KernelMeasure>, std::thread>> retired;

  KernelViewCache() = default;
  KernelViewCache(const KernelViewCache&) = delete;
  KernelViewCache& operator=(const KernelViewCache&) = delete;
  // The jobs read `cancel` before each rep and form: joining waits one form at most.
  ~KernelViewCache() {
    if (measure) measure->cancel = true;
    for (auto& r : retired) r.first->cancel = true;
    if (worker.joinable()) worker.join();
    for (auto& r : retired)
      if (r.second.joinable()) r.second.join();
  }
};

// The sizes "measure" times: 64, 128, ... up to measure_n (the last may not be a power of 2).
std::vector<double> KernelMeasureSizes(int measure_n);

}  // namespace attnlab::ui
