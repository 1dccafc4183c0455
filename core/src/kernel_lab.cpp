// The Kernel attention view's numbers (E5) from a scenario: one head's Q, K, V
// of the attention pipeline through both forms, the causal state at the chosen
// step, and the cost model at the scenario's sizes.
#include <algorithm>
#include <cmath>
#include <string>

#include "attnlab/kernel_attention.hpp"
#include "attnlab/scenario.hpp"

namespace attnlab {

bool operator==(const KernelLabSettings& a, const KernelLabSettings& b) {
  return a.sim == b.sim && a.c == b.c && a.p == b.p && a.features == b.features && a.seed == b.seed &&
         a.causal == b.causal && a.step == b.step && a.head == b.head && a.measure_n == b.measure_n;
}

KernelSpec KernelSpecOf(const KernelLabSettings& lab) {
  KernelSpec s;
  s.sim = lab.sim;
  s.c = lab.c;
  s.p = lab.p;
  s.features = lab.features;
  s.seed = lab.seed;
  s.causal = lab.causal;
  return s;
}

KernelLabSettings DefaultKernelLab(const Scenario& s) {
  KernelLabSettings lab;
  lab.causal = s.attention.mask.kind == MaskKind::kCausal && SequenceLength(s) == KeyLength(s);
  return lab;
}

double KernelViewFlops(const KernelSpec& spec, double N, double N_k, double D, double M) {
  const double dphi = PhiDim(spec, static_cast<int>(std::min(D, 1e6)));
  const double row = PhiRowFlops(spec, static_cast<int>(std::min(D, 1e6)));
  const bool pairwise_phi = spec.sim == KernelSim::kElu || spec.sim == KernelSim::kRelu;
  const double NN = N * N_k;
  const double sim = pairwise_phi ? 2 * NN * dphi + (N + N_k) * row : 2 * NN * D + NN * (spec.p + 2);
  const double quadratic = sim + 2 * NN + 2 * NN * M;       // den, weights, weights V
  const double maps = (N + N_k) * row;                     // random features: 2 m D each row and the exps
  const double linear = 2 * N_k * dphi * M + 2 * N_k * dphi + 2 * N * dphi * M + 2 * N * dphi + N * M;
  const double sweep = spec.sim == KernelSim::kSoftmax ? kMaxErrorSweepFlops : 0;
  return quadratic + maps + linear + sweep;
}

Status ComputeKernelView(const Scenario& s, const Result& r, KernelView* out) {
  const KernelLabSettings* found = s.views.Find<KernelLabSettings>();
  const KernelLabSettings lab = found ? *found : DefaultKernelLab(s);
  if (lab.head < 0 || lab.head >= static_cast<int>(r.heads.size()))
    return Status::Error("kernel_lab.head", "the scenario has " + std::to_string(r.heads.size()) +
                                                " head(s), 0-based; got " + std::to_string(lab.head));
  const HeadResult& h = r.heads[static_cast<size_t>(lab.head)];
  out->spec = KernelSpecOf(lab);
  out->head = lab.head;
  const std::string prefix = r.heads.size() > 1 ? "heads[" + std::to_string(lab.head) + "]." : "";
  Status st = ComputeKernelAttention(out->spec, h.Q, h.K, h.V, &out->forms);
  if (!st.ok()) {
    const std::string f = st.field();
    if (f == "Q" || f == "K" || f == "V") return Status::Error(prefix + f, st.message());
    return st;
  }
  const KernelAttention& k = out->forms;
  out->step = std::clamp(lab.step, 0, k.N - 1);
  if (out->spec.causal && k.has_linear) CausalState(k.phi_K, h.V, out->step, &out->S_step, &out->z_step);
  if (!(st = RandomFeatureErrors(out->spec, h.Q, h.K, h.V, k.output, k.bad_rows, &out->sweep_m, &out->sweep_error)).ok())
    return st;
  out->cost = CountKernelCost(out->spec, k.N, k.D, k.M);
  out->crossover_flops_n = CrossoverFlopsN(out->spec, k.D, k.M);
  out->crossover_memory_n = CrossoverMemoryN(out->spec, k.D, k.M);
  out->row_labels.clear();
  out->key_labels.clear();
  // Tokens label the rows whenever there is one per query (in Q, K, V mode too, as labels).
  const bool tokens = static_cast<int>(s.tokens.size()) == k.N;
  for (int i = 0; i < k.N; ++i) out->row_labels.push_back(tokens ? s.tokens[static_cast<size_t>(i)] : std::to_string(i));
  if (!s.kv_tokens.empty() && static_cast<int>(s.kv_tokens.size()) == k.N_k) {
    out->key_labels = s.kv_tokens;
  } else if (tokens && k.N_k == k.N) {
    out->key_labels = out->row_labels;
  } else {
    for (int j = 0; j < k.N_k; ++j) out->key_labels.push_back(std::to_string(j));
  }
  return Status::Ok();
}

}  // namespace attnlab
