#include "attnlab/attention.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace attnlab {
namespace {

std::string Shape(Eigen::Index rows, Eigen::Index cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
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
  h.scale = options.scale.Factor(static_cast<int>(Q.cols()));
  h.raw_scores.noalias() = Q * K.transpose();
  h.scores = h.scale * h.raw_scores;
  if (!AllFinite(h.scores)) {
    if (!AllFinite(h.raw_scores))
      return Status::Error(field_prefix + "scores", "Q K^T overflows the range of a double; scale the inputs down");
    return Status::Error("scale", "scale * Q K^T overflows the range of a double");
  }
  Status mask_status =
      BuildMask(options.mask, static_cast<int>(Q.rows()), static_cast<int>(K.rows()), &h.allowed);
  if (!mask_status.ok()) return mask_status;

  SoftmaxOptions softmax;
  softmax.temperature = options.temperature;
  softmax.subtract_max = !options.naive_softmax;
  h.fully_masked_rows.clear();
  RowSoftmaxInto(h.scores, h.allowed, softmax, &h.weights, &h.fully_masked_rows);
  h.scores = h.allowed.select(h.scores.array(), -std::numeric_limits<double>::infinity()).matrix();
  h.output.noalias() = h.weights * V;
  h.argmax = ArgmaxPerRow(h.weights, h.allowed);
  return Status::Ok();
}

}  // namespace attnlab
