// attnlab core: convolution and pooling shapes, one layer and a chain (E8).
//
// Per spatial dimension, with input size N, kernel F, stride S, padding P
// (each side), dilation D (the dilated kernel spans D (F - 1) + 1 cells):
//   conv, pool        out = floor((N + 2P - D (F - 1) - 1) / S) + 1
//   pool, ceil_mode   out = ceil((N + 2P - D (F - 1) - 1) / S) + 1, minus one
//                     when the last window would start at or past N + P
//                     (PyTorch: it must start inside the input or the left padding)
//   transposed conv   out = (N - 1) S - 2P + D (F - 1) + output_padding + 1
//   padding "valid"   P = 0;  "same" (stride 1 only): total D (F - 1), left
//                     floor(total / 2), the odd one extra on the right/bottom
//   adaptive pool     out = the given size; window i covers
//                     [floor(i N / out), ceil((i + 1) N / out))
// Shapes are [C, spatial...] without the batch ([C, L], [C, H, W], [C, D, H, W])
// and [F] after a flatten, as in the exam. Parameters (trainable, as torchinfo):
//   Conv         out_c (in_c / groups) prod(F) + out_c (bias)
//   ConvTranspose in_c (out_c / groups) prod(F) + out_c (bias)
//   Linear       in out + out;  BatchNorm  2 C (weight and bias);  the rest 0
// Mult-adds (the multiplications, biases not counted; torchinfo adds the
// bias and counts BatchNorm's 2C, so its numbers are a little larger): conv =
// weights x output positions, transposed conv = weights x input positions
// (each input cell multiplies the whole kernel), linear = in x out (x leading
// positions), everything else 0.
// Running receptive field per spatial dimension (input cells that can reach
// one output cell) and jump (input cells between neighbouring outputs):
//   r' = r + D (F - 1) j,  j' = j S;  unknown (-1) after a transposed conv;
//   the whole input after a flatten or a linear layer on the flattened vector.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "attnlab/matrix.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

enum class LayerKind {
  kConv,           // nn.Conv1d/2d/3d
  kConvTranspose,  // nn.ConvTranspose1d/2d/3d
  kAvgPool,        // nn.AvgPool1d/2d/3d
  kMaxPool,        // nn.MaxPool1d/2d/3d
  kAdaptiveAvgPool,
  kFlatten,
  kLinear,
  kActivation,  // ReLU, GELU, Tanh, ...: `name`, arguments kept as written
  kBatchNorm,
  kDropout,
};
enum class PaddingMode { kNumbers, kValid, kSame };

inline constexpr int kMaxConvDims = 3;
// Limits on what a chain may declare (README, "Limits"): sizes beyond these are
// no exam's and would overflow the products of the counts.
inline constexpr long long kMaxConvExtent = 1 << 20;  // any size, channel count, kernel, stride, padding
inline constexpr int kMaxChainLayers = 256;
inline constexpr int kMaxGridSize = 16;            // the grid's input, per side
inline constexpr size_t kMaxSequentialText = 1 << 16;  // bytes of a pasted nn.Sequential

struct Layer {
  LayerKind kind = LayerKind::kConv;
  int dims = 2;       // 1, 2 or 3 (conv, pools, batch norm)
  std::string name;   // the PyTorch class written ("Conv2d", "ReLU", ...)
  long long in_channels = 1, out_channels = 1;  // conv; linear: in/out features
  std::array<long long, 3> kernel{{1, 1, 1}}, stride{{1, 1, 1}}, padding{{0, 0, 0}}, dilation{{1, 1, 1}},
      output_padding{{0, 0, 0}}, output_size{{1, 1, 1}};  // output_size: adaptive pool (0 = None: keep)
  bool stride_given = false;  // pools: stride defaults to the kernel size
  PaddingMode padding_mode = PaddingMode::kNumbers;
  long long groups = 1;
  bool bias = true;
  bool ceil_mode = false;
  std::string args;  // activations, dropout: the arguments as written ("negative_slope=0.1")
  long long num_features = 0;  // batch norm
  long long start_dim = 1, end_dim = -1;  // flatten, counted with the batch as PyTorch does
};
bool operator==(const Layer& a, const Layer& b);
inline bool operator!=(const Layer& a, const Layer& b) { return !(a == b); }

// The class name PyTorch uses: "Conv2d", "MaxPool1d", "Linear", "ReLU".
std::string LayerClass(const Layer& layer);

// One spatial dimension of one layer, worked out.
struct DimResult {
  long long in = 0, out = 0;
  long long pad_left = 0, pad_right = 0;  // "same" may be uneven
  long long span = 0;                     // D (F - 1) + 1: the dilated kernel
  bool ceil_dropped = false;              // ceil_mode's last window dropped
  std::string formula;                    // "floor((128 + 2·0 - 1·(3 - 1) - 1) / 1) + 1 = 126"
  std::string problem;                    // why out <= 0, in words; empty when it fits
};

// One layer applied to an input shape.
struct LayerResult {
  std::vector<long long> in_shape, out_shape;  // out empty when it cannot be computed
  std::vector<DimResult> dim;                  // spatial dimensions (conv, pools)
  long long params = 0, mult_adds = 0, out_elements = 0;
  std::array<long long, 3> rf{{-1, -1, -1}}, jump{{-1, -1, -1}};  // after this layer; -1 unknown
  bool rf_whole = false;  // the whole input (after flatten / linear on the flat vector)
  std::string error;      // empty when the layer fits its input
  std::string note;       // a remark that is no error (uneven "same" padding)
};

// A mismatch between a layer's declaration and its input: "layer 7, in_features:
// declared 120, actual 144", and the message in words with the fix.
struct ChainError {
  int layer = 0;
  std::string field;       // "in_features", "in_channels", "num_features", "kernel_size", "input"
  long long declared = 0;  // the layer's number
  long long actual = 0;    // what the input has (the fix sets `declared` to it)
  bool fixable = false;    // setting `field` to `actual` fixes it
  std::string message;
};

struct ChainResult {
  std::vector<LayerResult> layers;
  std::vector<long long> output_shape;  // empty when a layer could not compute one
  long long total_params = 0, total_mult_adds = 0;
  std::vector<ChainError> errors;
  bool ok() const { return errors.empty() && !output_shape.empty(); }
};

// "[16, 3, 3]", "[144]", "3x3x16" (H x W x C, as the exam writes it).
std::string ShapeText(const std::vector<long long>& shape);
std::string ExamShapeText(const std::vector<long long>& shape);

// Checks a layer's own numbers (kernel >= 1, groups dividing the channels,
// padding within half the kernel for pools, "same" with stride 1, output_padding
// below the stride or dilation); fails naming the field.
Status CheckLayer(const Layer& layer);

// One layer on `in_shape`; `error` says what does not fit (the output is still
// computed where it can be: a wrong in_features still gives [out_features]).
LayerResult ApplyLayer(const Layer& layer, const std::vector<long long>& in_shape, ChainError* mismatch);

// Layers in order from `input` ([C, spatial...]); the table keeps going past a
// mismatch (with the declared numbers), and past a collapse names what it skips.
ChainResult ApplyChain(const std::vector<long long>& input, const std::vector<Layer>& layers);

// Sets the field an error names to its actual value; false if not fixable.
bool FixChainError(const ChainError& error, std::vector<Layer>* layers);

// ---- nn.Sequential as text ----------------------------------------------
struct SequentialWarning {
  int line = 0;  // 1-based
  std::string message;
};
// Reads "nn.Sequential(nn.Conv2d(1, 8, 5), ...)" (also "torch.nn.", or no prefix;
// keyword and positional arguments as PyTorch names them; ints or tuples).
// What cannot be read fails with its line ("line 4: unknown layer nn.Foo");
// a missing comma between two layers is a warning and the text is read anyway.
// "nn.Sequential()" is an empty chain; text without any layer is an error.
Status ParseSequential(const std::string& text, std::vector<Layer>* layers, std::vector<SequentialWarning>* warnings);
// One layer's text "nn.Conv2d(1, 8, kernel_size=5)" (the same reader).
Status ParseLayer(const std::string& text, Layer* layer);
// The chain as PyTorch code that runs: nn.Sequential(\n    nn.Conv2d(...),\n ...)
// (keyword arguments, defaults left out). ParseSequential reads it back equal.
std::string WriteSequential(const std::vector<Layer>& layers);
std::string WriteLayer(const Layer& layer);

// ---- The grid: one 1-D or 2-D layer on a small single-channel input ------
// out(i, j) = sum_{a, b} x_pad(i S_0 + a D_0, j S_1 + b D_1) k(a, b)   conv (cross-correlation)
//           = max / mean over the window                                 pools
// x_pad: zeros around x (max pooling: -inf, so padding never wins); the mean
// divides by the window's cells inside the padded input (count_include_pad, as
// PyTorch's default). A 1-D layer uses a 1 x L input and a 1 x F kernel.
struct GridResult {
  Matrix output;                                 // (out_h, out_w)
  long long pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};
// Fails naming "grid.kernel" when the kernel is not the layer's kernel_size
// (conv), or "layer" for a layer the grid cannot show (transposed, 3-D, ...).
Status ComputeGrid(const Layer& layer, const Matrix& input, const Matrix& kernel, GridResult* out);
// The input cells (row, col) of the unpadded input read by output cell (i, j);
// cells in the padding have coordinates outside [0, H) x [0, W).
std::vector<std::array<long long, 2>> GridWindow(const Layer& layer, const GridResult& grid, long long i, long long j);
// The output cell's formula with its numbers: "y[0,1] = 1·2 + 0·3 + ... = 7".
std::string GridCellFormula(const Layer& layer, const Matrix& input, const Matrix& kernel, const GridResult& grid,
                            long long i, long long j);

// ---- The Convolution view (E8) -------------------------------------------
// Its settings, in a scenario file's "conv_lab" object (views/conv_view.cpp):
//   {"input": [1, 32, 32], "sequential": "nn.Sequential(...)"}     a chain
//   {"input": [1, 128, 128], "layer": "nn.Conv2d(1, 1, (3, 5), stride=(1, 3))"}   one layer
//   "grid": {"input": [[...]], "kernel": [[...]], "step": 4}        optional
struct ConvLabSettings {
  std::vector<long long> input{1, 32, 32};  // [C, spatial...]
  bool chain = false;                       // false: layers holds exactly one layer
  std::vector<Layer> layers;
  std::string source;  // the text as read (written back while it still reads to `layers`)
  Matrix grid_input, grid_kernel;  // empty = defaults (GridDefaults)
  int step = 0;                    // the output cell the kernel is on, row-major
};
bool operator==(const ConvLabSettings& a, const ConvLabSettings& b);  // `source` aside

// The default settings: the E8 filter (3x5, stride (1, 3), 128x128).
ConvLabSettings DefaultConvLab();
// The grid's input and kernel when the settings give none: the layer's input
// size when it fits in 16 x 16, else 8 x 8 (at least the dilated kernel), with
// x(r, c) = (r + 2c) mod 5; the kernel a horizontal gradient (-1 left of the
// centre column, 0 on it, 1 right; all 1 when one column wide). 1-D: one row.
void GridDefaults(const Layer& layer, const std::vector<long long>& input_shape, Matrix* input, Matrix* kernel);

struct ConvView {
  ChainResult chain;
  std::vector<SequentialWarning> warnings;
  bool grid_shown = false;
  std::string grid_note;  // why there is no grid
  Matrix grid_input, grid_kernel;
  GridResult grid;
};
Status ComputeConvView(const ConvLabSettings& settings, ConvView* out);

}  // namespace attnlab
