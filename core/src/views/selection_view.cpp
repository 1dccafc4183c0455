// The Selection view (E6) without its screen: the "selection_lab" object of a
// scenario file, and what `attnlab eval` prints under views.selection.
#include <cmath>
#include <cstdio>

#include "attnlab/scenario.hpp"
#include "attnlab/selection.hpp"
#include "attnlab/views.hpp"
#include "../json_io.hpp"
#include "moments_report.hpp"

namespace attnlab {
namespace {

Status Read(const json& j, const std::string& p, ViewSettings* views) {
  Status st = CheckObject(j, p, {"n", "a", "b", "t", "s", "two_heads", "alpha", "c_a", "c_b", "c_other", "query",
                                 "samples", "seed"});
  SelectionLabSettings& lab = views->Get<SelectionLabSettings>();
  auto index = [](int v) { return v >= 0; };
  auto positive = [](double v) { return v > 0 && std::isfinite(v); };
  auto variance = [](double v) { return v >= 0 && std::isfinite(v); };
  if (!st.ok() ||
      !(st = Field(j, p, "n", &lab.n, ReadInt, [](int v) { return v >= 2 && v <= 256; }, "from 2 to 256")).ok() ||
      !(st = Field(j, p, "a", &lab.a, ReadInt, index, ">= 0")).ok() ||
      !(st = Field(j, p, "b", &lab.b, ReadInt, index, ">= 0")).ok() ||
      !(st = Field(j, p, "t", &lab.t, ReadNumber, positive, "> 0")).ok() ||
      !(st = Field(j, p, "s", &lab.s, ReadNumber, positive, "> 0")).ok() ||
      !(st = Field(j, p, "two_heads", &lab.two_heads, ReadBool, Any(), "")).ok() ||
      !(st = Field(j, p, "alpha", &lab.alpha, ReadNumber, variance, ">= 0 (a variance)")).ok() ||
      !(st = Field(j, p, "c_a", &lab.c_a, ReadNumber, variance, ">= 0 (a variance)")).ok() ||
      !(st = Field(j, p, "c_b", &lab.c_b, ReadNumber, variance, ">= 0 (a variance)")).ok() ||
      !(st = Field(j, p, "c_other", &lab.c_other, ReadNumber, variance, ">= 0 (a variance)")).ok() ||
      !(st = Field(j, p, "query", &lab.query, ReadNumberList, Any(), "")).ok() ||
      !(st = Field(j, p, "samples", &lab.samples, ReadInt, [](int v) { return v >= 1 && v <= 200000; },
                   "from 1 to 200000")).ok() ||
      !(st = Field(j, p, "seed", &lab.seed, ReadSeed, Any(), "")).ok())
    return st;
  if (lab.a >= lab.n) return Status::Error(p + ".a", "must be below n = " + std::to_string(lab.n));
  if (lab.b >= lab.n) return Status::Error(p + ".b", "must be below n = " + std::to_string(lab.n));
  if (lab.a == lab.b) return Status::Error(p + ".b", "must differ from a");
  if (!lab.query.empty() && static_cast<int>(lab.query.size()) != lab.n)
    return Status::Error(p + ".query", "expected n = " + std::to_string(lab.n) + " numbers, got " +
                                           std::to_string(lab.query.size()));
  return Status::Ok();
}

bool Write(const ViewSettings& views, ordered_json* o) {
  const SelectionLabSettings* c = views.Find<SelectionLabSettings>();
  if (!c) return false;
  (*o)["n"] = c->n;
  (*o)["a"] = c->a;
  (*o)["b"] = c->b;
  (*o)["t"] = c->t;
  (*o)["s"] = c->s;
  (*o)["two_heads"] = c->two_heads;
  (*o)["alpha"] = c->alpha;
  (*o)["c_a"] = c->c_a;
  (*o)["c_b"] = c->c_b;
  (*o)["c_other"] = c->c_other;
  if (!c->query.empty()) (*o)["query"] = c->query;
  (*o)["samples"] = c->samples;
  (*o)["seed"] = c->seed;
  return true;
}

const SettingsCodec kCodec{Read, Write};

// One configuration (one head, or two) over the same draws of the keys.
Status AddRun(Report& r, const char* name, SelectionSpec spec) {
  SelectionRun run;
  const Status st = SimulateSelection(spec, &run);
  if (!st.ok()) return Status::Error("selection_lab." + st.field(), st.message());
  Report& s = r.AddSection(name);
  s.AddMatrix("weights_at_mean", run.at_mean.weights);  // (head, key)
  s.AddNumbers("output_at_mean", run.at_mean.output);
  s.AddNumber("alpha_a_at_mean", run.at_mean.output(spec.a));
  s.AddNumber("alpha_b_at_mean", run.at_mean.output(spec.b));
  AddMoments(s, "alpha_a", run.alpha_a_moments);
  AddMoments(s, "alpha_b", run.alpha_b_moments);
  AddMoments(s, "drift", run.drift_moments);  // o.v_a - o.v_b over the draws
  return Status::Ok();
}

Status Evaluate(const Scenario& scenario, const Result&, Report* out) {
  const SelectionLabSettings* found = scenario.views.Find<SelectionLabSettings>();
  const SelectionLabSettings lab = found ? *found : SelectionLabSettings();
  SelectionSpec spec = SelectionSpecOf(lab);
  out->AddInteger("n", lab.n);
  out->AddInteger("a", lab.a);
  out->AddInteger("b", lab.b);
  out->AddNumber("t", lab.t);
  out->AddInteger("samples", lab.samples);
  out->AddInteger("heads_shown", lab.two_heads ? 2 : 1);  // the screen shows this run
  out->AddNumber("closed_form_pair_weight", OrthonormalPairWeight(lab.t, lab.n));  // t / (2t + n - 2)
  spec.two_heads = false;
  Status st = AddRun(*out, "one_head", spec);
  if (!st.ok()) return st;
  spec.two_heads = true;
  return AddRun(*out, "two_heads", spec);
}

Status CheckLimits(const Scenario& scenario) {
  const SelectionLabSettings* lab = scenario.views.Find<SelectionLabSettings>();
  if (!lab || SelectionDraws(*lab) <= kMaxSelectionDraws) return Status::Ok();
  char cost[96];
  std::snprintf(cost, sizeof cost, "%.3g random numbers to draw; at most %.3g", SelectionDraws(*lab), kMaxSelectionDraws);
  return Status::Error("selection_lab", std::string(cost) + " (lower samples and n)");
}

}  // namespace

extern const ViewModel kSelectionView{
    "selection",
    "Selection",
    "E6: attention as selection and averaging; noisy keys, one head against two",
    "selection_lab",
    &kCodec,
    Evaluate,
    CheckLimits,
    {{"closed_form_pair_weight", "alpha_a = alpha_b = t / (2t + n - 2) for orthonormal keys", {"n", "t"}},
     {"one_head.output_at_mean", "o = softmax(K q) V at the keys' means", {"n", "a", "b", "t"}}},
};

}  // namespace attnlab
