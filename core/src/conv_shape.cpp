// Convolution and pooling shapes (conv_shape.hpp): one layer, a chain, the grid.
#include "attnlab/conv_shape.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>

namespace attnlab {
namespace {

std::string N(long long v) { return std::to_string(v); }

// Saturating product: counts never wrap (extents are bounded, their products are not).
long long Mul(long long a, long long b) {
  if (a == 0 || b == 0) return 0;
  if (a > LLONG_MAX / b) return LLONG_MAX;
  return a * b;
}
long long Add(long long a, long long b) { return a > LLONG_MAX - b ? LLONG_MAX : a + b; }

long long FloorDiv(long long a, long long b) {
  long long q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool IsSpatial(LayerKind k) {
  return k == LayerKind::kConv || k == LayerKind::kConvTranspose || k == LayerKind::kAvgPool ||
         k == LayerKind::kMaxPool || k == LayerKind::kAdaptiveAvgPool;
}

std::string Dims(int n) {
  return n == 1 ? "[C, L]" : n == 2 ? "[C, H, W]" : "[C, D, H, W]";
}

long long Elements(const std::vector<long long>& s) {
  long long e = s.empty() ? 0 : 1;
  for (long long v : s) e = Mul(e, v);
  return e;
}

// The padding of dimension d: "same" splits D (F - 1) with the odd cell on the right.
void Padding(const Layer& l, int d, long long* left, long long* right) {
  if (l.padding_mode == PaddingMode::kValid) {
    *left = *right = 0;
  } else if (l.padding_mode == PaddingMode::kSame) {
    const long long total = l.dilation[d] * (l.kernel[d] - 1);
    *left = total / 2;
    *right = total - *left;
  } else {
    *left = *right = l.padding[d];
  }
}

std::string PadText(long long left, long long right) {
  return left == right ? "2·" + N(left) : "(" + N(left) + " + " + N(right) + ")";
}

DimResult ConvDim(const Layer& l, int d, long long n) {
  DimResult r;
  r.in = n;
  Padding(l, d, &r.pad_left, &r.pad_right);
  const long long f = l.kernel[d], s = l.stride[d], dil = l.dilation[d];
  r.span = dil * (f - 1) + 1;
  const long long padded = n + r.pad_left + r.pad_right;
  const long long num = padded - dil * (f - 1) - 1;
  const bool ceil = l.ceil_mode && (l.kind == LayerKind::kAvgPool || l.kind == LayerKind::kMaxPool);
  const std::string inner = "(" + N(n) + " + " + PadText(r.pad_left, r.pad_right) + " - " + N(dil) + "·(" + N(f) +
                            " - 1) - 1) / " + N(s);
  if (ceil) {
    long long out = FloorDiv(num + s - 1, s) + 1;
    r.formula = "ceil(" + inner + ") + 1 = " + N(out);
    // PyTorch: the last window must start inside the input or the left padding.
    if (out >= 1 && (out - 1) * s >= n + r.pad_left) {
      r.formula += "; the last window would start at " + N((out - 1) * s) + " >= " + N(n) + " + " + N(r.pad_left) +
                   " (past the input), so " + N(out - 1);
      --out;
      r.ceil_dropped = true;
    }
    r.out = out;
  } else {
    r.out = FloorDiv(num, s) + 1;
    r.formula = "floor(" + inner + ") + 1 = " + N(r.out);
  }
  if (r.out <= 0) {
    r.problem = r.span > padded ? std::string(dil > 1 ? "the dilated kernel, " : "the kernel, ") + N(r.span) +
                                      " wide, does not fit in " + N(n) + " + " + PadText(r.pad_left, r.pad_right) +
                                      " = " + N(padded)
                                : "no window fits: output size " + N(r.out);
  }
  return r;
}

DimResult TransposedDim(const Layer& l, int d, long long n) {
  DimResult r;
  r.in = n;
  r.pad_left = r.pad_right = l.padding[d];
  const long long f = l.kernel[d], s = l.stride[d], dil = l.dilation[d], p = l.padding[d], op = l.output_padding[d];
  r.span = dil * (f - 1) + 1;
  // (saturating: three strides of 2^20 must not overflow a long long)
  const __int128 out = static_cast<__int128>(n - 1) * s - 2 * static_cast<__int128>(p) +
                       static_cast<__int128>(dil) * (f - 1) + op + 1;
  r.out = out > LLONG_MAX ? LLONG_MAX : out < -LLONG_MAX ? -LLONG_MAX : static_cast<long long>(out);
  r.formula = "(" + N(n) + " - 1)·" + N(s) + " - 2·" + N(p) + " + " + N(dil) + "·(" + N(f) + " - 1) + " + N(op) +
              " + 1 = " + N(r.out);
  if (r.out <= 0)
    r.problem = "the padding, 2·" + N(p) + " = " + N(2 * p) + ", removes more than the " +
                N(r.out + 2 * p) + " cells the layer produces";
  return r;
}

DimResult AdaptiveDim(const Layer& l, int d, long long n) {
  DimResult r;
  r.in = n;
  r.out = l.output_size[d] == 0 ? n : l.output_size[d];
  // Window i covers [floor(i n / out), ceil((i + 1) n / out)): the widest is the span.
  long long widest = 0;
  for (long long i = 0; i < std::min<long long>(r.out, 4096); ++i)
    widest = std::max(widest, -FloorDiv(-Mul(i + 1, n), r.out) - FloorDiv(Mul(i, n), r.out));
  r.span = widest;
  r.formula = "adaptive: out = " + N(r.out) + " (windows of " + N(widest) + " cells at most)";
  return r;
}

}  // namespace

bool operator==(const Layer& a, const Layer& b) {
  return a.kind == b.kind && a.dims == b.dims && a.name == b.name && a.in_channels == b.in_channels &&
         a.out_channels == b.out_channels && a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding &&
         a.dilation == b.dilation && a.output_padding == b.output_padding && a.output_size == b.output_size &&
         a.stride_given == b.stride_given && a.padding_mode == b.padding_mode && a.groups == b.groups &&
         a.bias == b.bias && a.ceil_mode == b.ceil_mode && a.args == b.args && a.num_features == b.num_features &&
         a.start_dim == b.start_dim && a.end_dim == b.end_dim;
}

bool operator==(const ConvLabSettings& a, const ConvLabSettings& b) {
  auto same = [](const Matrix& x, const Matrix& y) {
    return x.rows() == y.rows() && x.cols() == y.cols() && (x.size() == 0 || x == y);
  };
  // `source` is how the layers were written, not what they are: a file saved
  // from edited layers reads back equal although its text is the writer's.
  return a.input == b.input && a.chain == b.chain && a.layers == b.layers &&
         same(a.grid_input, b.grid_input) && same(a.grid_kernel, b.grid_kernel) && a.step == b.step;
}

std::string LayerClass(const Layer& l) {
  const std::string d = N(l.dims) + "d";
  switch (l.kind) {
    case LayerKind::kConv: return "Conv" + d;
    case LayerKind::kConvTranspose: return "ConvTranspose" + d;
    case LayerKind::kAvgPool: return "AvgPool" + d;
    case LayerKind::kMaxPool: return "MaxPool" + d;
    case LayerKind::kAdaptiveAvgPool: return "AdaptiveAvgPool" + d;
    case LayerKind::kFlatten: return "Flatten";
    case LayerKind::kLinear: return "Linear";
    case LayerKind::kBatchNorm: return "BatchNorm" + d;
    case LayerKind::kActivation:
    case LayerKind::kDropout: return l.name.empty() ? (l.kind == LayerKind::kDropout ? "Dropout" : "ReLU") : l.name;
  }
  return l.name;
}

std::string ShapeText(const std::vector<long long>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + N(shape[i]);
  return s + "]";
}

std::string ExamShapeText(const std::vector<long long>& shape) {
  if (shape.size() < 2) return shape.empty() ? "?" : N(shape[0]);
  std::string s;
  for (size_t i = 1; i < shape.size(); ++i) s += N(shape[i]) + "x";
  return s + N(shape[0]);
}

Status CheckLayer(const Layer& l) {
  const std::string cls = LayerClass(l);
  auto bad = [&](const char* field, const std::string& msg) { return Status::Error(field, cls + ": " + msg); };
  auto range = [&](const char* field, long long v, long long lo) -> Status {
    if (v < lo || v > kMaxConvExtent)
      return bad(field, std::string(field) + " must be " + N(lo) + ".." + N(kMaxConvExtent) + ", got " + N(v));
    return Status::Ok();
  };
  Status st;
  if (l.dims < 1 || l.dims > kMaxConvDims) return bad("dims", "1, 2 or 3 dimensions, got " + N(l.dims));
  if (l.kind == LayerKind::kConv || l.kind == LayerKind::kConvTranspose) {
    if (!(st = range("in_channels", l.in_channels, 1)).ok() || !(st = range("out_channels", l.out_channels, 1)).ok() ||
        !(st = range("groups", l.groups, 1)).ok())
      return st;
    if (l.in_channels % l.groups != 0)
      return bad("groups", "in_channels " + N(l.in_channels) + " is not divisible by groups " + N(l.groups));
    if (l.out_channels % l.groups != 0)
      return bad("groups", "out_channels " + N(l.out_channels) + " is not divisible by groups " + N(l.groups));
  }
  if (l.kind == LayerKind::kLinear &&
      (!(st = range("in_features", l.in_channels, 1)).ok() || !(st = range("out_features", l.out_channels, 1)).ok()))
    return st;
  if (l.kind == LayerKind::kBatchNorm && !(st = range("num_features", l.num_features, 1)).ok()) return st;
  if (l.kind == LayerKind::kAdaptiveAvgPool)
    for (int d = 0; d < l.dims; ++d)
      if (!(st = range("output_size", l.output_size[d], 0)).ok()) return st;
  const bool windowed = l.kind == LayerKind::kConv || l.kind == LayerKind::kConvTranspose ||
                        l.kind == LayerKind::kAvgPool || l.kind == LayerKind::kMaxPool;
  if (!windowed) return Status::Ok();
  for (int d = 0; d < l.dims; ++d) {
    if (!(st = range("kernel_size", l.kernel[d], 1)).ok() || !(st = range("stride", l.stride[d], 1)).ok() ||
        !(st = range("padding", l.padding[d], 0)).ok() || !(st = range("dilation", l.dilation[d], 1)).ok() ||
        !(st = range("output_padding", l.output_padding[d], 0)).ok())
      return st;
    if (l.kind == LayerKind::kConvTranspose && l.output_padding[d] >= std::max(l.stride[d], l.dilation[d]))
      return bad("output_padding", "output_padding " + N(l.output_padding[d]) +
                                       " must be smaller than the stride or the dilation (" + N(l.stride[d]) + ", " +
                                       N(l.dilation[d]) + ")");
    if ((l.kind == LayerKind::kAvgPool || l.kind == LayerKind::kMaxPool) && l.padding[d] > l.kernel[d] / 2)
      return bad("padding", "padding " + N(l.padding[d]) + " must be at most half the kernel size " +
                                N(l.kernel[d]) + " (PyTorch's rule for pooling)");
    if (l.padding_mode == PaddingMode::kSame && l.stride[d] != 1)
      return bad("padding", "padding='same' needs stride 1 (PyTorch refuses it for strided convolutions), got " +
                                N(l.stride[d]));
  }
  return Status::Ok();
}

LayerResult ApplyLayer(const Layer& l, const std::vector<long long>& in, ChainError* mismatch) {
  LayerResult r;
  r.in_shape = in;
  const std::string cls = LayerClass(l);
  auto fail = [&](const std::string& field, long long declared, long long actual, bool fixable,
                  const std::string& msg) {
    r.error = msg;
    if (mismatch) {
      mismatch->field = field;
      mismatch->declared = declared;
      mismatch->actual = actual;
      // (a fix must give a layer CheckLayer accepts: a flattened size past the
      // limit of a count is named, not written in)
      mismatch->fixable = fixable && actual >= 1 && actual <= kMaxConvExtent;
      mismatch->message = msg;
    }
  };
  const Status own = CheckLayer(l);
  if (!own.ok()) {
    fail(own.field(), 0, 0, false, own.message());
    return r;
  }
  if (in.empty()) return r;
  const long long channels = in[0];
  const int spatial = static_cast<int>(in.size()) - 1;
  if (IsSpatial(l.kind) || l.kind == LayerKind::kBatchNorm) {
    const int want = l.dims;
    // BatchNorm1d also takes [C] (one feature vector).
    const bool bn1_flat = l.kind == LayerKind::kBatchNorm && l.dims == 1 && spatial == 0;
    if (spatial != want && !bn1_flat) {
      fail("input", want + 1, static_cast<long long>(in.size()), false,
           cls + " expects " + Dims(want) + ", got " + ShapeText(in) +
               (in.size() == 1 ? " (the input is already flattened)" : ""));
      return r;
    }
  }
  switch (l.kind) {
    case LayerKind::kConv:
    case LayerKind::kConvTranspose:
    case LayerKind::kAvgPool:
    case LayerKind::kMaxPool:
    case LayerKind::kAdaptiveAvgPool: {
      const bool conv = l.kind == LayerKind::kConv || l.kind == LayerKind::kConvTranspose;
      long long out_c = conv ? l.out_channels : channels;
      r.out_shape.push_back(out_c);
      bool collapsed = false;
      for (int d = 0; d < spatial; ++d) {
        DimResult dr = l.kind == LayerKind::kConvTranspose    ? TransposedDim(l, d, in[d + 1])
                       : l.kind == LayerKind::kAdaptiveAvgPool ? AdaptiveDim(l, d, in[d + 1])
                                                               : ConvDim(l, d, in[d + 1]);
        if (!dr.problem.empty() && !collapsed) {
          collapsed = true;
          const std::string which = spatial == 1 ? "" : " in dimension " + N(d) + " (" +
                                    (spatial == 2 ? (d == 0 ? "height" : "width") : (d == 0 ? "depth" : d == 1 ? "height" : "width")) + ")";
          fail("kernel_size", dr.span, in[d + 1] + dr.pad_left + dr.pad_right, false,
               cls + " collapses the size to " + N(dr.out) + which + ": " + dr.problem);
        }
        r.out_shape.push_back(dr.out);
        r.dim.push_back(std::move(dr));
      }
      for (int d = 0; d < spatial; ++d)
        if (r.dim[d].pad_left != r.dim[d].pad_right)
          r.note = "padding='same' is uneven: " + N(r.dim[d].pad_left) + " before, " + N(r.dim[d].pad_right) +
                   " after (PyTorch puts the odd cell on the right/bottom)";
      if (conv) {
        const long long weights =
            Mul(Mul(l.kind == LayerKind::kConv ? l.out_channels : l.in_channels,
                    (l.kind == LayerKind::kConv ? l.in_channels : l.out_channels) / l.groups),
                [&] {
                  long long k = 1;
                  for (int d = 0; d < l.dims; ++d) k = Mul(k, l.kernel[d]);
                  return k;
                }());
        r.params = Add(weights, l.bias ? l.out_channels : 0);
        long long positions = 1;
        for (int d = 0; d < spatial; ++d)
          positions = Mul(positions, l.kind == LayerKind::kConv ? std::max(0LL, r.dim[d].out) : in[d + 1]);
        r.mult_adds = Mul(weights, positions);
        if (channels != l.in_channels && r.error.empty())
          fail("in_channels", l.in_channels, channels, true,
               "in_channels is " + N(l.in_channels) + " but the input has " + N(channels) + " channels " +
                   ShapeText(in) + ": use nn." + cls + "(" + N(channels) + ", " + N(l.out_channels) + ", ...)");
      }
      if (collapsed) r.out_shape.clear();
      break;
    }
    case LayerKind::kFlatten: {
      // PyTorch counts dimensions with the batch: [B, C, H, W], start_dim 1 = C.
      std::vector<long long> batched{1};
      batched.insert(batched.end(), in.begin(), in.end());
      const long long n = static_cast<long long>(batched.size());
      long long s = l.start_dim < 0 ? l.start_dim + n : l.start_dim;
      long long e = l.end_dim < 0 ? l.end_dim + n : l.end_dim;
      if (s < 0 || s >= n || e < 0 || e >= n || s > e) {
        fail("start_dim", l.start_dim, 1, false,
             "Flatten(start_dim=" + N(l.start_dim) + ", end_dim=" + N(l.end_dim) + ") does not fit the batched shape " +
                 ShapeText(batched));
        return r;
      }
      std::vector<long long> out;
      for (long long i = 0; i < s; ++i) out.push_back(batched[i]);
      long long prod = 1;
      for (long long i = s; i <= e; ++i) prod = Mul(prod, batched[i]);
      out.push_back(prod);
      for (long long i = e + 1; i < n; ++i) out.push_back(batched[i]);
      if (s == 0) {
        // The batch itself was flattened in: report the shape without it anyway.
        r.out_shape = {prod};
      } else {
        r.out_shape.assign(out.begin() + 1, out.end());
      }
      break;
    }
    case LayerKind::kLinear: {
      const long long actual = in.back();
      r.out_shape = in;
      r.out_shape.back() = l.out_channels;
      r.params = Add(Mul(l.in_channels, l.out_channels), l.bias ? l.out_channels : 0);
      r.mult_adds = Mul(Mul(l.in_channels, l.out_channels), Elements(in) / std::max(1LL, actual));
      if (actual != l.in_channels) {
        const std::string has = in.size() == 1 ? "the flattened input has " + N(actual)
                                               : "the input " + ShapeText(in) + " ends in " + N(actual) +
                                                     " (Linear acts on the last dimension)";
        fail("in_features", l.in_channels, actual, true,
             "in_features is " + N(l.in_channels) + " but " + has + ": use nn.Linear(" +
                 N(actual) + ", " + N(l.out_channels) + ")");
      }
      break;
    }
    case LayerKind::kBatchNorm:
      r.out_shape = in;
      r.params = l.bias ? 2 * l.num_features : 0;
      if (channels != l.num_features)
        fail("num_features", l.num_features, channels, true,
             "num_features is " + N(l.num_features) + " but the input has " + N(channels) + " channels: use nn." + cls +
                 "(" + N(channels) + ")");
      break;
    case LayerKind::kActivation:
    case LayerKind::kDropout: r.out_shape = in; break;
  }
  r.out_elements = Elements(r.out_shape);
  return r;
}

ChainResult ApplyChain(const std::vector<long long>& input, const std::vector<Layer>& layers) {
  ChainResult c;
  std::vector<long long> shape = input;
  const int spatial = std::max(0, std::min<int>(kMaxConvDims, static_cast<int>(input.size()) - 1));
  std::array<long long, 3> rf{{1, 1, 1}}, jump{{1, 1, 1}};
  bool whole = false, rf_known = true;
  int failed_at = -1;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    LayerResult r;
    if (shape.empty()) {
      r.error = "skipped: no input shape (layer " + N(failed_at) + "'s output could not be computed)";
    } else {
      ChainError e;
      r = ApplyLayer(l, shape, &e);
      // A Linear after a flatten: spell the product out, as the exam does.
      if (e.field == "in_features" && i > 0 && layers[i - 1].kind == LayerKind::kFlatten &&
          c.layers[i - 1].in_shape.size() > 1 && r.in_shape.size() == 1) {
        const std::vector<long long>& pre = c.layers[i - 1].in_shape;
        std::string product;
        for (size_t d = 1; d < pre.size(); ++d) product += N(pre[d]) + "·";
        product += N(pre[0]) + " = ";
        const std::string from = "flattened input has ";
        const size_t at = r.error.find(from);
        if (at != std::string::npos) r.error.insert(at + from.size(), product);
        e.message = r.error;
      }
      if (!r.error.empty()) {
        e.layer = static_cast<int>(i);
        c.errors.push_back(e);
        if (r.out_shape.empty()) failed_at = static_cast<int>(i);
      }
    }
    // Running receptive field (input cells per output cell) and jump.
    if (!r.dim.empty() && !whole && rf_known) {
      for (size_t d = 0; d < r.dim.size() && d < 3; ++d) {
        if (l.kind == LayerKind::kConvTranspose) {
          rf_known = false;
        } else if (l.kind == LayerKind::kAdaptiveAvgPool) {
          const long long out = std::max(1LL, r.dim[d].out);
          rf[d] = Add(rf[d], Mul(r.dim[d].span - 1, jump[d]));
          jump[d] = Mul(jump[d], std::max(1LL, r.dim[d].in / out));
        } else {
          rf[d] = Add(rf[d], Mul(l.dilation[d] * (l.kernel[d] - 1), jump[d]));
          jump[d] = Mul(jump[d], l.stride[d]);
        }
      }
    }
    if (l.kind == LayerKind::kFlatten && !r.out_shape.empty() && r.out_shape.size() == 1) whole = true;
    if (l.kind == LayerKind::kLinear && r.in_shape.size() == 1) whole = true;
    r.rf_whole = whole;
    if (rf_known && !whole)
      for (int d = 0; d < spatial; ++d) r.rf[d] = rf[d], r.jump[d] = jump[d];
    c.total_params = Add(c.total_params, r.params);
    c.total_mult_adds = Add(c.total_mult_adds, r.mult_adds);
    shape = r.out_shape;
    c.layers.push_back(std::move(r));
  }
  c.output_shape = shape;
  return c;
}

bool FixChainError(const ChainError& e, std::vector<Layer>* layers) {
  if (!e.fixable || e.layer < 0 || e.layer >= static_cast<int>(layers->size())) return false;
  Layer& l = (*layers)[e.layer];
  if (e.field == "in_features" || e.field == "in_channels") {
    l.in_channels = e.actual;
    if (l.kind == LayerKind::kConv || l.kind == LayerKind::kConvTranspose)
      if (l.in_channels % l.groups != 0) l.groups = 1;
    return true;
  }
  if (e.field == "num_features") {
    l.num_features = e.actual;
    return true;
  }
  return false;
}

// ---- the grid ---------------------------------------------------------------

Status ComputeGrid(const Layer& l, const Matrix& x, const Matrix& k, GridResult* out) {
  if (l.dims > 2 || !(l.kind == LayerKind::kConv || l.kind == LayerKind::kAvgPool || l.kind == LayerKind::kMaxPool))
    return Status::Error("layer", "the grid draws 1-D and 2-D convolution and pooling; " + LayerClass(l) +
                                      " gets the numbers and the table only");
  const Status own = CheckLayer(l);
  if (!own.ok()) return own;
  if (x.rows() < 1 || x.cols() < 1 || x.rows() > kMaxGridSize || x.cols() > kMaxGridSize)
    return Status::Error("grid.input", "must be 1.." + N(kMaxGridSize) + " on each side, got " + N(x.rows()) + "x" +
                                           N(x.cols()));
  if (l.dims == 1 && x.rows() != 1)
    return Status::Error("grid.input", "a 1-D layer takes one row, got " + N(x.rows()));
  // The grid is a picture of a small layer: its kernel, dilated, and its
  // padding each stay within the grid's size, so the padded input is at most
  // 48 cells a side and a window at most 16 (no hang, no huge allocation).
  for (int d = 0; d < l.dims; ++d) {
    const long long span = Add(Mul(l.dilation[d], l.kernel[d] - 1), 1);
    if (span > kMaxGridSize || l.padding[d] > kMaxGridSize || l.stride[d] > kMaxGridSize)
      return Status::Error("grid", "the grid draws kernels (dilated) and strides up to " + N(kMaxGridSize) +
                                       " cells and padding up to " + N(kMaxGridSize) + "; this layer has a span of " +
                                       N(span) + ", stride " + N(l.stride[d]) + ", padding " + N(l.padding[d]));
  }
  const bool conv = l.kind == LayerKind::kConv;
  // dimension index d of the layer -> matrix axis: 1-D: columns; 2-D: rows, columns.
  const long long kr = l.dims == 1 ? 1 : l.kernel[0], kc = l.dims == 1 ? l.kernel[0] : l.kernel[1];
  if (conv && (k.rows() != kr || k.cols() != kc))
    return Status::Error("grid.kernel", "expected " + N(kr) + "x" + N(kc) + " (the layer's kernel_size), got " +
                                            N(k.rows()) + "x" + N(k.cols()));
  Layer row_layer = l, col_layer = l;  // per axis, as a 1-D layer on dimension 0
  const int dc = l.dims == 1 ? 0 : 1;
  auto axis = [&](int d, long long n, Layer* one) {
    one->kernel[0] = l.kernel[d];
    one->stride[0] = l.stride[d];
    one->padding[0] = l.padding[d];
    one->dilation[0] = l.dilation[d];
    return ConvDim(*one, 0, n);
  };
  DimResult dr;
  if (l.dims == 1) {
    dr.out = 1;
    dr.pad_left = dr.pad_right = 0;
  } else {
    dr = axis(0, x.rows(), &row_layer);
  }
  const DimResult dcol = axis(dc, x.cols(), &col_layer);
  if (dr.out <= 0 || dcol.out <= 0)
    return Status::Error("grid.input", "the kernel does not fit the grid's input: " +
                                           (dcol.problem.empty() ? dr.problem : dcol.problem));
  const long long sr = l.dims == 1 ? 1 : l.stride[0], sc = l.stride[dc];
  const long long dlr = l.dims == 1 ? 1 : l.dilation[0], dlc = l.dilation[dc];
  out->pad_top = dr.pad_left;
  out->pad_bottom = dr.pad_right;
  out->pad_left = dcol.pad_left;
  out->pad_right = dcol.pad_right;
  out->output = Matrix::Zero(dr.out, dcol.out);
  const long long H = x.rows(), W = x.cols();
  for (long long i = 0; i < dr.out; ++i) {
    for (long long j = 0; j < dcol.out; ++j) {
      const long long r0 = i * sr - out->pad_top, c0 = j * sc - out->pad_left;
      if (conv) {
        double s = 0;
        for (long long a = 0; a < kr; ++a)
          for (long long b = 0; b < kc; ++b) {
            const long long r = r0 + a * dlr, c = c0 + b * dlc;
            if (r >= 0 && r < H && c >= 0 && c < W) s += x(r, c) * k(a, b);
          }
        out->output(i, j) = s;
      } else if (l.kind == LayerKind::kMaxPool) {
        double m = -std::numeric_limits<double>::infinity();
        for (long long a = 0; a < kr; ++a)
          for (long long b = 0; b < kc; ++b) {
            const long long r = r0 + a * dlr, c = c0 + b * dlc;
            if (r >= 0 && r < H && c >= 0 && c < W) m = std::max(m, x(r, c));
          }
        out->output(i, j) = m;
      } else {
        // count_include_pad: divide by the window's cells inside the padded input.
        const long long rend = std::min(r0 + kr, H + out->pad_bottom), cend = std::min(c0 + kc, W + out->pad_right);
        const long long cells = (rend - r0) * (cend - c0);
        double s = 0;
        for (long long r = std::max(0LL, r0); r < std::min(rend, H); ++r)
          for (long long c = std::max(0LL, c0); c < std::min(cend, W); ++c) s += x(r, c);
        out->output(i, j) = cells > 0 ? s / static_cast<double>(cells) : 0.0;
      }
    }
  }
  return Status::Ok();
}

std::vector<std::array<long long, 2>> GridWindow(const Layer& l, const GridResult& g, long long i, long long j) {
  std::vector<std::array<long long, 2>> cells;
  const int dc = l.dims == 1 ? 0 : 1;
  const long long kr = l.dims == 1 ? 1 : l.kernel[0], kc = l.kernel[dc];
  const long long sr = l.dims == 1 ? 1 : l.stride[0], sc = l.stride[dc];
  const bool avg = l.kind == LayerKind::kAvgPool;
  const long long dlr = l.dims == 1 || avg ? 1 : l.dilation[0], dlc = avg ? 1 : l.dilation[dc];
  const long long r0 = i * sr - g.pad_top, c0 = j * sc - g.pad_left;
  for (long long a = 0; a < kr; ++a)
    for (long long b = 0; b < kc; ++b) cells.push_back({{r0 + a * dlr, c0 + b * dlc}});
  return cells;
}

std::string GridCellFormula(const Layer& l, const Matrix& x, const Matrix& k, const GridResult& g, long long i,
                            long long j) {
  if (i < 0 || j < 0 || i >= g.output.rows() || j >= g.output.cols()) return "";
  auto num = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  const std::string cell = l.dims == 1 ? "y[" + N(j) + "]" : "y[" + N(i) + "," + N(j) + "]";
  const auto window = GridWindow(l, g, i, j);
  std::string terms;
  int shown = 0;
  const int dc = l.dims == 1 ? 0 : 1;
  const long long kc = l.kernel[dc];
  // Average pooling divides by the window's cells inside the padded input (as
  // ComputeGrid and PyTorch do with ceil_mode's last window): those are its terms.
  const long long padded_rows = x.rows() + g.pad_bottom, padded_cols = x.cols() + g.pad_right;
  long long avg_cells = 0;
  for (size_t n = 0; n < window.size(); ++n) {
    const long long r = window[n][0], c = window[n][1];
    const bool inside = r >= 0 && r < x.rows() && c >= 0 && c < x.cols();
    if (!inside && l.kind == LayerKind::kMaxPool) continue;
    if (l.kind == LayerKind::kAvgPool) {
      if (r >= padded_rows || c >= padded_cols) continue;
      ++avg_cells;
    }
    const double xv = inside ? x(r, c) : 0.0;
    std::string t = l.kind == LayerKind::kConv ? num(xv) + "·" + num(k(static_cast<long long>(n) / kc,
                                                                         static_cast<long long>(n) % kc))
                                               : num(xv);
    if (shown++ < 12) terms += (terms.empty() ? "" : l.kind == LayerKind::kMaxPool ? ", " : " + ") + t;
  }
  if (shown > 12) terms += " ... (" + N(shown) + " terms)";
  const std::string v = num(g.output(i, j));
  if (l.kind == LayerKind::kConv) return cell + " = " + terms + " = " + v;
  if (l.kind == LayerKind::kMaxPool) return cell + " = max(" + terms + ") = " + v;
  return cell + " = (" + terms + ") / " + N(avg_cells) + " = " + v;
}

// ---- the view ---------------------------------------------------------------

ConvLabSettings DefaultConvLab() {
  ConvLabSettings s;
  s.input = {1, 128, 128};
  Layer l;
  l.kind = LayerKind::kConv;
  l.dims = 2;
  l.kernel = {{3, 5, 1}};
  l.stride = {{1, 3, 1}};
  s.layers = {l};
  return s;
}

void GridDefaults(const Layer& l, const std::vector<long long>& shape, Matrix* input, Matrix* kernel) {
  // Small integers, so every output can be checked by hand.
  auto side = [&](int d, long long span) {
    const long long n = d + 1 < static_cast<int>(shape.size()) ? shape[d + 1] : 8;
    if (n >= 1 && n <= kMaxGridSize) return n;
    return std::min<long long>(kMaxGridSize, std::max<long long>(span, 8));
  };
  const long long kr = l.dims == 1 ? 1 : l.kernel[0], kc = l.dims == 1 ? l.kernel[0] : l.kernel[1];
  const long long span_r = l.dims == 1 ? 1 : l.dilation[0] * (kr - 1) + 1;
  const long long span_c = l.dilation[l.dims == 1 ? 0 : 1] * (kc - 1) + 1;
  const long long h = l.dims == 1 ? 1 : side(0, span_r);
  const long long w = side(l.dims == 1 ? 0 : 1, span_c);
  *input = Matrix(h, w);
  for (long long r = 0; r < h; ++r)
    for (long long c = 0; c < w; ++c) (*input)(r, c) = static_cast<double>((r + 2 * c) % 5);
  // A horizontal gradient: -1 left of the centre column, 0 on it, 1 right of it.
  *kernel = Matrix(std::max<long long>(1, std::min<long long>(kr, kMaxGridSize)),
                   std::max<long long>(1, std::min<long long>(kc, kMaxGridSize)));
  for (long long a = 0; a < kernel->rows(); ++a)
    for (long long b = 0; b < kernel->cols(); ++b) {
      const double mid = (kernel->cols() - 1) / 2.0;
      (*kernel)(a, b) = kernel->cols() == 1 ? 1.0 : (b < mid ? -1.0 : b > mid ? 1.0 : 0.0);
    }
}

Status ComputeConvView(const ConvLabSettings& s, ConvView* out) {
  *out = ConvView();
  if (s.layers.empty() && !s.chain) return Status::Error("conv_lab.layer", "no layer");
  out->chain = ApplyChain(s.input, s.layers);
  if (!s.source.empty()) {
    std::vector<Layer> read;
    std::vector<SequentialWarning> warnings;
    if (s.chain && ParseSequential(s.source, &read, &warnings).ok() && read == s.layers) out->warnings = warnings;
  }
  if (s.chain) {
    out->grid_note = "the grid shows one layer: open a layer on its own to see its kernel slide";
    return Status::Ok();
  }
  const Layer& l = s.layers[0];
  GridDefaults(l, s.input, &out->grid_input, &out->grid_kernel);
  if (s.grid_input.size() > 0) out->grid_input = s.grid_input;
  if (s.grid_kernel.size() > 0) out->grid_kernel = s.grid_kernel;
  const Status st = ComputeGrid(l, out->grid_input, out->grid_kernel, &out->grid);
  if (st.ok()) out->grid_shown = true;
  else out->grid_note = st.field() == "layer" ? st.message() : st.ToString();
  return Status::Ok();
}

}  // namespace attnlab
