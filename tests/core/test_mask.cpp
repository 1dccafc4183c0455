// BuildMask against 0/1 matrices written out by hand.
#include <gtest/gtest.h>

#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>

#include "attnlab/mask.hpp"

namespace attnlab {
namespace {

// A 0/1 matrix written row by row.
Mask B(std::initializer_list<std::initializer_list<int>> rows) {
  const Eigen::Index r = static_cast<Eigen::Index>(rows.size());
  const Eigen::Index c = r ? static_cast<Eigen::Index>(rows.begin()->size()) : 0;
  Mask m(r, c);
  Eigen::Index i = 0;
  for (const auto& row : rows) {
    EXPECT_EQ(static_cast<Eigen::Index>(row.size()), c) << "ragged expected mask";
    Eigen::Index j = 0;
    for (int v : row) m(i, j++) = v != 0;
    ++i;
  }
  return m;
}

std::string Show(const Mask& m) {
  std::ostringstream out;
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    out << "  [";
    for (Eigen::Index j = 0; j < m.cols(); ++j) out << (j ? " " : "") << (m(i, j) ? 1 : 0);
    out << "]\n";
  }
  return out.str();
}

::testing::AssertionResult MaskIs(const MaskSpec& spec, int n_q, int n_k, const Mask& expected) {
  AllowedKeys built;
  const Status st = BuildMask(spec, n_q, n_k, &built);
  if (!st.ok()) return ::testing::AssertionFailure() << "BuildMask failed: " << st.ToString();
  const Mask got = built.ToDense();
  if (got.rows() != expected.rows() || got.cols() != expected.cols() || (got != expected).any()) {
    return ::testing::AssertionFailure() << "got " << got.rows() << "x" << got.cols() << ":\n"
                                         << Show(got) << "expected " << expected.rows() << "x"
                                         << expected.cols() << ":\n"
                                         << Show(expected);
  }
  return ::testing::AssertionSuccess();
}

MaskSpec Spec(MaskKind kind, int param = 0) {
  MaskSpec s;
  s.kind = kind;
  s.param = param;
  return s;
}

TEST(Mask, NoneAllowsEveryKey) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kNone), 3, 3, B({{1, 1, 1}, {1, 1, 1}, {1, 1, 1}})));
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kNone), 2, 4, B({{1, 1, 1, 1}, {1, 1, 1, 1}})));
}

TEST(Mask, CausalIsLowerTriangular) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kCausal), 4, 4,
                     B({{1, 0, 0, 0},  //
                        {1, 1, 0, 0},
                        {1, 1, 1, 0},
                        {1, 1, 1, 1}})));
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kCausal), 1, 1, B({{1}})));
}

TEST(Mask, PaddingHidesKeysFromLengthOn) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kPadding, 2), 3, 4,
                     B({{1, 1, 0, 0},  //
                        {1, 1, 0, 0},
                        {1, 1, 0, 0}})));
  // A length past the end hides nothing.
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kPadding, 9), 2, 2, B({{1, 1}, {1, 1}})));
}

TEST(Mask, SlidingWindowKeepsTheLastWidthKeysCausally) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kSlidingWindow, 2), 4, 4,
                     B({{1, 0, 0, 0},  //
                        {1, 1, 0, 0},
                        {0, 1, 1, 0},
                        {0, 0, 1, 1}})));
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kSlidingWindow, 3), 5, 5,
                     B({{1, 0, 0, 0, 0},  //
                        {1, 1, 0, 0, 0},
                        {1, 1, 1, 0, 0},
                        {0, 1, 1, 1, 0},
                        {0, 0, 1, 1, 1}})));
  // Width 1: each query sees only itself.
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kSlidingWindow, 1), 3, 3, B({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})));
}

TEST(Mask, PrefixLmSeesThePrefixBidirectionallyAndTheRestCausally) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kPrefixLm, 2), 4, 4,
                     B({{1, 1, 0, 0},  //
                        {1, 1, 0, 0},
                        {1, 1, 1, 0},
                        {1, 1, 1, 1}})));
  // Prefix 1 is plain causal.
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kPrefixLm, 1), 3, 3, B({{1, 0, 0}, {1, 1, 0}, {1, 1, 1}})));
}

TEST(Mask, BlockDiagonalGroupsPositionsInBlocks) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kBlockDiagonal, 2), 4, 4,
                     B({{1, 1, 0, 0},  //
                        {1, 1, 0, 0},
                        {0, 0, 1, 1},
                        {0, 0, 1, 1}})));
  // A last, shorter block.
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kBlockDiagonal, 2), 5, 5,
                     B({{1, 1, 0, 0, 0},  //
                        {1, 1, 0, 0, 0},
                        {0, 0, 1, 1, 0},
                        {0, 0, 1, 1, 0},
                        {0, 0, 0, 0, 1}})));
}

// n_q != n_k: the queries are the LAST n_q positions, query i at key position
// i + (n_k - n_q).
TEST(Mask, CausalWithFewerQueriesPlacesThemAtTheEnd) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kCausal), 2, 4,
                     B({{1, 1, 1, 0},  // position 2
                        {1, 1, 1, 1}})));  // position 3
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kCausal), 1, 5, B({{1, 1, 1, 1, 1}})));
}

TEST(Mask, SlidingWindowWithFewerQueriesPlacesThemAtTheEnd) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kSlidingWindow, 2), 2, 5,
                     B({{0, 0, 1, 1, 0},  // position 3
                        {0, 0, 0, 1, 1}})));  // position 4
}

TEST(Mask, PrefixLmWithFewerQueriesPlacesThemAtTheEnd) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kPrefixLm, 3), 2, 5,
                     B({{1, 1, 1, 1, 0},  // position 3
                        {1, 1, 1, 1, 1}})));  // position 4
}

TEST(Mask, BlockDiagonalWithFewerQueriesPlacesThemAtTheEnd) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kBlockDiagonal, 2), 2, 5,
                     B({{0, 0, 1, 1, 0},  // position 3, block {2, 3}
                        {0, 0, 0, 0, 1}})));  // position 4, block {4}
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kBlockDiagonal, 3), 1, 6, B({{0, 0, 0, 1, 1, 1}})));
}

TEST(Mask, PaddingWithFewerQueriesDependsOnlyOnTheKey) {
  EXPECT_TRUE(MaskIs(Spec(MaskKind::kPadding, 3), 1, 5, B({{1, 1, 1, 0, 0}})));
}

TEST(Mask, ParameterBelowOneIsAnErrorNamingMask) {
  const struct {
    MaskKind kind;
    const char* param;
  } cases[] = {{MaskKind::kPadding, "length"},
               {MaskKind::kSlidingWindow, "width"},
               {MaskKind::kPrefixLm, "prefix"},
               {MaskKind::kBlockDiagonal, "block"}};
  for (const auto& c : cases) {
    for (int p : {0, -1, -100}) {
      AllowedKeys out;
      const Status st = BuildMask(Spec(c.kind, p), 3, 3, &out);
      EXPECT_FALSE(st.ok()) << MaskKindName(c.kind) << " with " << p;
      EXPECT_EQ(st.field(), "mask");
      EXPECT_NE(st.message().find(c.param), std::string::npos) << st.ToString();
      EXPECT_NE(st.message().find(std::to_string(p)), std::string::npos) << st.ToString();
    }
  }
}

TEST(Mask, KindsWithoutParameterIgnoreIt) {
  AllowedKeys out;
  EXPECT_TRUE(BuildMask(Spec(MaskKind::kNone, 0), 2, 2, &out).ok());
  EXPECT_TRUE(BuildMask(Spec(MaskKind::kCausal, -3), 2, 2, &out).ok());
}

TEST(Mask, CustomMatrixIsUsedAsGiven) {
  MaskSpec spec = Spec(MaskKind::kCustom);
  spec.custom = B({{0, 1, 1}, {1, 0, 1}});
  EXPECT_TRUE(MaskIs(spec, 2, 3, B({{0, 1, 1}, {1, 0, 1}})));
}

TEST(Mask, CustomMatrixWithWrongShapeIsAnError) {
  MaskSpec spec = Spec(MaskKind::kCustom);
  spec.custom = B({{1, 1}, {1, 1}});
  for (auto [n_q, n_k] : {std::pair{2, 3}, std::pair{3, 2}, std::pair{1, 2}}) {
    AllowedKeys out;
    const Status st = BuildMask(spec, n_q, n_k, &out);
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.field(), "mask");
    const std::string want = std::to_string(n_q) + "x" + std::to_string(n_k);
    EXPECT_NE(st.message().find(want), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find("2x2"), std::string::npos) << st.ToString();
  }
  MaskSpec empty = Spec(MaskKind::kCustom);
  AllowedKeys out;
  EXPECT_FALSE(BuildMask(empty, 2, 2, &out).ok());
}

TEST(Mask, KindNamesRoundTrip) {
  const struct {
    MaskKind kind;
    const char* name;
    const char* param;
  } kinds[] = {{MaskKind::kNone, "none", ""},
               {MaskKind::kCausal, "causal", ""},
               {MaskKind::kPadding, "padding", "length"},
               {MaskKind::kSlidingWindow, "sliding_window", "width"},
               {MaskKind::kPrefixLm, "prefix_lm", "prefix"},
               {MaskKind::kBlockDiagonal, "block_diagonal", "block"},
               {MaskKind::kCustom, "custom", ""}};
  for (const auto& k : kinds) {
    EXPECT_STREQ(MaskKindName(k.kind), k.name);
    EXPECT_STREQ(MaskParamName(k.kind), k.param);
    MaskKind back = k.kind == MaskKind::kNone ? MaskKind::kCausal : MaskKind::kNone;
    ASSERT_TRUE(MaskKindFromName(k.name, &back)) << k.name;
    EXPECT_EQ(back, k.kind) << k.name;
  }
}

// The definition of each kind cell by cell (the rule the dense builder used),
// against the runs BuildMask stores, for square and non-square shapes.
bool AllowedByDefinition(MaskKind kind, int p, int n_q, int n_k, int i, int j) {
  const int pos = i + (n_k - n_q);
  switch (kind) {
    case MaskKind::kNone: return true;
    case MaskKind::kCausal: return j <= pos;
    case MaskKind::kPadding: return j < p;
    case MaskKind::kSlidingWindow: return j <= pos && j > pos - p;
    case MaskKind::kPrefixLm: return j < p || j <= pos;
    case MaskKind::kBlockDiagonal: return (j / p) == (pos / p);
    case MaskKind::kCustom: return false;
  }
  return false;
}

TEST(AllowedKeys, RunsOfEveryKindMatchTheCellByCellDefinition) {
  const MaskKind kinds[] = {MaskKind::kNone,          MaskKind::kCausal,   MaskKind::kPadding,
                            MaskKind::kSlidingWindow, MaskKind::kPrefixLm, MaskKind::kBlockDiagonal};
  for (MaskKind kind : kinds) {
    for (int p : {1, 2, 3, 7}) {
      for (auto [n_q, n_k] : {std::pair{1, 1}, std::pair{5, 5}, std::pair{9, 9}, std::pair{3, 8}, std::pair{8, 3},
                              std::pair{1, 6}, std::pair{6, 1}}) {
        AllowedKeys a;
        ASSERT_TRUE(BuildMask(Spec(kind, p), n_q, n_k, &a).ok());
        ASSERT_EQ(a.rows(), n_q);
        ASSERT_EQ(a.cols(), n_k);
        EXPECT_FALSE(a.HasDense()) << MaskKindName(kind) << ": a built-in kind needs no dense matrix";
        const Mask dense = a.ToDense();
        for (int i = 0; i < n_q; ++i) {
          int count = 0;
          for (int j = 0; j < n_k; ++j) {
            const bool want = AllowedByDefinition(kind, p, n_q, n_k, i, j);
            count += want;
            EXPECT_EQ(a(i, j), want) << MaskKindName(kind) << " p=" << p << " " << n_q << "x" << n_k << " (" << i
                                     << ", " << j << ")";
            EXPECT_EQ(dense(i, j), want);
            if (want) {
              EXPECT_TRUE(a.Begin(i) <= j && j < a.End(i));
            }
          }
          // The run holds exactly the allowed keys.
          EXPECT_EQ(a.End(i) - a.Begin(i), count) << MaskKindName(kind) << " row " << i;
          EXPECT_EQ(a.AnyAllowed(i), count > 0);
        }
      }
    }
  }
}

TEST(AllowedKeys, NoMaskStoresNoCells) {
  AllowedKeys a;
  ASSERT_TRUE(BuildMask(Spec(MaskKind::kNone), 2048, 2048, &a).ok());
  EXPECT_FALSE(a.HasDense());
  EXPECT_EQ(a.Begin(1000), 0);
  EXPECT_EQ(a.End(1000), 2048);
  EXPECT_TRUE(AllowedKeys().Unrestricted());
  EXPECT_TRUE(AllowedKeys(Mask())(3, 5));
}

TEST(AllowedKeys, CustomMatrixWithContiguousRowsIsStoredAsRuns) {
  MaskSpec custom = Spec(MaskKind::kCustom);
  custom.custom = B({{1, 0, 0, 0}, {1, 1, 0, 0}, {1, 1, 1, 0}, {1, 1, 1, 1}});
  AllowedKeys from_custom, causal;
  ASSERT_TRUE(BuildMask(custom, 4, 4, &from_custom).ok());
  ASSERT_TRUE(BuildMask(Spec(MaskKind::kCausal), 4, 4, &causal).ok());
  EXPECT_FALSE(from_custom.HasDense());
  EXPECT_TRUE(from_custom == causal);
}

TEST(AllowedKeys, CustomMatrixWithAGapKeepsItsCellsAndItsBounds) {
  const Mask m = B({{0, 1, 0, 1, 0}, {0, 0, 0, 0, 0}, {1, 1, 1, 1, 1}});
  const AllowedKeys a(m);
  EXPECT_TRUE(a.HasDense());
  EXPECT_EQ(a.Begin(0), 1);
  EXPECT_EQ(a.End(0), 4);  // first allowed key 1, last 3
  EXPECT_FALSE(a.AnyAllowed(1));
  EXPECT_EQ(a.Begin(2), 0);
  EXPECT_EQ(a.End(2), 5);
  EXPECT_FALSE(a(0, 2));
  EXPECT_TRUE(a(0, 3));
  EXPECT_TRUE((a.ToDense() == m).all());
}

TEST(Mask, UnknownKindNameIsRejected) {
  MaskKind kind = MaskKind::kCausal;
  EXPECT_FALSE(MaskKindFromName("diagonal", &kind));
  EXPECT_FALSE(MaskKindFromName("Causal", &kind));
  EXPECT_FALSE(MaskKindFromName("", &kind));
  EXPECT_EQ(kind, MaskKind::kCausal);
}

}  // namespace
}  // namespace attnlab
