// One decoding step with a KV cache (E4) at b = 8, h = 16, d = 1024, n = 2048,
// doubles, on one core: MHA, GQA (4 groups) and MQA against their roofline.
//
// Targets (E4 issue):
//   - MQA at least 4x faster than MHA (MHA's f64 cache alone is 268 MB a step);
//   - each within 2x of its roofline prediction max(bytes / bandwidth,
//     FLOPs / peak), with the bandwidth (a read loop over 320 MB) and the peak
//     (an Eigen GEMM of 1024 x 1024) measured in this same program;
//   - no allocation inside the step (malloc is counted while it runs).
// Counters: predicted_ms, ratio (measured / predicted), GB_per_s, allocs.
// The summary, with the MQA speedup, is printed after Google Benchmark's output.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "attnlab/decoding.hpp"

#include "malloc_counter.hpp"  // counts the mallocs while a step runs

namespace {

using attnlab::DecodeShape;
using attnlab::Matrix;

struct Machine {
  double bandwidth = 0;  // bytes / s
  double peak = 0;       // FLOP / s
};
const Machine& Measured() {
  static const Machine m = [] {
    Machine r;
    r.bandwidth = attnlab::MeasureReadBandwidth(320.0 * 1024 * 1024, 5);
    r.peak = attnlab::MeasurePeakFlops(1024, 5);
    return r;
  }();
  return m;
}

DecodeShape Shape(int g) { return DecodeShape{8, 2048, 1024, 16, static_cast<double>(g), 64, 64, 8}; }

double Predicted(const DecodeShape& s) {
  const attnlab::DecodeCost c = attnlab::DecodeStepCost(s);
  return std::max(c.bytes / Measured().bandwidth, c.flops / Measured().peak);
}

// Weights, a cache of n - 1 positions and the workspace, made once per layout.
struct Setup {
  attnlab::MultiHeadWeights w;
  attnlab::KvCache cache;
  attnlab::DecodeWorkspace ws;
  Matrix x;
};
Setup& SetupFor(int g) {
  static std::map<int, std::unique_ptr<Setup>> setups;
  std::unique_ptr<Setup>& s = setups[g];
  if (s) return *s;
  s = std::make_unique<Setup>();
  const DecodeShape shape = Shape(g);
  const int d = 1024, h = 16, dk = 64, n = 2048, b = 8;
  s->w.d_model = d;
  s->w.layout = attnlab::HeadLayout{h, g, dk, dk};
  s->w.W_Q = Matrix::Random(d, h * dk) / 32.0;
  s->w.W_K = Matrix::Random(d, g * dk) / 32.0;
  s->w.W_V = Matrix::Random(d, g * dk) / 32.0;
  s->w.W_O = Matrix::Random(h * dk, d) / 32.0;
  (void)shape;
  attnlab::MakeKvCache(b, g, n, dk, dk, &s->cache);
  for (size_t i = 0; i < s->cache.K.size(); ++i) s->cache.K[i] = std::sin(0.001 * static_cast<double>(i));
  for (size_t i = 0; i < s->cache.V.size(); ++i) s->cache.V[i] = std::cos(0.001 * static_cast<double>(i));
  attnlab::PrepareDecodeWorkspace(s->w, b, n, &s->ws);
  s->x = Matrix::Random(b, d);
  return *s;
}

std::map<std::string, double> g_seconds;  // layout -> mean seconds per step

void BM_DecodeStep(benchmark::State& state, int g, const char* name) {
  Setup& s = SetupFor(g);
  const attnlab::AttentionOptions options;
  long allocs = 0;
  for (auto _ : state) {
    s.cache.length = s.cache.capacity - 1;
    g_mallocs = 0;
    g_count_mallocs = true;
    const attnlab::Status st = attnlab::DecodeStep(s.w, options, s.x, &s.cache, &s.ws);
    g_count_mallocs = false;
    allocs += g_mallocs;
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    benchmark::DoNotOptimize(s.ws.y.data());
  }
  const DecodeShape shape = Shape(g);
  const attnlab::DecodeCost c = attnlab::DecodeStepCost(shape);
  const double predicted = Predicted(shape);
  state.counters["predicted_ms"] = predicted * 1e3;
  state.counters["ratio"] = benchmark::Counter(predicted, benchmark::Counter::kIsIterationInvariantRate |
                                                                     benchmark::Counter::kInvert);
  state.counters["GB_per_s"] = benchmark::Counter(c.bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["allocs"] = static_cast<double>(allocs);
  state.counters["cache_MB"] = c.cache_bytes * 1e-6;
  state.counters["bandwidth_GBps"] = Measured().bandwidth * 1e-9;
  state.counters["peak_GFLOPs"] = Measured().peak * 1e-9;
  (void)name;
}

void Register() {
  const struct {
    const char* name;
    int g;
  } layouts[] = {{"MHA", 16}, {"GQA4", 4}, {"MQA", 1}};
  for (const auto& l : layouts) {
    benchmark::RegisterBenchmark((std::string("DecodeStep/") + l.name + "/b8_h16_d1024_n2048").c_str(), BM_DecodeStep,
                                 l.g, l.name)
        ->Unit(benchmark::kMillisecond);  // CPU time: one thread, so another process's turn on the core is not counted
  }
}

// The summary: each layout's measured time (best of 20 steps, apart from
// Google Benchmark's mean), the prediction, the ratio, MQA's speedup.
void Summary() {
  const Machine& m = Measured();
  std::printf("\nDecoding step, b = 8, h = 16, d = 1024, n = 2048, f64, one core\n");
  std::printf("  measured read bandwidth %.2f GB/s (320 MB read loop), peak %.2f GFLOP/s (Eigen GEMM 1024)\n",
              m.bandwidth * 1e-9, m.peak * 1e-9);
  std::printf("  %-5s %10s %10s %12s %12s %9s %7s\n", "", "MB moved", "MFLOP", "predicted ms", "measured ms",
              "ratio", "allocs");
  double t_mha = 0, t_mqa = 0;
  bool ok = true;
  for (const auto& [name, g] : {std::pair<const char*, int>{"MHA", 16}, {"GQA4", 4}, {"MQA", 1}}) {
    Setup& s = SetupFor(g);
    double best = 1e300;
    long allocs = 0;
    for (int r = 0; r < 20; ++r) {
      s.cache.length = s.cache.capacity - 1;
      g_mallocs = 0;
      g_count_mallocs = true;
      const auto t0 = std::chrono::steady_clock::now();
      attnlab::DecodeStep(s.w, attnlab::AttentionOptions(), s.x, &s.cache, &s.ws);
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      g_count_mallocs = false;
      allocs += g_mallocs;
      best = std::min(best, t);
    }
    const attnlab::DecodeCost c = attnlab::DecodeStepCost(Shape(g));
    const double predicted = Predicted(Shape(g));
    const double ratio = best / predicted;
    std::printf("  %-5s %10.1f %10.1f %12.2f %12.2f %9.2f %7ld\n", name, c.bytes * 1e-6, c.flops * 1e-6,
                predicted * 1e3, best * 1e3, ratio, allocs);
    if (std::string(name) == "MHA") t_mha = best;
    if (std::string(name) == "MQA") t_mqa = best;
    if (ratio > 2.0 || allocs != 0) ok = false;
  }
  std::printf("  MQA speedup over MHA: %.2fx (target >= 4x); each within 2x of its roofline, no allocation: %s\n",
              t_mha / t_mqa, ok && t_mha / t_mqa >= 4 ? "yes" : "NO");
}

}  // namespace

int main(int argc, char** argv) {
  Register();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Measured();
  benchmark::RunSpecifiedBenchmarks();
  Summary();
  benchmark::Shutdown();
  return 0;
}
