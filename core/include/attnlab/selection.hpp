// attnlab core: attention as selection and averaging (E6).
//
//   keys     k_i in R^n, i = 0..n-1, one per ROW of K (n, n); mean mu_i = u_i = e_i
//            (orthonormal), or sampled k_i ~ N(u_i, Sigma_i),
//            Sigma_i = alpha_i I + c_i u_i u_i^T, drawn as
//            k_i = u_i + sqrt(alpha_i) z + sqrt(c_i) g u_i,  z ~ N(0, I_n), g ~ N(0, 1)
//   values   v_i = e_i (V = I_n), so the output's coordinates ARE the weights:
//            o . v_a = alpha_a, and "o drifts to v_a" reads as alpha_a > alpha_b
//   one head q = log(t) (u_a + u_b)        (the mean keys: the query is fixed,
//            the keys are noisy), or a typed query
//            weights = softmax(K q)  (raw dot products, T = 1, no 1/sqrt(d))
//            o = weights V
//   two heads q1 = log(s) u_a, q2 = log(t) u_b;  o = (o1 + o2) / 2
//
// Closed form, orthonormal keys, one head: K q = log(t) (e_a + e_b), so
//   alpha_a = alpha_b = t / (2t + n - 2),  every other alpha_i = 1 / (2t + n - 2).
// Noise along u_a (c_a > 0) scales k_a . q by (1 + sqrt(c_a) g): alpha_a / alpha_b
// = t^(sqrt(c_a) g), and one head's average swings between v_a and v_b; two
// heads each select one key by a wide margin, and the mean stays near the middle.
#pragma once

#include <cstdint>
#include <vector>

#include "attnlab/dot_product_stats.hpp"
#include "attnlab/random.hpp"
#include "attnlab/matrix.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

inline constexpr int kMaxSelectionKeys = 256;
inline constexpr int kMaxSelectionSamples = 200000;

struct KeyNoise {
  double alpha = 0.0;  // isotropic variance, >= 0
  double c = 0.0;      // extra variance along the key's own direction u_i, >= 0
};

struct SelectionSpec {
  int n = 8;              // keys (and dimension), >= 2
  int a = 0, b = 1;       // the two keys to average, distinct, 0-based
  double t = 100.0;       // > 0: q = log(t) (u_a + u_b); head 2 of two
  double s = 100.0;       // > 0: head 1 of two, q1 = log(s) u_a
  bool two_heads = false;
  std::vector<KeyNoise> noise;  // (n), or empty = noiseless (orthonormal) keys
  std::vector<double> query;    // (n): a typed query for one head, or empty = log(t)(u_a + u_b)
  int samples = 2000;           // key draws for the distributions
  std::uint64_t seed = 1;
};

// Fails naming "n", "a", "b", "t", "s", "noise", "query" or "samples".
Status CheckSelectionSpec(const SelectionSpec& spec);

// t / (2t + n - 2): the weight on each of a and b for orthonormal keys.
double OrthonormalPairWeight(double t, int n);

// The head queries of `spec`: one row for one head, two rows for two (2 or 1, n).
Matrix SelectionQueries(const SelectionSpec& spec);

// One draw of the keys (n, n): the identity when spec.noise is empty.
Matrix SampleKeys(const SelectionSpec& spec, NormalSampler& normal);

struct SelectionOutcome {
  Matrix weights;   // (heads, n): one row per head, softmax(K q_h)
  RowVector output;  // (n): mean over heads of weights_h V, V = I
};
SelectionOutcome AttendOnce(const SelectionSpec& spec, const Matrix& keys);

struct SelectionRun {
  Matrix mean_keys;          // (n, n) = I
  SelectionOutcome at_mean;  // the noiseless picture (keys at their means)
  Matrix first_keys;         // (n, n) the first draw
  SelectionOutcome first;    // its outcome
  // Over `samples` draws of the keys (one head: that head's weights; two:
  // their mean, which is the output's coordinate):
  std::vector<double> alpha_a, alpha_b;  // (samples) o . v_a and o . v_b
  std::vector<double> drift;             // (samples) o.v_a - o.v_b: 0 = a fair average
  SampleMoments alpha_a_moments, alpha_b_moments, drift_moments;
  double closed_form_pair_weight = 0;  // t / (2t + n - 2): one head, orthonormal keys
};
Status SimulateSelection(const SelectionSpec& spec, SelectionRun* run);

// ---- The Selection view (E6) ---------------------------------------------
// Its settings, in a scenario file's "selection_lab" object (views/selection_view.cpp).
struct SelectionLabSettings {
  int n = 8;         // keys, orthonormal at their means
  int a = 0, b = 1;  // the pair the query averages (0-based)
  double t = 100.0;  // q = log(t) (k_a + k_b); head 2: log(t) u_b
  double s = 100.0;  // two heads: q1 = log(s) u_a
  bool two_heads = false;
  double alpha = 0.0;                    // every key: Sigma_i = alpha I + c_i u_i u_i^T
  double c_a = 0.0, c_b = 0.0, c_other = 0.0;
  std::vector<double> query;  // a typed query (n numbers); empty = log(t)(u_a + u_b)
  int samples = 2000;
  std::uint64_t seed = 1;
};
inline bool operator==(const SelectionLabSettings& a, const SelectionLabSettings& b) {
  return a.n == b.n && a.a == b.a && a.b == b.b && a.t == b.t && a.s == b.s && a.two_heads == b.two_heads &&
         a.alpha == b.alpha && a.c_a == b.c_a && a.c_b == b.c_b && a.c_other == b.c_other && a.query == b.query &&
         a.samples == b.samples && a.seed == b.seed;
}

// The spec the settings describe: noise alpha I + c u u^T on every key (c_a,
// c_b on the pair, c_other elsewhere), none at all when every variance is 0.
SelectionSpec SelectionSpecOf(const SelectionLabSettings& settings);

// The cost of the view: each draw of the keys takes n^2 + n normal numbers, and
// eval runs one head and two: at most kMaxSelectionDraws, checked when read.
inline constexpr double kMaxSelectionDraws = 4e7;
inline double SelectionDraws(const SelectionLabSettings& s) {
  return 2.0 * s.samples * (static_cast<double>(s.n) * s.n + s.n);
}

}  // namespace attnlab
