// The Scaling view (E1) without its screen: the "scaling_lab" object of a
// scenario file, and what `attnlab eval` prints under views.scaling.
#include <cstdio>

#include "attnlab/scaling.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/views.hpp"
#include "../json_io.hpp"
#include "moments_report.hpp"

namespace attnlab {
namespace {

Status Read(const json& j, const std::string& p, ViewSettings* views) {
  Status st = CheckObject(j, p, {"d", "mu", "mu_components", "sigma", "samples", "max_d", "keys", "seed"});
  ScalingLabSettings& lab = views->Get<ScalingLabSettings>();
  auto dim = [](int v) { return v >= 1 && v <= 65536; };
  if (!st.ok() || !(st = Field(j, p, "d", &lab.d, ReadInt, dim, "from 1 to 65536")).ok() ||
      !(st = Field(j, p, "mu", &lab.mu, ReadNumber, Any(), "")).ok() ||
      !(st = Field(j, p, "mu_components", &lab.mu_components, ReadNumberList, Any(), "")).ok() ||
      !(st = Field(j, p, "sigma", &lab.sigma, ReadNumber, [](double v) { return v >= 0; }, ">= 0")).ok() ||
      !(st = Field(j, p, "samples", &lab.samples, ReadInt, [](int v) { return v >= 2 && v <= 1000000; },
                   "from 2 to 1000000")).ok() ||
      !(st = Field(j, p, "max_d", &lab.max_d, ReadInt, dim, "from 1 to 65536")).ok() ||
      !(st = Field(j, p, "keys", &lab.keys, ReadInt, [](int v) { return v >= 1 && v <= 4096; }, "from 1 to 4096"))
           .ok() ||
      !(st = Field(j, p, "seed", &lab.seed, ReadSeed, Any(), "")).ok())
    return st;
  if (!lab.mu_components.empty() && static_cast<int>(lab.mu_components.size()) != lab.d)
    return Status::Error(p + ".mu_components", "expected d = " + std::to_string(lab.d) + " numbers, got " +
                                                   std::to_string(lab.mu_components.size()));
  return Status::Ok();
}

bool Write(const ViewSettings& views, ordered_json* o) {
  const ScalingLabSettings* c = views.Find<ScalingLabSettings>();
  if (!c) return false;
  (*o)["d"] = c->d;
  (*o)["mu"] = c->mu;
  if (!c->mu_components.empty()) (*o)["mu_components"] = c->mu_components;
  (*o)["sigma"] = c->sigma;
  (*o)["samples"] = c->samples;
  (*o)["max_d"] = c->max_d;
  (*o)["keys"] = c->keys;
  (*o)["seed"] = c->seed;
  return true;
}

const SettingsCodec kCodec{Read, Write};

Status Evaluate(const Scenario& scenario, const Result&, Report* out) {
  const ScalingLabSettings* found = scenario.views.Find<ScalingLabSettings>();
  const ScalingLabSettings lab = found ? *found : ScalingLabSettings();
  ScalingView v;
  const Status st = ComputeScalingView(lab, &v);
  if (!st.ok()) return st.field().empty() ? st : Status::Error("scaling_lab." + st.field(), st.message());
  out->AddInteger("d", lab.d);
  out->AddNumber("sigma", lab.sigma);
  if (lab.mu_components.empty()) {
    out->AddNumber("mu", lab.mu);
  } else {
    out->AddNumbers("mu", lab.mu_components);
  }
  out->AddInteger("seed", static_cast<long long>(lab.seed));
  AddMoments(*out, "raw", v.samples.raw_moments);
  AddMoments(*out, "scaled", v.samples.scaled_moments);
  Report& cf = out->AddSection("closed_form");
  cf.AddNumber("mean", v.samples.closed_form.mean);
  cf.AddNumber("variance", v.samples.closed_form.variance);
  cf.AddNumber("scaled_mean", v.samples.closed_form.scaled_mean);
  cf.AddNumber("scaled_variance", v.samples.closed_form.scaled_variance);
  Report& var = out->AddSection("variance_curve");
  var.AddNumbers("d", v.variance.dims);
  var.AddNumbers("raw", v.variance.raw_variance);
  var.AddNumbers("scaled", v.variance.scaled_variance);
  var.AddNumbers("raw_closed", v.variance.raw_closed);
  var.AddNumbers("scaled_closed", v.variance.scaled_closed);
  var.AddInteger("samples_per_d", kScalingCurveSamples);
  Report& sat = out->AddSection("saturation");
  sat.AddNumbers("d", v.saturation.dims);
  sat.AddNumbers("raw_max_weight", v.saturation.raw_max_weight);
  sat.AddNumbers("scaled_max_weight", v.saturation.scaled_max_weight);
  sat.AddInteger("keys", lab.keys);
  sat.AddInteger("trials_per_d", kScalingSaturationTrials);
  return Status::Ok();
}

Status CheckLimits(const Scenario& scenario) {
  const ScalingLabSettings* lab = scenario.views.Find<ScalingLabSettings>();
  if (!lab || ScalingDraws(*lab) <= kMaxScalingDraws) return Status::Ok();
  char cost[96];
  std::snprintf(cost, sizeof cost, "%.3g random numbers to draw; at most %.3g", ScalingDraws(*lab), kMaxScalingDraws);
  return Status::Error("scaling_lab", std::string(cost) + " (lower samples, d, max_d and keys)");
}

}  // namespace

extern const ViewModel kScalingView{
    "scaling",
    "Scaling",
    "E1: Monte-Carlo q.k and q.k / sqrt(d) beside their closed forms; variance and saturation against d",
    "scaling_lab",
    &kCodec,
    Evaluate,
    CheckLimits,
    {{"closed_form.mean", "E[q.k] = ||mu||^2", {"d", "sigma", "mu"}},
     {"closed_form.variance", "Var[q.k] = d sigma^4 + 2 sigma^2 ||mu||^2", {"d", "sigma", "mu"}},
     {"closed_form.scaled_variance", "Var[q.k / sqrt(d)] = Var[q.k] / d", {"d", "sigma", "mu"}}},
};

}  // namespace attnlab
