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

struct KernelViewCache {
  KernelView view;
  Status status;
  bool computed = false;
  uint64_t computed_revision = 0;
  std::shared_ptr<KernelMeasure> measure;
  std::thread worker;
  // Cancelled jobs that may still be finishing one size: joined once stopped.
  std::vector<std::pair<std::shared_ptr<KernelMeasure>, std::thread>> retired;

  KernelViewCache() = default;
  KernelViewCache(const KernelViewCache&) = delete;
  KernelViewCache& operator=(const KernelViewCache&) = delete;
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
