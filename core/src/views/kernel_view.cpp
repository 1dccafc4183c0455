// The Kernel attention view (E5) without its screen: the "kernel_lab" object
// of a scenario file, and what `attnlab eval` prints under views.kernel.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "attnlab/kernel_attention.hpp"
#include "attnlab/limits.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/views.hpp"
#include "../json_io.hpp"

namespace attnlab {
namespace {

Status ReadSim(const json& j, const std::string& path, KernelSim* out) {
  std::string key;
  Status st = ReadString(j, path, &key);
  if (!st.ok()) return st;
  if (!ParseKernelSim(key, out))
    return Status::Error(path, "unknown sim \"" + key + "\" (softmax, dot, polynomial, elu, relu)");
  return Status::Ok();
}

Status Read(const json& j, const std::string& p, ViewSettings* views) {
  Status st = CheckObject(j, p, {"sim", "c", "p", "features", "seed", "causal", "step", "head", "measure_n"});
  KernelLabSettings& lab = views->Get<KernelLabSettings>();
  auto index = [](int v) { return v >= 0; };
  auto finite = [](double v) { return std::isfinite(v); };
  if (!st.ok() || !(st = Field(j, p, "sim", &lab.sim, ReadSim, Any(), "")).ok() ||
      !(st = Field(j, p, "c", &lab.c, ReadNumber, finite, "finite")).ok() ||
      !(st = Field(j, p, "p", &lab.p, ReadInt, [](int v) { return v >= 1 && v <= kMaxKernelDegree; },
                   "a degree from 1 to 8")).ok() ||
      !(st = Field(j, p, "features", &lab.features, ReadInt,
                   [](int v) { return v >= 1 && v <= kMaxRandomFeatures; }, "a count m from 1 to 4096")).ok() ||
      !(st = Field(j, p, "seed", &lab.seed, ReadSeed, Any(), "")).ok() ||
      !(st = Field(j, p, "causal", &lab.causal, ReadBool, Any(), "")).ok() ||
      !(st = Field(j, p, "step", &lab.step, ReadInt, index, ">= 0")).ok() ||
      !(st = Field(j, p, "head", &lab.head, ReadInt, index, ">= 0")).ok() ||
      !(st = Field(j, p, "measure_n", &lab.measure_n, ReadInt,
                   [](int v) { return v >= 64 && v <= kMaxKernelMeasureN; }, "from 64 to 2048")).ok())
    return st;
  return Status::Ok();
}

bool Write(const ViewSettings& views, ordered_json* o) {
  const KernelLabSettings* lab = views.Find<KernelLabSettings>();
  if (!lab) return false;
  (*o)["sim"] = KernelSimKey(lab->sim);
  (*o)["c"] = lab->c;
  (*o)["p"] = lab->p;
  (*o)["features"] = lab->features;
  (*o)["seed"] = lab->seed;
  (*o)["causal"] = lab->causal;
  (*o)["step"] = lab->step;
  (*o)["head"] = lab->head;
  (*o)["measure_n"] = lab->measure_n;
  return true;
}

const SettingsCodec kCodec{Read, Write};

Status CheckLab(const Scenario& s, const KernelLabSettings& lab, bool defaults);

Status Evaluate(const Scenario& scenario, const Result& result, Report* out) {
  if (!scenario.views.Find<KernelLabSettings>()) {
    const Status limits = CheckLab(scenario, DefaultKernelLab(scenario), true);
    if (!limits.ok()) return limits;
  }
  KernelView v;
  const Status st = ComputeKernelView(scenario, result, &v);
  if (!st.ok()) return st;
  // v is ours: its matrices move into the report (at N = 1440, sim and the
  // weights are 16 MB each; copying them was a quarter of eval's time).
  KernelAttention& k = v.forms;
  out->AddText("sim_kind", KernelSimKey(v.spec.sim));
  out->AddText("sim_formula", KernelSimFormula(v.spec.sim, v.spec.c, v.spec.p));
  out->AddInteger("head", v.head);
  out->AddBool("causal", v.spec.causal);
  out->AddInteger("N", k.N);
  out->AddInteger("N_k", k.N_k);
  out->AddInteger("D", k.D);
  out->AddInteger("M", k.M);
  // Causal: the keys after each query are not summed: null, not a similarity of 0.
  Matrix sim = std::move(k.sim), weights = std::move(k.weights);
  if (v.spec.causal) {
    sim.triangularView<Eigen::StrictlyUpper>().setConstant(std::numeric_limits<double>::quiet_NaN());
    weights.triangularView<Eigen::StrictlyUpper>().setConstant(std::numeric_limits<double>::quiet_NaN());
  }
  out->AddMatrix("sim", std::move(sim));
  out->AddNumbers("denominators", k.den);
  out->AddMatrix("weights", std::move(weights));
  out->AddMatrix("output", std::move(k.output));
  std::vector<double> bad(k.bad_rows.begin(), k.bad_rows.end());
  out->AddNumbers("bad_rows", bad);
  out->AddNumbers("sign_rows", std::vector<double>(k.sign_rows.begin(), k.sign_rows.end()));
  out->AddLabels("diagnostics", k.diagnostics);
  out->AddBool("has_linear", k.has_linear);
  out->AddText("output_linear_means", k.linear_note);
  out->AddInteger("phi_dim", static_cast<long long>(PhiDim(v.spec, k.D)));
  if (k.has_linear) {
    out->AddMatrix("phi_Q", std::move(k.phi_Q));
    out->AddMatrix("phi_K", std::move(k.phi_K));
    out->AddMatrix("S", std::move(k.S));
    out->AddNumbers("z", k.z);
    out->AddNumbers("denominators_linear", k.den_linear);
    out->AddMatrix("output_linear", std::move(k.output_linear));
    out->AddNumber("max_abs_diff", k.max_abs_diff);
    out->AddNumber("max_abs_output", k.max_abs_output);
    out->AddNumbers("linear_bad_rows", std::vector<double>(k.linear_bad_rows.begin(), k.linear_bad_rows.end()));
    out->AddInteger("max_abs_diff_rows_left_out", k.diff_rows_left_out);
    out->AddNumber("diff_tolerance", k.diff_tolerance);
    if (v.spec.causal) {
      out->AddInteger("step", v.step);
      out->AddMatrix("S_step", std::move(v.S_step));
      out->AddNumbers("z_step", v.z_step);
    }
  }
  if (!v.sweep_m.empty()) {
    Report& sweep = out->AddSection("error_vs_m");
    sweep.AddNumbers("m", v.sweep_m);
    sweep.AddNumbers("max_abs_diff", v.sweep_error);
  }
  Report& cost = out->AddSection("cost");
  cost.AddNumber("phi_row_flops", v.cost.phi_row_flops);
  cost.AddNumber("quadratic_flops", v.cost.quadratic_flops);
  cost.AddNumber("linear_flops", v.cost.linear_flops);
  cost.AddNumber("quadratic_memory", v.cost.quadratic_memory);
  cost.AddNumber("linear_memory", v.cost.linear_memory);
  cost.AddNumber("crossover_n_flops", v.crossover_flops_n);
  cost.AddNumber("crossover_n_memory", v.crossover_memory_n);
  cost.AddText("quadratic_big_o", "O(N^2 D) time, O(N^2) memory");
  cost.AddText("linear_big_o", "O(N D_phi M) time, O(D_phi M) memory");
  return Status::Ok();
}

// The counts the view adds: D_phi (which grows as D^p), what eval prints
// (sim and weights N N_k each, phi_Q and phi_K N D_phi each, S D_phi M, on top
// of the pipeline's own numbers) and the view's FLOPs (the quadratic form, both
// feature maps, the linear form, the random features' error sweep). A scenario
// without "kernel_lab" is checked with the defaults the view computes with
// (DefaultKernelLab), when the view is the scenario's; eval checks it too.
Status CheckLab(const Scenario& s, const KernelLabSettings& lab_in, bool defaults) {
  const KernelLabSettings* lab = &lab_in;
  const int heads = static_cast<int>(s.heads.size());
  if (lab->head >= heads)
    return Status::Error("kernel_lab.head", "the scenario has " + std::to_string(heads) + " head(s), 0-based; got " +
                                                std::to_string(lab->head));
  double D = 0, M = 0;
  if (s.input == InputMode::kQKV) {
    D = static_cast<double>(s.Q.cols());
    M = static_cast<double>(s.V.cols());
  } else {
    const HeadWeights& w = s.heads[static_cast<size_t>(std::min(lab->head, heads - 1))];
    const double d_model = s.input == InputMode::kX ? static_cast<double>(s.X.cols()) : static_cast<double>(s.E.cols());
    D = w.W_Q.size() ? static_cast<double>(w.W_Q.cols()) : d_model;
    M = w.W_V.size() ? static_cast<double>(w.W_V.cols()) : d_model;
  }
  const KernelSpec spec = KernelSpecOf(*lab);
  // Without "kernel_lab" the file has none of its keys: the message says the
  // numbers are the defaults' and names the object to add.
  auto named = [&](const Status& st) {
    if (st.ok() || !defaults) return st;
    return Status::Error("kernel_lab", "(no kernel_lab: the defaults sim \"" + std::string(KernelSimKey(spec.sim)) +
                                           "\", c = " + std::to_string(static_cast<int>(spec.c)) +
                                           ", p = " + std::to_string(spec.p) + ") " + st.message());
  };
  Status st = CheckKernelSpec(spec, static_cast<int>(std::min(D, 1e6)), "kernel_lab.");
  if (!st.ok()) return named(st);
  const double N = SequenceLength(s), N_k = KeyLength(s), dphi = PhiDim(spec, static_cast<int>(D));
  // eval prints the pipeline's matrices (scores, weights, ...) and this view's
  // beside them: the two together are bounded, as one view's alone is.
  const double cells = 2 * N * N_k + (N + N_k) * dphi + dphi * M + 2 * N * M;
  const double pipeline = CostOf(s).result_cells;
  if (cells + pipeline > kMaxResultCells) {
    char buf[240];
    std::snprintf(buf, sizeof buf,
                  "eval would print %.4g numbers (the pipeline's %.4g and this view's %.4g: sim, weights, phi_Q, "
                  "phi_K, S); at most %.4g",
                  cells + pipeline, pipeline, cells, kMaxResultCells);
    return named(Status::Error("kernel_lab", buf));
  }
  const double flops = KernelViewFlops(spec, N, N_k, D, M);
  if (flops > kMaxFlops) {
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "the kernel view would take %.4g FLOPs (N = %.0f queries, N_k = %.0f keys, D = %.0f, M = %.0f, "
                  "D_phi = %.0f: both forms, both feature maps%s); at most %.4g: %s",
                  flops, N, N_k, D, M, dphi, spec.sim == KernelSim::kSoftmax ? ", the error sweep" : "", kMaxFlops,
                  spec.sim == KernelSim::kSoftmax ? "fewer random features (kernel_lab.features) or smaller sizes"
                                                  : "smaller sizes or a lower degree (kernel_lab.p)");
    return named(Status::Error(spec.sim == KernelSim::kSoftmax ? "kernel_lab.features" : "kernel_lab", buf));
  }
  return Status::Ok();
}

Status CheckLimits(const Scenario& s) {
  const KernelLabSettings* lab = s.views.Find<KernelLabSettings>();
  if (lab) return CheckLab(s, *lab, false);
  if (s.view != "kernel") return Status::Ok();  // eval --view kernel checks in Evaluate
  return CheckLab(s, DefaultKernelLab(s), true);
}

}  // namespace

extern const ViewModel kKernelView{
    "kernel",
    "Kernel attention",
    "E5: kernel (linear) attention: the quadratic and the associative form side by side, feature maps, causal state, cost",
    "kernel_lab",
    &kCodec,
    Evaluate,
    CheckLimits,
    {{"sim.0.1", "sim(Q_0, K_1), e.g. (q.k + 1)^2", {"sim_formula", "^Q", "^K"}},
     {"denominators.0", "sum_j sim(Q_0, K_j) (j <= 0 when causal)", {"sim_formula", "^Q", "^K", "causal"}},
     {"weights.0.1", "sim(Q_0, K_1) / sum_j sim(Q_0, K_j)", {"sim_formula", "^Q", "^K", "causal"}},
     {"phi_dim", "D_phi: (D + 1)(D + 2) / 2 for the quadratic map", {"sim_formula", "D"}},
     {"phi_Q.0.0", "phi(Q_0)[0] = Q_00^2 for the quadratic map [x_i^2, sqrt(2) x_i x_j, sqrt(2) x_i, 1]", {"sim_formula", "^Q"}},
     {"output_linear.0.0", "phi(Q_0) S[:, 0] / phi(Q_0) . z", {"phi_Q", "S", "z"}},
     {"cost.crossover_n_flops", "the least N at which the linear form costs fewer FLOPs", {"D", "M", "phi_dim", "cost.phi_row_flops"}}},
};

}  // namespace attnlab
