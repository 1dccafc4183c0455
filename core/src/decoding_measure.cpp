// Measuring our own engine: memory bandwidth, peak FLOP rate and one decoding
// step. Used by the benchmark (tests/bench/bench_decode.cpp) and by the
// Decoding view's "measure" button; never by eval or pictures.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "attnlab/decoding.hpp"

namespace attnlab {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Cheap, deterministic fill in [-0.5, 0.5) (random numbers for 268 MB would cost seconds).
void Fill(double* p, size_t count, uint64_t seed) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < count; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    p[i] = static_cast<double>(x >> 11) * (1.0 / 9007199254740992.0) - 0.5;
  }
}

// Filled and scaled in place: `m * scale` would hold a second copy (2 GiB
// of weights at d = 8192).
Matrix Filled(Eigen::Index rows, Eigen::Index cols, uint64_t seed, double scale) {
  Matrix m(rows, cols);
  Fill(m.data(), static_cast<size_t>(m.size()), seed);
  if (scale != 1.0) m *= scale;
  return m;
}

}  // namespace

double MeasureReadBandwidth(double bytes, int reps) {
  const size_t count = static_cast<size_t>(std::max(1.0, bytes / sizeof(double)));
  std::vector<double> data(count);
  Fill(data.data(), count, 7);
  double best = std::numeric_limits<double>::infinity();
  volatile double sink = 0;
  // Two read loops, the best of which counts (the roofline must not flatter
  // the step): a plain one, and one that requests the lines 4 KiB ahead as the
  // step does.
  constexpr size_t kBlock = 512;
  for (int r = 0; r < std::max(1, reps); ++r) {
    auto t0 = Clock::now();
    sink = sink + Eigen::Map<const Eigen::ArrayXd>(data.data(), static_cast<Eigen::Index>(count)).sum();
    best = std::min(best, Since(t0));
    t0 = Clock::now();
    double sum = 0;
    for (size_t i = 0; i < count; i += kBlock) {
      if (i + 2 * kBlock <= count)
        for (size_t l = 0; l < kBlock; l += 8) __builtin_prefetch(data.data() + i + kBlock + l);
      sum += Eigen::Map<const Eigen::ArrayXd>(data.data() + i, static_cast<Eigen::Index>(std::min(kBlock, count - i))).sum();
    }
    sink = sink + sum;
    best = std::min(best, Since(t0));
  }
  return static_cast<double>(count * sizeof(double)) / best;
}

double MeasurePeakFlops(int size, int reps) {
  const Matrix A = Filled(size, size, 1, 1.0), B = Filled(size, size, 2, 1.0);
  Matrix C(size, size);
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < std::max(1, reps); ++r) {
    const auto t0 = Clock::now();
    C.noalias() = A * B;
    best = std::min(best, Since(t0));
  }
  volatile double sink = C(0, 0);
  (void)sink;
  return 2.0 * size * size * static_cast<double>(size) / best;
}

Status CheckMeasureShape(const DecodeShape& s, const std::string& field) {
  const struct {
    const char* name;
    double v, lo, hi;
  } counts[] = {{"b", s.b, 1, 256}, {"n", s.n, 1, 65536}, {"d", s.d, 1, 8192}, {"h", s.h, 1, 256}, {"g", s.g, 1, 256}};
  for (const auto& c : counts)
    if (!(c.v >= c.lo && c.v <= c.hi) || c.v != std::floor(c.v))
      return Status::Error(field + "." + c.name, "must be a whole number from " + std::to_string(int(c.lo)) + " to " +
                                                     std::to_string(int(c.hi)));
  if (std::fmod(s.d, s.h) != 0)
    return Status::Error(field + ".h", "must divide d = " + std::to_string(int(s.d)) + " (d_k = d / h)");
  if (s.g > s.h || std::fmod(s.h, s.g) != 0)
    return Status::Error(field + ".g", "must divide h = " + std::to_string(int(s.h)));
  const double cache = 8.0 * s.b * s.g * s.n * (s.d_k + s.d_v);
  if (cache > kMaxMeasureCacheBytes)
    return Status::Error(field, "the KV cache at these sizes is " + std::to_string(int(cache / 1048576)) +
                                    " MiB; at most " + std::to_string(int(kMaxMeasureCacheBytes / 1048576)) +
                                    " MiB (lower b, n or d)");
  const double total = MeasureBytes(s);
  if (total > kMaxMeasureBytes)
    return Status::Error(field, "weights, KV cache and workspace at these sizes take " +
                                    std::to_string(static_cast<long long>(total / 1048576)) + " MiB; at most " +
                                    std::to_string(static_cast<long long>(kMaxMeasureBytes / 1048576)) +
                                    " MiB (lower d, or b and n)");
  return Status::Ok();
}

double MeasureBytes(const DecodeShape& s) {
  const double weights = s.d * s.h * s.d_k + s.d * s.g * (s.d_k + s.d_v) + s.h * s.d_v * s.d;  // W_Q, W_K, W_V, W_O
  const double cache = s.b * s.g * s.n * (s.d_k + s.d_v);
  const double workspace = s.b * (s.h * s.d_k + s.g * (s.d_k + s.d_v) + s.h * s.d_v + s.d)  // q, k, v, o, y
                           + s.b * s.h * s.n                                              // the weights
                           + s.b * s.d;                                                    // x
  return 8.0 * (weights + cache + workspace);
}

Status TimeDecodeStep(const DecodeShape& s, int reps, double* seconds) {
  const Status st = CheckMeasureShape(s, "measure");
  if (!st.ok()) return st;
  MultiHeadWeights w;
  w.d_model = static_cast<int>(s.d);
  w.layout.num_heads = static_cast<int>(s.h);
  w.layout.n_kv_heads = static_cast<int>(s.g);
  w.layout.d_k = static_cast<int>(s.d_k);
  w.layout.d_v = static_cast<int>(s.d_v);
  const double init = 1.0 / std::sqrt(s.d);
  w.W_Q = Filled(w.d_model, w.layout.num_heads * w.layout.d_k, 11, init);
  w.W_K = Filled(w.d_model, w.layout.n_kv_heads * w.layout.d_k, 12, init);
  w.W_V = Filled(w.d_model, w.layout.n_kv_heads * w.layout.d_v, 13, init);
  w.W_O = Filled(w.layout.num_heads * w.layout.d_v, w.d_model, 14, init);
  KvCache cache;
  const int n = static_cast<int>(s.n);
  Status made = MakeKvCache(static_cast<int>(s.b), w.layout.n_kv_heads, n, w.layout.d_k, w.layout.d_v, &cache);
  if (!made.ok()) return made;
  Fill(cache.K.data(), cache.K.size(), 21);
  Fill(cache.V.data(), cache.V.size(), 22);
  DecodeWorkspace ws;
  PrepareDecodeWorkspace(w, cache.batch, n, &ws);
  const Matrix x = Filled(cache.batch, w.d_model, 31, 1.0);
  AttentionOptions options;
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < std::max(1, reps); ++r) {
    cache.length = n - 1;
    const auto t0 = Clock::now();
    const Status step = DecodeStep(w, options, x, &cache, &ws);
    best = std::min(best, Since(t0));
    if (!step.ok()) return step;
  }
  *seconds = best;
  return Status::Ok();
}

}  // namespace attnlab
