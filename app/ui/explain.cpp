#include "ui/explain.hpp"

#include <cmath>
#include <string>

#include "attnlab/softmax.hpp"

namespace attnlab::ui {
namespace {

constexpr int kMaxTerms = 6;

std::string N(double v, NumberStyle style, int digits = 4) { return FormatNumber(v, style, digits); }

std::string Idx(int i, int j) { return "[" + std::to_string(i) + "][" + std::to_string(j) + "]"; }

}  // namespace

std::string ExplainProduct(const std::string& c, const std::string& a, const std::string& b, const Matrix& A,
                           const Matrix& B, int i, int k, NumberStyle style) {
  if (A.cols() != B.rows() || i < 0 || i >= A.rows() || k < 0 || k >= B.cols()) return "";
  std::string terms;
  int shown = 0;
  for (Eigen::Index m = 0; m < A.cols(); ++m) {
    if (A(i, m) == 0.0 || B(m, k) == 0.0) continue;  // zero terms say nothing
    if (shown == kMaxTerms) {
      terms += " + \u2026";
      break;
    }
    terms += (shown ? " + " : "") + N(A(i, m), style) + "\u00B7" + N(B(m, k), style);
    ++shown;
  }
  if (shown == 0) terms = "0 (every term has a zero factor)";
  double value = 0;
  for (Eigen::Index m = 0; m < A.cols(); ++m) value += A(i, m) * B(m, k);
  return c + Idx(i, k) + " = \u2211\u2098 " + a + "[" + std::to_string(i) + "][m] \u00B7 " + b + "[m][" +
         std::to_string(k) + "]\n= " + terms + "\n= " + N(value, style);
}

std::string ExplainScore(const HeadResult& h, int i, int j, NumberStyle style) {
  std::string out = ExplainProduct("(Q K\u1D40)", "Q", "K\u1D40", h.Q, h.K.transpose(), i, j, style);
  out += "\nscore s" + Idx(i, j) + " = scale \u00B7 (Q K\u1D40)" + Idx(i, j) + " = " + N(h.scale, style) + " \u00B7 " +
         N(RawScore(h, i, j), style) + " = " + N(h.scale * RawScore(h, i, j), style);
  if (!h.allowed(i, j)) out += "\nmasked: set to \u2212\u221E before the softmax, so its weight is exactly 0";
  return out;
}

std::string ExplainWeight(const HeadResult& h, double T, int i, int j, NumberStyle style) {
  std::string out = "P" + Idx(i, j) + " = " + N(h.weights(i, j), style) + "\n";
  if (!h.allowed(i, j)) return out + "masked: this query may not attend to this key, so its weight is exactly 0";
  const SoftmaxTerms t = ExplainSoftmaxRow(h.scores, h.allowed, i, T);
  out += "score s = " + N(h.scores(i, j), style) + "\n";
  if (T == 0.0) {
    out += "T = 0 (argmax): the row maximum " + N(t.row_max, style) + " is shared by " + std::to_string(t.ties) +
           (t.ties == 1 ? " key" : " keys") + "\nweight = " + (t.exps[j] > 0 ? "1/" + std::to_string(t.ties) : "0 (not a maximum)");
    return out;
  }
  const NumberStyle dec = NumberStyle::kDecimal;
  out += "row maximum m = " + N(t.row_max, style) + ",  T = " + N(T, style) + "\n";
  out += "exp((s \u2212 m) / T) = exp(" + N((h.scores(i, j) - t.row_max) / T, style) + ") = " + N(t.exps[j], dec) + "\n";
  out += "\u2211 over the row's keys = " + N(t.sum, dec) + "\n";
  out += "weight = " + N(t.exps[j], dec) + " / " + N(t.sum, dec) + " = " + N(t.exps[j] / t.sum, dec);
  return out;
}

std::string ExplainProb(const Result& r, int i, int j, NumberStyle style) {
  const SoftmaxTerms t = ExplainSoftmaxRow(r.logits, Mask(), i, 1.0);
  const NumberStyle dec = NumberStyle::kDecimal;
  return "probs" + Idx(i, j) + " = softmax(logits row " + std::to_string(i) + ")\nlogit = " + N(r.logits(i, j), style) +
         ", row maximum m = " + N(t.row_max, style) + "\nexp(logit \u2212 m) = " + N(t.exps[j], dec) +
         ",  \u2211 = " + N(t.sum, dec) + "\np = " + N(t.exps[j], dec) + " / " + N(t.sum, dec) + " = " +
         N(t.exps[j] / t.sum, dec);
}

std::string ExplainLossTerm(const Scenario& s, const LossTerm& t, NumberStyle style) {
  const std::string target = t.target < static_cast<int>(s.vocab.size()) ? s.vocab[t.target] : std::to_string(t.target);
  std::string out = "position " + std::to_string(t.position) + " (" + target + "), predicted by row " +
                    std::to_string(t.row) + "\np = probs[" + std::to_string(t.row) + "][" + target + "] = " +
                    N(t.prob, NumberStyle::kDecimal, 6) + "\n";
  if (s.loss.label_smoothing > 0) {
    out += "loss = \u2212(1 \u2212 \u03B5) log p \u2212 (\u03B5 / V) \u2211\u2c7c log p\u2c7c,  \u03B5 = " +
           N(s.loss.label_smoothing, style) + "\n= " + N(t.loss, NumberStyle::kDecimal, 6);
  } else {
    out += "\u2212log p = " + N(t.loss, NumberStyle::kDecimal, 6);
  }
  return out;
}

}  // namespace attnlab::ui
