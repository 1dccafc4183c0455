// Benchmarks of the engine's hot paths, on one core.
//
// Targets (issue 3): N = 16, d = 64 end to end under 20 us; N = 512 under 5 ms.
// Targets (issue 11), d = 64:
//   - one head's forward pass (Evaluate with Q, K, V given) within 1.5x of the
//     two bare matrix products Q K^T and P V, timed in the same iterations, at
//     N = 1024 and 2048, no mask and causal (causal cheaper, not dearer);
//   - N = 64 .. 2048: time per N and per doubling (N^2 growth, no cliff);
//   - peak memory of one Evaluate at N = 2048: at most three N x N doubles.
// The summary tables are printed after Google Benchmark's own output.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <utility>

#include "attnlab/scenario.hpp"
#include "attnlab/softmax.hpp"

namespace {

using attnlab::Matrix;
using Clock = std::chrono::steady_clock;

Matrix Random(int rows, int cols, std::mt19937& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  Matrix m(rows, cols);
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i < rows; ++i) m(i, j) = normal(rng);
  return m;
}

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// n positions of width d = 64 through one head with W_Q, W_K, W_V, W_O (64x64),
// causal mask, T = 1, logits over a 64-token vocabulary, next-token loss.
attnlab::Scenario MakeScenario(int n, int d = 64, int vocab = 64) {
  std::mt19937 rng(42);
  attnlab::Scenario s;
  s.input = attnlab::InputMode::kX;
  s.X = Random(n, d, rng);
  s.heads[0].W_Q = Random(d, d, rng) / 8.0;
  s.heads[0].W_K = Random(d, d, rng) / 8.0;
  s.heads[0].W_V = Random(d, d, rng) / 8.0;
  s.W_O = Random(d, d, rng) / 8.0;
  s.attention.mask.kind = attnlab::MaskKind::kCausal;
  s.unembedding = attnlab::Unembedding::kMatrix;
  s.U = Random(d, vocab, rng) / 8.0;
  s.loss.enabled = true;
  s.loss.convention = attnlab::LossConvention::kNextToken;
  for (int p = 1; p < n; ++p) {
    s.loss.positions.push_back(p);
    s.loss.targets.push_back(p % vocab);
  }
  return s;
}

// One head of attention alone: Q, K, V given (n x 64), scale 1/8, T = 1.
attnlab::Scenario MakeHead(int n, bool causal, int d = 64) {
  std::mt19937 rng(7);
  attnlab::Scenario s;
  s.input = attnlab::InputMode::kQKV;
  s.Q = Random(n, d, rng);
  s.K = Random(n, d, rng);
  s.V = Random(n, d, rng);
  s.unembedding = attnlab::Unembedding::kNone;
  s.attention.mask.kind = causal ? attnlab::MaskKind::kCausal : attnlab::MaskKind::kNone;
  return s;
}

// Best (least disturbed) seconds per run, for the summary tables.
struct Best {
  double forward = 1e30, qk = 1e30, pv = 1e30;
};
std::map<std::pair<int, bool>, Best> g_versus;   // (N, causal) -> timings
std::map<int, double> g_sweep;                   // N -> forward seconds
std::map<int, std::pair<double, double>> g_peak;  // N -> (peak bytes over the baseline, bytes of one N x N)

void BM_EvaluateEndToEnd(benchmark::State& state) {
  const attnlab::Scenario s = MakeScenario(static_cast<int>(state.range(0)));
  attnlab::Result r;
  for (auto _ : state) {
    const attnlab::Status st = attnlab::Evaluate(s, &r);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    benchmark::DoNotOptimize(r.loss);
  }
  state.counters["N"] = static_cast<double>(state.range(0));
  state.counters["d"] = 64;
}
BENCHMARK(BM_EvaluateEndToEnd)->Arg(16)->Arg(512)->Unit(benchmark::kMicrosecond);

// The forward pass and, in the same iterations, the two products it cannot
// avoid: Q K^T into an N x N matrix and P V (P = the forward's weights).
// The benchmark's time is the forward pass's; the counters give the products
// and the ratio.
void BM_ForwardVsMatmuls(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const bool causal = state.range(1) != 0;
  const attnlab::Scenario s = MakeHead(n, causal);
  attnlab::Result r;
  Matrix qk(n, n), z(n, 64);
  Best& best = g_versus[{n, causal}];
  double forward = 0, qk_sum = 0, pv_sum = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const attnlab::Status st = attnlab::Evaluate(s, &r);
    const auto t1 = Clock::now();
    qk.noalias() = s.Q * s.K.transpose();
    const auto t2 = Clock::now();
    z.noalias() = r.Weights() * s.V;
    const auto t3 = Clock::now();
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    benchmark::DoNotOptimize(qk.data());
    benchmark::DoNotOptimize(z.data());
    state.SetIterationTime(Seconds(t0, t1));
    forward += Seconds(t0, t1), qk_sum += Seconds(t1, t2), pv_sum += Seconds(t2, t3);
    best.forward = std::min(best.forward, Seconds(t0, t1));
    best.qk = std::min(best.qk, Seconds(t1, t2));
    best.pv = std::min(best.pv, Seconds(t2, t3));
  }
  const double it = static_cast<double>(state.iterations());
  state.counters["QKt_ms"] = qk_sum / it * 1e3;
  state.counters["PV_ms"] = pv_sum / it * 1e3;
  state.counters["ratio"] = forward / (qk_sum + pv_sum);  // of the means; the summary: of the best
}
// Fixed iteration counts (about 0.3 s each): the summary takes the best of
// them, which a busy machine disturbs least; a --benchmark_min_time of 0.2 s
// would leave 3 iterations at N = 2048.
BENCHMARK(BM_ForwardVsMatmuls)
    ->ArgNames({"N", "causal"})
    ->Args({1024, 0})
    ->Args({1024, 1})
    ->Iterations(16)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardVsMatmuls)
    ->ArgNames({"N", "causal"})
    ->Args({2048, 0})
    ->Args({2048, 1})
    ->Iterations(6)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// One head, no mask, N = 64 .. 2048.
void BM_ForwardSweep(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const attnlab::Scenario s = MakeHead(n, false);
  attnlab::Result r;
  double& best = g_sweep.emplace(n, 1e30).first->second;
  double total = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const attnlab::Status st = attnlab::Evaluate(s, &r);
    const auto t1 = Clock::now();
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    state.SetIterationTime(Seconds(t0, t1));
    total += Seconds(t0, t1);
    best = std::min(best, Seconds(t0, t1));
  }
  state.counters["ns_per_score"] = total / static_cast<double>(state.iterations()) * 1e9 / (static_cast<double>(n) * n);
}
BENCHMARK(BM_ForwardSweep)->RangeMultiplier(2)->Range(64, 2048)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The process's resident set, in bytes: now (VmRSS) or its peak since the last
// reset (VmHWM).
double StatusBytes(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(line.find(':') + 1)) * 1024.0;
  }
  return -1;
}

// Peak resident memory of one Evaluate into a fresh Result (what the window
// does on an edit), above what was resident before: the kernel's high-water
// mark is reset first (writing 5 to /proc/self/clear_refs).
void BM_PeakMemory(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const attnlab::Scenario s = MakeHead(n, false);
  double peak = 0;
  for (auto _ : state) {
    std::ofstream("/proc/self/clear_refs") << "5";
    const double before = StatusBytes("VmRSS:");
    {
      attnlab::Result r;
      const attnlab::Status st = attnlab::Evaluate(s, &r);
      if (!st.ok()) state.SkipWithError(st.ToString().c_str());
      benchmark::DoNotOptimize(r.Weights().data());
      peak = std::max(peak, StatusBytes("VmHWM:") - before);
    }
  }
  const double nxn = 8.0 * n * n;
  g_peak[n] = {peak, nxn};
  state.counters["peak_MiB"] = peak / (1024.0 * 1024.0);
  state.counters["NxN_matrices"] = peak / nxn;
}
BENCHMARK(BM_PeakMemory)->Arg(2048)->Iterations(2)->Unit(benchmark::kMillisecond);

void BM_RowSoftmax(benchmark::State& state) {
  std::mt19937 rng(7);
  const int n = static_cast<int>(state.range(0));
  const Matrix scores = Random(n, n, rng) * 4.0;
  attnlab::SoftmaxOptions options;
  Matrix w;
  for (auto _ : state) {
    attnlab::RowSoftmaxInto(scores, attnlab::AllowedKeys(), options, &w);
    benchmark::DoNotOptimize(w.data());
  }
}
BENCHMARK(BM_RowSoftmax)->Arg(16)->Arg(512)->Arg(2048)->Unit(benchmark::kMicrosecond);

void PrintSummary() {
  if (!g_versus.empty()) {
    std::printf("\nForward pass (one head, d = 64) against the two bare products, best of the run:\n");
    std::printf("%6s %-8s %10s %10s %10s %8s\n", "N", "mask", "forward", "Q K^T", "P V", "ratio");
    for (const auto& [key, b] : g_versus) {
      std::printf("%6d %-8s %8.2fms %8.2fms %8.2fms %7.2fx\n", key.first, key.second ? "causal" : "none",
                  b.forward * 1e3, b.qk * 1e3, b.pv * 1e3, b.forward / (b.qk + b.pv));
    }
  }
  if (!g_sweep.empty()) {
    std::printf("\nForward pass against N (one head, no mask, d = 64), best of the run:\n");
    std::printf("%6s %12s %14s %16s\n", "N", "time", "ns per score", "x per doubling");
    double previous = 0;
    for (const auto& [n, t] : g_sweep) {
      char doubling[32] = "";
      if (previous > 0) std::snprintf(doubling, sizeof doubling, "%.2f", t / previous);
      std::printf("%6d %10.3fms %14.3f %16s\n", n, t * 1e3, t * 1e9 / (static_cast<double>(n) * n), doubling);
      previous = t;
    }
  }
  for (const auto& [n, p] : g_peak) {
    std::printf("\nPeak memory of one Evaluate at N = %d: %.1f MiB above the baseline = %.2f N x N double matrices\n",
                n, p.first / (1024.0 * 1024.0), p.first / p.second);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  PrintSummary();
  return 0;
}
