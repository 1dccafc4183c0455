// Benchmarks of the engine's hot paths: one whole Evaluate() (what every edit
// in the window costs), and the row softmax alone.
//
// Targets (issue 3): N = 16, d = 64 end to end under 20 us; N = 512 under 5 ms,
// on one core.
#include <benchmark/benchmark.h>

#include <random>

#include "attnlab/scenario.hpp"
#include "attnlab/softmax.hpp"

namespace {

using attnlab::Matrix;

Matrix Random(int rows, int cols, std::mt19937& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  Matrix m(rows, cols);
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i < rows; ++i) m(i, j) = normal(rng);
  return m;
}

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

void BM_RowSoftmax(benchmark::State& state) {
  std::mt19937 rng(7);
  const int n = static_cast<int>(state.range(0));
  const Matrix scores = Random(n, n, rng) * 4.0;
  attnlab::SoftmaxOptions options;
  for (auto _ : state) {
    Matrix w = attnlab::RowSoftmax(scores, attnlab::Mask(), options);
    benchmark::DoNotOptimize(w.data());
  }
}
BENCHMARK(BM_RowSoftmax)->Arg(16)->Arg(512)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
