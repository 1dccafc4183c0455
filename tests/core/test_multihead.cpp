// The shared multi-head model (multihead.hpp, scenario.hpp): MHA against
// nn.MultiheadAttention's algorithm written out as a naive loop over heads and
// positions with PyTorch-shaped weights; GQA, MQA, biases and cross-attention
// against the same loop; the packed file form against the list of heads; the
// layout edits and E3(b)'s W_O fix.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "attnlab/limits.hpp"
#include "attnlab/multihead.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

using testing::M;

Matrix Random(int rows, int cols, std::mt19937* rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Matrix m(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) m(i, j) = u(*rng);
  return m;
}

RowVector RandomRow(int n, std::mt19937* rng) { return Random(1, n, rng).row(0); }

// nn.MultiheadAttention's forward (batch_first, one sequence), extended to K/V
// groups, written the way PyTorch writes it: Linear weights are (out, in)
// (ours transposed), q = x weight^T + bias, the head split is view(n, h, d_k),
// attention per head with 1/sqrt(d_k), then out_proj, and the weights averaged
// over heads. Scalars and loops only; no Eigen product, no attnlab code.
struct Reference {
  std::vector<std::vector<std::vector<double>>> weights;  // [head][i][j]
  std::vector<std::vector<double>> avg, concat, y;
};

Reference NaiveMultiHead(const Matrix& xq, const Matrix& xkv, const Matrix& wq_t, const Matrix& wk_t,
                         const Matrix& wv_t, const Matrix& wo_t, const RowVector& bq, const RowVector& bk,
                         const RowVector& bv, const RowVector& bo, int h, int g, int dk, int dv, bool causal) {
  const int nq = static_cast<int>(xq.rows()), nk = static_cast<int>(xkv.rows()), d = static_cast<int>(xq.cols());
  auto linear = [d](const Matrix& x, const Matrix& weight, const RowVector& bias, int i, int o) {
    double acc = bias.size() ? bias(o) : 0.0;
    for (int c = 0; c < d; ++c) acc += x(i, c) * weight(o, c);
    return acc;
  };
  Reference r;
  r.weights.assign(h, std::vector<std::vector<double>>(nq, std::vector<double>(nk, 0.0)));
  r.concat.assign(nq, std::vector<double>(h * dv, 0.0));
  for (int head = 0; head < h; ++head) {
    const int kv = head / (h / g);
    for (int i = 0; i < nq; ++i) {
      std::vector<double> s(nk);
      double mx = -INFINITY;
      for (int j = 0; j < nk; ++j) {
        double dot = 0;
        for (int c = 0; c < dk; ++c)
          dot += linear(xq, wq_t, bq, i, head * dk + c) * linear(xkv, wk_t, bk, j, kv * dk + c);
        s[j] = (causal && j > i + (nk - nq)) ? -INFINITY : dot / std::sqrt(static_cast<double>(dk));
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (int j = 0; j < nk; ++j) sum += (s[j] = std::exp(s[j] - mx));
      for (int j = 0; j < nk; ++j) r.weights[head][i][j] = s[j] / sum;
      for (int c = 0; c < dv; ++c) {
        double acc = 0;
        for (int j = 0; j < nk; ++j) acc += r.weights[head][i][j] * linear(xkv, wv_t, bv, j, kv * dv + c);
        r.concat[i][head * dv + c] = acc;
      }
    }
  }
  r.avg.assign(nq, std::vector<double>(nk, 0.0));
  for (int i = 0; i < nq; ++i)
    for (int j = 0; j < nk; ++j) {
      for (int head = 0; head < h; ++head) r.avg[i][j] += r.weights[head][i][j];
      r.avg[i][j] /= h;
    }
  const int dout = static_cast<int>(wo_t.rows());
  r.y.assign(nq, std::vector<double>(dout, 0.0));
  for (int i = 0; i < nq; ++i)
    for (int o = 0; o < dout; ++o) {
      double acc = bo.size() ? bo(o) : 0.0;
      for (int c = 0; c < h * dv; ++c) acc += r.concat[i][c] * wo_t(o, c);
      r.y[i][o] = acc;
    }
  return r;
}

Matrix FromRows(const std::vector<std::vector<double>>& rows) {
  Matrix m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows[0].size()));
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  return m;
}

struct Case {
  int n_q, n_k, d, h, g, dk, dv;
  bool biases, cross, causal;
};

// A scenario written in the packed form, and the same numbers PyTorch-shaped.
struct Built {
  Scenario s;
  Matrix xq, xkv, wq_t, wk_t, wv_t, wo_t;
  RowVector bq, bk, bv, bo;
};

Built Build(const Case& c, unsigned seed) {
  std::mt19937 rng(seed);
  Built b;
  b.xq = Random(c.n_q, c.d, &rng);
  b.xkv = c.cross ? Random(c.n_k, c.d, &rng) : b.xq;
  b.wq_t = Random(c.h * c.dk, c.d, &rng);
  b.wk_t = Random(c.g * c.dk, c.d, &rng);
  b.wv_t = Random(c.g * c.dv, c.d, &rng);
  b.wo_t = Random(c.d, c.h * c.dv, &rng);
  if (c.biases) {
    b.bq = RandomRow(c.h * c.dk, &rng);
    b.bk = RandomRow(c.g * c.dk, &rng);
    b.bv = RandomRow(c.g * c.dv, &rng);
    b.bo = RandomRow(c.d, &rng);
  }
  std::string text = R"({"view": "multihead", "num_heads": )" + std::to_string(c.h) +
                     R"(, "n_kv_heads": )" + std::to_string(c.g) + R"(, "unembedding": "none")";
  auto mat = [](const Matrix& m) {
    std::string t = "[";
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      t += i ? ",[" : "[";
      for (Eigen::Index j = 0; j < m.cols(); ++j) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%s%.17g", j ? "," : "", m(i, j));
        t += buf;
      }
      t += "]";
    }
    return t + "]";
  };
  auto vec = [&mat](const RowVector& v) {
    const Matrix m = v;
    const std::string t = mat(m);
    return t.substr(1, t.size() - 2);
  };
  text += R"(, "X": )" + mat(b.xq);
  if (c.cross) text += R"(, "X_kv": )" + mat(b.xkv);
  text += R"(, "W_Q": )" + mat(b.wq_t.transpose()) + R"(, "W_K": )" + mat(b.wk_t.transpose()) + R"(, "W_V": )" +
          mat(b.wv_t.transpose()) + R"(, "W_O": )" + mat(b.wo_t.transpose());
  if (c.biases) {
    text += R"(, "b_Q": )" + vec(b.bq) + R"(, "b_K": )" + vec(b.bk) + R"(, "b_V": )" + vec(b.bv) + R"(, "b_O": )" +
            vec(b.bo);
  }
  if (c.causal) text += R"(, "mask": "causal")";
  text += "}";
  const Status st = ParseScenario(text, &b.s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return b;
}

class MultiHeadAgainstNaive : public ::testing::TestWithParam<Case> {};

TEST_P(MultiHeadAgainstNaive, EveryHeadTheAverageAndTheOutput) {
  const Case c = GetParam();
  const Built b = Build(c, 7u + static_cast<unsigned>(c.h * 31 + c.g));
  const Reference ref = NaiveMultiHead(b.xq, b.xkv, b.wq_t, b.wk_t, b.wv_t, b.wo_t, b.bq, b.bk, b.bv, b.bo, c.h,
                                       c.g, c.dk, c.dv, c.causal);
  Result r;
  const Status st = Evaluate(b.s, &r);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(r.heads.size(), static_cast<size_t>(c.h));
  for (int head = 0; head < c.h; ++head) EXPECT_MATRIX_NEAR(r.heads[head].weights, FromRows(ref.weights[head]), 1e-12);
  EXPECT_MATRIX_NEAR(r.Weights(), FromRows(ref.avg), 1e-12);
  EXPECT_MATRIX_NEAR(r.Z, FromRows(ref.concat), 1e-12);
  EXPECT_MATRIX_NEAR(r.R, FromRows(ref.y), 1e-12);

  // The packed path (PackHeads + MultiHeadForward) gives the same numbers.
  MultiHeadWeights w;
  ASSERT_TRUE(PackHeads(b.s, c.d, &w).ok());
  EXPECT_EQ(w.layout, (HeadLayout{c.h, c.g, c.dk, c.dv}));
  MultiHeadResult mh;
  ASSERT_TRUE(MultiHeadForward(w, b.xq, b.xkv, b.s.attention, &mh).ok());
  EXPECT_MATRIX_NEAR(mh.avg_weights, FromRows(ref.avg), 1e-12);
  EXPECT_MATRIX_NEAR(mh.concat, FromRows(ref.concat), 1e-12);
  EXPECT_MATRIX_NEAR(mh.Y, FromRows(ref.y), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, MultiHeadAgainstNaive,
    ::testing::Values(Case{5, 5, 8, 2, 2, 4, 4, true, false, false},    // nn.MultiheadAttention, with biases
                      Case{6, 6, 8, 4, 4, 2, 2, false, false, true},    // MHA, causal
                      Case{6, 6, 8, 4, 2, 2, 2, true, false, false},    // GQA, 2 groups
                      Case{6, 6, 8, 4, 1, 2, 2, true, false, true},     // MQA, causal
                      Case{3, 7, 6, 3, 3, 2, 2, true, true, false},     // cross-attention, n_q != n_k
                      Case{4, 9, 6, 2, 1, 3, 5, false, true, false},    // cross MQA, d_v != d_k
                      Case{3, 7, 6, 3, 3, 2, 2, true, true, true}));    // cross, causal: the last keys

TEST(MultiHead, HandDerivedTwoHeadsOfWidthOne) {
  // d_model 2, h 2, d_k = d_v = 1, W = I: head 0 sees column 0, head 1 column 1.
  // X = [[1, 0], [0, 1]]: head 0's scores [[1, 0], [0, 0]], head 1's [[0, 0], [0, 1]];
  // so P_0 row 0 = softmax(1, 0) = (e/(e+1), 1/(e+1)), row 1 uniform.
  Scenario s;
  ASSERT_TRUE(ParseScenario(R"({"X": [[1, 0], [0, 1]], "num_heads": 2, "W_Q": [[1, 0], [0, 1]],
      "W_K": [[1, 0], [0, 1]], "W_V": [[1, 0], [0, 1]], "unembedding": "none"})", &s).ok());
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  const double e = std::exp(1.0);
  EXPECT_MATRIX_NEAR(r.heads[0].weights, M({{e / (e + 1), 1 / (e + 1)}, {0.5, 0.5}}), 1e-15);
  EXPECT_MATRIX_NEAR(r.heads[1].weights, M({{0.5, 0.5}, {1 / (e + 1), e / (e + 1)}}), 1e-15);
  // Z_0 = P_0 V_0 with V_0 = column 0 of X = (1, 0): (e/(e+1), 1/2).
  EXPECT_MATRIX_NEAR(r.Z, M({{e / (e + 1), 0.5}, {0.5, e / (e + 1)}}), 1e-15);
}

TEST(MultiHead, ThePackedFormIsTheListOfHeads) {
  const Built b = Build(Case{5, 5, 8, 4, 2, 2, 3, true, false, false}, 3u);
  // The same weights as a list: W_K etc. only on the first head of each group.
  Scenario list = b.s;
  list.packed_heads = false;
  const std::string text = ScenarioToJson(list);
  EXPECT_EQ(text.find("\"num_heads\""), std::string::npos);
  EXPECT_NE(text.find("\"heads\""), std::string::npos);
  EXPECT_NE(text.find("\"n_kv_heads\": 2"), std::string::npos);
  Scenario back;
  ASSERT_TRUE(ParseScenario(text, &back).ok());
  EXPECT_TRUE(back == b.s);
  Result a, c;
  ASSERT_TRUE(Evaluate(b.s, &a).ok());
  ASSERT_TRUE(Evaluate(back, &c).ok());
  EXPECT_MATRIX_NEAR(c.R, a.R, 0.0);
  // And the packed form writes packed, and reads back equal.
  const std::string packed = ScenarioToJson(b.s);
  EXPECT_NE(packed.find("\"num_heads\": 4"), std::string::npos);
  EXPECT_EQ(packed.find("\"heads\""), std::string::npos);
  ASSERT_TRUE(ParseScenario(packed, &back).ok());
  EXPECT_TRUE(back == b.s);
}

Status ParseAndEvaluate(const std::string& text) {
  Scenario s;
  Status st = ParseScenario(text, &s);
  if (!st.ok()) return st;
  Result r;
  return Evaluate(s, &r);
}

const char* kX = R"("X": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], "unembedding": "none")";

TEST(MultiHead, EveryShapeMistakeNamesItsField) {
  const std::string x = kX;
  struct Bad {
    std::string json, field, says;
  } cases[] = {
      {R"({"num_heads": 3, "W_Q": [[1, 0], [0, 1], [0, 0], [0, 0]], )" + x + "}", "W_Q",
       "2 columns do not split into num_heads = 3"},
      {R"({"num_heads": 4, "n_kv_heads": 3, )" + x + "}", "n_kv_heads", "must divide num_heads (4)"},
      {R"({"heads": [{}, {}, {}], "n_kv_heads": 2, )" + x + "}", "n_kv_heads", "must divide the number of heads (3)"},
      {R"({"heads": [{}, {"W_K": [[1], [0], [0], [0]]}], "n_kv_heads": 1, )" + x + "}", "heads[1].W_K",
       "shares the keys and values of head 0"},
      {R"({"b_Q": [1, 2, 3], )" + x + "}", "b_Q", "expected 4 numbers (d_k"},
      {R"({"b_O": [1, 2], )" + x + "}", "b_O", "expected 4 numbers"},
      {R"({"num_heads": 2, "heads": [{}], )" + x + "}", "num_heads", "\"heads\" lists 1 heads"},
      {R"({"X_kv": [[1, 2]], )" + x + "}", "X_kv", "expected 4 columns (d_model"},
      {R"({"vocab": ["a"], "tokens": ["a"], "E": [[1]], "kv_tokens": ["b"]})", "kv_tokens[0]",
       "\"b\" is not in the vocabulary"},
      {R"({"Q": [[1]], "K": [[1]], "V": [[1]], "X_kv": [[1]]})", "X_kv", "need no key/value input"},
  };
  for (const Bad& b : cases) {
    const Status st = ParseAndEvaluate(b.json);
    EXPECT_EQ(st.field(), b.field) << b.json << "\n" << st.ToString();
    EXPECT_NE(st.message().find(b.says), std::string::npos) << b.json << "\n" << st.ToString();
  }
}

TEST(MultiHead, WideningWVNamesTheShapesAndTheFixRestoresTheResidualWidth) {
  // E3(b): d_model 4, h 2, d_k = d_v = 2, W_O 4x4. Widen W_V to 2 d_model.
  std::mt19937 rng(5);
  Scenario s;
  s.input = InputMode::kX;
  s.X = Random(3, 4, &rng);
  s.unembedding = Unembedding::kNone;
  s.heads.assign(2, HeadWeights{});
  for (HeadWeights& h : s.heads) {
    h.W_Q = Random(4, 2, &rng);
    h.W_K = Random(4, 2, &rng);
    h.W_V = Random(4, 2, &rng);
  }
  s.W_O = Random(4, 4, &rng);
  const HeadLayout before = CurrentLayout(s, 4);
  EXPECT_EQ(before, (HeadLayout{2, 2, 2, 2}));
  std::string what;
  ASSERT_TRUE(SetHeadLayout(&s, HeadLayout{2, 2, 2, 4}, &what).ok());  // d_v 2 -> 4: W_V is 4x8 = d_model x 2 d_model
  EXPECT_NE(what.find("d_v 2 -> 4"), std::string::npos) << what;
  Result r;
  Status st = Evaluate(s, &r);
  EXPECT_EQ(st.field(), "W_O");
  EXPECT_NE(st.message().find("expected 8 rows, got 4: W_O is 4x4 but Z, the 2 heads' outputs side by side, is 3x8"),
            std::string::npos)
      << st.ToString();
  ASSERT_TRUE(FixOutputProjection(&s, &what));
  EXPECT_EQ(what, "W_O is now 8x4 (was 4x4): its old rows kept, the 4 new rows are 0");
  ASSERT_TRUE(Evaluate(s, &r).ok());
  EXPECT_EQ(r.R.cols(), 4);  // the residual's width again
  EXPECT_FALSE(FixOutputProjection(&s, &what));  // nothing left to fix
}

TEST(MultiHead, ChangingTheHeadCountResplitsTheSameNumbersAsPyTorchDoes) {
  const Built b = Build(Case{5, 5, 8, 2, 2, 4, 4, true, false, false}, 11u);
  Scenario s = b.s;
  MultiHeadWeights before;
  ASSERT_TRUE(PackHeads(s, 8, &before).ok());
  std::string what;
  ASSERT_TRUE(SetHeadLayout(&s, HeadLayout{4, 4, 2, 2}, &what).ok());
  MultiHeadWeights after;
  ASSERT_TRUE(PackHeads(s, 8, &after).ok());
  EXPECT_MATRIX_NEAR(after.W_Q, before.W_Q, 0.0);
  EXPECT_MATRIX_NEAR(after.W_K, before.W_K, 0.0);
  EXPECT_MATRIX_NEAR(after.W_V, before.W_V, 0.0);
  EXPECT_MATRIX_NEAR(Matrix(after.b_Q), Matrix(before.b_Q), 0.0);
  // MHA -> MQA: the one K/V head is the mean of the four (GQA's recipe).
  ASSERT_TRUE(SetHeadLayout(&s, HeadLayout{4, 1, 2, 2}, &what).ok());
  EXPECT_NE(what.find("is the mean of the K/V heads it replaces"), std::string::npos) << what;
  MultiHeadWeights mqa;
  ASSERT_TRUE(PackHeads(s, 8, &mqa).ok());
  Matrix mean = Matrix::Zero(8, 2);
  for (int i = 0; i < 4; ++i) mean += before.W_K.middleCols(2 * i, 2) / 4.0;
  EXPECT_MATRIX_NEAR(mqa.W_K, mean, 1e-15);
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  EXPECT_EQ(KvHeadCount(s), 1);
  for (int i = 1; i < 4; ++i) EXPECT_MATRIX_NEAR(r.heads[i].K, r.heads[0].K, 0.0);
  // A count that does not divide changes nothing.
  const Scenario kept = s;
  EXPECT_EQ(SetHeadLayout(&s, HeadLayout{4, 3, 2, 2}, &what).field(), "n_kv_heads");
  EXPECT_TRUE(s == kept);
}

TEST(MultiHead, AFullyMaskedRowNamesAllThreeConventions) {
  Scenario s;
  ASSERT_TRUE(ParseScenario(R"({"X": [[1, 0], [0, 1]], "num_heads": 2, "unembedding": "none",
      "mask": [[0, 0], [1, 1]]})", &s).ok());
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  ASSERT_EQ(r.diagnostics.size(), 2u);  // per head
  EXPECT_NE(r.diagnostics[0].find("head 0, row 0"), std::string::npos) << r.diagnostics[0];
  EXPECT_NE(r.diagnostics[0].find("masked_fill(-1e9) would give uniform weights 1/2"), std::string::npos);
  EXPECT_NE(r.diagnostics[0].find("PyTorch's -inf mask gives NaN"), std::string::npos);
  EXPECT_EQ(r.heads[0].weights.row(0).sum(), 0.0);
}

TEST(MultiHead, TheKvHeadCountRoundTripsInEveryForm) {
  const char* files[] = {
      R"({"X": [[1, 0], [0, 1]], "n_kv_heads": 1})",                                      // one head
      R"({"X": [[1, 0], [0, 1]], "heads": [{}, {}], "n_kv_heads": 2})",                    // list, = h
      R"({"X": [[1, 0], [0, 1]], "num_heads": 2, "n_kv_heads": 2})",                       // packed, = h
      R"({"X": [[1, 0], [0, 1]], "heads": [{}, {}], "n_kv_heads": 1})",                    // list, MQA
      R"({"X": [[1, 0], [0, 1]], "heads": [{}, {}, {}], "n_kv_heads": 2})",                // invalid, kept
  };
  for (const char* text : files) {
    Scenario s, back;
    ASSERT_TRUE(ParseScenario(text, &s).ok()) << text;
    ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok()) << ScenarioToJson(s);
    EXPECT_TRUE(back == s) << text << "\n" << ScenarioToJson(s);
  }
  Scenario invalid;
  ASSERT_TRUE(ParseScenario(files[4], &invalid).ok());
  Result r;
  EXPECT_EQ(Evaluate(invalid, &r).field(), "n_kv_heads");
}

TEST(MultiHead, AGroupMembersWQOfTheWrongWidthIsNamed) {
  const Status st = ParseAndEvaluate(R"({"X": [[1, 0], [0, 1]], "n_kv_heads": 1, "unembedding": "none",
      "heads": [{"W_Q": [[1, 0], [0, 1]], "W_K": [[1, 0], [0, 1]]}, {"W_Q": [[1], [0]]}]})");
  EXPECT_EQ(st.field(), "heads[1].W_Q") << st.ToString();
  EXPECT_NE(st.message().find("d_k of K/V head 0"), std::string::npos) << st.ToString();
}

TEST(MultiHead, ChangingHInGqaKeepsEachQuerySliceWithItsKeySlice) {
  // GQA h 4 -> 8 with d_k 2 -> 1: K keeps each group's first column, so each
  // query head keeps its own first column (not the next head's second).
  const Built b = Build(Case{5, 5, 8, 4, 2, 2, 2, false, false, false}, 21u);
  Scenario s = b.s;
  const Scenario before = s;
  std::string what;
  ASSERT_TRUE(SetHeadLayout(&s, HeadLayout{8, 2, 1, 1}, &what).ok());
  ASSERT_EQ(s.heads.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    const Matrix& old_q = before.heads[static_cast<size_t>(i % 4)].W_Q;
    EXPECT_MATRIX_NEAR(s.heads[static_cast<size_t>(i)].W_Q, Matrix(old_q.leftCols(1)), 0.0) << "head " << i;
  }
  EXPECT_MATRIX_NEAR(s.heads[0].W_K, Matrix(before.heads[0].W_K.leftCols(1)), 0.0);
  EXPECT_MATRIX_NEAR(s.heads[4].W_K, Matrix(before.heads[2].W_K.leftCols(1)), 0.0);
  Result r;
  EXPECT_TRUE(Evaluate(s, &r).ok());  // 8 heads of d_v 1: W_O (8 rows) still fits
  // A layout too wide for a matrix is refused before anything is allocated.
  EXPECT_EQ(SetHeadLayout(&s, HeadLayout{64, 64, 4096, 1}, &what).field(), "d_k");
}

TEST(MultiHead, TheCostCountsKAndVOncePerKvHeadAndNQTimesNK) {
  // Cross MQA: n = 3 queries over n_k = 5 keys, d_model 2, h 2, g 1, identity
  // projections (d_k = d_v = 2), no W_O, no unembedding. By hand:
  //   Q projections 2 heads x 2 n d d_k = 2 x 24 = 48; K and V once: 2 n_k d (d_k + d_v) = 80;
  //   Q K^T and P V: 2 heads x 2 n n_k (d_k + d_v) = 2 x 120 = 240; no W_O, no product.   Total 368.
  Scenario s;
  ASSERT_TRUE(ParseScenario(R"({"X": [[1, 0], [0, 1], [1, 1]], "X_kv": [[1, 0], [0, 1], [1, 1], [2, 0], [0, 2]],
      "heads": [{}, {}], "n_kv_heads": 1, "unembedding": "none"})", &s).ok());
  const ScenarioCost c = CostOf(s);
  EXPECT_DOUBLE_EQ(c.flops, 368);
  EXPECT_DOUBLE_EQ(c.attention_cells, 2 * 3 * 5);
  // Printed: X 6 + X_kv 10; per head Q 6, K 10, V 10 (x2 = 52) side by side and again per head (52);
  // scores and weights 2 x 15 top level and 2 x 30 per head; Z 12, R 12, and each head's output 12.
  EXPECT_DOUBLE_EQ(c.result_cells, 16 + 52 + 30 + 12 + 12 + 52 + 60 + 12);
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  EXPECT_EQ(r.heads[0].weights.rows(), 3);
  EXPECT_EQ(r.heads[0].weights.cols(), 5);
}

}  // namespace
}  // namespace attnlab
