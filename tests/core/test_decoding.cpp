// Incremental decoding with a KV cache (E4): the steps against a naive loop
// over heads and positions, against the one-shot causal computation, against
// closed forms; every shape message; the cost model against hand counts.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "attnlab/decoding.hpp"
#include "matrix_near.hpp"

#include "malloc_counter.hpp"

namespace attnlab {
namespace {

Matrix Random(Eigen::Index rows, Eigen::Index cols, std::mt19937& rng, double scale = 1.0) {
  std::normal_distribution<double> normal(0.0, scale);
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

MultiHeadWeights Model(int d, int h, int g, int d_k, int d_v, int d_out, bool biases, unsigned seed) {
  std::mt19937 rng(seed);
  MultiHeadWeights w;
  w.d_model = d;
  w.layout = HeadLayout{h, g, d_k, d_v};
  w.W_Q = Random(d, h * d_k, rng, 0.5);
  w.W_K = Random(d, g * d_k, rng, 0.5);
  w.W_V = Random(d, g * d_v, rng, 0.5);
  if (d_out > 0) w.W_O = Random(h * d_v, d_out, rng, 0.5);
  if (biases) {
    w.b_Q = Random(1, h * d_k, rng);
    w.b_K = Random(1, g * d_k, rng);
    w.b_V = Random(1, g * d_v, rng);
    w.b_O = Random(1, d_out > 0 ? d_out : h * d_v, rng);
  }
  return w;
}

DecodeInput Input(int b, int n, int d, unsigned seed) {
  std::mt19937 rng(seed);
  DecodeInput in;
  for (int i = 0; i < b; ++i) in.X.push_back(Random(n, d, rng));
  return in;
}

void AddPriorCache(const MultiHeadWeights& w, int m, unsigned seed, DecodeInput* in) {
  std::mt19937 rng(seed);
  in->cache_K.assign(in->X.size(), {});
  in->cache_V.assign(in->X.size(), {});
  for (size_t i = 0; i < in->X.size(); ++i)
    for (int j = 0; j < w.layout.n_kv_heads; ++j) {
      in->cache_K[i].push_back(Random(m, w.layout.d_k, rng));
      in->cache_V[i].push_back(Random(m, w.layout.d_v, rng));
    }
}

// The second method: scalar loops over sequences, steps, heads, positions and
// components, written from E4's formulas with no matrix product at all.
void NaiveDecode(const MultiHeadWeights& w, double scale, const DecodeInput& in, std::vector<Matrix>* Y,
                 std::vector<Matrix>* weights) {
  const int h = w.layout.num_heads, g = w.layout.n_kv_heads, dk = w.layout.d_k, dv = w.layout.d_v, d = w.d_model;
  const int b = static_cast<int>(in.X.size()), n = static_cast<int>(in.X[0].rows());
  const int m = in.cache_K.empty() ? 0 : static_cast<int>(in.cache_K[0][0].rows());
  const int d_out = w.W_O.size() ? static_cast<int>(w.W_O.cols()) : h * dv;
  Y->assign(b, Matrix::Zero(n, d_out));
  weights->assign(static_cast<size_t>(b) * h, Matrix::Zero(n, m + n));
  auto bias = [](const RowVector& v, int i) { return v.size() ? v(i) : 0.0; };
  for (int s = 0; s < b; ++s) {
    // keys and values of every position: the previous cache, then the sequence's
    std::vector<std::vector<std::vector<double>>> K(g), V(g);
    for (int j = 0; j < g; ++j)
      for (int p = 0; p < m + n; ++p) {
        std::vector<double> k(dk), v(dv);
        for (int c = 0; c < dk; ++c) {
          if (p < m) {
            k[c] = in.cache_K[s][j](p, c);
          } else {
            double acc = bias(w.b_K, j * dk + c);
            for (int e = 0; e < d; ++e) acc += in.X[s](p - m, e) * w.W_K(e, j * dk + c);
            k[c] = acc;
          }
        }
        for (int c = 0; c < dv; ++c) {
          if (p < m) {
            v[c] = in.cache_V[s][j](p, c);
          } else {
            double acc = bias(w.b_V, j * dv + c);
            for (int e = 0; e < d; ++e) acc += in.X[s](p - m, e) * w.W_V(e, j * dv + c);
            v[c] = acc;
          }
        }
        K[j].push_back(k);
        V[j].push_back(v);
      }
    for (int t = 0; t < n; ++t) {
      std::vector<double> concat(static_cast<size_t>(h) * dv, 0.0);
      for (int i = 0; i < h; ++i) {
        const int j = i / (h / g);
        std::vector<double> q(dk);
        for (int c = 0; c < dk; ++c) {
          double acc = bias(w.b_Q, i * dk + c);
          for (int e = 0; e < d; ++e) acc += in.X[s](t, e) * w.W_Q(e, i * dk + c);
          q[c] = acc;
        }
        const int seen = m + t + 1;
        std::vector<double> sc(seen);
        double mx = -1e300;
        for (int p = 0; p < seen; ++p) {
          double acc = 0;
          for (int c = 0; c < dk; ++c) acc += q[c] * K[j][p][c];
          sc[p] = scale * acc;
          mx = std::max(mx, sc[p]);
        }
        double sum = 0;
        for (int p = 0; p < seen; ++p) sum += std::exp(sc[p] - mx);
        for (int p = 0; p < seen; ++p) {
          const double a = std::exp(sc[p] - mx) / sum;
          (*weights)[static_cast<size_t>(s) * h + i](t, p) = a;
          for (int c = 0; c < dv; ++c) concat[i * dv + c] += a * V[j][p][c];
        }
      }
      for (int o = 0; o < d_out; ++o) {
        double acc = bias(w.b_O, o);
        if (w.W_O.size()) {
          for (int c = 0; c < h * dv; ++c) acc += concat[c] * w.W_O(c, o);
        } else {
          acc += concat[o];
        }
        (*Y)[s](t, o) = acc;
      }
    }
  }
}

struct Layout {
  int h, g;
};

TEST(Decoding, StepsMatchANaiveLoopForMhaGqaMqaWithBiasesAndAPreviousCache) {
  for (const Layout L : {Layout{4, 4}, Layout{4, 2}, Layout{4, 1}}) {
    for (int m : {0, 3}) {
      SCOPED_TRACE("h = " + std::to_string(L.h) + ", g = " + std::to_string(L.g) + ", m = " + std::to_string(m));
      const MultiHeadWeights w = Model(8, L.h, L.g, 2, 3, 8, true, 5);
      DecodeInput in = Input(2, 6, 8, 9);
      if (m) AddPriorCache(w, m, 13, &in);
      DecodeRun run;
      const Status st = DecodeSequences(w, AttentionOptions(), in, &run);
      ASSERT_TRUE(st.ok()) << st.ToString();
      std::vector<Matrix> Y, P;
      NaiveDecode(w, 1.0 / std::sqrt(2.0), in, &Y, &P);
      for (int s = 0; s < 2; ++s) EXPECT_MATRIX_NEAR(run.Y[s], Y[s], 1e-12);
      for (size_t k = 0; k < P.size(); ++k) EXPECT_MATRIX_NEAR(run.weights[k], P[k], 1e-12);
      EXPECT_EQ(run.cache.length, m + 6);
    }
  }
}

TEST(Decoding, IncrementalEqualsOneShotCausalAtN256ForEveryLayout) {
  for (const Layout L : {Layout{8, 8}, Layout{8, 2}, Layout{8, 1}}) {
    SCOPED_TRACE("g = " + std::to_string(L.g));
    const MultiHeadWeights w = Model(16, L.h, L.g, 4, 4, 16, true, 21);
    const DecodeInput in = Input(2, 256, 16, 22);
    DecodeRun run;
    ASSERT_TRUE(DecodeSequences(w, AttentionOptions(), in, &run).ok());
    std::vector<Matrix> Y, P;
    const Status st = DecodeOneShot(w, AttentionOptions(), in, &Y, &P);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_LT(MaxAbsDiff(run.Y, Y), 1e-12);
    EXPECT_LT(MaxAbsDiff(run.weights, P), 1e-12);
    EXPECT_GT(MaxAbsDiff(run.Y, std::vector<Matrix>(2, Matrix::Zero(256, 16))), 0.1);  // not trivially zero
  }
}

TEST(Decoding, IncrementalEqualsOneShotAfterAPreviousCache) {
  const MultiHeadWeights w = Model(8, 4, 2, 2, 2, 8, true, 31);
  DecodeInput in = Input(3, 40, 8, 32);
  AddPriorCache(w, 7, 33, &in);
  DecodeRun run;
  ASSERT_TRUE(DecodeSequences(w, AttentionOptions(), in, &run).ok());
  std::vector<Matrix> Y, P;
  ASSERT_TRUE(DecodeOneShot(w, AttentionOptions(), in, &Y, &P).ok());
  EXPECT_LT(MaxAbsDiff(run.Y, Y), 1e-12);
  EXPECT_LT(MaxAbsDiff(run.weights, P), 1e-12);
  EXPECT_EQ(P[0].cols(), 47);
}

TEST(Decoding, TheCacheGrowsOneRowAStepAndHoldsXWkPlusBk) {
  const MultiHeadWeights w = Model(6, 3, 1, 2, 2, 0, true, 41);
  const DecodeInput in = Input(2, 5, 6, 42);
  DecodeRun run;
  ASSERT_TRUE(DecodeSequences(w, AttentionOptions(), in, &run).ok());
  EXPECT_EQ(run.cache.length, 5);
  EXPECT_EQ(run.cache.groups, 1);
  for (int s = 0; s < 2; ++s) {
    Matrix K = in.X[s] * w.W_K;
    K.rowwise() += w.b_K;
    EXPECT_MATRIX_NEAR(run.cache.KBlock(s, 0), K, 1e-13);
    EXPECT_MATRIX_NEAR(run.cache.KBlock(s, 0, 3), K.topRows(3), 1e-13);
  }
  // calling DecodeStep by hand gives y = o W_O + b_O, o the weights' mix of
  // the values, computed here from the cache with no step code
  KvCache cache;
  ASSERT_TRUE(MakeKvCache(2, 1, 5, 2, 2, &cache).ok());
  DecodeWorkspace ws;
  PrepareDecodeWorkspace(w, 2, 5, &ws);
  for (int t = 0; t < 5; ++t) {
    Matrix x(2, 6);
    x.row(0) = in.X[0].row(t);
    x.row(1) = in.X[1].row(t);
    ASSERT_TRUE(DecodeStep(w, AttentionOptions(), x, &cache, &ws).ok());
    EXPECT_EQ(cache.length, t + 1);
    for (int s = 0; s < 2; ++s) {
      Matrix V = in.X[s].topRows(t + 1) * w.W_V;
      V.rowwise() += w.b_V;
      Matrix K = in.X[s].topRows(t + 1) * w.W_K;
      K.rowwise() += w.b_K;
      Matrix o(1, 3 * 2);
      for (int i = 0; i < 3; ++i) {  // MQA: the 3 heads share K, V
        RowVector q = in.X[s].row(t) * w.W_Q.middleCols(i * 2, 2) + w.b_Q.segment(i * 2, 2);
        Eigen::RowVectorXd sc = (q * K.transpose()) / std::sqrt(2.0);
        Eigen::RowVectorXd e = (sc.array() - sc.maxCoeff()).exp();
        o.middleCols(i * 2, 2) = (e / e.sum()) * V;
      }
      const RowVector y = o + w.b_O;  // no W_O
      EXPECT_MATRIX_NEAR(ws.y.row(s), y, 1e-13);
    }
  }
}

TEST(Decoding, FirstStepAttendsOnlyToItselfSoYIsVWo) {
  // Closed form: with one cached position the weight is 1 and o_i = v_{kv(i)}.
  const MultiHeadWeights w = Model(4, 2, 1, 2, 2, 4, false, 51);
  const DecodeInput in = Input(1, 1, 4, 52);
  DecodeRun run;
  ASSERT_TRUE(DecodeSequences(w, AttentionOptions(), in, &run).ok());
  const Matrix v = in.X[0] * w.W_V;  // (1, 2), shared by both heads (MQA)
  Matrix concat(1, 4);
  concat << v, v;
  EXPECT_MATRIX_NEAR(run.Y[0], concat * w.W_O, 1e-14);
  EXPECT_EQ(run.weights[0](0, 0), 1.0);
  EXPECT_EQ(run.weights[1](0, 0), 1.0);
}

TEST(Decoding, EqualKeysGiveUniformWeightsAndTheMeanOfTheValues) {
  // Closed form: W_K = 0 makes every score 0, so step t's weights are 1/(t+1)
  // and o is the mean of the first t+1 values.
  MultiHeadWeights w = Model(3, 1, 1, 2, 3, 0, false, 61);
  w.W_K.setZero();
  const DecodeInput in = Input(1, 4, 3, 62);
  DecodeRun run;
  ASSERT_TRUE(DecodeSequences(w, AttentionOptions(), in, &run).ok());
  const Matrix V = in.X[0] * w.W_V;
  for (int t = 0; t < 4; ++t) {
    for (int p = 0; p <= t; ++p) EXPECT_DOUBLE_EQ(run.weights[0](t, p), 1.0 / (t + 1));
    EXPECT_MATRIX_NEAR(run.Y[0].row(t), V.topRows(t + 1).colwise().mean(), 1e-14);
  }
}

TEST(Decoding, CustomScalesAndTemperaturesMatchTheOneShot) {
  // A negative scale turns the softmax's reference to the row minimum; a large
  // one, with T, goes through the overflow check of scale q K^T.
  const MultiHeadWeights w = Model(8, 4, 2, 2, 2, 8, true, 91);
  const DecodeInput in = Input(2, 20, 8, 92);
  for (const double scale : {-0.5, 3.0, 40.0}) {
    for (const double T : {0.25, 1.0, 7.0}) {
      AttentionOptions o;
      o.scale.kind = ScaleKind::kCustom;
      o.scale.value = scale;
      o.temperature = T;
      DecodeRun run;
      ASSERT_TRUE(DecodeSequences(w, o, in, &run).ok());
      std::vector<Matrix> Y, P;
      ASSERT_TRUE(DecodeOneShot(w, o, in, &Y, &P).ok());
      EXPECT_LT(MaxAbsDiff(run.Y, Y), 1e-12) << scale << " " << T;
      EXPECT_LT(MaxAbsDiff(run.weights, P), 1e-12) << scale << " " << T;
    }
  }
}

TEST(Decoding, ArgmaxTemperatureSplitsTiesLikeTheOneShot) {
  MultiHeadWeights w = Model(3, 1, 1, 2, 2, 0, false, 71);
  w.W_K.setZero();  // every key ties
  const DecodeInput in = Input(1, 3, 3, 72);
  AttentionOptions o;
  o.temperature = 0;
  DecodeRun run;
  ASSERT_TRUE(DecodeSequences(w, o, in, &run).ok());
  EXPECT_DOUBLE_EQ(run.weights[0](2, 0), 1.0 / 3);
  std::vector<Matrix> Y, P;
  ASSERT_TRUE(DecodeOneShot(w, o, in, &Y, &P).ok());
  EXPECT_LT(MaxAbsDiff(run.Y, Y), 1e-14);
}

#ifndef ATTNLAB_NO_MALLOC_COUNT
TEST(Decoding, AStepAllocatesNothingForAnyLayout) {
  {  // the counter sees an allocation (else this test could not fail)
    g_mallocs = 0;
    g_count_mallocs = true;
    Matrix m(100, 100);
    g_count_mallocs = false;
    m.setZero();
    ASSERT_GT(g_mallocs, 0);
  }
  // 16 heads of d_k = 8 over 600 cached positions: the prefetching pass (MHA,
  // GQA with 4 heads a group) and the chunked products (MQA: 16 heads a group).
  for (const Layout L : {Layout{16, 16}, Layout{16, 4}, Layout{16, 1}}) {
    const MultiHeadWeights w = Model(128, L.h, L.g, 8, 8, 128, true, 81);
    KvCache cache;
    ASSERT_TRUE(MakeKvCache(2, L.g, 600, 8, 8, &cache).ok());
    cache.length = 599;
    DecodeWorkspace ws;
    PrepareDecodeWorkspace(w, 2, 600, &ws);
    const Matrix x = Matrix::Ones(2, 128);
    g_mallocs = 0;
    g_count_mallocs = true;
    const Status st = DecodeStep(w, AttentionOptions(), x, &cache, &ws);
    g_count_mallocs = false;
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(g_mallocs, 0) << "g = " << L.g;
    EXPECT_EQ(cache.length, 600);
  }
}
#endif

// ---- every shape message ----

TEST(DecodingErrors, WeightShapesNameTheirField) {
  const MultiHeadWeights good = Model(4, 2, 1, 2, 2, 4, true, 1);
  ASSERT_TRUE(CheckDecodeWeights(good).ok());
  struct Case {
    void (*edit)(MultiHeadWeights&);
    const char* message;
  } cases[] = {
      {[](MultiHeadWeights& w) { w.layout.num_heads = 0; }, "num_heads: must be at least 1, got 0"},
      {[](MultiHeadWeights& w) { w.layout.n_kv_heads = 3; }, "n_kv_heads: must divide num_heads = 2, got 3"},
      {[](MultiHeadWeights& w) { w.layout.d_k = 0; }, "W_Q: each head needs d_k, d_v >= 1"},
      {[](MultiHeadWeights& w) { w.W_Q = Matrix::Zero(3, 4); }, "W_Q: expected 4x4 (d_model x num_heads x d_k = 4 x 4), got 3x4"},
      {[](MultiHeadWeights& w) { w.W_K = Matrix::Zero(4, 4); }, "W_K: expected 4x2 (d_model x n_kv_heads x d_k = 4 x 2), got 4x4"},
      {[](MultiHeadWeights& w) { w.W_V = Matrix::Zero(4, 1); }, "W_V: expected 4x2 (d_model x n_kv_heads x d_v = 4 x 2), got 4x1"},
      {[](MultiHeadWeights& w) { w.b_Q = RowVector::Zero(3); }, "b_Q: expected 4 numbers, got 3"},
      {[](MultiHeadWeights& w) { w.b_K = RowVector::Zero(4); }, "b_K: expected 2 numbers, got 4"},
      {[](MultiHeadWeights& w) { w.b_V = RowVector::Zero(1); }, "b_V: expected 2 numbers, got 1"},
      {[](MultiHeadWeights& w) { w.b_O = RowVector::Zero(5); }, "b_O: expected 4 numbers, got 5"},
      {[](MultiHeadWeights& w) { w.W_O = Matrix::Zero(3, 4); }, "W_O: expected 4 rows (num_heads x d_v = 2 x 2), got 3"},
  };
  for (const Case& c : cases) {
    MultiHeadWeights w = good;
    c.edit(w);
    EXPECT_EQ(CheckDecodeWeights(w).ToString(), c.message);
    DecodeRun run;
    EXPECT_EQ(DecodeSequences(w, AttentionOptions(), Input(1, 2, 4, 2), &run).ToString(), c.message);
  }
}

TEST(DecodingErrors, InputAndCacheShapesNameTheirField) {
  const MultiHeadWeights w = Model(4, 2, 2, 2, 3, 4, false, 3);
  auto check = [&](const DecodeInput& in, const std::string& message) {
    EXPECT_EQ(CheckDecodeInput(w, in, "decoding_lab.X", "decoding_lab.").ToString(), message);
    DecodeRun run;
    EXPECT_FALSE(DecodeSequences(w, AttentionOptions(), in, &run).ok());
    std::vector<Matrix> Y, P;
    EXPECT_FALSE(DecodeOneShot(w, AttentionOptions(), in, &Y, &P).ok());
  };
  check(DecodeInput(), "decoding_lab.X: no sequence to decode (a batch needs b >= 1)");
  DecodeInput in = Input(2, 3, 4, 4);
  in.X[1] = Matrix::Zero(3, 5);
  check(in, "decoding_lab.X[1]: expected 4 columns (d_model), got 5");
  in.X[1] = Matrix::Zero(2, 4);
  check(in, "decoding_lab.X[1]: expected 3 positions like sequence 0 (a batch decodes in step), got 2");
  in.X[1] = Matrix::Zero(3, 4);
  in.X[1](2, 1) = std::nan("");
  check(in, "decoding_lab.X[1]: holds NaN or infinity");
  check(Input(1, 0, 4, 5), "decoding_lab.X[0]: no position to decode");

  DecodeInput c = Input(2, 3, 4, 6);
  AddPriorCache(w, 2, 7, &c);
  ASSERT_TRUE(CheckDecodeInput(w, c).ok());
  DecodeInput e = c;
  e.cache_V.clear();
  check(e, "decoding_lab.cache_V: a previous cache needs both cache_K and cache_V");
  e = c;
  e.cache_K.pop_back();
  check(e, "decoding_lab.cache_K: expected 2 sequences (b), got 1");
  e = c;
  e.cache_V[1].pop_back();
  check(e, "decoding_lab.cache_V[1]: expected 2 K/V heads (n_kv_heads), got 1");
  e = c;
  e.cache_K[0][1] = Matrix::Zero(3, 2);
  check(e, "decoding_lab.cache_K[0][1]: expected 2x2 (cached positions x d_k), got 3x2");
  e = c;
  e.cache_V[1][0] = Matrix::Zero(2, 2);
  check(e, "decoding_lab.cache_V[1][0]: expected 2x3 (cached positions x d_v), got 2x2");
  e = c;
  e.cache_V[1][0](0, 0) = INFINITY;
  check(e, "decoding_lab.cache_V[1][0]: holds NaN or infinity");
}

TEST(DecodingErrors, AStepRefusesWhatDoesNotFitAndChangesNothing) {
  const MultiHeadWeights w = Model(4, 2, 1, 2, 2, 4, false, 8);
  KvCache cache;
  ASSERT_TRUE(MakeKvCache(2, 1, 2, 2, 2, &cache).ok());
  DecodeWorkspace ws;
  PrepareDecodeWorkspace(w, 2, 2, &ws);
  EXPECT_EQ(DecodeStep(w, AttentionOptions(), Matrix::Zero(2, 3), &cache, &ws).ToString(),
            "x: expected 4 columns (d_model), got 3");
  EXPECT_EQ(DecodeStep(w, AttentionOptions(), Matrix::Zero(3, 4), &cache, &ws).ToString(),
            "x: expected 2 rows (one per sequence of the cache), got 3");
  KvCache wrong;
  ASSERT_TRUE(MakeKvCache(2, 2, 2, 2, 2, &wrong).ok());
  EXPECT_EQ(DecodeStep(w, AttentionOptions(), Matrix::Zero(2, 4), &wrong, &ws).ToString(),
            "cache: shape [b, g, n, k] = [2, 2, n, 2] does not fit the model's g = 1, d_k = 2, d_v = 2");
  DecodeWorkspace small;
  PrepareDecodeWorkspace(w, 1, 2, &small);
  EXPECT_EQ(DecodeStep(w, AttentionOptions(), Matrix::Zero(2, 4), &cache, &small).ToString(),
            "workspace: not prepared for this batch and cache (PrepareDecodeWorkspace)");
  EXPECT_EQ(cache.length, 0);
  ASSERT_TRUE(DecodeStep(w, AttentionOptions(), Matrix::Ones(2, 4), &cache, &ws).ok());
  ASSERT_TRUE(DecodeStep(w, AttentionOptions(), Matrix::Ones(2, 4), &cache, &ws).ok());
  EXPECT_EQ(DecodeStep(w, AttentionOptions(), Matrix::Ones(2, 4), &cache, &ws).ToString(), "cache: full: 2 positions");
  EXPECT_EQ(cache.length, 2);
  KvCache bad;
  EXPECT_EQ(MakeKvCache(1, 0, 2, 2, 2, &bad).ToString(), "cache: groups must be at least 1, got 0");
  MultiHeadWeights huge = w;
  huge.W_Q *= 1e300;
  huge.W_K *= 1e300;
  ASSERT_TRUE(MakeKvCache(2, 1, 2, 2, 2, &cache).ok());
  EXPECT_EQ(DecodeStep(huge, AttentionOptions(), Matrix::Ones(2, 4), &cache, &ws).field(), "scores");
  EXPECT_EQ(cache.length, 0);  // the failed step's rows are not the cache's
  // a step after a good one that fails leaves the length where it was
  ASSERT_TRUE(DecodeStep(w, AttentionOptions(), Matrix::Ones(2, 4), &cache, &ws).ok());
  EXPECT_EQ(DecodeStep(huge, AttentionOptions(), Matrix::Ones(2, 4), &cache, &ws).field(), "scores");
  EXPECT_EQ(cache.length, 1);
  // every part of the workspace is checked, not only q and the weights
  for (int part = 0; part < 4; ++part) {
    ASSERT_TRUE(MakeKvCache(2, 1, 2, 2, 2, &cache).ok());
    DecodeWorkspace off;
    PrepareDecodeWorkspace(w, 2, 2, &off);
    Matrix* m[] = {&off.k, &off.v, &off.o, &off.y};
    m[part]->resize(1, m[part]->cols());
    EXPECT_EQ(DecodeStep(w, AttentionOptions(), Matrix::Ones(2, 4), &cache, &off).ToString(),
              "workspace: not prepared for this batch and cache (PrepareDecodeWorkspace)")
        << part;
    EXPECT_EQ(cache.length, 0);
  }
}

// With a tiny T > 0, scale / T overflowed to inf and (a - max) * inf was NaN
// at the maximum; at T = 0, the row's sum overflowed for huge finite scores.
// The one-shot (Attend) takes both: the steps must give its numbers.
TEST(Decoding, TinyTemperaturesAndHugeFiniteScoresMatchTheOneShot) {
  // one head of width 1: score(t, p) = big^2 x_t x_p, so big = 1e154 gives
  // scores of 1e308 (finite, and scaled by 1/sqrt(1)); several of them in a row sum to inf
  MultiHeadWeights w;
  w.d_model = 1;
  w.layout = HeadLayout{1, 1, 1, 1};
  w.W_V = Matrix::Constant(1, 1, 2.0);
  DecodeInput in;
  in.X.push_back((Matrix(6, 1) << 1, 0.5, 1, -1, 1, 0.25).finished());
  // T = 1e-310: scale / T overflows (1 / 1e-310 > 1.8e308)
  for (const double T : {1e-310, 1e-300, 0.0, 1.0}) {
    for (const double big : {1.0, 1e154}) {
      SCOPED_TRACE("T = " + std::to_string(T) + ", big = " + std::to_string(big));
      w.W_Q = Matrix::Constant(1, 1, big);
      w.W_K = Matrix::Constant(1, 1, big);
      AttentionOptions o;
      o.temperature = T;
      std::vector<Matrix> Y, P;
      const Status one = DecodeOneShot(w, o, in, &Y, &P);
      ASSERT_TRUE(one.ok()) << one.ToString();
      DecodeRun run;
      const Status st = DecodeSequences(w, o, in, &run);
      ASSERT_TRUE(st.ok()) << st.ToString();
      EXPECT_LT(MaxAbsDiff(run.weights, P), 1e-12);
      EXPECT_LT(MaxAbsDiff(run.Y, Y), 1e-12);
    }
  }
}

// Many query heads per K/V head (r > kDecodeGemmHeads) take the GEMM path,
// in chunks of kDecodeChunk keys: n = 600 crosses two chunk boundaries.
TEST(Decoding, TheGemmPathAcrossChunkBoundariesMatchesTheNaiveLoopAndTheOneShot) {
  ASSERT_GT(16, kDecodeGemmHeads);
  ASSERT_LT(2 * kDecodeChunk, 600);
  for (const Layout L : {Layout{16, 1}, Layout{32, 2}}) {
    SCOPED_TRACE("h = " + std::to_string(L.h) + ", g = " + std::to_string(L.g));
    const MultiHeadWeights w = Model(8, L.h, L.g, 2, 2, 8, true, 101);
    const DecodeInput in = Input(1, 600, 8, 102);
    DecodeRun run;
    ASSERT_TRUE(DecodeSequences(w, AttentionOptions(), in, &run).ok());
    std::vector<Matrix> Y, P;
    NaiveDecode(w, 1.0 / std::sqrt(2.0), in, &Y, &P);
    EXPECT_LT(MaxAbsDiff(run.Y, Y), 1e-12);
    EXPECT_LT(MaxAbsDiff(run.weights, P), 1e-12);
    std::vector<Matrix> Y1, P1;
    ASSERT_TRUE(DecodeOneShot(w, AttentionOptions(), in, &Y1, &P1).ok());
    EXPECT_LT(MaxAbsDiff(run.Y, Y1), 1e-12);
    EXPECT_LT(MaxAbsDiff(run.weights, P1), 1e-12);
    EXPECT_GT(run.weights[0](599, 300), 0.0);  // keys past the second chunk were weighed
  }
}

// ---- the cost model, against counts by hand ----

// b = 2 sequences, n = 5 positions, d = 8, h = 4 heads of d_k = d_v = 2, doubles.
DecodeShape Small(double g) { return DecodeShape{2, 5, 8, 4, g, 2, 2, 8}; }

TEST(DecodingCost, MhaCountedByHand) {
  const DecodeCost c = DecodeStepCost(Small(4));
  // q, k, v: 2*2*8*8 = 256 each; logits, p V: 2*2*4*5*2 = 160 each; W_O: 2*2*4*2*8 = 256
  EXPECT_EQ(c.flops, 256 * 3 + 160 * 2 + 256);
  EXPECT_EQ(c.weight_bytes, 8 * (4 * 8 * 8));  // four 8x8 matrices
  EXPECT_EQ(c.activation_bytes, 8 * (2 * 2 * 8));
  EXPECT_EQ(c.cache_bytes, 8 * (2 * 4 * 5 * 4 + 2 * 4 * 4));  // read [2,4,5,2] K and V, write one row each
  EXPECT_EQ(c.bytes, 2048 + 256 + 1536);
  EXPECT_DOUBLE_EQ(c.intensity, 1344.0 / 3840.0);
  EXPECT_EQ(c.cache_bytes_per_token, 8 * 4 * 4);
  EXPECT_EQ(c.flops_big_o, "O(b d\u00B2 + b n d)");
  EXPECT_EQ(c.bytes_big_o, "O(d\u00B2 + b d + b n d)");
}

TEST(DecodingCost, GqaCacheIsGOverHOfMhaNotMqas) {
  // One public calculator long counted GQA's KV memory as MQA's (one K/V head);
  // by hand: 2 groups x 5 positions x (2 + 2) numbers x 2 sequences x 8 bytes.
  const DecodeCost gqa = DecodeStepCost(Small(2)), mqa = DecodeStepCost(Small(1)), mha = DecodeStepCost(Small(4));
  EXPECT_EQ(gqa.byte_terms[2].value, 2 * 2 * 5 * 4 * 8);
  EXPECT_EQ(gqa.byte_terms[2].value, 640);
  EXPECT_EQ(mqa.byte_terms[2].value, 320);
  EXPECT_EQ(mha.byte_terms[2].value, 1280);
  EXPECT_EQ(gqa.cache_bytes_per_token, 2 * 4 * 8);
  // weights: W_Q, W_O 8x8; W_K, W_V 8x4
  EXPECT_EQ(gqa.weight_bytes, 8 * (64 + 64 + 32 + 32));
  // projections of k and v shrink with g; the attention itself does not
  EXPECT_EQ(gqa.flops, 256 + 128 + 128 + 160 + 160 + 256);
  EXPECT_EQ(gqa.bytes_big_o, "O(d\u00B2 + b d + b n d g / h)");
}

TEST(DecodingCost, MqaCountedByHand) {
  const DecodeCost c = DecodeStepCost(Small(1));
  EXPECT_EQ(c.flops, 256 + 64 + 64 + 160 + 160 + 256);
  EXPECT_EQ(c.weight_bytes, 8 * (64 + 16 + 16 + 64));
  EXPECT_EQ(c.cache_bytes, 8 * (2 * 1 * 5 * 4 + 2 * 1 * 4));
  EXPECT_EQ(c.bytes_big_o, "O(d\u00B2 + b d + b n d / h)");
  // cache bytes = weight bytes at n + 1 = 1280 / 64
  EXPECT_DOUBLE_EQ(c.crossover_n, 1280.0 / 64.0 - 1);
}

TEST(DecodingCost, TheFormulasCarryTheirNumbers) {
  const DecodeCost c = DecodeStepCost(DecodeShape{8, 2048, 1024, 16, 16, 64, 64, 8});
  EXPECT_EQ(c.flop_terms[3].formula, "2\u00B7b\u00B7h\u00B7n\u00B7d_k = 2\u00B78\u00B716\u00B72048\u00B764 = 33554432");
  // E4's memory-bound case: the f64 cache of b = 8, h = 16, n = 2048 is 268 MB a step
  EXPECT_EQ(c.byte_terms[2].value, 268435456.0);
  EXPECT_EQ(c.byte_terms[2].formula,
            "w\u00B7b\u00B7g\u00B7n\u00B7(d_k + d_v) = 8\u00B78\u00B716\u00B72048\u00B7(64 + 64) = 268435456");
  const DecodeCost mqa = DecodeStepCost(DecodeShape{8, 2048, 1024, 16, 1, 64, 64, 8});
  EXPECT_EQ(mqa.flops, c.flops - 2 * 2 * 8 * 1024 * 15 * 64.0);  // only k, v projections shrink
  EXPECT_GT(c.bytes / mqa.bytes, 4.0);
}

TEST(DecodingEinsums, TheHomeworksTwoWrongEinsumsAreShownCorrected) {
  const std::vector<EinsumLine> mqa = DecodeEinsums(2, 5, 8, 4, 1, 2, 2);
  ASSERT_EQ(mqa.size(), 7u);
  EXPECT_EQ(mqa[1].einsum, "bd,dk->bk");
  EXPECT_EQ(mqa[4].einsum, "bhk,bnk->bhn");
  EXPECT_EQ(mqa[5].einsum, "bhn,bnv->bhv");
  EXPECT_NE(mqa[5].note.find("b h n, b h v->b h v"), std::string::npos);
  EXPECT_EQ(mqa[6].einsum, "bhv,hvd->bd");
  EXPECT_NE(mqa[6].note.find("b h v, b d v->b d"), std::string::npos);
  EXPECT_EQ(mqa[3].shape, "[b, n, k] = [2, 5, 2]");
  EXPECT_EQ(DecodeEinsums(2, 5, 8, 4, 4, 2, 2)[3].shape, "[b, h, n, k] = [2, 4, 5, 2]");
  EXPECT_EQ(DecodeEinsums(2, 5, 8, 4, 2, 2, 2)[3].shape, "[b, g, n, k] = [2, 2, 5, 2]");
  EXPECT_EQ(DecodeWeightShapes(8, 4, 1, 2, 2)[1], "W_k [d, k] = [8, 2]");
  EXPECT_EQ(DecodeWeightShapes(8, 4, 4, 2, 2)[1], "W_k [h, d, k] = [4, 8, 2]");
  EXPECT_EQ(DecodeWeightShapes(8, 4, 2, 2, 2)[1], "W_k [g, d, k] = [2, 8, 2]");
  // W_o as it is: [h, v, d], another width, or none
  EXPECT_EQ(DecodeWeightShapes(8, 4, 2, 2, 3, 8)[3], "W_o [h, v, d] = [4, 3, 8]");
  EXPECT_EQ(DecodeWeightShapes(8, 4, 2, 2, 3, 5)[3], "W_o [h, v, e] = [4, 3, 5] (e = d_out)");
  EXPECT_EQ(DecodeWeightShapes(8, 4, 2, 2, 3, 0)[3], "W_o none: y = the heads' outputs side by side [h, v] = [4, 3]");
  EXPECT_STREQ(KvLayoutName(4, 4), "MHA");
  EXPECT_STREQ(KvLayoutName(4, 2), "GQA");
  EXPECT_STREQ(KvLayoutName(4, 1), "MQA");
}

// The cache was the only bound: at d = 8192 the four weight matrices alone
// are 2 GiB. Everything a measured step holds is bounded.
TEST(DecodingMeasure, WeightsCacheAndWorkspaceTogetherAreBounded) {
  const DecodeShape wide{1, 1, 8192, 64, 64, 128, 128, 8};  // 4 x 8192^2 doubles = 2 GiB of weights, a tiny cache
  EXPECT_GT(MeasureBytes(wide), 8.0 * 4 * 8192 * 8192);
  EXPECT_LT(MeasureBytes(wide), 8.0 * 4 * 8192 * 8192 + 1e6);
  const Status st = CheckMeasureShape(wide, "measure");
  EXPECT_EQ(st.field(), "measure") << st.ToString();
  EXPECT_NE(st.message().find("weights, KV cache and workspace at these sizes take 2048 MiB; at most 1536 MiB"),
            std::string::npos)
      << st.ToString();
  const DecodeShape fits{1, 1, 4096, 32, 32, 128, 128, 8};  // 512 MiB of weights
  EXPECT_TRUE(CheckMeasureShape(fits, "measure").ok());
}

TEST(DecodingMeasure, TimesAStepAndRefusesSizesPastTheLimit) {
  double seconds = 0;
  ASSERT_TRUE(TimeDecodeStep(DecodeShape{2, 64, 32, 4, 2, 8, 8, 8}, 2, &seconds).ok());
  EXPECT_GT(seconds, 0);
  EXPECT_EQ(CheckMeasureShape(DecodeShape{8, 65536, 4096, 16, 16, 256, 256, 8}, "decoding_lab.cost").field(),
            "decoding_lab.cost");
  EXPECT_EQ(CheckMeasureShape(DecodeShape{8, 64, 100, 16, 16, 6, 6, 8}, "decoding_lab.cost").ToString(),
            "decoding_lab.cost.h: must divide d = 100 (d_k = d / h)");
  EXPECT_EQ(CheckMeasureShape(DecodeShape{8, 64, 64, 4, 3, 16, 16, 8}, "m").ToString(), "m.g: must divide h = 4");
  EXPECT_EQ(CheckMeasureShape(DecodeShape{0, 64, 64, 4, 4, 16, 16, 8}, "m").ToString(),
            "m.b: must be a whole number from 1 to 256");
}

}  // namespace
}  // namespace attnlab
