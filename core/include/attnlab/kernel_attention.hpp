// attnlab core: kernel (linear) attention beside the quadratic form (E5).
//
// Generalized attention, one head, row-vector convention (row = position):
//
//   Q (N, D), K (N_k, D), V (N_k, M)
//   sim(q, k) >= 0 ideally; V'_i = sum_j sim(Q_i, K_j) V_j / sum_j sim(Q_i, K_j)
//
// Quadratic form (what softmax attention does):
//   A = [sim(Q_i, K_j)]                 (N, N_k)    causal: j <= i only (the rest 0, unused)
//   den_i = sum_j A_ij                  (N)
//   weights = A / den                   (N, N_k)    row i divided by den_i
//   output = weights V                  (N, M)
//
// Linear (associative) form, when sim(q, k) = phi(q) . phi(k):
//   phi(Q) (N, D_phi), phi(K) (N_k, D_phi)
//   S = phi(K)^T V                      (D_phi, M)
//   z = phi(K)^T 1                      (D_phi)
//   output_linear_i = phi(Q_i) S / phi(Q_i) . z          (N, M)
//   causal, as an RNN with state (S_i, z_i):
//     S_i = S_{i-1} + phi(K_i)^T V_i,   z_i = z_{i-1} + phi(K_i),   S_{-1} = 0, z_{-1} = 0
//     output_linear_i = phi(Q_i) S_i / phi(Q_i) . z_i
//
// The similarities (D = d_k of the head):
//   softmax      exp(q.k / sqrt(D)). No finite feature map: the linear form uses
//                positive random features (FAVOR+), m of them, seeded:
//                  x' = x / D^(1/4),  w_r ~ N(0, I_D) (NormalSampler(seed), row r of W (m, D))
//                  phi(x)_r = exp(w_r . x' - |x'|^2 / 2) / sqrt(m)
//                so E[phi(q) . phi(k)] = exp(q'.k') = exp(q.k / sqrt(D)) (the Gaussian's
//                moment generating function: E exp(w.(a + b)) = exp(|a + b|^2 / 2)).
//                output_linear is then an estimate, max_abs_diff its error: it shrinks
//                like 1 / sqrt(m) (the ratio estimator is biased, O(1/m)).
//   dot          q.k, its own feature map phi(x) = x (D_phi = D). Can be 0 or < 0.
//   polynomial   (q.k + c)^p, integer p >= 1. With c >= 0 an exact map:
//                x~ = (x_1..x_D, sqrt(c)); phi(x) = sqrt(multinomial(p; a)) prod x~^a over
//                the multi-indices a of D + 1 variables with |a| = p, D_phi = C(D + p, p).
//                p = 2 lists them in E5's order: [x_1^2..x_D^2, sqrt(2) x_i x_j (i < j,
//                i major), sqrt(2c) x_1..sqrt(2c) x_D, c], D_phi = (D + 1)(D + 2) / 2, so
//                phi(q).phi(k) = (q.k + c)^2 (E5: c = 1). Other p: the multi-indices as
//                nondecreasing index lists (0..D, D = the constant) in lexicographic order.
//                c < 0: no real map of this form; the linear form is not computed.
//                Odd p: sim can be < 0.
//   elu          phi(x) = elu(x) + 1 (x + 1 for x > 0, exp(x) else), D_phi = D; sim = phi(q).phi(k) > 0.
//   relu         phi(x) = max(x, 0), D_phi = D; sim = phi(q).phi(k) >= 0, 0 when the
//                positive parts do not overlap (a vanishing denominator).
// For elu and relu the quadratic form computes A_ij = phi(Q_i).phi(K_j) pair by pair.
//
// Denominators (E5(a)): V'_i is finite only when den_i != 0. A row is flagged
// ("bad") when den_i == 0 or is not finite, or when it cancels:
// sum_j |A_ij| > kKernelCancellation |den_i| (more than 8 digits lost; the
// output is then as large as noise / den_i). Flagged rows are NaN in weights,
// output and output_linear (null in eval; the screen hatches them) and named,
// 0-based, in the diagnostics. A finite denominator whose sign differs from
// the sign most rows have (`sign_rows`: between those rows it passes through
// 0), or that is small against its terms (sum_j |A_ij| > kKernelNearCancellation
// |den_i|), is a named warning; its row is kept.
// A row whose linear form fails alone (random features: phi(Q_i).z underflows)
// is NaN in output_linear only (`linear_bad_rows`), left out of max_abs_diff.
//
// Cost (CountKernelCost; 1 multiply-add = 2 FLOP; a sum is a product with a ones
// vector; division and elementwise functions 1 FLOP each; C_phi = FLOPs of phi of one row):
//   quadratic  2 N N_k D  (Q K^T; elu/relu: 2 N N_k D_phi + (N + N_k) C_phi)
//            + e N N_k    (the elementwise sim by the same rule as C_phi: softmax e = 2, the
//                          scale 1/sqrt(D) and exp; polynomial e = p, the add of c and
//                          p - 1 multiplies; 0 for dot, elu, relu)
//            + 2 N N_k    (den = A 1) + N N_k (weights = A / den) + 2 N N_k M (weights V)
//            memory N N_k + N numbers (A and den)                       O(N^2 D), O(N^2)
//   linear     (N + N_k) C_phi + 2 N_k D_phi M (S) + 2 N_k D_phi (z)
//            + 2 N D_phi M (phi(Q) S) + 2 N D_phi (phi(Q) z) + N M (divide)
//            memory D_phi M + D_phi + D_phi (S, z, one row of phi at a time)  O(N D_phi M), O(D_phi M)
//   C_phi: dot 0 (phi(x) = x); elu, relu D; polynomial p D_phi (p - 1 products of
//          the factors and one by the coefficient, per feature); random features
//          D (x' = x / D^(1/4)) + 2 m D (W x') + 2 D (|x'|^2 / 2) + 2 m (subtract,
//          exp) + m (1 / sqrt(m)).
//   The crossover N (N_k = N): the least N at which the linear form costs fewer
//   FLOPs; with the degree-2 map and M ~ D, E5's O(N D^3) against O(N^2 D): N ~ D^2.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "attnlab/matrix.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

enum class KernelSim { kSoftmax, kDot, kPolynomial, kElu, kRelu };
inline constexpr KernelSim kKernelSims[] = {KernelSim::kSoftmax, KernelSim::kDot, KernelSim::kPolynomial,
                                            KernelSim::kElu, KernelSim::kRelu};
const char* KernelSimKey(KernelSim sim);   // "softmax", "dot", "polynomial", "elu", "relu"
bool ParseKernelSim(const std::string& key, KernelSim* out);
std::string KernelSimFormula(KernelSim sim, double c, int p);  // "(q.k + 1)^2"

struct KernelSpec {
  KernelSim sim = KernelSim::kPolynomial;
  double c = 1.0;
  int p = 2;
  int features = 64;       // m, random features (softmax)
  std::uint64_t seed = 1;  // of the random features
  bool causal = false;
};

inline constexpr double kKernelCancellation = 1e8;
inline constexpr double kKernelNearCancellation = 10;  // a warning only
inline constexpr int kMaxKernelDegree = 8;
inline constexpr int kMaxRandomFeatures = 4096;
inline constexpr double kMaxPhiDim = 4096;  // D_phi: phi(Q), phi(K) at N = 2048 are 64 MiB each

// D_phi of the linear form (0 when there is none: polynomial with c < 0);
// as a double, since C(D + p, p) overflows an int long before it is refused.
double PhiDim(const KernelSpec& spec, int D);
// Fails naming "<prefix>p", "<prefix>features" or "<prefix>sim" (D_phi past kMaxPhiDim, with the numbers).
Status CheckKernelSpec(const KernelSpec& spec, int D, const std::string& prefix);

// The feature map applied to each row of X (n, D) -> (n, D_phi). Random
// features draw W (m, D) from the seed.
// `shift` (random features only) is FAVOR+'s stabiliser: kRow subtracts each
// row's max_r w_r.x' in the exponent (for phi(Q)), kGlobal one constant, the
// largest exponent of all rows (for phi(K)). Both cancel in the linear form's
// ratio, and keep exp from overflowing or underflowing to 0 for large |x|;
// kNone is the unbiased estimate phi(q).phi(k) ~ exp(q.k / sqrt(D)).
enum class FeatureShift { kNone, kRow, kGlobal };
Status FeatureMap(const KernelSpec& spec, const Matrix& X, Matrix* out, FeatureShift shift = FeatureShift::kNone);
// The explicit polynomial map of one vector (test hook): (q.k + c)^p = phi(q).phi(k).
RowVector PolynomialFeatures(const RowVector& x, double c, int p);

// "row 3" / "rows 0, 4, 7" / "rows 0, ..., 11, ... (40 rows)": at most 12 listed.
std::string KernelRowsText(const std::vector<int>& rows);

struct KernelAttention {
  int N = 0, N_k = 0, D = 0, M = 0;
  bool has_linear = false;  // false: no feature map (polynomial c < 0); `linear_note` says why
  std::string linear_note;  // what output_linear means for this sim
  Matrix sim;               // A (N, N_k); causal: 0 above the diagonal; softmax: exp(s_ij - max_j s_ij)
  RowVector den;            // (N) sum_j A_ij
  Matrix weights, output;   // (N, N_k), (N, M); bad rows NaN
  Matrix phi_Q, phi_K;      // (N, D_phi), (N_k, D_phi); random features stabilised (FeatureShift kRow, kGlobal)
  Matrix S;                 // (D_phi, M): phi(K)^T V, all keys
  RowVector z;              // (D_phi)
  RowVector den_linear;     // (N) phi(Q_i) . z (causal: . z_i)
  Matrix output_linear;     // (N, M); bad rows NaN
  double max_abs_diff = 0;  // max |output - output_linear| over the good rows
  double max_abs_output = 0;
  std::vector<int> bad_rows;             // 0-based: null in weights, output, output_linear
  std::vector<int> sign_rows;            // a warning: the denominator's sign is the minority's (kept)
  std::vector<int> linear_bad_rows;      // null in output_linear only
  int diff_rows_left_out = 0;            // rows max_abs_diff leaves out (linear_bad_rows)
  double conditioning = 0;               // max_i sum_j |A_ij| / |den_i| over the kept rows (1 for A >= 0)
  double diff_tolerance = 0;             // 1e-12 conditioning max|V|: an exact map's round-off
  std::vector<std::string> diagnostics;  // naming the rows
};

// Both forms on Q, K, V. Fails naming "Q", "K" or "V" (shapes, a non-finite
// entry), "sim" when a similarity overflows, or the spec's fields.
Status ComputeKernelAttention(const KernelSpec& spec, const Matrix& Q, const Matrix& K, const Matrix& V,
                              KernelAttention* out);

// The causal state after step i: S_i (D_phi, M) and z_i (D_phi), from phi(K), V.
void CausalState(const Matrix& phi_K, const Matrix& V, int i, Matrix* S, RowVector* z);

// The random features' error against their count (softmax only): for m = 1, 2,
// 4, ... up to kMaxRandomFeatures, max |output - output_linear(m)| over the rows
// not in `bad_rows` against the exact `output`, averaged over kErrorSweepSeeds
// draws (seeds seed, seed + 1, ...: one draw's curve is too noisy to show a slope). The
// sweep stops once its FLOPs (about (N + N_k) m D + N m M per point) pass
// kMaxErrorSweepFlops, so it stays a few milliseconds at any N.
inline constexpr double kMaxErrorSweepFlops = 2e8;
inline constexpr int kErrorSweepSeeds = 8;
Status RandomFeatureErrors(const KernelSpec& spec, const Matrix& Q, const Matrix& K, const Matrix& V,
                           const Matrix& output, const std::vector<int>& bad_rows, std::vector<double>* m,
                           std::vector<double>* error);

// ---- the cost model ----
struct KernelCost {
  double N = 0, D = 0, M = 0, phi_dim = 0, phi_row_flops = 0;
  double quadratic_flops = 0, linear_flops = 0;
  double quadratic_memory = 0, linear_memory = 0;  // numbers held
};
double PhiRowFlops(const KernelSpec& spec, int D);
// Self-attention sizes (N_k = N).
KernelCost CountKernelCost(const KernelSpec& spec, double N, int D, int M);
// The least N >= 1 at which the linear form's FLOPs (memory) are below the
// quadratic form's; 0 when there is no linear form.
double CrossoverFlopsN(const KernelSpec& spec, int D, int M);
double CrossoverMemoryN(const KernelSpec& spec, int D, int M);

// Seconds for each form at N (random Q, K, V of widths D, M, seeded), best of
// `reps`. For the "measure" button only: never in eval or pictures. `cancel`
// (may be null) is read before each rep and each form: once set, it returns
// an error "cancelled" within one form's time.
Status TimeKernelForms(const KernelSpec& spec, int N, int D, int M, int reps, double* quadratic_seconds,
                       double* linear_seconds, const std::atomic<bool>* cancel = nullptr);
inline constexpr int kMaxKernelMeasureN = 2048;

// ---- the Kernel attention view (E5) ----

struct Scenario;
struct Result;

// The "kernel_lab" object of a scenario file (views/kernel_view.cpp).
struct KernelLabSettings {
  KernelSim sim = KernelSim::kPolynomial;
  double c = 1.0;
  int p = 2;
  int features = 64;
  std::uint64_t seed = 1;
  bool causal = false;
  int step = 0;        // the causal step whose state S_i is shown (0-based; clamped)
  int head = 0;        // the attention head whose Q, K, V are used
  int measure_n = 2048;  // "measure" times N = 64, 128, ... up to this
};
bool operator==(const KernelLabSettings& a, const KernelLabSettings& b);
inline bool operator!=(const KernelLabSettings& a, const KernelLabSettings& b) { return !(a == b); }
KernelSpec KernelSpecOf(const KernelLabSettings& lab);
// The settings a scenario without "kernel_lab" gets: the defaults, causal when
// the scenario's own mask is (the view has its own switch: other masks are not
// kernel attention's, and are not used).
KernelLabSettings DefaultKernelLab(const Scenario& s);

struct KernelView {
  KernelAttention forms;
  KernelSpec spec;
  int head = 0, step = 0;
  Matrix S_step;           // causal: S_step (D_phi, M)
  RowVector z_step;
  KernelCost cost;         // at the scenario's N, D, M
  double crossover_flops_n = 0, crossover_memory_n = 0;
  std::vector<std::string> row_labels, key_labels;  // tokens, else "0".."N-1"
  std::vector<double> sweep_m, sweep_error;         // softmax: RandomFeatureErrors
};

// The FLOPs ComputeKernelView spends at these sizes: the quadratic form
// (sim, weights, output), phi(Q) and phi(K) (random features: 2 (N + N_k) m D
// for the projections), the linear form, and the error sweep's ceiling.
double KernelViewFlops(const KernelSpec& spec, double N, double N_k, double D, double M);

// Fails naming "kernel_lab.<field>" or the pipeline's field.
Status ComputeKernelView(const Scenario& s, const Result& r, KernelView* out);

}  // namespace attnlab
