// The Gradients view (issue 16; E2(b), E9 part 5) without its screen: the
// "gradients_lab" object of a scenario file (attnlab/gradients_view.hpp), and
// what `attnlab eval` prints under views.gradients.
//
// eval: `lab` (the lab's estimator, T, hard, seed), then WriteGradientsReport's
// block as the panels draw it (the lab's estimator at the lab's T:
// loss, grad_logits, grad_W_O, grad_E, heads[i].grad_W_Q ...), always with
// its `ste` (T_b = the lab's T) and `gumbel` (tau, hard, seed) blocks, then
// what the screen adds: the gradient sizes of the four estimators at the lab's
// T (the bar chart) and their norms against T (the sweep). No timings.
#include <cmath>
#include <cstdio>
#include <string>

#include "attnlab/gradients_view.hpp"
#include "attnlab/limits.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/views.hpp"
#include "../json_io.hpp"

namespace attnlab {

GradientOptions GradientOptionsFor(const GradientsLabSettings& lab, Estimator e) {
  GradientOptions o;
  o.estimator = e;
  o.temperature = e == Estimator::kArgmax ? 0.0 : lab.temperature;
  if (e == Estimator::kArgmax) o.estimator = Estimator::kSoftmax;  // softmax at T = 0 is argmax
  o.gumbel_hard = lab.hard;
  o.gumbel_seed = lab.seed;
  return o;
}

TrainOptions TrainOptionsFor(const GradientsLabSettings& lab) {
  TrainOptions o;
  o.learning_rate = lab.learning_rate;
  o.freeze_W_Q = lab.freeze_W_Q;
  o.freeze_W_K = lab.freeze_W_K;
  o.freeze_W_V = lab.freeze_W_V;
  o.freeze_W_O = lab.freeze_W_O;
  o.temperature = lab.temperature;
  o.gumbel_hard = lab.hard;
  o.seed = lab.train_seed;
  o.examples = lab.examples;
  o.max_history = lab.max_steps;
  return o;
}

std::string GradientsTooBigNote(const Scenario& s) {
  const ScenarioCost c = CostOf(s);
  if (c.attention_cells <= kMaxGradCells) return "";
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "too big for the Gradients view: %.0f attention cells (sum over heads of n x n_k; n = %.0f, %.0f head%s); "
                "the view draws and differentiates at most %.0f (256 x 256)",
                c.attention_cells, c.positions, c.heads, c.heads == 1 ? "" : "s", kMaxGradCells);
  return buf;
}

std::vector<double> GradientSweepTemperatures() {
  std::vector<double> t(kGradSweepPoints);
  for (int i = 0; i < kGradSweepPoints; ++i) t[i] = std::pow(10.0, -2.0 + 4.0 * i / (kGradSweepPoints - 1));
  return t;
}

namespace {

const char* kFreezeNames[] = {"W_Q", "W_K", "W_V", "W_O"};

bool* FreezeFlag(GradientsLabSettings& lab, int i) {
  bool* flags[] = {&lab.freeze_W_Q, &lab.freeze_W_K, &lab.freeze_W_V, &lab.freeze_W_O};
  return flags[i];
}

Status ReadEstimator(const json& j, const std::string& path, Estimator* e) {
  std::string name;
  Status st = ReadString(j, path, &name);
  if (!st.ok()) return st;
  if (!EstimatorFromName(name, e))
    return Status::Error(path, "expected \"softmax\", \"argmax\", \"straight_through\" or \"gumbel_softmax\", got \"" +
                                   name + "\"");
  return Status::Ok();
}

Status ReadTrain(const json& j, const std::string& p, GradientsLabSettings* lab) {
  Status st = CheckObject(j, p, {"learning_rate", "seed", "examples", "max_steps", "freeze"});
  if (!st.ok() ||
      !(st = Field(j, p, "learning_rate", &lab->learning_rate, ReadNumber,
                   [](double v) { return std::isfinite(v) && v >= 0 && v <= kMaxTrainLearningRate; },
                   "a number in [0, 1e6]")).ok() ||
      !(st = Field(j, p, "seed", &lab->train_seed, ReadSeed, Any(), "")).ok() ||
      !(st = Field(j, p, "examples", &lab->examples, ReadInt,
                   [](int v) { return v >= 0 && v <= kMaxTrainExamples; },
                   "0 (the scenario's own example) .. 64")).ok() ||
      !(st = Field(j, p, "max_steps", &lab->max_steps, ReadInt,
                   [](int v) { return v >= 1 && v <= kMaxTrainSteps; }, "1..100000")).ok())
    return st;
  if (j.contains("freeze")) {
    std::vector<std::string> names;
    if (!(st = ReadStringList(j["freeze"], p + ".freeze", &names)).ok()) return st;
    for (int i = 0; i < 4; ++i) *FreezeFlag(*lab, i) = false;
    for (size_t k = 0; k < names.size(); ++k) {
      int found = -1;
      for (int i = 0; i < 4; ++i)
        if (names[k] == kFreezeNames[i]) found = i;
      if (found < 0)
        return Status::Error(p + ".freeze[" + std::to_string(k) + "]",
                             "expected \"W_Q\", \"W_K\", \"W_V\" or \"W_O\", got \"" + names[k] + "\"");
      for (size_t m = 0; m < k; ++m)
        if (names[m] == names[k])
          return Status::Error(p + ".freeze[" + std::to_string(k) + "]",
                               "\"" + names[k] + "\" is already in the list (at " + std::to_string(m) + ")");
      *FreezeFlag(*lab, found) = true;
    }
  }
  return Status::Ok();
}

Status Read(const json& j, const std::string& p, ViewSettings* views) {
  Status st = CheckObject(j, p, {"estimator", "temperature", "hard", "seed", "train"});
  GradientsLabSettings lab;
  if (!st.ok() || !(st = Field(j, p, "estimator", &lab.estimator, ReadEstimator, Any(), "")).ok() ||
      !(st = Field(j, p, "temperature", &lab.temperature, ReadNumber,
                   [](double v) { return std::isfinite(v) && v >= kMinGradTemperature && v <= kMaxGradTemperature; },
                   "at least 1e-3 and at most 1e6 (T, T_b and tau; argmax is the estimator \"argmax\")")).ok() ||
      !(st = Field(j, p, "hard", &lab.hard, ReadBool, Any(), "")).ok() ||
      !(st = Field(j, p, "seed", &lab.seed, ReadSeed, Any(), "")).ok())
    return st;
  if (j.contains("train") && !(st = ReadTrain(j["train"], p + ".train", &lab)).ok()) return st;
  views->Set(lab);
  return Status::Ok();
}

bool Write(const ViewSettings& views, ordered_json* o) {
  const GradientsLabSettings* lab = views.Find<GradientsLabSettings>();
  if (!lab) return false;
  (*o)["estimator"] = EstimatorName(lab->estimator);
  (*o)["temperature"] = lab->temperature;
  (*o)["hard"] = lab->hard;
  (*o)["seed"] = lab->seed;
  ordered_json t = ordered_json::object();
  t["learning_rate"] = lab->learning_rate;
  t["seed"] = lab->train_seed;
  t["examples"] = lab->examples;
  t["max_steps"] = lab->max_steps;
  std::vector<std::string> freeze;
  GradientsLabSettings copy = *lab;
  for (int i = 0; i < 4; ++i)
    if (*FreezeFlag(copy, i)) freeze.push_back(kFreezeNames[i]);
  t["freeze"] = freeze;
  (*o)["train"] = std::move(t);
  return true;
}

const SettingsCodec kCodec{Read, Write};

const char* const kNoLossNote =
    "no loss: gradients need one (a \"loss\" with positions and targets, and an unembedding: tied to E or a "
    "matrix \"unembedding\")";

const Estimator kAll[] = {Estimator::kSoftmax, Estimator::kArgmax, Estimator::kStraightThrough,
                          Estimator::kGumbelSoftmax};

void AddNorms(const GradientNorms& n, Report* r) {
  r->AddNumber("W_Q", n.W_Q);
  r->AddNumber("W_K", n.W_K);
  r->AddNumber("W_V", n.W_V);
  r->AddNumber("W_O", n.W_O);
  r->AddNumber("E", n.E);
  r->AddNumber("logits", n.logits);
  double scores = 0;
  for (const GradientNorms::Head& h : n.heads) scores += h.scores * h.scores;
  r->AddNumber("scores", std::sqrt(scores));
}

Status Evaluate(const Scenario& scenario, const Result& result, Report* out) {
  const GradientsLabSettings* found = scenario.views.Find<GradientsLabSettings>();
  const GradientsLabSettings lab = found ? *found : GradientsLabSettings();
  // The lab's settings under their own key: the base block below writes the
  // estimator and T it was computed with (argmax: T = 0) at the top level.
  Report& settings = out->AddSection("lab");
  settings.AddText("estimator", EstimatorName(lab.estimator));
  settings.AddNumber("temperature", lab.temperature);
  settings.AddBool("hard", lab.hard);
  settings.AddInteger("seed", static_cast<long long>(lab.seed));
  // Without a loss there is nothing to differentiate: not an error of the
  // file (every view evaluates every preset), the view says what to add.
  if (!result.has_loss()) {
    out->AddText("note", kNoLossNote);
    return Status::Ok();
  }
  // Another view's scenario past the view's bound: a note, not an error (a
  // file whose own view is this one is refused by CheckLimits).
  if (const std::string big = GradientsTooBigNote(scenario); !big.empty()) {
    out->AddText("note", big);
    return Status::Ok();
  }
  // Big scenarios: the score-sized blocks of ste and gumbel (five n x n_k
  // matrices per head) and the sweep (41 backward passes) only up to a
  // lecture's size, so that eval stays as large as the Attention view's.
  double cells = 0;
  for (const HeadResult& h : result.heads) cells += static_cast<double>(h.weights.size());
  const bool extras = cells <= kMaxGradExtrasCells;
  const bool sweep_too = cells <= kMaxGradSweepCells;
  // The base block is what the panels draw: the lab's estimator at the lab's T.
  const GradientOptions base = GradientOptionsFor(lab, lab.estimator);
  GradientReportOptions ro;
  ro.base = &base;
  ro.ste = extras;
  ro.ste_temperature = lab.temperature;
  ro.gumbel = extras;
  ro.gumbel_tau = lab.temperature;
  ro.gumbel_hard = lab.hard;
  ro.gumbel_seed = lab.seed;
  Status st = WriteGradientsReport(scenario, ro, out);
  if (!st.ok()) return st;
  // The bar chart: every estimator at the lab's T.
  Report& sizes = out->AddSection("sizes");
  Gradients g;
  for (Estimator e : kAll) {
    if (!(st = ComputeGradients(scenario, GradientOptionsFor(lab, e), &g)).ok()) return st;
    Report& r = sizes.AddSection(EstimatorName(e));
    r.AddNumber("loss", g.loss);
    AddNorms(ComputeNorms(g), &r);
  }
  if (!extras) out->AddText("extras_note", "ste and gumbel blocks are left out above 512 x 512 score cells (all heads)");
  if (!sweep_too) {
    out->AddText("sweep_note", "the sweep against T is computed up to 4 heads of 64 x 64 score cells");
    return Status::Ok();
  }
  // Norms against T (softmax), log-spaced.
  std::vector<TemperaturePoint> sweep;
  GradientOptions so;
  so.estimator = Estimator::kSoftmax;
  if (!(st = SweepTemperature(scenario, so, GradientSweepTemperatures(), &sweep)).ok()) return st;
  Report& sw = out->AddSection("sweep");
  std::vector<double> t, loss, wq, wk, wv, wo;
  for (const TemperaturePoint& p : sweep) {
    t.push_back(p.temperature);
    loss.push_back(p.loss);
    wq.push_back(p.norms.W_Q);
    wk.push_back(p.norms.W_K);
    wv.push_back(p.norms.W_V);
    wo.push_back(p.norms.W_O);
  }
  sw.AddNumbers("temperatures", t);
  sw.AddNumbers("loss", loss);
  sw.AddNumbers("W_Q", wq);
  sw.AddNumbers("W_K", wk);
  sw.AddNumbers("W_V", wv);
  sw.AddNumbers("W_O", wo);
  return Status::Ok();
}

// The counts the view adds: generated examples and the steps (= the history).
Status CheckLimits(const Scenario& scenario) {
  if (scenario.view == "gradients") {
    if (const std::string big = GradientsTooBigNote(scenario); !big.empty()) {
      const char* input = scenario.heads.size() > 1          ? "heads"
                          : scenario.input == InputMode::kTokens ? "tokens"
                          : scenario.input == InputMode::kX      ? "X"
                                                                 : "Q";
      return Status::Error(input, big + ": use fewer positions or heads, or another view");
    }
  }
  const GradientsLabSettings* lab = scenario.views.Find<GradientsLabSettings>();
  if (!lab) return Status::Ok();
  if (lab->examples < 0 || lab->examples > kMaxTrainExamples)
    return Status::Error("gradients_lab.train.examples", "at most " + std::to_string(kMaxTrainExamples) + ", got " +
                                                              std::to_string(lab->examples));
  if (lab->max_steps < 1 || lab->max_steps > kMaxTrainSteps)
    return Status::Error("gradients_lab.train.max_steps", "1.." + std::to_string(kMaxTrainSteps) + ", got " +
                                                               std::to_string(lab->max_steps));
  if (!(lab->temperature >= kMinGradTemperature) || !(lab->temperature <= kMaxGradTemperature))
    return Status::Error("gradients_lab.temperature",
                         "at least 1e-3 and at most 1e6 (argmax is the estimator \"argmax\"), got " +
                             std::to_string(lab->temperature));
  return Status::Ok();
}

}  // namespace

extern const ViewModel kGradientsView{
    "gradients",
    "Gradients",
    "E2(b), E9 part 5: dL/dscores and dL/dW under softmax, argmax (zero), straight-through and Gumbel-softmax; "
    "a live training loop where argmax stays stuck",
    "gradients_lab",
    &kCodec,
    Evaluate,
    CheckLimits,
    {{"heads.0.grad_scores", "dL/dscores = (1/T) P * (dL/dP - rowsum(dL/dP * P))", {"^weights", "heads.0.grad_weights", "temperature"}, 1e-3},
     {"heads.0.grad_weights", "dL/dP = dL/dZ V^T", {"grad_Z", "^V"}, 1e-3},
     {"heads.0.grad_W_V", "dL/dW_V = X^T P^T dL/dZ", {"^X", "^weights", "grad_Z"}, 1e-3},
     {"grad_W_O", "dL/dW_O = Z^T dL/dR", {"^output", "grad_R"}, 1e-3},
     {"grad_logits", "dL/dlogits = probs - onehot(target) on the scored rows", {"^probs", "^loss_terms"}, 1e-3}},
};

}  // namespace attnlab
