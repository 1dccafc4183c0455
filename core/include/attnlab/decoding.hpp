// attnlab core: incremental decoding with a KV cache, MHA / GQA / MQA (E4).
//
// One step, for a batch of b sequences (row-vector convention, multihead.hpp):
//
//   x                      (b, d)          the new token of each sequence
//   q = x W_Q + b_Q        (b, h d_k)  ->  (b, h, d_k)    einsum("bd,hdq->bhq")
//   k = x W_K + b_K        (b, g d_k)  ->  (b, g, d_k)    MQA (g = 1): einsum("bd,dk->bk")
//   v = x W_V + b_V        (b, g d_v)  ->  (b, g, d_v)
//   cache K: (b, g, n, d_k) -> (b, g, n + 1, d_k)  (k appended; V alike with d_v)
//   head i, group j = i / (h / g):
//     s_i = scale q_i K_j^T         (n + 1)      logits = einsum("bhk,bnk->bhn") (MQA)
//     p_i = softmax(s_i / T)        (n + 1)      T = 0: argmax, ties split (softmax.hpp)
//     o_i = p_i V_j                 (d_v)        o = einsum("bhn,bnv->bhv")
//   y = concat_i o_i  W_O + b_O     (b, d_out)   y = einsum("bhv,hvd->bd")
//
// Identity (tested at n up to 256): n steps give the rows of the one-shot
// causal computation over the whole sequence (MultiHeadForward with a causal
// mask; after a previous cache, Attend per head over cache + sequence), up to
// round-off.
//
// How a step streams memory (the cost is the cache for MHA at long n):
//   - the cache of (batch, kv-head) is one contiguous block of `capacity` rows,
//     K and V apart; a step appends one row in place, nothing is copied;
//   - each K and V row is read once for all the h / g query heads that share
//     it: up to kDecodeGemmHeads heads in one pass over the rows, with the rows
//     4 KiB ahead prefetched (measured: 14 GB/s for MHA, the machine's read
//     bandwidth); more (MQA) as (h/g, d_k) x (d_k, kDecodeChunk) products,
//     small enough that Eigen packs them on the stack;
//   - projections read each weight once for the whole batch, in blocks small
//     enough for Eigen to pack them on the stack;
//   - everything a step writes lives in a DecodeWorkspace made beforehand: the
//     step allocates nothing.
//
// Cost of one step (DecodeStepCost; n = positions attended, the new one
// included; w = bytes per number; products only, 1 multiply-add = 2 FLOP):
//   FLOPs  = 2 b d (h d_k + g d_k + g d_v) + 2 b h n (d_k + d_v) + 2 b h d_v d
//          MHA/MQA with d_k = d_v = d/h:  O(b d^2 + b n d)
//   bytes  = w [d (h d_k + g d_k + g d_v) + h d_v d]      weights, read once
//          + w [2 b d]                                    x read, y written
//          + w [b g n (d_k + d_v) + b g (d_k + d_v)]      cache read, new row written
//          MHA: O(d^2 + b d + b n d)   MQA: O(d^2 + b d + b n d / h)
//   intensity = FLOPs / bytes
#pragma once

#include <string>
#include <vector>

#include "attnlab/attention.hpp"
#include "attnlab/matrix.hpp"
#include "attnlab/multihead.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

// Keys per chunk of the grouped products (a (256, d_k) block of K is 128 KiB at d_k = 64,
// what Eigen still packs on the stack: measured, no allocation at d_k = 64).
inline constexpr int kDecodeChunk = 256;
// Query heads per K/V head from which the grouped products go through Eigen's GEMM.
inline constexpr int kDecodeGemmHeads = 8;

// The KV cache: for each (batch, kv-head) a block of `capacity` rows, of which
// the first `length` are filled. K (b, g, capacity, d_k), V (b, g, capacity, d_v).
struct KvCache {
  int batch = 0, groups = 0, capacity = 0, length = 0, d_k = 0, d_v = 0;
  std::vector<double> K, V;

  double* KRow(int b, int g, int row) { return K.data() + ((static_cast<size_t>(b) * groups + g) * capacity + row) * d_k; }
  double* VRow(int b, int g, int row) { return V.data() + ((static_cast<size_t>(b) * groups + g) * capacity + row) * d_v; }
  const double* KRow(int b, int g, int row) const {
    return K.data() + ((static_cast<size_t>(b) * groups + g) * capacity + row) * d_k;
  }
  const double* VRow(int b, int g, int row) const {
    return V.data() + ((static_cast<size_t>(b) * groups + g) * capacity + row) * d_v;
  }
  // The first `rows` rows of a block (default: all filled), as a copy.
  Matrix KBlock(int b, int g, int rows = -1) const;
  Matrix VBlock(int b, int g, int rows = -1) const;
};
// Empty cache of that shape; fails naming the count that is < 1.
Status MakeKvCache(int batch, int groups, int capacity, int d_k, int d_v, KvCache* out);

// Buffers a step writes, sized once by PrepareDecodeWorkspace.
struct DecodeWorkspace {
  Matrix q;        // (b, h d_k): the new tokens' queries (before the scale)
  Matrix k, v;     // (b, g d_k), (b, g d_v): the new keys and values
  Matrix weights;  // (b h, capacity): row b h + i = head i's weights over the cache (first `length`)
  Matrix o;        // (b, h d_v): the heads' outputs, concatenated
  Matrix y;        // (b, d_out)
};
void PrepareDecodeWorkspace(const MultiHeadWeights& w, int batch, int capacity, DecodeWorkspace* ws);

// Shapes of the weights for decoding (d_model rows, widths h d_k, g d_k, g d_v,
// g divides h, biases' lengths, W_O's rows h d_v), naming the field.
Status CheckDecodeWeights(const MultiHeadWeights& w);

// One step: x (b, d_model) -> ws->y (b, d_out); appends one row to every
// block of the cache. Fails (changing nothing) naming "x" or "cache" when the
// shapes do not fit or the cache is full, and naming "scores" (the row
// appended) when scale q K^T overflows. Weights must pass CheckDecodeWeights.
Status DecodeStep(const MultiHeadWeights& w, const AttentionOptions& options, const Eigen::Ref<const Matrix>& x,
                  KvCache* cache, DecodeWorkspace* ws);

// ---- a whole batch of sequences, step after step ----

struct DecodeInput {
  std::vector<Matrix> X;  // b sequences of n rows each (n, d_model)
  // Optional previous cache: [b][g] blocks of m rows, (m, d_k) and (m, d_v).
  std::vector<std::vector<Matrix>> cache_K, cache_V;
};

struct DecodeRun {
  int batch = 0, steps = 0, prior = 0;  // b, n, m
  std::vector<Matrix> Y;        // [b] (n, d_out): row t = step t's y
  std::vector<Matrix> Q;        // [b] (n, h d_k): row t = step t's q
  KvCache cache;                // after the last step: m + n rows
  std::vector<Matrix> weights;  // [b h] (n, m + n): row t = step t's weights (0 past m + t)
};

// Checks the input (equal lengths, d_model columns, the cache's blocks), naming
// `x_field` + "[i]" for a sequence and `cache_prefix` + "cache_K[i][j]" for a
// block of the previous cache, with the shapes.
Status CheckDecodeInput(const MultiHeadWeights& w, const DecodeInput& in, const std::string& x_field = "X",
                        const std::string& cache_prefix = "");

// Runs the n steps.
Status DecodeSequences(const MultiHeadWeights& w, const AttentionOptions& options, const DecodeInput& in,
                       DecodeRun* out);

// The same outputs computed in one shot with a causal mask, by another path:
// MultiHeadForward (no previous cache) or per head through Attend over the
// previous cache followed by the sequence. Y: [b] (n, d_out); weights [b h] (n, m + n).
Status DecodeOneShot(const MultiHeadWeights& w, const AttentionOptions& options, const DecodeInput& in,
                     std::vector<Matrix>* Y, std::vector<Matrix>* weights);

// max |a - b| over matching matrices (infinity when the shapes differ).
double MaxAbsDiff(const std::vector<Matrix>& a, const std::vector<Matrix>& b);

// ---- the cost model ----

struct DecodeShape {
  double b = 8, n = 2048, d = 1024, h = 16, g = 16;
  double d_k = 64, d_v = 64;  // per head
  double word = 8;            // bytes per number (8: double, as our engine)
};

struct CostTerm {
  std::string name;     // "scores q K^T"
  double value = 0;
  std::string formula;  // "2·b·h·n·d_k = 2·8·16·2048·64 = 33554432"
};

struct DecodeCost {
  double flops = 0;
  double weight_bytes = 0, activation_bytes = 0, cache_bytes = 0, bytes = 0;
  double intensity = 0;              // FLOPs / byte
  double cache_bytes_per_token = 0;  // g (d_k + d_v) w: one position of one sequence
  double crossover_n = 0;            // n at which cache bytes = weight bytes (memory dominated by the cache past it)
  std::vector<CostTerm> flop_terms, byte_terms;
  std::string flops_big_o, bytes_big_o;  // E4's O(...)
};
DecodeCost DecodeStepCost(const DecodeShape& s);

// "MHA", "GQA" or "MQA" for g = h, 1 < g < h, g = 1 (h > 1; one head: "MHA").
const char* KvLayoutName(int num_heads, int n_kv_heads);

// The shapes of E4's einsums for a layout: lines such as
//   "W_k [g, d, k] = [4, 8, 2]" and "k = einsum(\"bd,gdk->bgk\")  [2, 4, 2]".
struct EinsumLine {
  std::string what;     // "k"
  std::string einsum;   // "bd,gdk->bgk"; "" for the cache's line (k appended)
  std::string shape;    // "[b, g, k] = [2, 4, 2]"
  std::string note;     // the homework's erratum, where it had one
};
std::vector<EinsumLine> DecodeEinsums(int b, int n, int d, int h, int g, int d_k, int d_v);
// d_out: W_O's columns, 0 when there is no W_O (y is the heads side by side),
// -1 for d (a square W_O).
std::vector<std::string> DecodeWeightShapes(int d, int h, int g, int d_k, int d_v, int d_out = -1);

// ---- measuring our own engine (the benchmark, and "measure" in the view) ----

// Bytes per second of a read loop over `bytes` (best of `reps`, each a plain
// loop and one prefetching 4 KiB ahead).
double MeasureReadBandwidth(double bytes, int reps);
// FLOP per second of an Eigen GEMM of size x size (best of `reps`).
double MeasurePeakFlops(int size, int reps);
// Seconds of one DecodeStep at shape s (random weights, a cache of n - 1
// positions to which the step adds the n-th), best of `reps`. The shape must
// pass CheckMeasureShape.
struct StepTiming {
  double seconds = 0;
  double predicted = 0;  // max(bytes / bandwidth, flops / peak), if given
};
Status TimeDecodeStep(const DecodeShape& s, int reps, double* seconds);
// Measure sizes attnlab accepts: the cache at most kMaxMeasureCacheBytes.
inline constexpr double kMaxMeasureCacheBytes = 512.0 * 1024 * 1024;
// and everything a measured step holds (MeasureBytes) at most kMaxMeasureBytes.
inline constexpr double kMaxMeasureBytes = 1.5 * 1024 * 1024 * 1024;
Status CheckMeasureShape(const DecodeShape& s, const std::string& field);
// The bytes TimeDecodeStep allocates at these sizes: the weights W_Q, W_K,
// W_V, W_O, the KV cache and the step's workspace (doubles).
double MeasureBytes(const DecodeShape& s);

// ---- the Decoding view (E4) ----------------------------------------------

struct Scenario;
struct Result;

// Its settings, in a scenario file's "decoding_lab" object (views/decoding_view.cpp).
// The model (W_Q, W_K, W_V, W_O, biases, num_heads, n_kv_heads, scale,
// temperature) is the scenario's shared one; the mask is causal by definition.
struct DecodingLabSettings {
  // The batch: b token sequences (the scenario's vocab and E), or b inputs X
  // of n rows each, shape (b, n, d_model). Neither: the scenario's own input, b = 1.
  std::vector<std::vector<std::string>> sequences;
  std::vector<Matrix> inputs;
  // A previous cache the steps start from: [b][g] blocks (m, d_k) and (m, d_v).
  std::vector<std::vector<Matrix>> cache_K, cache_V;
  int step = 0;      // the step shown (0-based; clamped to the steps there are)
  int sequence = 0;  // the sequence of the batch shown (0-based; clamped)
  // The cost model's sizes, also those "measure" runs at: b, n, d, h, and the
  // GQA column's g; d_k = d_v = d / h, doubles.
  int cost_b = 8, cost_n = 2048, cost_d = 1024, cost_h = 16, cost_g = 4;
};
bool operator==(const DecodingLabSettings& a, const DecodingLabSettings& b);
inline bool operator!=(const DecodingLabSettings& a, const DecodingLabSettings& b) { return !(a == b); }

inline constexpr int kMaxDecodeBatch = 64;  // sequences
// b h n (m + n) weights over all steps, as the attention view's h n^2.
inline constexpr double kMaxDecodeWeights = 2048.0 * 2048;
// Bytes of weights all the steps read (each step reads them all once): about
// half a second of memory traffic.
inline constexpr double kMaxDecodeWeightBytes = 4e9;

// The cost model's shape for g K/V heads at the settings' sizes.
DecodeShape CostShape(const DecodingLabSettings& lab, int g);
// The settings' own bounds (the cost sizes, the batch), naming "decoding_lab.<field>".
Status CheckDecodingSettings(const DecodingLabSettings& lab);

struct DecodingView {
  bool decoded = false;  // false: `note` says why (Q, K, V given directly); the costs are still there
  std::string note;      // also, decoded: what of the scenario the steps leave out (X_kv)
  MultiHeadWeights model;
  DecodeInput input;
  std::vector<std::vector<std::string>> tokens;  // [b] labels of the positions (may be empty)
  DecodeRun run;                                  // the steps
  std::vector<Matrix> Y_batched, weights_batched; // the one-shot causal computation
  double max_abs_diff = 0;                        // over Y
  double max_abs_diff_weights = 0;
  double max_abs_Y = 0;                           // max |Y_batched|: what max_abs_diff is relative to
  DecodeShape shapes[3];                          // MHA, GQA, MQA at the cost sizes
  DecodeCost costs[3];
  std::vector<std::string> weight_shapes;         // of the scenario's layout
  std::vector<EinsumLine> einsums;
};
inline constexpr const char* kCostLayouts[3] = {"MHA", "GQA", "MQA"};

// "Round-off": the steps and the one-shot agree to kDecodeRoundOff relative
// to max |Y| (an absolute bound says "they differ" for a Y of 1e9 and passes
// anything for a Y of 1e-12), and the weights (at most 1) to kDecodeRoundOff.
// The rule the screen, eval ("check") and the tests share.
inline constexpr double kDecodeRoundOff = 1e-10;
bool DecodeIsRoundOff(double max_abs_diff, double max_abs_diff_weights, double max_abs_Y);
inline bool DecodeIsRoundOff(const DecodingView& v) {
  return DecodeIsRoundOff(v.max_abs_diff, v.max_abs_diff_weights, v.max_abs_Y);
}

// The decoding of the scenario's batch through its model. Fails naming the
// field ("decoding_lab.sequences[1][2]", "W_K", "tokens").
Status ComputeDecodingView(const Scenario& s, const Result& r, DecodingView* out);
// The cost part alone (no model needed).
void ComputeDecodingCosts(const DecodingLabSettings& lab, DecodingView* out);

}  // namespace attnlab
