// Convolution shapes (E8): one layer against brute-force counts of the kernel's
// positions, the SVHN chain against the exam's numbers, the grid against a naive
// loop, the nn.Sequential reader and writer, the conv_lab codec and eval block.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "attnlab/attention.hpp"
#include "attnlab/conv_shape.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

const char kExamListing[] =
    "nn.Sequential(\n"
    "    nn.Conv2d(in_channels=1, out_channels=8, kernel_size=5,\n"
    "              stride=1, padding=0),\n"
    "    nn.AvgPool2d(kernel_size=4, stride=4, padding=0)\n"
    "    nn.ReLU(),\n"
    "    nn.Conv2d(in_channels=8, out_channels=16, kernel_size=4,\n"
    "              stride=1, padding=1),\n"
    "    nn.AvgPool2d(kernel_size=2, stride=2, padding=0)\n"
    "    nn.ReLU(),\n"
    "    nn.Flatten(),\n"
    "    nn.Linear(120, 10)\n"
    ")\n";

Layer Parsed(const std::string& text) {
  Layer l;
  const Status st = ParseLayer(text, &l);
  EXPECT_TRUE(st.ok()) << text << ": " << st.ToString();
  return l;
}

std::vector<long long> Out(const std::string& layer, std::vector<long long> in) {
  ChainError e;
  return ApplyLayer(Parsed(layer), in, &e).out_shape;
}

TEST(ConvShape, ExamFilter3x5Stride1By3On128Gives126x42) {
  EXPECT_EQ(Out("nn.Conv2d(1, 1, kernel_size=(3, 5), stride=(1, 3))", {1, 128, 128}),
            (std::vector<long long>{1, 126, 42}));
  ChainError e;
  const LayerResult r = ApplyLayer(Parsed("nn.Conv2d(1, 1, (3, 5), (1, 3))"), {1, 128, 128}, &e);
  ASSERT_EQ(r.dim.size(), 2u);
  EXPECT_EQ(r.dim[1].formula, "floor((128 + 2·0 - 1·(5 - 1) - 1) / 3) + 1 = 42");
  EXPECT_EQ(r.params, 3 * 5 + 1);
  EXPECT_EQ(r.out_elements, 126 * 42);
}

TEST(ConvShape, SvhnChainHasTheExamsShapesAndParameters) {
  std::vector<Layer> layers;
  std::vector<SequentialWarning> warnings;
  ASSERT_TRUE(ParseSequential(kExamListing, &layers, &warnings).ok());
  ASSERT_EQ(layers.size(), 8u);
  const ChainResult c = ApplyChain({1, 32, 32}, layers);
  ASSERT_EQ(c.layers.size(), 8u);
  EXPECT_EQ(ExamShapeText(c.layers[0].out_shape), "28x28x8");
  EXPECT_EQ(ExamShapeText(c.layers[1].out_shape), "7x7x8");
  EXPECT_EQ(ExamShapeText(c.layers[3].out_shape), "6x6x16");
  EXPECT_EQ(ExamShapeText(c.layers[4].out_shape), "3x3x16");
  EXPECT_EQ(c.layers[6].out_shape, (std::vector<long long>{144}));
  EXPECT_EQ(c.layers[0].params, 208);
  EXPECT_EQ(c.layers[3].params, 2064);
  EXPECT_EQ(c.layers[1].params, 0);
  EXPECT_EQ(c.layers[4].params, 0);
  // The declared Linear(120, 10): 1210 parameters, and the mismatch with its fix.
  EXPECT_EQ(c.layers[7].params, 120 * 10 + 10);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].layer, 7);
  EXPECT_EQ(c.errors[0].field, "in_features");
  EXPECT_EQ(c.errors[0].declared, 120);
  EXPECT_EQ(c.errors[0].actual, 144);
  EXPECT_EQ(c.errors[0].message, "in_features is 120 but the flattened input has 3·3·16 = 144: use nn.Linear(144, 10)");
  EXPECT_FALSE(c.ok());
  // The table goes on past the error: the declared layer still gives [10].
  EXPECT_EQ(c.output_shape, (std::vector<long long>{10}));

  ASSERT_TRUE(FixChainError(c.errors[0], &layers));
  const ChainResult fixed = ApplyChain({1, 32, 32}, layers);
  EXPECT_TRUE(fixed.ok());
  EXPECT_EQ(fixed.layers[7].params, 1450);
  EXPECT_EQ(fixed.total_params, 208 + 2064 + 1450);
  // Mult-adds, counted by hand: weights x output positions.
  EXPECT_EQ(fixed.layers[0].mult_adds, 8LL * 25 * 28 * 28);
  EXPECT_EQ(fixed.layers[3].mult_adds, 16LL * 8 * 16 * 6 * 6);
  EXPECT_EQ(fixed.layers[7].mult_adds, 1440);
}

TEST(ConvShape, FlattenMessageSpellsTheProduct) {
  // The issue's wording, for a flatten of 3x3x16.
  std::vector<Layer> layers;
  ASSERT_TRUE(ParseSequential("nn.Sequential(nn.Flatten(), nn.Linear(120, 10))", &layers, nullptr).ok());
  const ChainResult c = ApplyChain({16, 3, 3}, layers);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].message,
            "in_features is 120 but the flattened input has 3·3·16 = 144: use nn.Linear(144, 10)");
}

TEST(ConvShape, ReceptiveFieldRunsThroughTheChain) {
  std::vector<Layer> layers;
  ASSERT_TRUE(ParseSequential(kExamListing, &layers, nullptr).ok());
  const ChainResult c = ApplyChain({1, 32, 32}, layers);
  // conv 5: 5; pool 4/4: 5 + 3 = 8, jump 4; conv 4: 8 + 3·4 = 20; pool 2/2: 20 + 4 = 24.
  EXPECT_EQ(c.layers[0].rf[0], 5);
  EXPECT_EQ(c.layers[1].rf[0], 8);
  EXPECT_EQ(c.layers[3].rf[1], 20);
  EXPECT_EQ(c.layers[4].rf[0], 24);
  EXPECT_TRUE(c.layers[6].rf_whole);
}

// The number of window positions, found by trying every start and every tap.
long long BruteForcePositions(long long n, long long f, long long s, long long pl, long long pr, long long d,
                              bool ceil_mode) {
  const long long padded = n + pl + pr, span = d * (f - 1) + 1;
  long long count = 0;
  for (long long start = 0; start < padded + s + span; start += s) {
    bool inside = true;
    for (long long a = 0; a < f; ++a) inside = inside && start + a * d < padded;
    if (inside) {
      ++count;
    } else if (ceil_mode) {
      // A window hanging over the end counts while it overhangs by less than a
      // stride and starts inside the input or the left padding.
      const long long overhang = start + span - padded;
      if (overhang < s && start < n + pl) ++count;
    }
  }
  return count;
}

TEST(ConvShape, PoolingCeilModeMatchesABruteForceCount) {
  int checked = 0;
  for (long long n = 1; n <= 12; ++n)
    for (long long f = 1; f <= 4; ++f)
      for (long long s = 1; s <= 4; ++s)
        for (long long p = 0; p <= f / 2; ++p)
          for (long long d = 1; d <= 2; ++d)
            for (bool ceil_mode : {false, true}) {
              Layer l;
              l.kind = LayerKind::kMaxPool;
              l.dims = 1;
              l.kernel[0] = f;
              l.stride[0] = s;
              l.padding[0] = p;
              l.dilation[0] = d;
              l.ceil_mode = ceil_mode;
              l.stride_given = true;
              ChainError e;
              const LayerResult r = ApplyLayer(l, {1, n}, &e);
              const long long want = BruteForcePositions(n, f, s, p, p, d, ceil_mode);
              if (want <= 0) {
                EXPECT_FALSE(r.error.empty()) << n << " " << f << " " << s << " " << p << " " << d;
                continue;
              }
              ASSERT_EQ(r.out_shape.size(), 2u) << r.error << " n " << n << " f " << f << " s " << s << " p " << p << " d " << d << " ceil " << ceil_mode;
              EXPECT_EQ(r.out_shape[1], want) << "n " << n << " f " << f << " s " << s << " p " << p << " d " << d
                                               << " ceil " << ceil_mode;
              ++checked;
            }
  EXPECT_GT(checked, 1000);
}

TEST(ConvShape, CeilModeDropsAWindowStartingPastTheInput) {
  // N = 6, kernel 2, stride 3: ceil gives windows at 0, 3 and 6; 6 >= 6 + 0 is dropped.
  ChainError e;
  const LayerResult r = ApplyLayer(Parsed("nn.MaxPool1d(2, stride=3, ceil_mode=True)"), {1, 6}, &e);
  EXPECT_EQ(r.out_shape, (std::vector<long long>{1, 2}));
  EXPECT_TRUE(r.dim[0].ceil_dropped);
  // N = 7: the window at 6 starts inside the input and is kept.
  EXPECT_EQ(Out("nn.MaxPool1d(2, stride=3, ceil_mode=True)", {1, 7}), (std::vector<long long>{1, 3}));
  EXPECT_EQ(Out("nn.MaxPool1d(2, stride=3)", {1, 7}), (std::vector<long long>{1, 2}));
}

TEST(ConvShape, ConvDilationAndSameMatchABruteForceCount) {
  for (long long n = 1; n <= 10; ++n)
    for (long long f = 1; f <= 4; ++f)
      for (long long s = 1; s <= 3; ++s)
        for (long long d = 1; d <= 3; ++d)
          for (int mode = 0; mode < 3; ++mode) {  // numbers (p = 1), valid, same
            if (mode == 2 && s != 1) continue;
            Layer l;
            l.kind = LayerKind::kConv;
            l.dims = 1;
            l.kernel[0] = f;
            l.stride[0] = s;
            l.dilation[0] = d;
            l.padding[0] = mode == 0 ? 1 : 0;
            l.padding_mode = mode == 1 ? PaddingMode::kValid : mode == 2 ? PaddingMode::kSame : PaddingMode::kNumbers;
            const long long total = d * (f - 1);
            const long long pl = mode == 0 ? 1 : mode == 2 ? total / 2 : 0;
            const long long pr = mode == 0 ? 1 : mode == 2 ? total - total / 2 : 0;
            const long long want = BruteForcePositions(n, f, s, pl, pr, d, false);
            ChainError e;
            const LayerResult r = ApplyLayer(l, {1, n}, &e);
            if (want == 0) {
              EXPECT_FALSE(r.error.empty());
              EXPECT_TRUE(r.out_shape.empty());
            } else {
              ASSERT_EQ(r.out_shape.size(), 2u);
              EXPECT_EQ(r.out_shape[1], want);
              if (mode == 2) {
                EXPECT_EQ(r.out_shape[1], n);  // "same" keeps the size
              }
            }
          }
}

TEST(ConvShape, SamePaddingPutsTheOddCellOnTheRight) {
  ChainError e;
  const LayerResult r = ApplyLayer(Parsed("nn.Conv2d(1, 1, 4, padding='same')"), {1, 9, 9}, &e);
  EXPECT_EQ(r.out_shape, (std::vector<long long>{1, 9, 9}));
  EXPECT_EQ(r.dim[0].pad_left, 1);
  EXPECT_EQ(r.dim[0].pad_right, 2);
  EXPECT_NE(r.note.find("uneven"), std::string::npos);
  Layer l;
  const Status st = ParseLayer("nn.Conv2d(1, 1, 3, stride=2, padding='same')", &l);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("stride 1"), std::string::npos) << st.ToString();
}

TEST(ConvShape, ACollapsedSizeIsExplainedInWords) {
  ChainError e;
  const LayerResult r = ApplyLayer(Parsed("nn.Conv2d(1, 1, 5, dilation=2)"), {1, 7, 7}, &e);
  EXPECT_TRUE(r.out_shape.empty());
  EXPECT_NE(r.error.find("the dilated kernel, 9 wide, does not fit in 7 + 2·0 = 7"), std::string::npos) << r.error;
  EXPECT_EQ(r.dim[0].out, -1);  // floor((7 - 8 - 1) / 1) + 1, never shown as the size
  // A chain names the layer and goes on, naming what it skips.
  std::vector<Layer> layers;
  ASSERT_TRUE(ParseSequential("nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(8), nn.Flatten())", &layers, nullptr).ok());
  const ChainResult c = ApplyChain({1, 8, 8}, layers);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].layer, 1);
  EXPECT_NE(c.layers[2].error.find("layer 1"), std::string::npos);
  EXPECT_TRUE(c.output_shape.empty());
}

TEST(ConvShape, GroupsDivideTheWeightsAsABruteForceCountSays) {
  for (long long groups : {1, 2, 4}) {
    Layer l = Parsed("nn.Conv2d(8, 12, (3, 2), groups=" + std::to_string(groups) + ")");
    ChainError e;
    const LayerResult r = ApplyLayer(l, {8, 10, 10}, &e);
    // Every (output channel, input channel) pair in the same group has 3·2 weights.
    long long weights = 0;
    for (long long o = 0; o < 12; ++o)
      for (long long i = 0; i < 8; ++i)
        if (o / (12 / groups) == i / (8 / groups)) weights += 3 * 2;
    EXPECT_EQ(r.params, weights + 12) << groups;
  }
  Layer l;
  EXPECT_FALSE(ParseLayer("nn.Conv2d(8, 12, 3, groups=3)", &l).ok());  // 8 not divisible by 3
  ChainError e;
  const LayerResult wrong = ApplyLayer(Parsed("nn.Conv2d(4, 8, 3)"), {3, 8, 8}, &e);
  EXPECT_EQ(e.field, "in_channels");
  EXPECT_EQ(e.declared, 4);
  EXPECT_EQ(e.actual, 3);
  EXPECT_EQ(wrong.out_shape, (std::vector<long long>{8, 6, 6}));
}

TEST(ConvShape, TransposedSizeMatchesTheScatteredPositions) {
  for (long long n = 1; n <= 6; ++n)
    for (long long f = 1; f <= 4; ++f)
      for (long long s = 1; s <= 3; ++s)
        for (long long d = 1; d <= 2; ++d)
          for (long long p = 0; p <= 2; ++p)
            for (long long op = 0; op < std::max(s, d); ++op) {
              // Each input cell i scatters to i S + a D - p; the output spans them all, plus output_padding.
              long long last = std::numeric_limits<long long>::min();
              for (long long i = 0; i < n; ++i)
                for (long long a = 0; a < f; ++a) last = std::max(last, i * s + a * d);
              const long long want = last + 1 - 2 * p + op;
              Layer l;
              l.kind = LayerKind::kConvTranspose;
              l.dims = 1;
              l.kernel[0] = f, l.stride[0] = s, l.dilation[0] = d, l.padding[0] = p, l.output_padding[0] = op;
              ChainError e;
              const LayerResult r = ApplyLayer(l, {1, n}, &e);
              if (want <= 0) {
                EXPECT_FALSE(r.error.empty());
              } else {
                ASSERT_EQ(r.out_shape.size(), 2u) << r.error;
                EXPECT_EQ(r.out_shape[1], want);
              }
            }
  EXPECT_EQ(Out("nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)", {16, 7, 7}),
            (std::vector<long long>{8, 14, 14}));
  Layer l;
  EXPECT_FALSE(ParseLayer("nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)", &l).ok());
}

TEST(ConvShape, AdaptivePoolAndBatchNormAndLinearOnTheLastDimension) {
  EXPECT_EQ(Out("nn.AdaptiveAvgPool2d((1, None))", {16, 5, 7}), (std::vector<long long>{16, 1, 7}));
  EXPECT_EQ(Out("nn.AdaptiveAvgPool2d(1)", {16, 5, 7}), (std::vector<long long>{16, 1, 1}));
  ChainError e;
  const LayerResult bn = ApplyLayer(Parsed("nn.BatchNorm2d(8)"), {16, 4, 4}, &e);
  EXPECT_EQ(bn.params, 16);
  EXPECT_EQ(e.field, "num_features");
  EXPECT_EQ(e.actual, 16);
  // PyTorch's Linear acts on the last dimension.
  EXPECT_EQ(Out("nn.Linear(7, 3)", {16, 5, 7}), (std::vector<long long>{16, 5, 3}));
  const LayerResult flat = ApplyLayer(Parsed("nn.Conv2d(1, 1, 3)"), {144}, &e);
  EXPECT_NE(flat.error.find("already flattened"), std::string::npos);
  EXPECT_EQ(Out("nn.Flatten(start_dim=2)", {16, 5, 7}), (std::vector<long long>{16, 35}));
}

// ---- the grid against a naive loop ----

Matrix Naive(const Layer& l, const Matrix& x, const Matrix& k, long long pt, long long pb, long long pl, long long pr) {
  const double fill = l.kind == LayerKind::kMaxPool ? -std::numeric_limits<double>::infinity() : 0.0;
  Matrix padded = Matrix::Constant(x.rows() + pt + pb, x.cols() + pl + pr, fill);
  padded.block(pt, pl, x.rows(), x.cols()) = x;
  const long long kr = l.dims == 1 ? 1 : l.kernel[0], kc = l.kernel[l.dims == 1 ? 0 : 1];
  const long long sr = l.dims == 1 ? 1 : l.stride[0], sc = l.stride[l.dims == 1 ? 0 : 1];
  const long long dr = l.dims == 1 ? 1 : l.dilation[0], dc = l.dilation[l.dims == 1 ? 0 : 1];
  std::vector<std::vector<double>> rows;
  for (long long r0 = 0; r0 + dr * (kr - 1) < padded.rows(); r0 += sr) {
    std::vector<double> row;
    for (long long c0 = 0; c0 + dc * (kc - 1) < padded.cols(); c0 += sc) {
      double v = l.kind == LayerKind::kMaxPool ? -std::numeric_limits<double>::infinity() : 0.0;
      for (long long a = 0; a < kr; ++a)
        for (long long b = 0; b < kc; ++b) {
          const double p = padded(r0 + a * dr, c0 + b * dc);
          if (l.kind == LayerKind::kConv) v += p * k(a, b);
          else if (l.kind == LayerKind::kMaxPool) v = std::max(v, p);
          else v += p / static_cast<double>(kr * kc);
        }
      row.push_back(v);
    }
    rows.push_back(row);
  }
  Matrix m(static_cast<long long>(rows.size()), rows.empty() ? 0 : static_cast<long long>(rows[0].size()));
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) m(i, j) = rows[i][j];
  return m;
}

TEST(ConvGrid, OutputValuesMatchANaiveLoop) {
  Matrix x(6, 7);
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 7; ++c) x(r, c) = std::sin(1.3 * r + 0.7 * c) * 3;
  for (const char* text : {"nn.Conv2d(1, 1, (2, 3))", "nn.Conv2d(1, 1, 3, stride=2, padding=1)",
                           "nn.Conv2d(1, 1, 2, dilation=2, padding=(1, 2))", "nn.Conv2d(1, 1, 4, padding='same')",
                           "nn.MaxPool2d(2, padding=1)", "nn.MaxPool2d(3, stride=1, dilation=2)",
                           "nn.AvgPool2d(3, stride=2, padding=1)", "nn.AvgPool2d(2)"}) {
    const Layer l = Parsed(text);
    Matrix k(l.kernel[0], l.kernel[1]);
    for (long long a = 0; a < k.rows(); ++a)
      for (long long b = 0; b < k.cols(); ++b) k(a, b) = 1 + a - 2 * b;
    GridResult g;
    const Status st = ComputeGrid(l, x, k, &g);
    ASSERT_TRUE(st.ok()) << text << ": " << st.ToString();
    const Matrix want = Naive(l, x, k, g.pad_top, g.pad_bottom, g.pad_left, g.pad_right);
    ASSERT_EQ(g.output.rows(), want.rows()) << text;
    ASSERT_EQ(g.output.cols(), want.cols()) << text;
    EXPECT_LT((g.output - want).cwiseAbs().maxCoeff(), 1e-12) << text;
    // The grid's size is the layer's output size for the same input.
    ChainError e;
    const LayerResult r = ApplyLayer(l, {1, 6, 7}, &e);
    EXPECT_EQ(r.out_shape, (std::vector<long long>{1, g.output.rows(), g.output.cols()})) << text;
  }
}

TEST(ConvGrid, OneDimensionAndTheCellFormula) {
  Matrix x(1, 5);
  x << 1, 2, 3, 4, 5;
  Matrix k(1, 3);
  k << 1, 0, -1;
  const Layer l = Parsed("nn.Conv1d(1, 1, 3)");
  GridResult g;
  ASSERT_TRUE(ComputeGrid(l, x, k, &g).ok());
  ASSERT_EQ(g.output.cols(), 3);
  EXPECT_EQ(g.output(0, 0), 1 - 3);
  EXPECT_EQ(GridCellFormula(l, x, k, g, 0, 1), "y[1] = 2·1 + 3·0 + 4·-1 = -2");
  Matrix wrong(2, 2);
  const Status st = ComputeGrid(l, x, wrong, &g);
  EXPECT_EQ(st.field(), "grid.kernel");
}

// Review fixes: the grid is bounded before any loop or allocation; average
// pooling's formula divides by the cells PyTorch divides by; sizes saturate.
TEST(ConvGrid, AHugeKernelOrPaddingIsRefusedAtOnce) {
  Matrix x = Matrix::Ones(4, 4), k;
  GridResult g;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ComputeGrid(Parsed("nn.MaxPool2d(1048576, padding=524288)"), x, k, &g).field(), "grid");
  EXPECT_EQ(ComputeGrid(Parsed("nn.Conv2d(1, 1, 3, padding=100000)"), x, Matrix::Ones(3, 3), &g).field(), "grid");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.1);
}

TEST(ConvGrid, AverageCeilModeDividesByTheCellsInside) {
  // AvgPool1d(2, 2, ceil_mode=True) on 5 cells: the last window starts at 4
  // and holds one cell, so y[2] = x4 / 1 (PyTorch divides by 1 there).
  Matrix x(1, 5);
  x << 1, 2, 3, 4, 10;
  const Layer l = Parsed("nn.AvgPool1d(2, 2, ceil_mode=True)");
  GridResult g;
  ASSERT_TRUE(ComputeGrid(l, x, Matrix(), &g).ok());
  ASSERT_EQ(g.output.cols(), 3);
  EXPECT_EQ(g.output(0, 2), 10);
  EXPECT_EQ(GridCellFormula(l, x, Matrix(), g, 0, 2), "y[2] = (10) / 1 = 10");
  EXPECT_EQ(GridCellFormula(l, x, Matrix(), g, 0, 0), "y[0] = (1 + 2) / 2 = 1.5");
}

TEST(ConvShape, HugeTransposedStridesSaturateInsteadOfOverflowing) {
  std::vector<Layer> chain(3, Parsed("nn.ConvTranspose1d(1, 1, 1, stride=1048576)"));
  const ChainResult c = ApplyChain({1, 1048576}, chain);  // (2^20 - 1) 2^20 ... three times: past 2^63
  ASSERT_EQ(c.layers.size(), 3u);
  for (const LayerResult& r : c.layers) {
    if (!r.out_shape.empty()) {
      EXPECT_GT(r.out_shape.back(), 0);
    }
  }
}

TEST(ConvShape, AFixIsOfferedOnlyWhenItGivesAValidLayer) {
  // Flatten of [64, 224, 224] = 3,211,264 features: past the limit of a count,
  // so the mismatch is named but no Fix writes it in.
  const ChainResult c = ApplyChain({64, 224, 224}, {Parsed("nn.Flatten()"), Parsed("nn.Linear(100, 10)")});
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].actual, 64LL * 224 * 224);
  EXPECT_FALSE(c.errors[0].fixable);
  const ChainResult ok = ApplyChain({16, 3, 3}, {Parsed("nn.Flatten()"), Parsed("nn.Linear(120, 10)")});
  ASSERT_EQ(ok.errors.size(), 1u);
  EXPECT_TRUE(ok.errors[0].fixable);
}

// ---- nn.Sequential text ----

TEST(SequentialText, TuplesWithZerosAndEditedPoolsWriteCodeThatReadsBack) {
  for (const char* code : {"nn.Conv2d(1, 1, 3, padding=(1, 0))", "nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=(0, 1))",
                           "nn.AdaptiveAvgPool2d((None, 4))", "nn.AdaptiveAvgPool2d((None, None))",
                           "nn.AdaptiveAvgPool1d(None)", "nn.AdaptiveAvgPool2d(None)",
                           "nn.AdaptiveAvgPool1d((None,))"}) {
    const Layer l = Parsed(code);
    const std::string written = WriteLayer(l);
    Layer back;
    ASSERT_TRUE(ParseLayer(written, &back).ok()) << code << " -> " << written;
    EXPECT_TRUE(back == l) << code << " -> " << written;
  }
  EXPECT_EQ(WriteLayer(Parsed("nn.Conv2d(1, 1, 3, padding=(1, 0))")),
            "nn.Conv2d(in_channels=1, out_channels=1, kernel_size=3, padding=(1, 0))");
  EXPECT_EQ(WriteLayer(Parsed("nn.AdaptiveAvgPool2d((None, None))")), "nn.AdaptiveAvgPool2d(output_size=(None, None))");
  // MaxPool2d(2) with its kernel edited to 3 keeps stride 2, and says so.
  Layer pool = Parsed("nn.MaxPool2d(2)");
  pool.kernel = {{3, 3, 1}};
  EXPECT_EQ(WriteLayer(pool), "nn.MaxPool2d(kernel_size=3, stride=2)");
}

TEST(SequentialText, ArgumentsThatChangeTheLayerAreRefusedNotDropped) {
  Layer l;
  EXPECT_NE(ParseLayer("nn.MaxPool2d(2, return_indices=True)", &l).message().find("return_indices"), std::string::npos);
  EXPECT_TRUE(ParseLayer("nn.MaxPool2d(2, return_indices=False)", &l).ok());
  EXPECT_NE(ParseLayer("nn.AvgPool2d(2, divisor_override=3)", &l).message().find("divisor_override"), std::string::npos);
  EXPECT_NE(ParseLayer("nn.Conv2d(1, 1, 3, inplace=True)", &l).message().find("unknown argument inplace"),
            std::string::npos);
  EXPECT_TRUE(ParseLayer("nn.ReLU(inplace=True)", &l).ok());
}

TEST(SequentialText, ExamListingReadsWithTwoMissingCommaWarnings) {
  std::vector<Layer> layers;
  std::vector<SequentialWarning> warnings;
  ASSERT_TRUE(ParseSequential(kExamListing, &layers, &warnings).ok());
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].line, 4);
  EXPECT_EQ(warnings[1].line, 8);
  EXPECT_NE(warnings[0].message.find("comma is missing after nn.AvgPool2d"), std::string::npos);
  EXPECT_EQ(layers[1].kind, LayerKind::kAvgPool);
  EXPECT_EQ(layers[1].stride[0], 4);
  EXPECT_EQ(layers[2].kind, LayerKind::kActivation);
  EXPECT_EQ(layers[7].in_channels, 120);
}

TEST(SequentialText, WhatCannotBeReadIsNamedWithItsLine) {
  std::vector<Layer> layers;
  struct Case {
    const char* text;
    const char* field;
    const char* words;
  } cases[] = {
      {"nn.Sequential(\n  nn.Conv2d(1, 8, 5),\n  nn.Foo(3)\n)", "line 3", "unknown layer nn.Foo"},
      {"nn.Sequential(\n  nn.Conv2d(1, 8)\n)", "line 2", "kernel_size is missing"},
      {"nn.Sequential(\n  nn.Conv2d(1, 8, 5, strid=2)\n)", "line 2", "unknown argument strid"},
      {"nn.Sequential(\n  nn.Conv2d(1, 8, 5),\n", "line 1", "not closed"},
      {"nn.Sequential(nn.Conv2d(1, 8, (5, 5, 5)))", "line 1", "tuple of 2"},
      {"nn.Sequential(nn.Conv2d(1, 8, 0))", "line 1", "kernel_size must be 1.."},
      {"nn.Sequential(nn.MaxPool2d(2, padding=2))", "line 1", "at most half"},
      {"nn.Sequential(nn.Linear(in_features=3, 4))", "line 1", "positional argument follows"},
      {"# nothing but a comment", "", "no layer"},
      {"nn.Sequential(nn.ReLU()) extra", "line 1", "after the closing"},
      {"nn.Sequential(\n\n nn.Conv2d(1, 8, 5) $)", "line 3", "unexpected character"},
  };
  for (const Case& c : cases) {
    const Status st = ParseSequential(c.text, &layers, nullptr);
    ASSERT_FALSE(st.ok()) << c.text;
    EXPECT_EQ(st.field(), c.field) << c.text << " -> " << st.ToString();
    EXPECT_NE(st.message().find(c.words), std::string::npos) << c.text << " -> " << st.ToString();
    EXPECT_TRUE(layers.empty());
  }
}

TEST(SequentialText, CopyAsPyTorchReadsBackEqual) {
  const char* text =
      "model = torch.nn.Sequential(\n"
      "  nn.Conv2d(3, 16, kernel_size=(3, 5), stride=(1, 2), padding=(1, 2), dilation=2, groups=1, bias=False),\n"
      "  nn.BatchNorm2d(16), nn.LeakyReLU(negative_slope=0.1),  # a comment\n"
      "  nn.MaxPool2d(2, ceil_mode=True), nn.AvgPool2d(3, stride=1, padding=1),\n"
      "  nn.Conv2d(16, 16, 3, padding='same', groups=4), nn.ConvTranspose2d(16, 8, 3, 2, 1, 1),\n"
      "  nn.AdaptiveAvgPool2d((1, None)), nn.Dropout(p=0.25), nn.Flatten(), nn.Linear(8, 10, bias=False),\n"
      "  nn.Conv1d(1, 2, 3, padding='valid'), nn.Softmax(dim=1),\n"
      ")";
  std::vector<Layer> layers, back;
  std::vector<SequentialWarning> warnings;
  const Status st = ParseSequential(text, &layers, &warnings);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(layers.size(), 13u);
  const std::string code = WriteSequential(layers);
  ASSERT_TRUE(ParseSequential(code, &back, &warnings).ok()) << code;
  EXPECT_TRUE(back == layers) << code;
  EXPECT_TRUE(warnings.empty());
  EXPECT_NE(code.find("nn.LeakyReLU(negative_slope=0.1)"), std::string::npos) << code;
  // An empty network is PyTorch too, and survives the round trip.
  ASSERT_TRUE(ParseSequential(WriteSequential({}), &back, nullptr).ok());
  EXPECT_TRUE(back.empty());
  EXPECT_NE(code.find("nn.Conv2d(in_channels=3, out_channels=16, kernel_size=(3, 5), stride=(1, 2)"),
            std::string::npos)
      << code;
}

// ---- the view: codec and eval ----

const std::string kInput = R"j("Q": [[1]], "K": [[1]], "V": [[1]], "view": "conv")j";

Status ParseWith(const std::string& lab, Scenario* s) { return ParseScenario("{" + kInput + ", " + lab + "}", s); }

TEST(ConvLabIo, RoundTripsAndKeepsThePastedText) {
  Scenario s;
  const std::string pasted = std::string(kExamListing);
  std::string escaped;
  for (char c : pasted) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  ASSERT_TRUE(ParseWith(R"j("conv_lab": {"input": [1, 32, 32], "sequential": ")j" + escaped + "\"}", &s).ok());
  const ConvLabSettings* lab = s.views.Find<ConvLabSettings>();
  ASSERT_TRUE(lab);
  EXPECT_TRUE(lab->chain);
  EXPECT_EQ(lab->layers.size(), 8u);
  Scenario back;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok());
  EXPECT_TRUE(*back.views.Find<ConvLabSettings>() == *lab);
  // An edit replaces the text by the writer's on save.
  ConvLabSettings edited = *lab;
  FixChainError(ApplyChain(edited.input, edited.layers).errors[0], &edited.layers);
  s.views.Set(edited);
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok());
  EXPECT_TRUE(*back.views.Find<ConvLabSettings>() == edited);
  EXPECT_NE(ScenarioToJson(s).find("in_features=144"), std::string::npos);

  ASSERT_TRUE(ParseWith(R"j("conv_lab": {"input": [1, 8, 8], "layer": "nn.Conv2d(1, 1, 3)",
                            "grid": {"input": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "kernel": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "step": 0}})j",
                        &s).ok());
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok());
  EXPECT_TRUE(*back.views.Find<ConvLabSettings>() == *s.views.Find<ConvLabSettings>());
  EXPECT_EQ(back.views.Find<ConvLabSettings>()->grid_input(2, 0), 7);
}

TEST(ConvLabIo, BadInputNamesTheField) {
  struct Case {
    const char* lab;
    const char* field;
  } cases[] = {
      {R"j({"inputs": [1, 2]})j", "conv_lab.inputs"},
      {R"j({"input": [1, 0, 3]})j", "conv_lab.input[1]"},
      {R"j({"input": [1, 2, 3, 4, 5]})j", "conv_lab.input"},
      {R"j({"input": [1, 8], "layer": "nn.Conv2d(1, 1, 3)"})j", "conv_lab.input"},
      {R"j({"layer": "nn.Conv2d(1, 1)"})j", "conv_lab.layer"},
      {R"j({"sequential": "nn.Sequential(\n nn.Bad())"})j", "conv_lab.sequential"},
      {R"j({"layer": "nn.ReLU()", "sequential": "nn.Sequential(nn.ReLU())"})j", "conv_lab.layer"},
      {R"j({"layer": "nn.Conv2d(1, 1, 3)", "grid": {"input": [[1]], "kernal": [[1]]}})j", "conv_lab.grid.kernal"},
      {R"j({"layer": "nn.Conv2d(1, 1, 3)", "grid": {"step": -1}})j", "conv_lab.grid.step"},
      {R"j({"layer": "nn.Conv2d(1, 1, 3)", "grid": {"kernel": [[1, 2], [3, 4]]}})j", "conv_lab.grid.kernel"},
      {R"j({"layer": "nn.Conv2d(1, 1, 3)", "grid": {"input": [[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]]}})j", "conv_lab.grid.input"},
  };
  for (const Case& c : cases) {
    Scenario s;
    const Status st = ParseWith(std::string("\"conv_lab\": ") + c.lab, &s);
    ASSERT_FALSE(st.ok()) << c.lab;
    EXPECT_EQ(st.field(), c.field) << st.ToString();
  }
  // A grid input the kernel does not fit reads (a saved session must), and the view says why.
  Scenario small;
  ASSERT_TRUE(ParseWith(R"j("conv_lab": {"layer": "nn.Conv2d(1, 1, 3)", "grid": {"input": [[1, 2], [3, 4]]}})j", &small).ok());
  ConvView view;
  ASSERT_TRUE(ComputeConvView(*small.views.Find<ConvLabSettings>(), &view).ok());
  EXPECT_FALSE(view.grid_shown);
  EXPECT_NE(view.grid_note.find("does not fit"), std::string::npos) << view.grid_note;
  Scenario s;
  const Status st = ParseWith(R"j("conv_lab": {"sequential": "nn.Sequential(\n nn.Bad())"})j", &s);
  EXPECT_NE(st.message().find("line 2"), std::string::npos) << st.ToString();
}

const Report::Entry* Find(const Report& r, const std::string& path) {
  const Report::Entry* e = r.Find(path);
  EXPECT_TRUE(e) << path;
  return e;
}

TEST(ConvLabEval, OneLayerAndChainBlocks) {
  Scenario s;
  ASSERT_TRUE(ParseWith(R"j("conv_lab": {"input": [1, 128, 128], "layer": "nn.Conv2d(1, 1, (3, 5), stride=(1, 3))"})j", &s).ok());
  Result result;
  ASSERT_TRUE(Evaluate(s, &result).ok());
  Report r;
  ASSERT_TRUE(EvaluateView(s, result, "", &r).ok());
  EXPECT_EQ(Find(r, "output_size")->numbers, (std::vector<double>{126, 42}));
  EXPECT_EQ(Find(r, "valid")->integer, 1);
  EXPECT_EQ(Find(r, "grid.output")->matrix.rows(), 6);  // the 8x8 default grid: (8 - 3) + 1
  EXPECT_EQ(Find(r, "grid.output")->matrix.cols(), 2);  // floor((8 - 5) / 3) + 1

  ASSERT_TRUE(ParseWith(R"j("conv_lab": {"input": [1, 7, 7], "layer": "nn.Conv2d(1, 1, 5, dilation=2)"})j", &s).ok());
  Report bad;
  ASSERT_TRUE(EvaluateView(s, result, "", &bad).ok());
  EXPECT_EQ(Find(bad, "valid")->integer, 0);
  EXPECT_NE(Find(bad, "error")->text.find("9 wide"), std::string::npos);
  // A size <= 0 is no size: null in eval (NaN here), explained in words.
  for (double v : Find(bad, "output_size")->numbers) EXPECT_TRUE(std::isnan(v));
  // One layer is a layer with a window.
  EXPECT_EQ(ParseWith(R"j("conv_lab": {"layer": "nn.Linear(4, 2)"})j", &s).field(), "conv_lab.layer");

  std::string escaped;
  for (char c : std::string(kExamListing)) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  ASSERT_TRUE(ParseWith(R"j("conv_lab": {"input": [1, 32, 32], "sequential": ")j" + escaped + "\"}", &s).ok());
  Report chain;
  ASSERT_TRUE(EvaluateView(s, result, "", &chain).ok());
  const Report::Entry* layers = Find(chain, "layers");
  ASSERT_EQ(layers->items.size(), 8u);
  EXPECT_EQ(layers->items[4]->Find("out_shape")->numbers, (std::vector<double>{16, 3, 3}));
  EXPECT_EQ(layers->items[3]->Find("params")->integer, 2064);
  EXPECT_EQ(Find(chain, "ok")->integer, 0);
  EXPECT_EQ(Find(chain, "total_params")->integer, 208 + 2064 + 1210);
  const Report::Entry* errors = Find(chain, "errors");
  ASSERT_EQ(errors->items.size(), 1u);
  EXPECT_EQ(errors->items[0]->Find("layer")->integer, 7);
  EXPECT_EQ(errors->items[0]->Find("declared")->integer, 120);
  EXPECT_EQ(errors->items[0]->Find("actual")->integer, 144);
  EXPECT_EQ(Find(chain, "warnings")->labels.size(), 2u);
}

}  // namespace
}  // namespace attnlab
