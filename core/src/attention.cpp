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
  h.Q = Q;
  h.K = K;
  h.V = V;
  h.scale = options.scale.Factor(static_cast<int>(Q.cols()));
  h.raw_scores.noalias() = Q * K.transpose();
  if (!h.raw_scores.allFinite()) {
    return Status::Error(field_prefix + "scores",
                         "Q K^T overflows the range of a double; scale the inputs down");
  }
  Status mask_status =
      BuildMask(options.mask, static_cast<int>(Q.rows()), static_cast<int>(K.rows()), &h.allowed);
  if (!mask_status.ok()) return mask_status;

  h.scores = h.scale * h.raw_scores;
  if (!h.scores.allFinite()) {
    return Status::Error("scale", "scale * Q K^T overflows the range of a double");
  }
  SoftmaxOptions softmax;
  softmax.temperature = options.temperature;
  softmax.subtract_max = !options.naive_softmax;
  h.fully_masked_rows.clear();
  h.weights = RowSoftmax(h.scores, h.allowed, softmax, &h.fully_masked_rows);
  for (Eigen::Index j = 0; j < h.scores.cols(); ++j)
    for (Eigen::Index i = 0; i < h.scores.rows(); ++i)
      if (!h.allowed(i, j)) h.scores(i, j) = -std::numeric_limits<double>::infinity();
  h.output.noalias() = h.weights * V;
  h.argmax = ArgmaxPerRow(h.weights, h.allowed);
  return Status::Ok();
}

}  // namespace attnlab
