// attnlab core: attention masks.
//
//   weights = softmax(scores + M)   with M(i, j) = 0 where allowed(i, j), -inf elsewhere
//   allowed: (n_q, n_k), true = query i may attend to key j.
//
// Every builder handles n_q != n_k the way incremental decoding needs it: the
// queries are the LAST n_q positions of the n_k keys, so query i sits at key
// position i + (n_k - n_q). With n_q == n_k that is the ordinary square mask.
#pragma once

#include <string>

#include "attnlab/matrix.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

enum class MaskKind {
  kNone,           // every key allowed
  kCausal,         // key j <= query position
  kPadding,        // key j < length (the rest is padding)
  kSlidingWindow,  // causal, and key j > query position - width (the last `width` keys)
  kPrefixLm,       // keys j < prefix are seen by everyone; the rest causally
  kBlockDiagonal,  // query and key in the same block of `block` positions
  kCustom,         // a 0/1 matrix given by the user
};

struct MaskSpec {
  MaskKind kind = MaskKind::kNone;
  int param = 0;  // length / width / prefix / block, for the kinds that take one
  Mask custom;    // kCustom only: (n_q, n_k)
};

// The file spelling of a kind ("none", "causal", "padding", "sliding_window",
// "prefix_lm", "block_diagonal", "custom") and back; false when unknown.
const char* MaskKindName(MaskKind kind);
bool MaskKindFromName(const std::string& name, MaskKind* kind);
// The name of the parameter a kind takes ("length", "width", "prefix", "block"), or "".
const char* MaskParamName(MaskKind kind);

// Builds the (n_q, n_k) allowed-matrix of `spec`. Fails, naming field "mask",
// when a parameter is out of range or a custom matrix has the wrong shape.
Status BuildMask(const MaskSpec& spec, int n_q, int n_k, Mask* allowed);

}  // namespace attnlab
