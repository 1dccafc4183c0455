// The Gradients view (issue 16; E2(b), E9 part 5): every gradient of the
// Attention view's pipeline as a diverging heatmap beside its matrix, with
// "read the maths" on hover; softmax, argmax (zero through the scores, and
// why), straight-through and Gumbel-softmax side by side under one T control,
// the hard=True path drawn out; the gradients' sizes and their norms against
// T; and a live training loop (play, pause, step, reset) in which argmax's
// W_Q and W_K stay flat. Maths in core/gradients.hpp; this file only draws.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "attnlab/format.hpp"
#include "attnlab/gradients.hpp"
#include "attnlab/gradients_view.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "ui/panels.hpp"
#include "ui/presentation.hpp"
#include "ui/theme.hpp"
#include "ui/view_gradients.hpp"
#include "ui/views.hpp"
#include "widgets/heatmap.hpp"
#include "widgets/heatmap_svg.hpp"
#include "widgets/plot.hpp"

namespace attnlab::ui {

int GradEstimatorIndex(Estimator e) {
  for (size_t i = 0; i < kGradEstimators.size(); ++i)
    if (kGradEstimators[i] == e) return static_cast<int>(i);
  return 0;
}

namespace {

const char* kEstimatorTitles[] = {"softmax", "argmax", "straight-through", "Gumbel-softmax"};
const ImVec4 kNoteColor(0.95f, 0.70f, 0.20f, 1.0f);

// The model part of a scenario: what a training run starts from.
Scenario ModelOf(const Scenario& s) {
  Scenario m = s;
  m.views = ViewSettings();
  m.presentation.clear();
  m.title.clear();
  m.name.clear();
  m.notes.clear();
  m.solution.clear();
  m.view.clear();
  return m;
}

bool SameTrainingSetup(const GradientsLabSettings& a, const GradientsLabSettings& b) {
  return a.examples == b.examples && a.train_seed == b.train_seed && a.max_steps == b.max_steps;
}

}  // namespace

void SyncTrainer(const Scenario& scenario, GradientsViewCache* c) {
  const GradientsLabSettings* found = scenario.views.Find<GradientsLabSettings>();
  const GradientsLabSettings lab = found ? *found : GradientsLabSettings();
  const TrainOptions options = TrainOptionsFor(lab);
  // Past the view's bound: no run (a step would cost more than a frame).
  if (const std::string big = GradientsTooBigNote(scenario); !big.empty()) {
    c->trained_from = ModelOf(scenario);
    c->trained_lab = lab;
    c->playing = false;
    c->trainer_ready = false;
    c->train_status = Status::Error("gradients_lab", big);
    return;
  }
  if (c->trainer_ready && SameTrainingSetup(lab, c->trained_lab) && c->trained_from == ModelOf(scenario)) {
    if (!(lab == c->trained_lab)) {
      c->trainer.SetOptions(options);
      c->trained_lab = lab;
    }
    return;
  }
  // A new model, examples or seed: a new run (and a failed one stays failed
  // until the scenario changes again).
  if (!c->trainer_ready && c->trained_from == ModelOf(scenario) && SameTrainingSetup(lab, c->trained_lab) &&
      !c->train_status.ok())
    return;
  c->trained_from = ModelOf(scenario);
  c->trained_lab = lab;
  c->playing = false;
  c->train_status = c->trainer.Reset(scenario, options);
  c->trainer_ready = c->train_status.ok();
}

int TrainSteps(GradientsViewCache* c, int max_steps, double budget_ms) {
  if (!c->trainer_ready) return 0;
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
  while (done < max_steps) {
    if (c->trainer.steps() >= c->trained_lab.max_steps) {
      c->playing = false;
      break;
    }
    const Status st = c->trainer.Step();
    if (!st.ok()) {
      // The model evaluated at Reset: a step that fails has diverged. The runs
      // before the failing one have stepped and the rest have not: no Play or
      // Step on that state, only Reset.
      c->train_status = Status::Error("gradients_lab.train.learning_rate",
                                      "training stopped at step " + std::to_string(c->trainer.steps()) + " (" +
                                          st.ToString() +
                                          "): the learning rate is too large; Play and Step are off: lower it and "
                                          "press Reset");
      c->playing = false;
      c->trainer_ready = false;
      break;
    }
    ++done;
    bool diverged = false;
    for (const Trainer::Run& run : c->trainer.runs()) {
      if (!diverged && !run.history.empty() && !std::isfinite(run.history.back().loss)) {
        c->train_status = Status::Error("gradients_lab.train.learning_rate",
                                        std::string("the ") + EstimatorName(run.estimator) +
                                            " run's loss is no longer finite: the learning rate is too large; "
                                            "lower it and reset");
        c->playing = false;
        diverged = true;
      }
    }
    if (diverged) break;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (ms >= budget_ms) break;
  }
  return done;
}

Scenario TrainedScenario(const Scenario& scenario, const GradientsViewCache& c) {
  Scenario out = scenario;
  if (!c.trainer_ready || c.trainer.runs().empty()) return out;
  const size_t i = std::min<size_t>(static_cast<size_t>(std::max(0, c.shown_run)), c.trainer.runs().size() - 1);
  const Trainer::Run& run = c.trainer.runs()[i];
  WriteWeights(run.model, &out);
  out.attention.temperature = run.model.attention.temperature;
  out.view = "attention";
  return out;
}

namespace {

GradientsLabSettings& Lab(AppState& s) { return s.scenario.views.Get<GradientsLabSettings>(); }

// The gradients of the four estimators and the sweep, once per revision (every
// edit, the lab's settings included, bumps it).
void Update(AppState& s) {
  GradientsViewCache& c = s.ui.caches.Get<GradientsViewCache>();
  if (c.computed && c.computed_revision == s.revision) return;
  const GradientsLabSettings lab = Lab(s);
  // Past the view's bound (another view's scenario): no backward pass, the note says why.
  const std::string big = GradientsTooBigNote(s.scenario);
  const bool ok = s.has_result && s.status.ok() && big.empty();
  for (size_t i = 0; i < kGradEstimators.size(); ++i) {
    c.grad_status[i] = ok ? ComputeGradients(s.scenario, GradientOptionsFor(lab, kGradEstimators[i]), &c.grads[i])
                          : !big.empty() ? Status::Error("gradients_lab", big) : s.status;
    if (c.grad_status[i].ok()) c.norms[i] = ComputeNorms(c.grads[i]);
  }
  c.status = c.grad_status[GradEstimatorIndex(lab.estimator)];
  c.sweep.clear();
  c.sweep_status = Status::Ok();
  if (ok && c.grad_status[0].ok()) {
    // The sweep is 41 backward passes: only for scenarios of a lecture's size.
    double cells = 0;
    for (const HeadResult& h : s.derived.heads) cells += static_cast<double>(h.weights.size());
    if (cells > kMaxGradSweepCells) {
      c.sweep_status = Status::Error("gradients_lab", "the sweep against T is drawn for up to 4 heads of 64 x 64");
    } else {
      GradientOptions o;
      o.estimator = Estimator::kSoftmax;
      c.sweep_status = SweepTemperature(s.scenario, o, GradientSweepTemperatures(), &c.sweep);
    }
  }
  c.computed = true;
  c.computed_revision = s.revision;
}

std::vector<std::string> Numbered(const char* prefix, Eigen::Index count) {
  std::vector<std::string> out;
  for (Eigen::Index i = 0; i < count; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

// Row and column labels of every panel.
struct Labels {
  std::vector<std::string> queries, keys, vocab, model, k, v, r, z;
};

Labels MakeLabels(const Scenario& sc, const Gradients& g) {
  Labels L;
  const Result& f = g.forward;
  const Eigen::Index n = f.heads.empty() ? 0 : f.heads[0].weights.rows();
  const Eigen::Index nk = f.heads.empty() ? 0 : f.heads[0].weights.cols();
  L.queries = sc.input == InputMode::kTokens && static_cast<Eigen::Index>(sc.tokens.size()) == n
                  ? sc.tokens
                  : Numbered("q", n);
  if (!sc.kv_tokens.empty() && static_cast<Eigen::Index>(sc.kv_tokens.size()) == nk) L.keys = sc.kv_tokens;
  else if (nk == n) L.keys = L.queries;
  else L.keys = Numbered("k", nk);
  L.vocab = sc.input == InputMode::kTokens && static_cast<Eigen::Index>(sc.vocab.size()) == f.logits.cols()
                ? sc.vocab
                : Numbered("c", f.logits.cols());
  L.model = Numbered("d", std::max<Eigen::Index>(f.X.cols(), sc.E.cols()));
  L.k = Numbered("k", f.heads.empty() ? 0 : f.heads[0].Q.cols());
  L.v = Numbered("v", f.heads.empty() ? 0 : f.heads[0].V.cols());
  L.z = Numbered("z", f.Z.cols());
  L.r = Numbered("r", f.R.cols());
  return L;
}

// ---- one heatmap panel ----

struct Figure {
  std::string name, title;
  const Matrix* values = nullptr;
  const std::vector<std::string>* rows = nullptr;
  const std::vector<std::string>* cols = nullptr;
  bool sequential = false;   // P: 0..1; else diverging about 0
  const AllowedKeys* allowed = nullptr;
  std::string empty_note;    // drawn instead of a map when there are no values
  std::function<std::string(int, int)> explain;
};

Figure Fig(std::string name, std::string title, const Matrix* values, const std::vector<std::string>* rows,
           const std::vector<std::string>* cols, bool sequential = false, const AllowedKeys* allowed = nullptr,
           std::string empty_note = "", std::function<std::string(int, int)> explain = nullptr) {
  Figure f;
  f.name = std::move(name);
  f.title = std::move(title);
  f.values = values;
  f.rows = rows;
  f.cols = cols;
  f.sequential = sequential;
  f.allowed = allowed;
  f.empty_note = std::move(empty_note);
  f.explain = std::move(explain);
  return f;
}

HeatmapSpec SpecOf(const AppState& s, const Figure& f) {
  HeatmapSpec hs = FigureHeatmapSpec(s, f.name, f.values, f.rows, f.cols, f.sequential);
  hs.allowed = f.allowed;
  return hs;
}

std::string Shape(const Matrix* m) {
  return m && m->size() ? "  " + std::to_string(m->rows()) + "x" + std::to_string(m->cols()) : std::string();
}

ImVec2 FigureSize(const AppState& s, const Figure& f) {
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float title = ImGui::CalcTextSize((f.title + Shape(f.values)).c_str()).x + line * 2;
  if (!f.values || f.values->size() == 0) {
    const float w = std::max(title, std::min(ImGui::GetFontSize() * 22.0f, ImGui::CalcTextSize(f.empty_note.c_str()).x));
    return ImVec2(w, line * (f.empty_note.size() > 60 ? 5.0f : 3.0f));
  }
  // Cells of 1.6 fonts: a 7x7 gradient fits beside its matrix at 1024 px.
  const ImVec2 map = HeatmapSize(SpecOf(s, f), ImGui::GetFontSize() * 1.6f);
  return ImVec2(std::max(map.x, title), map.y + line);
}

ImVec2 FigureReadableSize(const AppState& s, const Figure& f) {
  const float line = ImGui::GetTextLineHeightWithSpacing();
  if (!f.values || f.values->size() == 0) return FigureSize(s, f);
  HeatmapSpec hs = SpecOf(s, f);
  hs.min_value_px = ImGui::GetFontSize();
  hs.readable_digits = 0;  // fewer digits before smaller type, and before leaving a slide out
  const ImVec2 map = HeatmapReadableSize(hs);
  return ImVec2(std::max(map.x, ImGui::CalcTextSize(f.title.c_str()).x), map.y + line);
}

void DrawFigure(AppState& s, const Figure& f, ImVec2 size) {
  ImVec2 body = size;
  if (!BeginFigurePanel(s, f.name, f.title + Shape(f.values), &body)) return;
  if (!f.values || f.values->size() == 0) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + std::max(body.x, ImGui::GetFontSize() * 10));
    ImGui::TextDisabled("%s", f.empty_note.empty() ? "(none)" : f.empty_note.c_str());
    ImGui::PopTextWrapPos();
  } else {
    HeatmapSpec hs = SpecOf(s, f);
    // Numbers in cells never smaller than the text (presentation or not):
    // fewer digits first, then colour alone with the number on hover.
    hs.min_value_px = ImGui::GetFontSize();
    const HeatmapResult r = Heatmap(f.name.c_str(), hs, body);
    s.ui.items["gradients." + f.name] = ItemRect{r.grid_min, r.grid_max};
    s.ui.cell_text_px[f.name] = r.values_shown > 0 ? r.value_px : 0.0f;
    if (s.ui.svg_out && s.ui.only_panel == f.name)  // every map here is also an SVG picture
      *s.ui.svg_out = HeatmapSvg(hs, r.cell, f.title, Shape(f.values).substr(2), {s.ui.dark, s.ui.export_request.transparent});
    if (r.hovered_row >= 0 && r.hovered_col >= 0 && !s.ui.exporting && f.explain) {
      std::string text = f.explain(r.hovered_row, r.hovered_col);
      if (!text.empty()) {
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(text.c_str());
        ImGui::EndTooltip();
        s.ui.hover_explanation = std::move(text);
      }
    }
  }
  EndFigurePanel(s, f.name);
}

struct Flow {
  bool first = true;
  void Place(float width) {
    if (!first) {
      ImGui::SameLine();
      if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
    }
    first = false;
  }
};

void DrawFlow(AppState& s, const std::vector<Figure>& figures) {
  Flow flow;
  for (const Figure& f : figures) {
    const ImVec2 size = FigureSize(s, f);
    flow.Place(size.x);
    DrawFigure(s, f, size);
  }
}

// ---- "read the maths" ----

std::string Num(const AppState& s, double v, int digits = 4) { return FormatNumber(v, s.ui.number_style, digits); }

const char* kArgmaxShort = "argmax: P is piecewise constant: dL/dscores = 0 exactly, so Q, K, W_Q, W_K get none; V, W_V, W_O do";
const char* kArgmaxWhy =
    "P is piecewise constant in the scores (argmax): a small change of any score leaves P as it is, so every "
    "gradient through the scores is exactly 0: dL/dscores = dL/dQ = dL/dK = dL/dW_Q = dL/dW_K = 0. "
    "W_V and W_O still get gradients (Z = P V is linear in V). Erratum: the exam's \"W_Q, W_K, W_V never "
    "change\" holds for W_Q and W_K only.";

std::string ExplainScores(const AppState& s, const Gradients& g, int h, int i, int j) {
  const HeadGradients& hg = g.heads[static_cast<size_t>(h)];
  if (g.scores_gradient_zero || hg.soft.size() == 0)
    return "dL/dscores[" + std::to_string(i) + "][" + std::to_string(j) + "] = 0 exactly\n" + kArgmaxWhy;
  if (!std::isfinite(g.forward.heads[static_cast<size_t>(h)].scores(i, j)))
    return "masked: P = 0 here whatever the score, so dL/dscores = 0";
  const Matrix& S = hg.soft;
  double sum = 0;
  for (Eigen::Index k = 0; k < S.cols(); ++k) sum += S(i, k) * hg.d_P(i, k);
  const double T = g.temperature;
  std::string which = g.estimator == Estimator::kSoftmax ? "p = softmax(scores / T)"
                      : g.estimator == Estimator::kStraightThrough
                          ? "straight-through: the forward P is argmax; the backward uses p = softmax(scores / T_b)"
                          : "Gumbel: p = y = softmax((scores + g) / tau)" +
                                std::string(g.gumbel_hard ? " (hard: the forward is one-hot, the gradient y's)" : "");
  return "dL/dscores_ij = (1/T) p_ij (dL/dP_ij \u2212 \u03A3_k p_ik dL/dP_ik)\n" + which + "\n= (1/" + Num(s, T, 3) +
         ") \u00B7 " + Num(s, S(i, j)) + " \u00B7 (" + Num(s, hg.d_P(i, j)) + " \u2212 " + Num(s, sum) + ")\n= " +
         Num(s, hg.d_scores(i, j), 5);
}

std::string ExplainP(const AppState& s, const Gradients& g, int h, int i, int j) {
  const HeadGradients& hg = g.heads[static_cast<size_t>(h)];
  const HeadResult& fh = g.forward.heads[static_cast<size_t>(h)];
  const int dv = static_cast<int>(fh.V.cols());
  // Z is the heads' outputs side by side: head h starts after the widths of
  // the heads before it (they may differ).
  int offset = 0;
  for (int k = 0; k < h; ++k) offset += static_cast<int>(g.forward.heads[static_cast<size_t>(k)].V.cols());
  std::string terms;
  for (int c = 0; c < std::min(dv, 6); ++c) {
    const double dz = g.d_Z(i, offset + c);
    terms += (c ? " + " : "") + Num(s, dz, 3) + "\u00B7" + Num(s, fh.V(j, c), 3);
  }
  if (dv > 6) terms += " + \u2026";
  return "dL/dP_ij = dL/dZ_i \u00B7 V_j  (Z = P V)\n= " + terms + "\n= " + Num(s, hg.d_P(i, j), 5);
}

std::string ExplainLogits(const AppState& s, const Gradients& g, int i, int j) {
  const Result& f = g.forward;
  for (const LossTerm& t : f.loss_terms)
    if (t.row == i)
      return "dL/dlogits_ij = probs_ij \u2212 [j = target]  (row " + std::to_string(i) + " scores position " +
             std::to_string(t.position) + ")\n= " + Num(s, f.probs(i, j)) + " \u2212 " + (t.target == j ? "1" : "0") +
             " = " + Num(s, g.d_logits(i, j), 5);
  return "row " + std::to_string(i) + " is not scored by the loss: dL/dlogits = 0";
}

std::string ExplainFormula(const AppState& s, const std::string& formula, double v) {
  return formula + "\n= " + Num(s, v, 5);
}

// ---- the gradient panels of the shown estimator ----

struct Panels {
  Labels L;
  std::vector<Figure> output, heads, weights, embedding;
};

// Fills `out` in place: its figures point into its own labels.
void MakePanels(AppState& s, const Gradients& g, Panels* out) {
  Panels& p = *out;
  p.L = MakeLabels(s.scenario, g);
  const Result& f = g.forward;
  const Labels& L = p.L;
  AppState* sp = &s;
  const Gradients* gp = &g;
  const bool zero = g.scores_gradient_zero;
  p.output.push_back(Fig("logits", "logits", &f.logits, &L.queries, &L.vocab));
  p.output.push_back(Fig("grad_logits", "dL/dlogits", &g.d_logits, &L.queries, &L.vocab, false, nullptr, "",
                      [sp, gp](int i, int j) { return ExplainLogits(*sp, *gp, i, j); }));
  p.output.push_back(Fig("R", "R = Z W_O", &f.R, &L.queries, &L.r));
  p.output.push_back(Fig("grad_R", "dL/dR", &g.d_R, &L.queries, &L.r, false, nullptr, "", [sp, gp](int i, int j) {
                        return ExplainFormula(*sp, "dL/dR = dL/dlogits U^T (tied: dL/dlogits E)", gp->d_R(i, j));
                      }));
  p.output.push_back(Fig("Z", "Z = P V", &f.Z, &L.queries, &L.z));
  p.output.push_back(Fig("grad_Z", "dL/dZ", &g.d_Z, &L.queries, &L.z, false, nullptr, "", [sp, gp](int i, int j) {
                        return ExplainFormula(*sp, "dL/dZ = dL/dR W_O^T", gp->d_Z(i, j));
                      }));
  for (size_t h = 0; h < g.heads.size() && h < f.heads.size(); ++h) {
    // One head: "P", "grad_scores" (as the Attention view names them); several:
    // "heads[1].grad_scores", and "grad_scores" in a presentation choice shows them all.
    const std::string hp = g.heads.size() > 1 ? "heads[" + std::to_string(h) + "]." : "";
    const std::string ht = g.heads.size() > 1 ? "h" + std::to_string(h) + " " : "";
    const HeadGradients& hg = g.heads[h];
    const HeadResult& fh = f.heads[h];
    const int hi = static_cast<int>(h);
    p.heads.push_back(Fig(hp + "P", ht + "P (forward)", &fh.weights, &L.queries, &L.keys, true, &fh.allowed));
    p.heads.push_back(Fig(hp + "grad_P", ht + "dL/dP", &hg.d_P, &L.queries, &L.keys, false, nullptr, "",
                       [sp, gp, hi](int i, int j) { return ExplainP(*sp, *gp, hi, i, j); }));
    p.heads.push_back(Fig(hp + "scores", ht + "scores", &fh.scores, &L.queries, &L.keys, false, &fh.allowed));
    p.heads.push_back(Fig(hp + "grad_scores", ht + "dL/dscores" + std::string(zero ? " (0: argmax)" : ""), &hg.d_scores,
                       &L.queries, &L.keys, false, &fh.allowed, "",
                       [sp, gp, hi](int i, int j) { return ExplainScores(*sp, *gp, hi, i, j); }));
    const HeadWeights& w = s.scenario.heads[h];
    const int leader = KvLeader(s.scenario, hi);
    const HeadWeights& wl = s.scenario.heads[static_cast<size_t>(leader)];
    const HeadGradients& gl = g.heads[static_cast<size_t>(leader)];
    if (s.scenario.input == InputMode::kQKV) {  // Q, K, V given: they are the leaves (E2)
      p.weights.push_back(Fig(hp + "Q", "Q", &fh.Q, &L.queries, &L.k));
      p.weights.push_back(Fig(hp + "grad_Q", "dL/dQ" + std::string(zero ? " (0: argmax)" : ""), &hg.d_Q, &L.queries,
                              &L.k, false, nullptr, "", [sp, gp, hi](int i, int j) {
                                return ExplainFormula(*sp, "dL/dQ = scale dL/dscores K",
                                                      gp->heads[static_cast<size_t>(hi)].d_Q(i, j));
                              }));
      p.weights.push_back(Fig(hp + "K", "K", &fh.K, &L.keys, &L.k));
      p.weights.push_back(Fig(hp + "grad_K", "dL/dK" + std::string(zero ? " (0: argmax)" : ""), &hg.d_K, &L.keys,
                              &L.k, false, nullptr, "", [sp, gp, hi](int i, int j) {
                                return ExplainFormula(*sp, "dL/dK = scale dL/dscores^T Q",
                                                      gp->heads[static_cast<size_t>(hi)].d_K(i, j));
                              }));
      p.weights.push_back(Fig(hp + "V", "V", &fh.V, &L.keys, &L.v));
      p.weights.push_back(Fig(hp + "grad_V", "dL/dV", &hg.d_V, &L.keys, &L.v, false, nullptr, "",
                              [sp, gp, hi](int i, int j) {
                                return ExplainFormula(*sp,
                                                      "dL/dV = P^T dL/dZ: the chosen value gets dL/dz even under "
                                                      "argmax (Z = P V is linear in V)",
                                                      gp->heads[static_cast<size_t>(hi)].d_V(i, j));
                              }));
      continue;
    }
    const char* identity = "(none: the identity)";
    p.weights.push_back(Fig(hp + "W_Q", ht + "W_Q", &w.W_Q, &L.model, &L.k, false, nullptr, identity));
    p.weights.push_back(Fig(hp + "grad_W_Q", ht + "dL/dW_Q" + std::string(zero ? " (0: argmax)" : ""), &hg.d_W_Q,
                         &L.model, &L.k, false, nullptr, "", [sp, gp, hi](int i, int j) {
                           return (gp->scores_gradient_zero ? std::string("0 exactly: ") + kArgmaxWhy + "\n"
                                                            : std::string()) +
                                  ExplainFormula(*sp, "dL/dW_Q = X^T dL/dQ,  dL/dQ = scale dL/dscores K",
                                                 gp->heads[static_cast<size_t>(hi)].d_W_Q(i, j));
                         }));
    if (leader != hi) continue;
    p.weights.push_back(Fig(hp + "W_K", ht + "W_K", &wl.W_K, &L.model, &L.k, false, nullptr, identity));
    p.weights.push_back(Fig(hp + "grad_W_K", ht + "dL/dW_K" + std::string(zero ? " (0: argmax)" : ""), &gl.d_W_K,
                         &L.model, &L.k, false, nullptr, "", [sp, gp, hi](int i, int j) {
                           return (gp->scores_gradient_zero ? std::string("0 exactly: ") + kArgmaxWhy + "\n"
                                                            : std::string()) +
                                  ExplainFormula(*sp, "dL/dW_K = X^T dL/dK,  dL/dK = scale dL/dscores^T Q",
                                                 gp->heads[static_cast<size_t>(hi)].d_W_K(i, j));
                         }));
    p.weights.push_back(Fig(hp + "W_V", ht + "W_V", &wl.W_V, &L.model, &L.v, false, nullptr, identity));
    p.weights.push_back(Fig(hp + "grad_W_V", ht + "dL/dW_V", &gl.d_W_V, &L.model, &L.v, false, nullptr, "",
                         [sp, gp, hi](int i, int j) {
                           return ExplainFormula(*sp,
                                                 "dL/dW_V = X^T dL/dV,  dL/dV = P^T dL/dZ: not zero under argmax "
                                                 "(Z = P V is linear in V)",
                                                 gp->heads[static_cast<size_t>(hi)].d_W_V(i, j));
                         }));
  }
  p.weights.push_back(Fig("W_O", "W_O", &s.scenario.W_O, &L.z, &L.r, false, nullptr, "(none)"));
  p.weights.push_back(Fig("grad_W_O", "dL/dW_O", &g.d_W_O, &L.z, &L.r, false, nullptr, "(no W_O)",
                       [sp, gp](int i, int j) { return ExplainFormula(*sp, "dL/dW_O = Z^T dL/dR", gp->d_W_O(i, j)); }));
  if (g.d_E.size()) {
    p.embedding.push_back(Fig("E", "E", &s.scenario.E, &L.vocab, &L.model));
    p.embedding.push_back(Fig("grad_E_input", "dL/dE via the input X", &g.d_E_input, &L.vocab, &L.model, false, nullptr,
                           "", [sp, gp](int i, int j) {
                             return ExplainFormula(*sp, "dL/dE_t += dL/dX_i for each position i holding token t",
                                                   gp->d_E_input(i, j));
                           }));
    p.embedding.push_back(Fig("grad_E_unembed", "dL/dE via U = E^T", &g.d_E_unembed, &L.vocab, &L.model, false, nullptr,
                           "(no tied unembedding)", [sp, gp](int i, int j) {
                             return ExplainFormula(*sp, "dL/dE = dL/dlogits^T R  (the tied unembedding)",
                                                   gp->d_E_unembed(i, j));
                           }));
    p.embedding.push_back(Fig("grad_E", "dL/dE (both paths add)", &g.d_E, &L.vocab, &L.model, false, nullptr, "",
                           [sp, gp](int i, int j) {
                             return "dL/dE = via the input + via the unembedding (as autograd adds them)\n= " +
                                    Num(*sp, gp->d_E_input(i, j)) + " + " + Num(*sp, gp->d_E_unembed(i, j)) + " = " +
                                    Num(*sp, gp->d_E(i, j), 5);
                           }));
  }
}

// ---- the estimators side by side (head 0) ----

std::vector<Figure> CompareFigures(AppState& s, const Labels& L) {
  GradientsViewCache& c = s.ui.caches.Get<GradientsViewCache>();
  std::vector<Figure> out;
  AppState* sp = &s;
  for (size_t e = 0; e < kGradEstimators.size(); ++e) {
    if (!c.grad_status[e].ok() || c.grads[e].heads.empty()) continue;
    const Gradients* g = &c.grads[e];
    const std::string key = std::string("compare.") + EstimatorName(kGradEstimators[e]);
    out.push_back(Fig(key + ".P", std::string(kEstimatorTitles[e]) + ": forward P", &g->forward.heads[0].weights,
                   &L.queries, &L.keys, true, &g->forward.heads[0].allowed));
    out.push_back(Fig(key + ".grad_scores", std::string(kEstimatorTitles[e]) + ": backward dL/dscores",
                   &g->heads[0].d_scores, &L.queries, &L.keys, false, &g->forward.heads[0].allowed, "",
                   [sp, g](int i, int j) { return ExplainScores(*sp, *g, 0, i, j); }));
  }
  const size_t gi = static_cast<size_t>(GradEstimatorIndex(Estimator::kGumbelSoftmax));
  if (c.grad_status[gi].ok() && !c.grads[gi].heads.empty()) {
    const HeadGradients& hg = c.grads[gi].heads[0];
    out.push_back(Fig("gumbel_noise", "Gumbel noise g = \u2212log(\u2212log U)", &hg.gumbel_noise, &L.queries, &L.keys,
                   false, &c.grads[gi].forward.heads[0].allowed, "", [sp, &hg](int i, int j) {
                     return "g_ij = \u2212log(\u2212log U_ij), U ~ uniform(0, 1), seeded (gradients_lab.seed)\n= " +
                            Num(*sp, hg.gumbel_noise(i, j), 5);
                   }));
    out.push_back(Fig("gumbel_soft", "y_soft = softmax((scores + g) / \u03C4)", &hg.soft, &L.queries, &L.keys, true,
                   &c.grads[gi].forward.heads[0].allowed));
  }
  return out;
}

// ---- plots ----

void DrawSizes(AppState& s, ImVec2 size) {
  GradientsViewCache& c = s.ui.caches.Get<GradientsViewCache>();
  ImVec2 body = size;
  if (!BeginFigurePanel(s, "grad_sizes", "\u2016dL/dW\u2016 at T = " + Num(s, Lab(s).temperature, 3), &body)) return;
  PlotSpec spec;
  // Q, K, V given directly (E2): they are the leaves, so their gradients are the bars.
  const bool qkv = s.scenario.input == InputMode::kQKV;
  spec.x.ticks = {0, 1, 2, 3, 4};
  spec.x.tick_labels = qkv ? std::vector<std::string>{"Q", "K", "V", "W_O", "E"}
                           : std::vector<std::string>{"W_Q", "W_K", "W_V", "W_O", "E"};
  spec.x.label = "matrix";
  // Log axis: W_Q's gradient on E9 at sqrt(2) is ~70 times smaller than W_V's
  // and would be no bar at all on a linear one. Exact zeros (argmax) have no bar.
  spec.y.label = "Frobenius norm (log; no bar = exactly 0)";
  spec.y.scale = AxisScale::kLog;
  for (size_t e = 0; e < kGradEstimators.size(); ++e) {
    if (!c.grad_status[e].ok()) continue;
    const GradientNorms& n = c.norms[e];
    double v[] = {n.W_Q, n.W_K, n.W_V, n.W_O, n.E};
    if (qkv) {
      v[0] = v[1] = v[2] = 0;
      for (const GradientNorms::Head& h : n.heads) {
        v[0] += h.Q * h.Q;
        v[1] += h.K * h.K;
        v[2] += h.V * h.V;
      }
      for (int k = 0; k < 3; ++k) v[k] = std::sqrt(v[k]);
    }
    PlotSeries bars;
    bars.label = kEstimatorTitles[e];
    bars.kind = SeriesKind::kBars;
    bars.color = static_cast<int>(e);
    bars.bar_width = 0.2;
    for (int k = 0; k < 5; ++k) {
      if (!(v[k] > 0)) continue;
      bars.x.push_back(k - 0.3 + 0.2 * static_cast<double>(e));
      bars.y.push_back(v[k]);
    }
    spec.series.push_back(bars);
  }
  const PlotResult r = Plot("grad_sizes", spec, body);
  s.ui.items["gradients.plot.grad_sizes"] = ItemRect{r.layout.area_min, r.layout.area_max};
  EndFigurePanel(s, "grad_sizes");
}

void DrawSweep(AppState& s, ImVec2 size) {
  GradientsViewCache& c = s.ui.caches.Get<GradientsViewCache>();
  ImVec2 body = size;
  if (!BeginFigurePanel(s, "norms_vs_T", "Softmax: \u2016dL/dW\u2016 against T", &body)) return;
  if (!c.sweep_status.ok()) {
    ImGui::TextDisabled("%s", c.sweep_status.ToString().c_str());
  } else if (c.sweep.empty()) {
    ImGui::TextDisabled("(no gradients: see above)");
  } else {
    PlotSpec spec;
    spec.x.label = "T";
    spec.x.scale = AxisScale::kLog;
    spec.y.label = "||dL/dW||_F";
    spec.y.scale = AxisScale::kLog;
    // Below 1e-8 of the largest norm the curves leave the plot (at T = 0.01 on
    // E9, W_Q's is 1e-140): they would flatten everything else.
    double top = 0;
    for (const TemperaturePoint& p : c.sweep)
      top = std::max({top, p.norms.W_Q, p.norms.W_K, p.norms.W_V, p.norms.W_O});
    const double floor = top * 1e-8;
    const char* names[] = {"W_Q", "W_K", "W_V", "W_O"};
    for (int m = 0; m < 4; ++m) {
      std::vector<double> t, y;
      for (const TemperaturePoint& p : c.sweep) {
        const double v = m == 0 ? p.norms.W_Q : m == 1 ? p.norms.W_K : m == 2 ? p.norms.W_V : p.norms.W_O;
        if (v > floor) {
          t.push_back(p.temperature);
          y.push_back(v);
        }
      }
      spec.series.push_back(LineSeries(names[m], t, y, m));
    }
    spec.markers.push_back(PlotMarker{"T = " + Num(s, Lab(s).temperature, 3), Lab(s).temperature, -1, true});
    const PlotResult r = Plot("norms_vs_T", spec, body);
    s.ui.items["gradients.plot.norms_vs_T"] = ItemRect{r.layout.area_min, r.layout.area_max};
  }
  EndFigurePanel(s, "norms_vs_T");
}

// Training curves: the loss, or one matrix's distance from its start.
enum class Curve { kLoss, kMovedQ, kMovedK, kMovedV, kMovedO };
const char* const kNames[] = {"train_loss", "moved_W_Q", "moved_W_K", "moved_W_V", "moved_W_O"};
const char* const kTitles[] = {"Training loss (mean over examples)", "||W_Q \u2212 W_Q(start)||",
                               "||W_K \u2212 W_K(start)||", "||W_V \u2212 W_V(start)||",
                               "||W_O \u2212 W_O(start)||"};

void Section(const char* title) {
  ImGui::Separator();
  ImGui::TextUnformatted(title);
}

void DrawCurve(AppState& s, Curve which, ImVec2 size) {
  GradientsViewCache& c = s.ui.caches.Get<GradientsViewCache>();
  const int w = static_cast<int>(which);
  ImVec2 body = size;
  if (!BeginFigurePanel(s, kNames[w], kTitles[w], &body)) return;
  PlotSpec spec;
  spec.x.label = "step";
  spec.y.label = which == Curve::kLoss ? "loss" : "distance";
  spec.y.include_zero = which != Curve::kLoss;
  spec.legend = which == Curve::kLoss || which == Curve::kMovedQ;
  if (c.trainer_ready) {
    for (const Trainer::Run& run : c.trainer.runs()) {
      // At most ~1000 points a curve (every k-th step, and the last): a long
      // run costs a frame no more than a short one.
      const size_t n = run.history.size(), stride = std::max<size_t>(1, n / 1000);
      std::vector<double> x, y;
      x.reserve(n / stride + 2);
      y.reserve(n / stride + 2);
      for (size_t i = 0; i < n; i = (i + stride < n || i + 1 == n) ? i + stride : n - 1) {
        const TrainRecord& r = run.history[i];
        const double v = which == Curve::kLoss     ? r.loss
                         : which == Curve::kMovedQ ? r.moved_W_Q
                         : which == Curve::kMovedK ? r.moved_W_K
                         : which == Curve::kMovedV ? r.moved_W_V
                                                   : r.moved_W_O;
        x.push_back(static_cast<double>(i));
        y.push_back(std::isfinite(v) ? v : 0.0);
      }
      const int e = GradEstimatorIndex(run.estimator);
      PlotSeries line = LineSeries(kEstimatorTitles[e], x, y, e);
      if (run.estimator == Estimator::kArgmax) line.weight = 2.0f;
      spec.series.push_back(line);
    }
  }
  if (spec.series.empty() || spec.series[0].x.empty()) {
    spec.x.fit = false;
    spec.x.min = 0;
    spec.x.max = 10;
  }
  const PlotResult r = Plot(kNames[w], spec, body);
  s.ui.items[std::string("gradients.plot.") + kNames[w]] = ItemRect{r.layout.area_min, r.layout.area_max};
  bool any = false;
  for (const PlotSeries& ps : spec.series) any = any || !ps.x.empty();
  if (!any) {  // an empty plot says what fills it, in its middle
    const char* hint = c.trainer_ready ? "press Play or Step" : "no run: see the line above";
    const ImVec2 ts = ImGui::CalcTextSize(hint);
    const ImVec2 at((r.layout.area_min.x + r.layout.area_max.x - ts.x) * 0.5f,
                    (r.layout.area_min.y + r.layout.area_max.y - ts.y) * 0.5f);
    ImGui::GetWindowDrawList()->AddText(at, ImGui::GetColorU32(ImGuiCol_TextDisabled), hint);
    s.ui.items[std::string("gradients.hint.") + kNames[w]] = ItemRect{at, ImVec2(at.x + ts.x, at.y + ts.y)};
  } else {
    s.ui.items.erase(std::string("gradients.hint.") + kNames[w]);
  }
  EndFigurePanel(s, kNames[w]);
}

// The weights of the shown run as it trains, and its P.
std::vector<Figure> TrainFigures(AppState& s, Labels* L) {
  GradientsViewCache& c = s.ui.caches.Get<GradientsViewCache>();
  std::vector<Figure> out;
  if (!c.trainer_ready || c.trainer.runs().empty()) return out;
  c.shown_run = std::clamp(c.shown_run, 0, static_cast<int>(c.trainer.runs().size()) - 1);
  const Trainer::Run& run = c.trainer.runs()[static_cast<size_t>(c.shown_run)];
  *L = MakeLabels(run.model, run.last);
  const HeadWeights& w = run.model.heads[0];
  const std::string t = std::string(kEstimatorTitles[GradEstimatorIndex(run.estimator)]) + ": ";
  out.push_back(Fig("train.P", t + "P (first example)", &run.last.forward.heads[0].weights, &L->queries, &L->keys, true,
                 &run.last.forward.heads[0].allowed));
  out.push_back(Fig("train.W_Q", t + "W_Q", &w.W_Q, &L->model, &L->k));
  out.push_back(Fig("train.W_K", t + "W_K", &w.W_K, &L->model, &L->k));
  out.push_back(Fig("train.W_V", t + "W_V", &w.W_V, &L->model, &L->v));
  out.push_back(Fig("train.W_O", t + "W_O", &run.model.W_O, &L->z, &L->r, false, nullptr, "(none)"));
  return out;
}

// ---- controls ----

void DrawControls(AppState& s) {
  GradientsLabSettings& lab = Lab(s);
  int e = GradEstimatorIndex(lab.estimator);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Panels show:");
  for (int i = 0; i < 4; ++i) {
    ImGui::SameLine();
    if (ImGui::RadioButton(kEstimatorTitles[i], e == i)) lab.estimator = kGradEstimators[static_cast<size_t>(i)];
    s.Record(std::string("gradients.estimator.") + EstimatorName(kGradEstimators[static_cast<size_t>(i)]));
  }
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
  float T = static_cast<float>(lab.temperature);
  if (ImGui::SliderFloat("T = T_b = \u03C4##T", &T, 0.01f, 100.0f, "%.3f", ImGuiSliderFlags_Logarithmic)) {
    if (std::isfinite(T) && T > 0) lab.temperature = std::clamp(static_cast<double>(T), kMinGradTemperature, kMaxGradTemperature);
  }
  s.Record("gradients.temperature");
  ImGui::SameLine();
  if (ImGui::SmallButton("\u221A2")) lab.temperature = std::sqrt(2.0);
  ImGui::SameLine();
  ImGui::Checkbox("hard##gumbel", &lab.hard);
  s.Record("gradients.hard");
  ImGui::SameLine();
  // Seeds are 64-bit in files: the field shows and takes all of them.
  std::uint64_t seed = lab.seed;
  const std::uint64_t one = 1;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
  if (ImGui::InputScalar("noise seed", ImGuiDataType_U64, &seed, &one)) lab.seed = seed;
  s.Record("gradients.noise_seed");
}

// Presentation: one line (the projector's type is large; the figures need the room).
void DrawControlsCompact(AppState& s) {
  GradientsLabSettings& lab = Lab(s);
  int e = GradEstimatorIndex(lab.estimator);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
  if (ImGui::Combo("##estimator", &e, kEstimatorTitles, 4)) lab.estimator = kGradEstimators[static_cast<size_t>(e)];
  s.Record("gradients.estimator");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
  float T = static_cast<float>(lab.temperature);
  if (ImGui::SliderFloat("T##T", &T, 0.01f, 100.0f, "%.3f", ImGuiSliderFlags_Logarithmic)) {
    if (std::isfinite(T) && T > 0) lab.temperature = std::clamp(static_cast<double>(T), kMinGradTemperature, kMaxGradTemperature);
  }
  s.Record("gradients.temperature");
  if (lab.estimator == Estimator::kGumbelSoftmax) {
    ImGui::SameLine();
    ImGui::Checkbox("hard##gumbel", &lab.hard);
  }
}

void DrawHardPath(AppState& s) {
  const GradientsLabSettings& lab = Lab(s);
  ImGui::TextWrapped(
      "Gumbel-softmax, hard=%s: forward %s; backward through the soft y: y_hard \u2212 y_soft.detach() + y_soft "
      "has the value y_hard and the gradient of y_soft, so dL/dscores = (1/\u03C4) y (dL/dP \u2212 \u03A3 y dL/dP) "
      "with dL/dP taken at the %s forward. Straight-through: forward argmax, backward softmax at T_b = %s.",
      lab.hard ? "True" : "False", lab.hard ? "one-hot(argmax y)" : "y = softmax((scores + g) / \u03C4)",
      lab.hard ? "one-hot" : "soft", Num(s, lab.temperature, 3).c_str());
}

// Play / Pause, Step (off after a failed step until Reset) and Reset, on one line.
void DrawTrainingButtons(AppState& s, GradientsViewCache& c) {
  const bool ready = c.trainer_ready;
  if (!ready) ImGui::BeginDisabled();
  if (ImGui::Button(c.playing ? "Pause##train" : "Play##train")) c.playing = !c.playing;
  s.Record("gradients.play");
  ImGui::SameLine();
  if (ImGui::Button("Step##train")) {
    c.playing = false;
    TrainSteps(&c, 1, 1e9);
  }
  s.Record("gradients.step");
  if (!ready) ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Reset##train")) {
    c.trainer_ready = false;
    c.train_status = Status::Ok();
    c.trained_from = Scenario();
    SyncTrainer(s.scenario, &c);
    c.synced_revision = s.revision;
  }
  s.Record("gradients.reset");
}

void DrawTrainingControls(AppState& s, bool compact = false) {
  GradientsViewCache& c = s.ui.caches.Get<GradientsViewCache>();
  GradientsLabSettings& lab = Lab(s);
  const bool ready = c.trainer_ready;
  if (compact) {  // presentation: the buttons and the step, one line
    DrawTrainingButtons(s, c);
    ImGui::SameLine();
    if (!c.train_status.ok()) ErrorText(c.train_status.message());
    else if (ready) ImGui::Text("step %d", c.trainer.steps());
    return;
  }
  DrawTrainingButtons(s, c);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
  double lr = lab.learning_rate;
  if (ImGui::InputDouble("learning rate", &lr, 0, 0, "%.4g")) {
    if (std::isfinite(lr) && lr >= 0 && lr <= kMaxTrainLearningRate) lab.learning_rate = lr;
  }
  s.Record("gradients.learning_rate");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
  std::uint64_t tseed = lab.train_seed;  // 64-bit, as in files
  if (ImGui::InputScalar("seed##train", ImGuiDataType_U64, &tseed)) lab.train_seed = tseed;
  s.Record("gradients.train_seed");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
  int ex = lab.examples;
  if (ImGui::InputInt("examples", &ex)) lab.examples = std::clamp(ex, 0, kMaxTrainExamples);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
  int ms = lab.max_steps;
  if (ImGui::InputInt("max steps", &ms, 100)) lab.max_steps = std::clamp(ms, 1, kMaxTrainSteps);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("freeze:");
  bool* flags[] = {&lab.freeze_W_Q, &lab.freeze_W_K, &lab.freeze_W_V, &lab.freeze_W_O};
  const char* names[] = {"W_Q##freeze", "W_K##freeze", "W_V##freeze", "W_O##freeze"};
  for (int i = 0; i < 4; ++i) {
    ImGui::SameLine();
    ImGui::Checkbox(names[i], flags[i]);
    s.Record(std::string("gradients.freeze.") + std::string(names[i]).substr(0, 3));
  }
  ImGui::SameLine();
  ImGui::TextUnformatted("  weights shown:");
  for (int i = 0; i < 4; ++i) {
    ImGui::SameLine();
    ImGui::PushID(i);
    if (ImGui::RadioButton(kEstimatorTitles[i], c.shown_run == i)) c.shown_run = i;
    ImGui::PopID();
  }
  // A fixed line for the run's state: nothing moves under the cursor.
  if (!c.train_status.ok()) {
    ErrorText(c.train_status.ToString());
  } else if (ready) {
    const std::vector<Trainer::Run>& runs = c.trainer.runs();
    std::string losses;
    for (const Trainer::Run& r : runs)
      if (!r.history.empty())
        losses += std::string(losses.empty() ? "" : ", ") + kEstimatorTitles[GradEstimatorIndex(r.estimator)] + " " +
                  Num(s, r.history.back().loss, 4);
    ImGui::Text("step %d of at most %d, %s; %s", c.trainer.steps(), lab.max_steps,
                c.trainer.examples().empty() ? "the scenario's example"
                                             : (std::to_string(c.trainer.examples().size()) + " dedupe-sort examples").c_str(),
                losses.empty() ? "press Play or Step" : ("loss " + losses).c_str());
    if (!s.ui.exporting && c.last_steps > 0) {  // a measure, never in pictures
      ImGui::SameLine();
      ImGui::TextDisabled("(%d steps in %.2f ms last frame)", c.last_steps, c.last_ms);
    }
  } else {
    ImGui::TextDisabled("(no run)");
  }
}

void DrawSave(AppState& s) {
  GradientsViewCache& c = s.ui.caches.Get<GradientsViewCache>();
  if (!c.trainer_ready) return;
  if (c.save_path.empty()) {
    std::string base = s.scenario_path.empty() ? std::string("trained.json") : s.scenario_path;
    if (base.size() > 5 && base.compare(base.size() - 5, 5, ".json") == 0) base.resize(base.size() - 5);
    c.save_path = s.scenario_path.empty() ? base : base + "-trained.json";
  }
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s", c.save_path.c_str());
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18);
  if (ImGui::InputText("##save_path", buf, sizeof buf)) c.save_path = buf;
  ImGui::SameLine();
  if (ImGui::Button("Save as scenario\u2026##train")) {
    const Scenario trained = TrainedScenario(s.scenario, c);
    const Status st = WriteFileAtomic(c.save_path, ScenarioToJson(trained));
    c.save_failed = !st.ok();
    c.save_message = st.ok() ? "saved the " + std::string(kEstimatorTitles[c.shown_run]) + " run's weights to " +
                                   c.save_path
                             : st.ToString();
  }
  s.Record("gradients.save");
  ImGui::SameLine();
  if (ImGui::Button("Open in the Attention view##train")) {
    Scenario trained = TrainedScenario(s.scenario, c);
    s.Edit() = std::move(trained);
  }
  s.Record("gradients.open_attention");
  if (!c.save_message.empty()) {
    ImGui::SameLine();
    if (c.save_failed) ErrorText(c.save_message);
    else ImGui::TextDisabled("%s", c.save_message.c_str());
  }
}

// ---- presentation ----

void DrawSlides(AppState& s, const Panels* p, const std::vector<Figure>& compare, const std::vector<Figure>& train) {
  const float font = ImGui::GetFontSize();
  std::vector<Slide> slides;
  auto add = [&](const std::vector<Figure>& figs) {
    for (const Figure& f : figs)
      slides.push_back({f.name, f.title, FigureReadableSize(s, f), [&s, f](ImVec2 room) { DrawFigure(s, f, room); }});
  };
  if (p) {
    add(p->heads);
    add(p->weights);
    add(p->output);
    add(p->embedding);
  }
  add(compare);
  const ImVec2 plot(font * 16.0f, font * 10.0f);
  slides.push_back({"grad_sizes", "Gradient sizes (bars)", plot, [&s](ImVec2 room) { DrawSizes(s, room); }});
  slides.push_back({"norms_vs_T", "Norms against T", plot, [&s](ImVec2 room) { DrawSweep(s, room); }});
  slides.push_back({"train_loss", "Training loss", plot, [&s](ImVec2 room) { DrawCurve(s, Curve::kLoss, room); }});
  slides.push_back({"moved_W_Q", "W_Q's distance from its start", plot,
                    [&s](ImVec2 room) { DrawCurve(s, Curve::kMovedQ, room); }});
  slides.push_back({"moved_W_K", "W_K's distance from its start", plot,
                    [&s](ImVec2 room) { DrawCurve(s, Curve::kMovedK, room); }});
  slides.push_back({"moved_W_V", "W_V's distance from its start", plot,
                    [&s](ImVec2 room) { DrawCurve(s, Curve::kMovedV, room); }});
  slides.push_back({"moved_W_O", "W_O's distance from its start", plot,
                    [&s](ImVec2 room) { DrawCurve(s, Curve::kMovedO, room); }});
  add(train);
  if (!s.scenario.notes.empty() || !s.scenario.solution.empty())
    slides.push_back({"exercise", "The exercise and its solution", ImVec2(font * 16.0f, font * 8.0f),
                      [&s](ImVec2) { DrawExerciseText(s); }});
  DrawPresentation(s, slides, FindViewScreen("gradients")->presentation_panels);
}

}  // namespace

void DrawGradientsView(AppState& s) {
  s.ui.panel_names.clear();
  Lab(s);
  Update(s);
  GradientsViewCache& c = s.ui.caches.Get<GradientsViewCache>();
  if (!c.synced || c.synced_revision != s.revision) {  // (a copy of the model: once per edit, not per frame)
    SyncTrainer(s.scenario, &c);
    c.synced = true;
    c.synced_revision = s.revision;
  }
  // Training runs a bounded number of steps per frame: the window never waits.
  if (c.playing && !s.ui.exporting) {
    const auto start = std::chrono::steady_clock::now();
    c.last_steps = TrainSteps(&c, kMaxTrainStepsPerFrame, kTrainBudgetMs);
    c.last_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  const GradientsLabSettings lab = Lab(s);
  const int shown = GradEstimatorIndex(lab.estimator);
  const bool ok = c.grad_status[static_cast<size_t>(shown)].ok();
  Panels panels;
  if (ok) MakePanels(s, c.grads[static_cast<size_t>(shown)], &panels);
  const std::vector<Figure> compare = ok ? CompareFigures(s, panels.L) : std::vector<Figure>();
  // The training figures point into the runs, which Reset replaces: they are
  // made after the controls that may press it.
  Labels train_labels;
  std::vector<Figure> train;
  const float font = ImGui::GetFontSize();
  if (ExportingOnePanel(s)) {
    train = TrainFigures(s, &train_labels);
    const ImVec2 size = FigureExportSize();
    for (const std::vector<Figure>* group :
         std::initializer_list<const std::vector<Figure>*>{&panels.output, &panels.heads, &panels.weights,
                                                          &panels.embedding, &compare, &train})
      for (const Figure& f : *group) DrawFigure(s, f, size);
    DrawSizes(s, size);
    DrawSweep(s, size);
    for (Curve cv : {Curve::kLoss, Curve::kMovedQ, Curve::kMovedK, Curve::kMovedV, Curve::kMovedO})
      DrawCurve(s, cv, size);
    return;
  }
  if (s.ui.presentation) DrawControlsCompact(s);
  else DrawControls(s);
  // The estimator's note in a fixed place (argmax: why the zeros), its height
  // reserved for the longest note's lines at this width: switching the
  // estimator moves nothing below it.
  const float note_y0 = ImGui::GetCursorPosY();
  const float note_reserve =
      std::max(ImGui::GetTextLineHeight(),
               ImGui::CalcTextSize(s.ui.presentation ? kArgmaxShort : kArgmaxWhy, nullptr, false,
                                   ImGui::GetContentRegionAvail().x)
                   .y);
  if (!ok) {
    ErrorText(c.grad_status[static_cast<size_t>(shown)].ToString());
  } else if (c.grads[static_cast<size_t>(shown)].scores_gradient_zero) {
    ImGui::PushStyleColor(ImGuiCol_Text, kNoteColor);
    ImGui::TextWrapped("%s", s.ui.presentation ? kArgmaxShort : kArgmaxWhy);
    ImGui::PopStyleColor();
  } else if (s.ui.presentation) {
    const Gradients& g = c.grads[static_cast<size_t>(shown)];
    ImGui::Text("loss %s", Num(s, g.loss, 5).c_str());
  } else {
    const Gradients& g = c.grads[static_cast<size_t>(shown)];
    ImGui::Text("loss %s (the sum, as the Attention view reports it); ||dL/dW_Q|| %s, ||dL/dW_V|| %s",
                Num(s, g.loss, 5).c_str(), Num(s, c.norms[static_cast<size_t>(shown)].W_Q, 3).c_str(),
                Num(s, c.norms[static_cast<size_t>(shown)].W_V, 3).c_str());
  }
  {
    const float sp = ImGui::GetStyle().ItemSpacing.y;
    if (ImGui::GetCursorPosY() < note_y0 + note_reserve + sp) {
      ImGui::SetCursorPosY(note_y0 + note_reserve);
      ImGui::Dummy(ImVec2(0, 0));
    }
  }
  if (s.ui.presentation) {
    bool training = false;
    for (const std::string& k : PresentationChoice(s, FindViewScreen("gradients")->presentation_panels))
      if (k.rfind("train", 0) == 0 || k.rfind("moved_", 0) == 0) training = true;
    if (training) DrawTrainingControls(s, true);
    train = TrainFigures(s, &train_labels);
    DrawSlides(s, ok ? &panels : nullptr, compare, train);
    return;
  }
  ImGui::BeginChild("gradients_body", ImVec2(0, 0), false);
  const float avail = ImGui::GetContentRegionAvail().x;
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  if (ok) {
    Section("Per head: P, dL/dP, scores, dL/dscores");
    DrawFlow(s, panels.heads);
    Section("Weights and their gradients");
    DrawFlow(s, panels.weights);
    Section("Output side: logits, R, Z and their gradients");
    DrawFlow(s, panels.output);
    if (!panels.embedding.empty()) {
      Section("E reaches the loss twice: the two paths add");
      DrawFlow(s, panels.embedding);
    }
  }
  Section("Sizes, and how they change with T");
  const float half = avail > font * 40.0f ? (avail - spacing) * 0.5f : avail;
  DrawSizes(s, ImVec2(half, font * 13.0f));
  if (half < avail) ImGui::SameLine();
  DrawSweep(s, ImVec2(half, font * 13.0f));
  if (ok) {
    Section("Estimators side by side (head 0): forward P and backward dL/dscores");
    DrawHardPath(s);
    DrawFlow(s, compare);
  }
  Section("Training, live");
  DrawTrainingControls(s);
  DrawSave(s);
  const float third = avail > font * 50.0f ? (avail - 2 * spacing) / 3.0f : avail;
  DrawCurve(s, Curve::kLoss, ImVec2(third, font * 12.0f));
  if (third < avail) ImGui::SameLine();
  DrawCurve(s, Curve::kMovedQ, ImVec2(third, font * 12.0f));
  if (third < avail) ImGui::SameLine();
  DrawCurve(s, Curve::kMovedK, ImVec2(third, font * 12.0f));
  DrawCurve(s, Curve::kMovedV, ImVec2(half, font * 12.0f));
  if (half < avail) ImGui::SameLine();
  DrawCurve(s, Curve::kMovedO, ImVec2(half, font * 12.0f));
  train = TrainFigures(s, &train_labels);
  DrawFlow(s, train);
  if (!s.scenario.notes.empty() || !s.scenario.solution.empty()) {
    ImGui::Separator();
    DrawExerciseText(s);
  }
  ImGui::EndChild();
}

}  // namespace attnlab::ui
