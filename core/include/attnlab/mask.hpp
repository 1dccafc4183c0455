// attnlab core: attention masks.
//
//   weights = softmax(scores + M)   with M(i, j) = 0 where allowed(i, j), -inf elsewhere
//   allowed: (n_q, n_k), true = query i may attend to key j.
//
// Every builder handles n_q != n_k the way incremental decoding needs it: the
// queries are the LAST n_q positions of the n_k keys, so query i sits at key
// position pos = i + (n_k - n_q). With n_q == n_k that is the ordinary square mask.
//
// Storage (AllowedKeys): every kind but custom lets query i see ONE contiguous
// run of keys, Begin(i) <= j < End(i), so only the two bounds per query are
// stored (8 bytes a row, nothing per cell: "no mask" costs nothing):
//   none            [0, n_k)
//   causal          [0, pos + 1)
//   padding         [0, length)
//   sliding_window  [pos - width + 1, pos + 1)
//   prefix_lm       [0, max(prefix, pos + 1))
//   block_diagonal  [b, b + block), b = block * (pos / block)   (C++ division)
// each clipped to [0, n_k] (a run may be empty: that query sees no key). The
// softmax works on the run alone: keys outside it cost no exp and no test.
// A custom 0/1 matrix whose rows are contiguous runs is stored the same way
// (so a custom mask drawn as causal IS causal); only a custom matrix with a gap
// in some row keeps its dense (n_q, n_k) booleans, together with each row's run
// from its first to one past its last allowed key.
#pragma once

#include <string>
#include <vector>

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

// Which keys each query may attend to (see the header comment for the forms).
class AllowedKeys {
 public:
  // Every key allowed, for a matrix of any shape (Unrestricted()).
  AllowedKeys() = default;
  // A 0/1 matrix (custom); an empty one is Unrestricted(). Implicit, so that a
  // Mask can be passed wherever AllowedKeys is taken.
  AllowedKeys(const Mask& dense);
  // Query i sees keys [begin[i], end[i]); both are clipped to [0, n_k].
  static AllowedKeys FromRuns(int n_k, std::vector<int> begin, std::vector<int> end);

  bool Unrestricted() const { return unrestricted_; }
  int rows() const { return static_cast<int>(begin_.size()); }  // 0 when Unrestricted()
  int cols() const { return n_k_; }                              // 0 when Unrestricted()
  // The run of row i: every allowed key lies in [Begin(i), End(i)); with no
  // dense matrix every key in it is allowed. Not for Unrestricted().
  int Begin(int i) const { return begin_[static_cast<size_t>(i)]; }
  int End(int i) const { return end_[static_cast<size_t>(i)]; }
  bool AnyAllowed(int i) const { return unrestricted_ || Begin(i) < End(i); }
  // True when some row has a gap, so that the dense matrix is kept.
  bool HasDense() const { return dense_.size() != 0; }
  const bool* DenseRow(int i) const { return dense_.data() + static_cast<Eigen::Index>(i) * dense_.cols(); }

  bool operator()(int i, int j) const {
    if (unrestricted_) return true;
    if (j < Begin(i) || j >= End(i)) return false;
    return !HasDense() || dense_(i, j);
  }
  // The (rows(), cols()) 0/1 matrix; empty when Unrestricted().
  Mask ToDense() const;
  // Calls masked_run(i, j0, j1) for every maximal run [j0, j1) of masked keys
  // in rows i < rows, columns j < cols: what a picture hatches in one piece.
  template <typename F>
  void ForEachMaskedRun(int rows, int cols, F masked_run) const {
    if (unrestricted_) return;
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols;) {
        if ((*this)(i, j)) {
          ++j;
          continue;
        }
        int k = j;
        while (k < cols && !(*this)(i, k)) ++k;
        masked_run(i, j, k);
        j = k;
      }
    }
  }

  friend bool operator==(const AllowedKeys& a, const AllowedKeys& b);
  friend bool operator!=(const AllowedKeys& a, const AllowedKeys& b) { return !(a == b); }

 private:
  bool unrestricted_ = true;
  int n_k_ = 0;
  std::vector<int> begin_, end_;  // one per query
  Mask dense_;                    // only when some row has a gap
};

// Builds what `spec` allows for n_q queries and n_k keys. Fails, naming field
// "mask", when a parameter is out of range or a custom matrix has the wrong shape.
Status BuildMask(const MaskSpec& spec, int n_q, int n_k, AllowedKeys* allowed);

}  // namespace attnlab
