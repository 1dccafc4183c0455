#include "attnlab/mask.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace attnlab {
namespace {

struct KindInfo {
  MaskKind kind;
  const char* name;
  const char* param;
};

constexpr KindInfo kKinds[] = {
    {MaskKind::kNone, "none", ""},
    {MaskKind::kCausal, "causal", ""},
    {MaskKind::kPadding, "padding", "length"},
    {MaskKind::kSlidingWindow, "sliding_window", "width"},
    {MaskKind::kPrefixLm, "prefix_lm", "prefix"},
    {MaskKind::kBlockDiagonal, "block_diagonal", "block"},
    {MaskKind::kCustom, "custom", ""},
};

const KindInfo& Info(MaskKind kind) {
  for (const KindInfo& k : kKinds)
    if (k.kind == kind) return k;
  return kKinds[0];
}

}  // namespace

const char* MaskKindName(MaskKind kind) { return Info(kind).name; }
const char* MaskParamName(MaskKind kind) { return Info(kind).param; }

bool MaskKindFromName(const std::string& name, MaskKind* kind) {
  for (const KindInfo& k : kKinds) {
    if (name == k.name) {
      *kind = k.kind;
      return true;
    }
  }
  return false;
}

AllowedKeys::AllowedKeys(const Mask& dense) {
  if (dense.size() == 0) return;  // every key
  unrestricted_ = false;
  n_k_ = static_cast<int>(dense.cols());
  const int n_q = static_cast<int>(dense.rows());
  begin_.assign(static_cast<size_t>(n_q), 0);
  end_.assign(static_cast<size_t>(n_q), 0);
  bool gap = false;
  for (int i = 0; i < n_q; ++i) {
    int first = -1, last = -1, count = 0;
    for (int j = 0; j < n_k_; ++j) {
      if (!dense(i, j)) continue;
      if (first < 0) first = j;
      last = j;
      ++count;
    }
    if (first < 0) continue;  // an empty run: nothing allowed
    begin_[static_cast<size_t>(i)] = first;
    end_[static_cast<size_t>(i)] = last + 1;
    gap = gap || count != last + 1 - first;
  }
  if (gap) dense_ = dense;
}

AllowedKeys AllowedKeys::FromRuns(int n_k, std::vector<int> begin, std::vector<int> end) {
  AllowedKeys a;
  a.unrestricted_ = false;
  a.n_k_ = n_k;
  a.begin_ = std::move(begin);
  a.end_ = std::move(end);
  a.end_.resize(a.begin_.size(), 0);
  for (size_t i = 0; i < a.begin_.size(); ++i) {
    const int b = std::clamp(a.begin_[i], 0, n_k), e = std::clamp(a.end_[i], 0, n_k);
    a.begin_[i] = b < e ? b : 0;  // an empty run is stored as [0, 0)
    a.end_[i] = b < e ? e : 0;
  }
  return a;
}

Mask AllowedKeys::ToDense() const {
  if (unrestricted_) return Mask();
  if (HasDense()) return dense_;
  Mask m = Mask::Constant(rows(), n_k_, false);
  for (int i = 0; i < rows(); ++i) m.row(i).segment(Begin(i), End(i) - Begin(i)).setConstant(true);
  return m;
}

bool operator==(const AllowedKeys& a, const AllowedKeys& b) {
  if (a.unrestricted_ != b.unrestricted_) return false;
  if (a.unrestricted_) return true;
  return a.n_k_ == b.n_k_ && a.begin_ == b.begin_ && a.end_ == b.end_ && a.HasDense() == b.HasDense() &&
         (!a.HasDense() || (a.dense_ == b.dense_).all());
}

Status BuildMask(const MaskSpec& spec, int n_q, int n_k, AllowedKeys* allowed) {
  const int p = spec.param;
  const char* param_name = MaskParamName(spec.kind);
  if (*param_name != '\0' && p < 1) {
    return Status::Error("mask", std::string(MaskKindName(spec.kind)) + " needs " + param_name +
                                     " >= 1, got " + std::to_string(p));
  }
  if (spec.kind == MaskKind::kCustom) {
    if (spec.custom.rows() != n_q || spec.custom.cols() != n_k) {
      return Status::Error("mask", "expected a " + std::to_string(n_q) + "x" + std::to_string(n_k) +
                                       " matrix (queries x keys), got " +
                                       std::to_string(spec.custom.rows()) + "x" +
                                       std::to_string(spec.custom.cols()));
    }
    *allowed = AllowedKeys(spec.custom);
    return Status::Ok();
  }
  std::vector<int> begin(static_cast<size_t>(n_q)), end(static_cast<size_t>(n_q));
  const int offset = n_k - n_q;  // query i sits at key position i + offset
  for (int i = 0; i < n_q; ++i) {
    const int pos = i + offset;
    int b = 0, e = n_k;
    switch (spec.kind) {
      case MaskKind::kNone: break;
      case MaskKind::kCausal: e = pos + 1; break;
      case MaskKind::kPadding: e = p; break;
      case MaskKind::kSlidingWindow: b = pos - p + 1, e = pos + 1; break;
      case MaskKind::kPrefixLm: e = std::max(p, pos + 1); break;
      case MaskKind::kBlockDiagonal: b = p * (pos / p), e = b + p; break;
      case MaskKind::kCustom: break;  // handled above
    }
    begin[static_cast<size_t>(i)] = b;
    end[static_cast<size_t>(i)] = std::min(e, n_k);
  }
  *allowed = AllowedKeys::FromRuns(n_k, std::move(begin), std::move(end));
  return Status::Ok();
}

}  // namespace attnlab
