#include "attnlab/attention.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

namespace attnlab {
namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

std::string Shape(Eigen::Index rows, Eigen::Index cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

// 1 when v is NaN or infinite (an all-ones exponent), as an integer so that
// the loop that ORs it vectorises.
inline uint64_t NotFinite(double v) {
  constexpr uint64_t kExponent = 0x7ff0000000000000ull;
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return static_cast<uint64_t>((bits & kExponent) == kExponent);
}

}  // namespace

double ScaleSpec::Factor(int d_k) const {
  switch (kind) {
    case ScaleKind::kNone: return 1.0;
    case ScaleKind::kInvSqrtDk: return d_k > 0 ? 1.0 / std::sqrt(static_cast<double>(d_k)) : 1.0;
    case ScaleKind::kCustom: return value;
  }
  return 1.0;
}

Status ValidateAttentionOptions(const AttentionOptions& options) {
  const double T = options.temperature;
  if (std::isnan(T) || std::isinf(T))
    return Status::Error("temperature", "must be a finite number >= 0 (0 = argmax), got " +
                                            std::string(std::isnan(T) ? "NaN" : "infinity"));
  if (T < 0)
    return Status::Error("temperature", "must be >= 0 (0 = argmax), got " + std::to_string(T));
  if (options.scale.kind == ScaleKind::kCustom && !std::isfinite(options.scale.value))
    return Status::Error("scale", "must be \"none\", \"sqrt_dk\" or a finite number");
  return Status::Ok();
}

Status Attend(const Matrix& Q, const Matrix& K, const Matrix& V, const AttentionOptions& options,
              HeadResult* out, const std::string& field_prefix) {
  out->Q = Q;
  out->K = K;
  out->V = V;
  return AttendInPlace(options, out, field_prefix);
}

Status AttendInPlace(const AttentionOptions& options, HeadResult* out, const std::string& field_prefix) {
  const Matrix& Q = out->Q;
  const Matrix& K = out->K;
  const Matrix& V = out->V;
  Status valid = ValidateAttentionOptions(options);
  if (!valid.ok()) return valid;
  if (Q.cols() != K.cols()) {
    return Status::Error(field_prefix + "K",
                         "expected " + std::to_string(Q.cols()) + " columns (d_k of Q, so that Q K^T exists), got " +
                             std::to_string(K.cols()) + " (Q is " + Shape(Q.rows(), Q.cols()) + ", K is " +
                             Shape(K.rows(), K.cols()) + ")");
  }
  if (V.rows() != K.rows()) {
    return Status::Error(field_prefix + "V", "expected " + std::to_string(K.rows()) +
                                                 " rows (one value per key, like K), got " +
                                                 std::to_string(V.rows()));
  }
  if (Q.rows() == 0 || K.rows() == 0) {
    return Status::Error(field_prefix + (Q.rows() == 0 ? "Q" : "K"), "needs at least one row");
  }

  HeadResult& h = *out;
  const int n_q = static_cast<int>(Q.rows()), n_k = static_cast<int>(K.rows());
  h.scale = options.scale.Factor(static_cast<int>(Q.cols()));
  Status mask_status = BuildMask(options.mask, n_q, n_k, &h.allowed);
  if (!mask_status.ok()) return mask_status;

  SoftmaxOptions softmax;
  softmax.temperature = options.temperature;
  softmax.subtract_max = !options.naive_softmax;
  h.scores.resize(n_q, n_k);
  h.weights.resize(n_q, n_k);
  h.output.resize(n_q, V.cols());
  h.argmax.Clear();
  h.argmax.Reserve(static_cast<size_t>(n_q));
  h.fully_masked_rows.clear();
  const AllowedKeys& allowed = h.allowed;
  const double scale = h.scale;

  for (int r0 = 0; r0 < n_q; r0 += kAttendBlockRows) {
    const int rows = std::min(kAttendBlockRows, n_q - r0);
    // The keys this block's runs reach; the rest of its scores are -inf.
    int c0 = n_k, c1 = 0;
    for (int i = r0; i < r0 + rows; ++i) {
      if (!allowed.AnyAllowed(i)) continue;
      c0 = std::min(c0, allowed.Begin(i));
      c1 = std::max(c1, allowed.End(i));
    }
    const int span = std::max(0, c1 - c0);
    if (span > 0) {
      h.scores.block(r0, c0, rows, span).noalias() = Q.middleRows(r0, rows) * K.middleRows(c0, span).transpose();
    }
    for (int i = r0; i < r0 + rows; ++i) {
      double* s = h.scores.row(i).data();
      const int b = allowed.Begin(i), e = allowed.End(i);
      // Scale the run in place, checking both Q K^T and the product (bit
      // tests, so the loop vectorises).
      uint64_t raw_bad = 0, scaled_bad = 0;
      for (int j = b; j < e; ++j) {
        const double raw = s[j];
        const double scaled = scale * raw;
        raw_bad |= NotFinite(raw);
        scaled_bad |= NotFinite(scaled);
        s[j] = scaled;
      }
      if (raw_bad) {
        return Status::Error(field_prefix + "scores", "Q K^T overflows the range of a double; scale the inputs down");
      }
      if (scaled_bad) return Status::Error("scale", "scale * Q K^T overflows the range of a double");
      std::fill(s, s + b, kMinusInf);
      std::fill(s + std::max(b, e), s + n_k, kMinusInf);
      if (allowed.HasDense()) {
        const bool* ok = allowed.DenseRow(i);
        for (int j = b; j < e; ++j) s[j] = ok[j] ? s[j] : kMinusInf;
      }
      if (!SoftmaxRow(s, n_k, b, e, softmax, h.weights.row(i).data(), &h.argmax)) h.fully_masked_rows.push_back(i);
    }
    if (span > 0) {
      h.output.middleRows(r0, rows).noalias() = h.weights.block(r0, c0, rows, span) * V.middleRows(c0, span);
    } else {
      h.output.middleRows(r0, rows).setZero();
    }
  }
  return Status::Ok();
}

double RawScore(const HeadResult& head, int i, int j) { return head.Q.row(i).dot(head.K.row(j)); }

void RawScores(const HeadResult& head, Matrix* raw) { raw->noalias() = head.Q * head.K.transpose(); }

}  // namespace attnlab
