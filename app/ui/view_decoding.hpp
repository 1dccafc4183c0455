// attnlab app: what the Decoding view keeps between frames, and its
// "measure" job (timings of our own engine, run off the UI thread).
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "attnlab/decoding.hpp"

namespace attnlab::ui {

// Filled by the worker thread; read by the UI under `mu`.
struct DecodingMeasure {
  static constexpr int kPoints = 4;  // n = cost_n / 8, / 4, / 2, cost_n
  std::mutex mu;
  std::atomic<bool> running{false};  // also read without `mu` (whether to start, cancel or reap)
  bool done = false;
  std::string error;
  std::string progress;
  double bandwidth = 0, peak = 0;  // bytes / s, FLOP / s
  std::array<double, kPoints> n{};
  std::array<std::array<double, kPoints>, 3> seconds{};  // MHA, GQA, MQA; 0 = not yet
  DecodeShape shapes[3];                                 // at cost_n
  std::atomic<bool> cancel{false};
};

// The GQA series' label in the cost plots: against h the g is gcd(cost_g, h)
// (a divisor of each h on the axis), so the label says so.
std::string GqaPlotLabel(int cost_g, bool against_h);

struct DecodingViewCache {
  DecodingView view;
  Status status;
  bool computed = false;
  uint64_t computed_revision = 0;
  std::shared_ptr<DecodingMeasure> measure;
  std::thread worker;
  // Jobs cancelled (or whose sizes changed) that may still be finishing a
  // step: joined once they stop, never waited for on the UI thread.
  std::vector<std::pair<std::shared_ptr<DecodingMeasure>, std::thread>> retired;
  bool confirm_measure = false;
  std::string layout_note;  // the last layout change in words, or its error

  DecodingViewCache() = default;
  DecodingViewCache(const DecodingViewCache&) = delete;
  DecodingViewCache& operator=(const DecodingViewCache&) = delete;
  ~DecodingViewCache() {
    if (measure) measure->cancel = true;
    for (auto& r : retired) r.first->cancel = true;
    if (worker.joinable()) worker.join();
    for (auto& r : retired)
      if (r.second.joinable()) r.second.join();
  }
};

}  // namespace attnlab::ui
