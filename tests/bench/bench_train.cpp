// Gradients and training (issue 16), on E9 (7 tokens, d_model 4, one head).
//
// Targets: one training step on E9 under 100 us (one estimator; the view runs
// four side by side, timed too); one full backward pass (Evaluate + backward)
// on E9; the generated 8-sequence set; and a larger backward for scale.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "attnlab/gradients.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"

namespace {

using attnlab::Estimator;

attnlab::Scenario E9() {
  attnlab::Scenario s;
  const attnlab::Status st =
      attnlab::LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e9-dedupe-sort.json", &s);
  if (!st.ok()) std::abort();
  return s;
}

void BM_TrainStepE9(benchmark::State& state) {
  const attnlab::Scenario s = E9();
  attnlab::TrainOptions o;
  o.temperature = 1.41421356237309505;
  o.learning_rate = 1e-3;
  o.examples = static_cast<int>(state.range(1));
  const Estimator e = static_cast<Estimator>(state.range(0));
  attnlab::Trainer t;
  if (!t.Reset(s, o, {e}).ok()) std::abort();
  for (auto _ : state) {
    if (!t.Step().ok()) state.SkipWithError("step failed");
    benchmark::DoNotOptimize(t.runs()[0].model.W_O.data());
  }
  state.SetLabel(std::string(attnlab::EstimatorName(e)) + (o.examples ? ", " + std::to_string(o.examples) + " sequences" : ""));
}
BENCHMARK(BM_TrainStepE9)
    ->Args({static_cast<int>(Estimator::kSoftmax), 0})
    ->Args({static_cast<int>(Estimator::kArgmax), 0})
    ->Args({static_cast<int>(Estimator::kStraightThrough), 0})
    ->Args({static_cast<int>(Estimator::kGumbelSoftmax), 0})
    ->Args({static_cast<int>(Estimator::kSoftmax), 8})
    ->Unit(benchmark::kMicrosecond);

void BM_TrainStepE9AllFour(benchmark::State& state) {
  const attnlab::Scenario s = E9();
  attnlab::TrainOptions o;
  o.learning_rate = 1e-3;
  attnlab::Trainer t;
  if (!t.Reset(s, o).ok()) std::abort();
  for (auto _ : state) {
    if (!t.Step().ok()) state.SkipWithError("step failed");
    benchmark::DoNotOptimize(t.runs()[0].model.W_O.data());
  }
}
BENCHMARK(BM_TrainStepE9AllFour)->Unit(benchmark::kMicrosecond);

void BM_BackwardE9(benchmark::State& state) {
  attnlab::Scenario s = E9();
  s.attention.temperature = 1.41421356237309505;
  attnlab::GradientOptions o;
  o.estimator = static_cast<Estimator>(state.range(0));
  o.temperature = s.attention.temperature;
  attnlab::Gradients g;
  for (auto _ : state) {
    if (!attnlab::ComputeGradients(s, o, &g).ok()) state.SkipWithError("backward failed");
    benchmark::DoNotOptimize(g.d_E.data());
  }
  state.SetLabel(attnlab::EstimatorName(o.estimator));
}
BENCHMARK(BM_BackwardE9)
    ->Arg(static_cast<int>(Estimator::kSoftmax))
    ->Arg(static_cast<int>(Estimator::kGumbelSoftmax))
    ->Unit(benchmark::kMicrosecond);

// n positions, d_model 64, 4 heads of 16, causal: the backward pass's cost grows like the forward's.
void BM_BackwardLarger(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), d = 64, h = 4, vocab = 50;
  std::mt19937 rng(1);
  std::normal_distribution<double> normal(0.0, 0.2);
  auto random = [&](int r, int c) {
    attnlab::Matrix m(r, c);
    for (int i = 0; i < r; ++i)
      for (int j = 0; j < c; ++j) m(i, j) = normal(rng);
    return m;
  };
  attnlab::Scenario s;
  for (int v = 0; v < vocab; ++v) s.vocab.push_back("t" + std::to_string(v));
  for (int i = 0; i < n; ++i) s.tokens.push_back(s.vocab[static_cast<size_t>(i * 7 % vocab)]);
  s.E = random(vocab, d);
  s.heads.assign(h, attnlab::HeadWeights{});
  for (auto& w : s.heads) {
    w.W_Q = random(d, d / h);
    w.W_K = random(d, d / h);
    w.W_V = random(d, d / h);
  }
  s.W_O = random(d, d);
  s.attention.mask.kind = attnlab::MaskKind::kCausal;
  s.loss.enabled = true;
  s.loss.convention = attnlab::LossConvention::kNextToken;
  attnlab::Gradients g;
  attnlab::Result r;
  const bool forward_only = state.range(1) != 0;
  for (auto _ : state) {
    if (forward_only) {
      if (!attnlab::Evaluate(s, &r).ok()) state.SkipWithError("forward failed");
      benchmark::DoNotOptimize(r.logits.data());
    } else {
      if (!attnlab::ComputeGradients(s, attnlab::GradientOptions{}, &g).ok()) state.SkipWithError("backward failed");
      benchmark::DoNotOptimize(g.d_E.data());
    }
  }
  state.SetLabel(forward_only ? "Evaluate alone" : "forward + backward");
}
BENCHMARK(BM_BackwardLarger)->Args({64, 0})->Args({64, 1})->Args({256, 0})->Args({256, 1})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
