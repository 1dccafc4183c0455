#include "attnlab/mask.hpp"

#include <string>

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

Status BuildMask(const MaskSpec& spec, int n_q, int n_k, Mask* allowed) {
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
    *allowed = spec.custom;
    return Status::Ok();
  }
  allowed->resize(n_q, n_k);
  const int offset = n_k - n_q;  // query i sits at key position i + offset
  for (int i = 0; i < n_q; ++i) {
    const int pos = i + offset;
    for (int j = 0; j < n_k; ++j) {
      bool ok = true;
      switch (spec.kind) {
        case MaskKind::kNone: ok = true; break;
        case MaskKind::kCausal: ok = j <= pos; break;
        case MaskKind::kPadding: ok = j < p; break;
        case MaskKind::kSlidingWindow: ok = j <= pos && j > pos - p; break;
        case MaskKind::kPrefixLm: ok = j < p || j <= pos; break;
        case MaskKind::kBlockDiagonal: ok = (j / p) == (pos / p); break;
        case MaskKind::kCustom: break;  // handled above
      }
      (*allowed)(i, j) = ok;
    }
  }
  return Status::Ok();
}

}  // namespace attnlab
