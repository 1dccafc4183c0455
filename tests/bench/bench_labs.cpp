// Benchmarks of the labs' core: the whole-matrix temperature sweep (what the
// Temperature view's whole-matrix mode costs), and the E1 sampler.
//
// Target (issue 6): 200 temperatures over a 256x256 score matrix, entropy and
// max weight per row, under 10 ms on one core.
#include <benchmark/benchmark.h>

#include <random>

#include "attnlab/dot_product_stats.hpp"
#include "attnlab/temperature.hpp"

namespace {

using attnlab::Matrix;

// Scores like a real head's: q.k / sqrt(d) of random q, k is ~ N(0, 1); the
// spread is widened to N(0, 3^2) so that the sweep sees peaked rows too.
Matrix RandomScores(int n, double spread) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal(0.0, spread);
  Matrix m(n, n);
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) m(i, j) = normal(rng);
  return m;
}

void BM_SweepMatrix(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const Matrix scores = RandomScores(n, static_cast<double>(state.range(1)));
  const attnlab::TemperatureRange range{1e-3, 1e3, 200};
  attnlab::MatrixSweep sweep;
  for (auto _ : state) {
    const attnlab::Status st = attnlab::SweepMatrix(scores, range, &sweep);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    benchmark::DoNotOptimize(sweep.entropy.data());
  }
  state.counters["n"] = n;
  state.counters["temperatures"] = 200;
}
BENCHMARK(BM_SweepMatrix)->Args({256, 1})->Args({256, 3})->Args({256, 10})->Unit(benchmark::kMillisecond);

void BM_SampleDotProducts(benchmark::State& state) {
  attnlab::DotProductSpec spec;
  spec.d = static_cast<int>(state.range(0));
  spec.samples = 5000;
  attnlab::DotProductSamples samples;
  for (auto _ : state) {
    const attnlab::Status st = attnlab::SampleDotProducts(spec, &samples);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    benchmark::DoNotOptimize(samples.raw.data());
  }
}
BENCHMARK(BM_SampleDotProducts)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
