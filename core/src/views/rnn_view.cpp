// The RNN gradient view (E10) without its screen: the "rnn_lab" object of a
// scenario file, and what `attnlab eval` prints under views.rnn.
//
//   "rnn_lab": {"activation": "tanh" | "sigmoid" | "relu",
//               "w": 0.5, "a": 1, "x1": 1, "x2": 0.5, "h0": 0, "y": 0, "learning_rate": 0.1}
//
// h_t = g(w h_{t-1} + a x_t), L = 1/2 (h_2 - y)^2, one SGD step on w.
#include <cmath>

#include "attnlab/e10_lab.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/views.hpp"
#include "../json_io.hpp"

namespace attnlab {
namespace {

Status Read(const json& j, const std::string& p, ViewSettings* views) {
  Status st = CheckObject(j, p, {"activation", "w", "a", "x1", "x2", "h0", "y", "learning_rate"});
  if (!st.ok()) return st;
  RnnLabSettings lab;
  RnnInput& in = lab.in;
  if (j.contains("activation")) {
    std::string name;
    if (!(st = ReadString(j["activation"], p + ".activation", &name)).ok()) return st;
    if (!ParseActivation(name, &in.g))
      return Status::Error(p + ".activation", "expected \"tanh\", \"sigmoid\" or \"relu\", got " + j["activation"].dump());
  }
  auto finite = [](double v) { return std::isfinite(v); };
  if (!(st = Field(j, p, "w", &in.w, ReadNumber, finite, "a number")).ok() ||
      !(st = Field(j, p, "a", &in.a, ReadNumber, finite, "a number")).ok() ||
      !(st = Field(j, p, "x1", &in.x1, ReadNumber, finite, "a number")).ok() ||
      !(st = Field(j, p, "x2", &in.x2, ReadNumber, finite, "a number")).ok() ||
      !(st = Field(j, p, "h0", &in.h0, ReadNumber, finite, "a number")).ok() ||
      !(st = Field(j, p, "y", &in.y, ReadNumber, finite, "a number")).ok() ||
      !(st = Field(j, p, "learning_rate", &in.learning_rate, ReadNumber, finite, "a number")).ok())
    return st;
  if (!(st = CheckRnnLab(lab)).ok()) return st;  // names rnn_lab.<field>
  views->Set(lab);
  return Status::Ok();
}

bool Write(const ViewSettings& views, ordered_json* o) {
  const RnnLabSettings* lab = views.Find<RnnLabSettings>();
  if (!lab) return false;
  const RnnInput& in = lab->in;
  (*o)["activation"] = ActivationName(in.g);
  (*o)["w"] = in.w;
  (*o)["a"] = in.a;
  (*o)["x1"] = in.x1;
  (*o)["x2"] = in.x2;
  (*o)["h0"] = in.h0;
  (*o)["y"] = in.y;
  (*o)["learning_rate"] = in.learning_rate;
  return true;
}

const SettingsCodec kCodec{Read, Write};

Status Evaluate(const Scenario& scenario, const Result&, Report* out) {
  const RnnLabSettings* found = scenario.views.Find<RnnLabSettings>();
  const RnnLabSettings lab = found ? *found : RnnLabSettings();
  RnnLabView v;
  Status st = ComputeRnnLab(lab, &v);
  if (!st.ok()) return st;
  const RnnStep& r = v.step;
  out->AddText("activation", ActivationName(lab.in.g));
  out->AddNumber("w", lab.in.w);
  // The inputs, as the exercise gives them (practice shows them).
  out->AddNumber("a", lab.in.a);
  out->AddNumber("x1", lab.in.x1);
  out->AddNumber("x2", lab.in.x2);
  out->AddNumber("h0", lab.in.h0);
  out->AddNumber("y", lab.in.y);
  out->AddNumber("learning_rate", lab.in.learning_rate);
  out->AddNumber("z1", r.z1);
  out->AddNumber("h1", r.h1);
  out->AddNumber("z2", r.z2);
  out->AddNumber("h2", r.h2);
  out->AddNumber("loss", r.loss);
  out->AddNumber("dL_dh2", r.dL_dh2);
  out->AddNumber("g_prime_z2", r.g_prime_z2);
  out->AddNumber("g_prime_z1", r.g_prime_z1);
  out->AddNumber("dz2_dw_direct", r.dz2_dw_direct);
  out->AddNumber("dz2_dw_through_h1", r.dz2_dw_through_h1);
  out->AddNumber("dL_dw", r.dL_dw);
  out->AddNumber("dL_dw_exam", r.dL_dw_exam);
  out->AddBool("exam_formula_exact", v.exam_exact);
  out->AddNumber("finite_difference", r.finite_difference);
  out->AddNumber("finite_difference_error", std::abs(r.finite_difference - r.dL_dw));
  out->AddNumber("w_after", r.w_after);
  out->AddNumber("loss_after", r.loss_after);
  out->AddNumber("w_after_exam", lab.in.w - lab.in.learning_rate * r.dL_dw_exam);
  out->AddNumbers("curve_w", v.curve_w);
  out->AddNumbers("curve_loss", v.curve_loss);
  return Status::Ok();
}

Status CheckLimits(const Scenario& scenario) {
  const RnnLabSettings* lab = scenario.views.Find<RnnLabSettings>();
  return lab ? CheckRnnLab(*lab) : Status::Ok();
}

}  // namespace

extern const ViewModel kRnnView{
    "rnn",
    "RNN gradient (E10)",
    "E10: every factor of dL/dw for a two-step scalar RNN, checked by a finite difference, and one SGD step",
    "rnn_lab",
    &kCodec,
    Evaluate,
    CheckLimits,
    {{"h2", "h_2 = g(w g(w h_0 + a x_1) + a x_2)", {"activation", "w", "a", "x1", "x2", "h0"}},
     {"dL_dw_exam", "(h_2 - y) g'(z_2) h_1, the exam's formula (exact when h_0 = 0)", {"activation", "w", "a", "x1", "x2", "h0", "y"}},
     {"dL_dw", "(h_2 - y) g'(z_2) (h_1 + w g'(z_1) h_0)", {"activation", "w", "a", "x1", "x2", "h0", "y"}},
     {"w_after", "w - eta dL/dw", {"activation", "w", "a", "x1", "x2", "h0", "y", "learning_rate"}}},
};

}  // namespace attnlab
