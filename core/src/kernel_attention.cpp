// Kernel (linear) attention (E5): the feature maps, both forms, the causal
// state, the denominators' diagnostic and the cost model (kernel_attention.hpp).
#include "attnlab/kernel_attention.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "attnlab/random.hpp"

namespace attnlab {
namespace {

std::string Num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// C(n, k) as a double (exact while it fits 53 bits; large values only get refused).
double Binomial(double n, double k) {
  double r = 1;
  for (int i = 1; i <= static_cast<int>(k); ++i) r = r * (n - k + i) / i;
  return std::round(r);
}

// x^p for an integer p >= 1 by squaring: a handful of multiplications where
// std::pow costs a log and an exp (the quadratic form calls it N^2 times).
inline double IntPow(double x, int p) {
  double r = 1;
  for (; p > 0; p >>= 1, x *= x)
    if (p & 1) r *= x;
  return r;
}

bool HasMap(const KernelSpec& s) { return !(s.sim == KernelSim::kPolynomial && s.c < 0); }

// The multi-indices of the polynomial map as lists of p variable indices
// (0..D-1 the coordinates, D the constant sqrt(c)), in the order phi lists them.
std::vector<std::vector<int>> PolynomialTerms(int D, int p) {
  std::vector<std::vector<int>> terms;
  if (p == 2) {  // E5's order: squares, cross terms, linear terms, the constant
    for (int i = 0; i < D; ++i) terms.push_back({i, i});
    for (int i = 0; i < D; ++i)
      for (int j = i + 1; j < D; ++j) terms.push_back({i, j});
    for (int i = 0; i < D; ++i) terms.push_back({i, D});
    terms.push_back({D, D});
    return terms;
  }
  std::vector<int> idx(static_cast<size_t>(p), 0);
  while (true) {
    terms.push_back(idx);
    int k = p - 1;
    while (k >= 0 && idx[static_cast<size_t>(k)] == D) --k;
    if (k < 0) break;
    const int v = idx[static_cast<size_t>(k)] + 1;
    for (int t = k; t < p; ++t) idx[static_cast<size_t>(t)] = v;
  }
  return terms;
}

// sqrt(p! / prod a_i!) for a nondecreasing index list.
double TermCoefficient(const std::vector<int>& term) {
  double lg = std::lgamma(static_cast<double>(term.size()) + 1);
  for (size_t a = 0; a < term.size();) {
    size_t b = a;
    while (b < term.size() && term[b] == term[a]) ++b;
    lg -= std::lgamma(static_cast<double>(b - a) + 1);
    a = b;
  }
  return std::sqrt(std::round(std::exp(lg)));
}

Status CheckFinite(const Matrix& m, const char* name) {
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      if (!std::isfinite(m(i, j)))
        return Status::Error(name, "(" + std::to_string(i) + ", " + std::to_string(j) + ") is " + Num(m(i, j)) +
                                       "; every entry must be finite");
  return Status::Ok();
}

double PairSim(const KernelSpec& spec, const Eigen::Ref<const RowVector>& q, const Eigen::Ref<const RowVector>& k,
               double inv_sqrt_d) {
  switch (spec.sim) {
    case KernelSim::kSoftmax: return std::exp(q.dot(k) * inv_sqrt_d);
    case KernelSim::kDot: return q.dot(k);
    case KernelSim::kPolynomial: return IntPow(q.dot(k) + spec.c, spec.p);
    case KernelSim::kElu: {
      double s = 0;
      for (Eigen::Index t = 0; t < q.size(); ++t)
        s += (q(t) > 0 ? q(t) + 1 : std::exp(q(t))) * (k(t) > 0 ? k(t) + 1 : std::exp(k(t)));
      return s;
    }
    case KernelSim::kRelu: {
      double s = 0;
      for (Eigen::Index t = 0; t < q.size(); ++t) s += std::max(q(t), 0.0) * std::max(k(t), 0.0);
      return s;
    }
  }
  return 0;
}

}  // namespace

std::string KernelRowsText(const std::vector<int>& rows) {
  std::string t = rows.size() == 1 ? "row " : "rows ";
  for (size_t k = 0; k < rows.size() && k < 12; ++k) t += (k ? ", " : "") + std::to_string(rows[k]);
  if (rows.size() > 12) t += ", \u2026 (" + std::to_string(rows.size()) + " rows)";
  return t;
}

const char* KernelSimKey(KernelSim sim) {
  switch (sim) {
    case KernelSim::kSoftmax: return "softmax";
    case KernelSim::kDot: return "dot";
    case KernelSim::kPolynomial: return "polynomial";
    case KernelSim::kElu: return "elu";
    case KernelSim::kRelu: return "relu";
  }
  return "?";
}

bool ParseKernelSim(const std::string& key, KernelSim* out) {
  for (KernelSim s : kKernelSims)
    if (key == KernelSimKey(s)) {
      *out = s;
      return true;
    }
  return false;
}

std::string KernelSimFormula(KernelSim sim, double c, int p) {
  switch (sim) {
    case KernelSim::kSoftmax: return "exp(q\u00B7k / \u221AD)";
    case KernelSim::kDot: return "q\u00B7k";
    case KernelSim::kPolynomial:
      return "(q\u00B7k " + std::string(c < 0 ? "\u2212 " : "+ ") + Num(std::abs(c)) + ")^" + std::to_string(p);
    case KernelSim::kElu: return "\u03C6(q)\u00B7\u03C6(k), \u03C6 = elu + 1";
    case KernelSim::kRelu: return "\u03C6(q)\u00B7\u03C6(k), \u03C6 = ReLU";
  }
  return "";
}

double PhiDim(const KernelSpec& spec, int D) {
  switch (spec.sim) {
    case KernelSim::kSoftmax: return spec.features;
    case KernelSim::kDot:
    case KernelSim::kElu:
    case KernelSim::kRelu: return D;
    case KernelSim::kPolynomial: return spec.c < 0 ? 0 : Binomial(D + spec.p, spec.p);
  }
  return 0;
}

Status CheckKernelSpec(const KernelSpec& spec, int D, const std::string& prefix) {
  if (spec.sim == KernelSim::kPolynomial && (spec.p < 1 || spec.p > kMaxKernelDegree))
    return Status::Error(prefix + "p", "the degree must be from 1 to " + std::to_string(kMaxKernelDegree) + ", got " +
                                           std::to_string(spec.p));
  if (!std::isfinite(spec.c)) return Status::Error(prefix + "c", "must be finite");
  if (spec.features < 1 || spec.features > kMaxRandomFeatures)
    return Status::Error(prefix + "features", "m must be from 1 to " + std::to_string(kMaxRandomFeatures) + ", got " +
                                                  std::to_string(spec.features));
  const double dim = PhiDim(spec, D);
  if (dim > kMaxPhiDim)
    return Status::Error(prefix + (spec.sim == KernelSim::kPolynomial ? "p" : "sim"),
                         "the feature map of D = " + std::to_string(D) + " has D_phi = " + Num(dim) +
                             " features; at most " + Num(kMaxPhiDim) + " (a lower degree p, or a smaller d_k)");
  return Status::Ok();
}

RowVector PolynomialFeatures(const RowVector& x, double c, int p) {
  const int D = static_cast<int>(x.size());
  const std::vector<std::vector<int>> terms = PolynomialTerms(D, p);
  RowVector out(static_cast<Eigen::Index>(terms.size()));
  const double root_c = std::sqrt(std::max(c, 0.0));
  for (size_t t = 0; t < terms.size(); ++t) {
    double v = TermCoefficient(terms[t]);
    for (int i : terms[t]) v *= i == D ? root_c : x(i);
    out(static_cast<Eigen::Index>(t)) = v;
  }
  return out;
}

Status FeatureMap(const KernelSpec& spec, const Matrix& X, Matrix* out, FeatureShift shift) {
  const int D = static_cast<int>(X.cols());
  const Eigen::Index n = X.rows();
  switch (spec.sim) {
    case KernelSim::kDot: *out = X; break;
    case KernelSim::kElu: *out = X.unaryExpr([](double v) { return v > 0 ? v + 1 : std::exp(v); }); break;
    case KernelSim::kRelu: *out = X.cwiseMax(0.0); break;
    case KernelSim::kPolynomial: {
      if (spec.c < 0) return Status::Error("kernel_lab.c", "(q.k + c)^p with c < 0 has no real feature map of this form");
      const std::vector<std::vector<int>> terms = PolynomialTerms(D, spec.p);
      std::vector<double> coef(terms.size());
      for (size_t t = 0; t < terms.size(); ++t) coef[t] = TermCoefficient(terms[t]);
      const double root_c = std::sqrt(spec.c);
      out->resize(n, static_cast<Eigen::Index>(terms.size()));
      for (Eigen::Index r = 0; r < n; ++r)
        for (size_t t = 0; t < terms.size(); ++t) {
          double v = coef[t];
          for (int i : terms[t]) v *= i == D ? root_c : X(r, i);
          (*out)(r, static_cast<Eigen::Index>(t)) = v;
        }
      break;
    }
    case KernelSim::kSoftmax: {
      const int m = spec.features;
      Matrix W(m, D);
      NormalSampler rng(spec.seed);
      for (int r = 0; r < m; ++r)
        for (int c = 0; c < D; ++c) W(r, c) = rng.Next();
      const double s = 1.0 / std::sqrt(std::sqrt(static_cast<double>(D)));  // x' = x / D^(1/4)
      const Matrix Xs = X * s;
      Matrix proj = Xs * W.transpose();  // (n, m)
      const double norm = 1.0 / std::sqrt(static_cast<double>(m));
      // The exponents w_r.x' - |x'|^2 / 2, less the stabiliser's constant.
      double global = -std::numeric_limits<double>::infinity();
      for (Eigen::Index r = 0; r < n; ++r) {
        const double half = 0.5 * Xs.row(r).squaredNorm();
        if (shift == FeatureShift::kRow) {
          proj.row(r).array() -= proj.row(r).maxCoeff();  // the row's constant exp(-|x'|^2/2) cancels too
        } else {
          proj.row(r).array() -= half;
          global = std::max(global, proj.row(r).maxCoeff());
        }
      }
      if (shift == FeatureShift::kGlobal && std::isfinite(global)) proj.array() -= global;
      proj = (proj.array().exp() * norm).matrix();
      *out = std::move(proj);
      break;
    }
  }
  return Status::Ok();
}

void CausalState(const Matrix& phi_K, const Matrix& V, int i, Matrix* S, RowVector* z) {
  const int rows = std::clamp(i + 1, 0, static_cast<int>(phi_K.rows()));
  *S = phi_K.topRows(rows).transpose() * V.topRows(rows);
  *z = phi_K.topRows(rows).colwise().sum();
}

Status ComputeKernelAttention(const KernelSpec& spec, const Matrix& Q, const Matrix& K, const Matrix& V,
                              KernelAttention* out) {
  *out = KernelAttention();
  if (Q.rows() < 1 || Q.cols() < 1) return Status::Error("Q", "needs at least one row and one column");
  if (K.cols() != Q.cols())
    return Status::Error("K", "has " + std::to_string(K.cols()) + " columns; Q has " + std::to_string(Q.cols()));
  if (V.rows() != K.rows())
    return Status::Error("V", "has " + std::to_string(V.rows()) + " rows; K has " + std::to_string(K.rows()));
  if (K.rows() < 1 || V.cols() < 1) return Status::Error("V", "needs at least one row and one column");
  Status st;
  if (!(st = CheckFinite(Q, "Q")).ok() || !(st = CheckFinite(K, "K")).ok() || !(st = CheckFinite(V, "V")).ok()) return st;
  const int N = static_cast<int>(Q.rows()), N_k = static_cast<int>(K.rows()), D = static_cast<int>(Q.cols()),
            M = static_cast<int>(V.cols());
  if (spec.causal && N != N_k)
    return Status::Error("kernel_lab.causal", "causal attention needs as many keys as queries (" + std::to_string(N) +
                                                  " queries, " + std::to_string(N_k) + " keys)");
  if (!(st = CheckKernelSpec(spec, D, "kernel_lab.")).ok()) return st;
  out->N = N;
  out->N_k = N_k;
  out->D = D;
  out->M = M;

  // ---- quadratic form: A pair by pair (elu, relu: phi(q).phi(k) as one sum) ----
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(D));
  out->sim = Matrix::Zero(N, N_k);
  Matrix raw_scores;
  if (spec.sim == KernelSim::kSoftmax || spec.sim == KernelSim::kDot || spec.sim == KernelSim::kPolynomial)
    raw_scores = Q * K.transpose();
  for (int i = 0; i < N; ++i) {
    const int end = spec.causal ? i + 1 : N_k;
    // softmax: A_ij = exp(s_ij - max_j s_ij) (DESIGN.md): the row's constant
    // cancels in the weights, the largest A_ij is 1, and exp cannot overflow.
    const double row_max = spec.sim == KernelSim::kSoftmax ? raw_scores.row(i).head(end).maxCoeff() : 0;
    for (int j = 0; j < end; ++j) {
      double a;
      if (raw_scores.size()) {
        const double qk = raw_scores(i, j);
        a = spec.sim == KernelSim::kSoftmax ? std::exp((qk - row_max) * inv_sqrt_d)
            : spec.sim == KernelSim::kDot   ? qk
                                            : IntPow(qk + spec.c, spec.p);
      } else {
        a = PairSim(spec, Q.row(i), K.row(j), inv_sqrt_d);
      }
      if (!std::isfinite(a))
        return Status::Error("sim", "sim(Q_" + std::to_string(i) + ", K_" + std::to_string(j) + ") = " + Num(a) +
                                        " overflows a double (smaller Q, K, or another sim)");
      out->sim(i, j) = a;
    }
  }
  out->den = out->sim.rowwise().sum().transpose();
  const RowVector abs_sum = out->sim.cwiseAbs().rowwise().sum().transpose();

  // ---- which rows' denominators cannot be trusted ----
  int positive = 0, negative = 0;
  for (int i = 0; i < N; ++i) {
    if (out->den(i) > 0) ++positive;
    if (out->den(i) < 0) ++negative;
  }
  const double majority = negative > positive ? -1.0 : 1.0;
  std::vector<int> zero_rows, sign_rows, cancel_rows, near_rows;
  std::vector<bool> bad(static_cast<size_t>(N), false);
  for (int i = 0; i < N; ++i) {
    const double d = out->den(i);
    if (d == 0 || !std::isfinite(d)) {
      zero_rows.push_back(i);
    } else if (abs_sum(i) > kKernelCancellation * std::abs(d)) {
      cancel_rows.push_back(i);
    } else {
      // Finite and trusted: a sign against the majority's, or a denominator
      // much smaller than its terms, is a warning; the row's output stands.
      if (d * majority < 0) sign_rows.push_back(i);
      if (abs_sum(i) > kKernelNearCancellation * std::abs(d)) near_rows.push_back(i);
      out->conditioning = std::max(out->conditioning, abs_sum(i) / std::abs(d));
      continue;
    }
    bad[static_cast<size_t>(i)] = true;
    out->bad_rows.push_back(i);
  }
  out->sign_rows = sign_rows;
  std::sort(out->bad_rows.begin(), out->bad_rows.end());
  if (!zero_rows.empty())
    out->diagnostics.push_back(KernelRowsText(zero_rows) +
                               " (0-based): the denominator sum_j sim(Q_i, K_j) is 0; V'_i is undefined (null)");
  if (!cancel_rows.empty())
    out->diagnostics.push_back(KernelRowsText(cancel_rows) +
                               " (0-based): the denominator nearly cancels (sum_j |sim| > 1e8 |sum_j sim|); V'_i "
                               "blows up (null)");
  if (!sign_rows.empty())
    out->diagnostics.push_back("warning: " + KernelRowsText(sign_rows) + " (0-based): the denominator is " +
                               (majority > 0 ? "negative" : "positive") +
                               " where most rows' is not: it changed sign, so between rows it passes through 0 "
                               "(the row's own output is finite and kept)");
  if (!near_rows.empty())
    out->diagnostics.push_back("warning: " + KernelRowsText(near_rows) +
                               " (0-based): the denominator is small against its terms (sum_j |sim| > 10 |sum_j "
                               "sim|); V'_i is sensitive to round-off in sim");

  const double nan = std::numeric_limits<double>::quiet_NaN();
  out->weights.resize(N, N_k);
  for (int i = 0; i < N; ++i) {
    if (bad[static_cast<size_t>(i)]) {
      out->weights.row(i).setConstant(nan);
    } else {
      out->weights.row(i) = out->sim.row(i) / out->den(i);
    }
  }
  out->output = out->weights * V;  // NaN rows stay NaN
  for (int i = 0; i < N; ++i)
    if (!bad[static_cast<size_t>(i)]) out->max_abs_output = std::max(out->max_abs_output, out->output.row(i).cwiseAbs().maxCoeff());
  out->diff_tolerance = 1e-12 * out->conditioning * V.cwiseAbs().maxCoeff();

  // ---- linear form ----
  out->has_linear = HasMap(spec);
  switch (spec.sim) {
    case KernelSim::kSoftmax:
      out->linear_note = "positive random features (m = " + std::to_string(spec.features) + ", seed " +
                         std::to_string(spec.seed) +
                         "): an estimate of softmax attention; max_abs_diff is its error, O(1/sqrt(m))";
      break;
    case KernelSim::kDot: out->linear_note = "phi(x) = x: exact, the difference is round-off"; break;
    case KernelSim::kPolynomial:
      out->linear_note = spec.c < 0 ? "c < 0: (q.k + c)^p has no real feature map of this form; no linear form"
                                    : "the explicit degree-" + std::to_string(spec.p) +
                                          " map: exact, the difference is round-off";
      break;
    case KernelSim::kElu: out->linear_note = "phi(x) = elu(x) + 1: exact, the difference is round-off"; break;
    case KernelSim::kRelu: out->linear_note = "phi(x) = max(x, 0): exact, the difference is round-off"; break;
  }
  if (!out->has_linear) return Status::Ok();
  if (!(st = FeatureMap(spec, Q, &out->phi_Q, FeatureShift::kRow)).ok() ||
      !(st = FeatureMap(spec, K, &out->phi_K, FeatureShift::kGlobal)).ok())
    return st;
  if (!(st = CheckFinite(out->phi_Q, "phi_Q")).ok() || !(st = CheckFinite(out->phi_K, "phi_K")).ok())
    return Status::Error(st.field(), st.message() + " (the feature map overflows: smaller Q, K)");
  out->S = out->phi_K.transpose() * V;
  out->z = out->phi_K.colwise().sum();
  out->den_linear.resize(N);
  out->output_linear.resize(N, M);
  if (spec.causal) {  // the RNN: one outer product a step
    const int dphi = static_cast<int>(out->phi_K.cols());
    Matrix S = Matrix::Zero(dphi, M);
    RowVector z = RowVector::Zero(dphi);
    for (int i = 0; i < N; ++i) {
      S.noalias() += out->phi_K.row(i).transpose() * V.row(i);
      z += out->phi_K.row(i);
      const double d = out->phi_Q.row(i).dot(z);
      out->den_linear(i) = d;
      out->output_linear.row(i) = (out->phi_Q.row(i) * S) / d;
    }
  } else {
    const Matrix num = out->phi_Q * out->S;
    out->den_linear = (out->phi_Q * out->z.transpose()).transpose();
    for (int i = 0; i < N; ++i) out->output_linear.row(i) = num.row(i) / out->den_linear(i);
  }
  // A row the linear form cannot compute (random features whose phi(Q_i).z
  // underflowed to 0) is null in output_linear only: the exact quadratic
  // output and weights stand. max_abs_diff leaves it out, and says so.
  for (int i = 0; i < N; ++i) {
    if (bad[static_cast<size_t>(i)]) {
      out->output_linear.row(i).setConstant(nan);
      continue;
    }
    if (!out->output_linear.row(i).allFinite()) {
      out->output_linear.row(i).setConstant(nan);
      out->linear_bad_rows.push_back(i);
      continue;
    }
    out->max_abs_diff = std::max(out->max_abs_diff, (out->output.row(i) - out->output_linear.row(i)).cwiseAbs().maxCoeff());
  }
  if (!out->linear_bad_rows.empty())
    out->diagnostics.push_back(KernelRowsText(out->linear_bad_rows) +
                               " (0-based): the linear form is not finite there (phi(Q_i).z is 0, or phi(Q_i) S "
                               "overflows): output_linear is null (the quadratic output stands), and max_abs_diff leaves " +
                               std::string(out->linear_bad_rows.size() == 1 ? "it" : "them") + " out");
  out->diff_rows_left_out = static_cast<int>(out->linear_bad_rows.size());
  return Status::Ok();
}

Status RandomFeatureErrors(const KernelSpec& spec, const Matrix& Q, const Matrix& K, const Matrix& V,
                           const Matrix& output, const std::vector<int>& bad_rows, std::vector<double>* m,
                           std::vector<double>* error) {
  m->clear();
  error->clear();
  if (spec.sim != KernelSim::kSoftmax) return Status::Ok();
  const double N = static_cast<double>(Q.rows()), N_k = static_cast<double>(K.rows()), D = static_cast<double>(Q.cols()),
               M = static_cast<double>(V.cols());
  std::vector<bool> bad(static_cast<size_t>(Q.rows()), false);
  for (int r : bad_rows) bad[static_cast<size_t>(r)] = true;
  double spent = 0;
  for (int count = 1; count <= kMaxRandomFeatures; count *= 2) {
    const double cost = kErrorSweepSeeds * (2 * (N + N_k) * count * D + 4 * (N + N_k) * count * M);
    if (count > 1 && spent + cost > kMaxErrorSweepFlops) break;
    spent += cost;
    double sum = 0;
    int draws = 0;
    for (int seed = 0; seed < kErrorSweepSeeds; ++seed) {
    KernelSpec s = spec;
    s.features = count;
    s.seed = spec.seed + static_cast<std::uint64_t>(seed);
    Matrix pq, pk;
    Status st;
    if (!(st = FeatureMap(s, Q, &pq, FeatureShift::kRow)).ok() || !(st = FeatureMap(s, K, &pk, FeatureShift::kGlobal)).ok())
      return st;
    Matrix out(Q.rows(), V.cols());
    if (s.causal) {
      Matrix S = Matrix::Zero(pk.cols(), V.cols());
      RowVector z = RowVector::Zero(pk.cols());
      for (Eigen::Index i = 0; i < Q.rows(); ++i) {
        S.noalias() += pk.row(i).transpose() * V.row(i);
        z += pk.row(i);
        out.row(i) = (pq.row(i) * S) / pq.row(i).dot(z);
      }
    } else {
      const Matrix S = pk.transpose() * V;
      const RowVector z = pk.colwise().sum();
      for (Eigen::Index i = 0; i < Q.rows(); ++i) out.row(i) = (pq.row(i) * S) / pq.row(i).dot(z);
    }
    double worst = 0;
    for (Eigen::Index i = 0; i < Q.rows() && std::isfinite(worst); ++i) {
      if (bad[static_cast<size_t>(i)]) continue;
      // (std::max(worst, NaN) is worst: a NaN row would be dropped silently)
      const auto diff = (out.row(i) - output.row(i)).eval();
      worst = diff.allFinite() ? std::max(worst, diff.cwiseAbs().maxCoeff()) : std::numeric_limits<double>::quiet_NaN();
    }
    if (!std::isfinite(worst)) continue;  // a feature map that underflowed to 0 everywhere: no estimate this draw
    sum += worst;
    ++draws;
    }
    if (draws == 0) continue;
    m->push_back(count);
    error->push_back(sum / draws);
  }
  return Status::Ok();
}

// ---- cost ----

double PhiRowFlops(const KernelSpec& spec, int D) {
  switch (spec.sim) {
    case KernelSim::kDot: return 0;
    case KernelSim::kElu:
    case KernelSim::kRelu: return D;
    case KernelSim::kPolynomial: return spec.c < 0 ? 0 : spec.p * PhiDim(spec, D);
    // x' = x / D^(1/4) (D), |x'|^2 / 2 (2D), W x' (2 m D), less the constant and exp (2m), / sqrt(m) (m)
    case KernelSim::kSoftmax: return 2.0 * spec.features * D + 3.0 * D + 3.0 * spec.features;
  }
  return 0;
}

KernelCost CountKernelCost(const KernelSpec& spec, double N, int D, int M) {
  KernelCost c;
  c.N = N;
  c.D = D;
  c.M = M;
  c.phi_dim = PhiDim(spec, D);
  c.phi_row_flops = PhiRowFlops(spec, D);
  const double NN = N * N;
  const bool pairwise_phi = spec.sim == KernelSim::kElu || spec.sim == KernelSim::kRelu;
  const double sim = pairwise_phi ? 2 * NN * c.phi_dim + 2 * N * c.phi_row_flops : 2 * NN * D;
  // The elementwise sim, by the feature map's rule (a multiply, an add, a function 1 FLOP each):
  // softmax the scale 1/sqrt(D) and exp (2); polynomial the add of c and p - 1 multiplies (p).
  const double elementwise = spec.sim == KernelSim::kSoftmax      ? 2 * NN
                             : spec.sim == KernelSim::kPolynomial ? spec.p * NN
                                                                  : 0;
  c.quadratic_flops = sim + elementwise + 2 * NN + NN + 2 * NN * M;
  c.quadratic_memory = NN + N;
  if (c.phi_dim > 0) {
    c.linear_flops = 2 * N * c.phi_row_flops + 2 * N * c.phi_dim * M + 2 * N * c.phi_dim + 2 * N * c.phi_dim * M +
                     2 * N * c.phi_dim + N * M;
    c.linear_memory = c.phi_dim * M + 2 * c.phi_dim;
  }
  return c;
}

double CrossoverFlopsN(const KernelSpec& spec, int D, int M) {
  if (PhiDim(spec, D) <= 0) return 0;
  // quadratic = a N^2 + b N, linear = l N: the least integer N with a N + b > l.
  const KernelCost one = CountKernelCost(spec, 1, D, M), two = CountKernelCost(spec, 2, D, M);
  const double a = (two.quadratic_flops - 2 * one.quadratic_flops) / 2, b = one.quadratic_flops - a;
  const double l = one.linear_flops;
  if (a <= 0) return 0;
  const double n = std::floor((l - b) / a) + 1;
  return std::max(1.0, n);
}

double CrossoverMemoryN(const KernelSpec& spec, int D, int M) {
  if (PhiDim(spec, D) <= 0) return 0;
  const double lin = CountKernelCost(spec, 1, D, M).linear_memory;  // N^2 + N > lin
  double n = std::floor((-1 + std::sqrt(1 + 4 * lin)) / 2);
  while (n * n + n <= lin) ++n;
  while (n > 1 && (n - 1) * (n - 1) + (n - 1) > lin) --n;
  return std::max(1.0, n);
}

Status TimeKernelForms(const KernelSpec& spec, int N, int D, int M, int reps, double* quadratic_seconds,
                       double* linear_seconds, const std::atomic<bool>* cancel) {
  auto cancelled = [cancel] { return cancel && cancel->load(); };
  const Status stop = Status::Error("kernel_lab.measure", "cancelled");
  if (N < 1 || N > kMaxKernelMeasureN)
    return Status::Error("kernel_lab.measure_n", "from 1 to " + std::to_string(kMaxKernelMeasureN));
  Status st = CheckKernelSpec(spec, D, "kernel_lab.");
  if (!st.ok()) return st;
  NormalSampler rng(spec.seed + 7);
  Matrix Q(N, D), K(N, D), V(N, M);
  const double s = 0.5 / std::sqrt(std::sqrt(static_cast<double>(D)));
  for (Matrix* m : {&Q, &K, &V})
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = s * rng.Next();
  using Clock = std::chrono::steady_clock;
  double best_q = std::numeric_limits<double>::infinity(), best_l = best_q;
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(D));
  volatile double sink = 0;
  for (int r = 0; r < std::max(1, reps); ++r) {
    if (cancelled()) return stop;
    // quadratic: A = sim(Q K^T), den, weights V (the engine's products, as the view's forms)
    auto t0 = Clock::now();
    {
      Matrix A;
      if (spec.sim == KernelSim::kElu || spec.sim == KernelSim::kRelu) {
        Matrix pq, pk;
        FeatureMap(spec, Q, &pq);
        FeatureMap(spec, K, &pk);
        A = pq * pk.transpose();
      } else {
        A = Q * K.transpose();
        if (spec.sim == KernelSim::kSoftmax) {
          A *= inv_sqrt_d;
          A = (A.colwise() - A.rowwise().maxCoeff()).array().exp().matrix();
        }
        if (spec.sim == KernelSim::kPolynomial) {
          const double c = spec.c;
          const int p = spec.p;
          A = A.unaryExpr([c, p](double v) { return IntPow(v + c, p); });
        }
      }
      if (spec.causal) A.triangularView<Eigen::StrictlyUpper>().setZero();
      const Eigen::VectorXd den = A.rowwise().sum();
      const Matrix out = (A * V).array().colwise() / den.array();
      sink = sink + out(0, 0);
    }
    best_q = std::min(best_q, std::chrono::duration<double>(Clock::now() - t0).count());
    if (cancelled()) return stop;
    t0 = Clock::now();
    {
      Matrix pq, pk;
      if (!(st = FeatureMap(spec, Q, &pq, FeatureShift::kRow)).ok() ||
          !(st = FeatureMap(spec, K, &pk, FeatureShift::kGlobal)).ok())
        return st;
      Matrix out(N, M);
      if (spec.causal) {
        Matrix S = Matrix::Zero(pk.cols(), M);
        RowVector z = RowVector::Zero(pk.cols());
        for (int i = 0; i < N; ++i) {
          S.noalias() += pk.row(i).transpose() * V.row(i);
          z += pk.row(i);
          out.row(i).noalias() = pq.row(i) * S;
          out.row(i) /= pq.row(i).dot(z);
        }
      } else {
        const Matrix S = pk.transpose() * V;
        const Eigen::VectorXd z = pk.colwise().sum().transpose();
        out = (pq * S).array().colwise() / (pq * z).array();
      }
      sink = sink + out(0, 0);
    }
    best_l = std::min(best_l, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  *quadratic_seconds = best_q;
  *linear_seconds = best_l;
  return Status::Ok();
}

}  // namespace attnlab
