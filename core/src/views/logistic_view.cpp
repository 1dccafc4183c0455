// The Logistic regression view (E10) without its screen: the "logistic_lab"
// object of a scenario file, and what `attnlab eval` prints under views.logistic.
//
//   "logistic_lab": {
//     "points": [[1, 2], [-1, -1.5]],   2-D points (at most kMaxLogisticPoints)
//     "labels": [1, -1],                 +1 or -1, one per point
//     "lambda": 0.1,                     the L2 penalty shown beside lambda = 0
//     "learning_rate": 1, "steps": 200, "w0": [0, 0],   gradient descent
//     "alpha_max": 10                    the range of L(alpha w*)
//   }
#include <cmath>

#include "attnlab/e10_lab.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/views.hpp"
#include "../json_io.hpp"

namespace attnlab {
namespace {

Status ReadPoint(const json& j, const std::string& path, Point2* out) {
  std::vector<double> v;
  Status st = ReadNumberList(j, path, &v);
  if (!st.ok()) return st;
  if (v.size() != 2) return Status::Error(path, "a point is [x, y], got " + j.dump());
  *out = {v[0], v[1]};
  return Status::Ok();
}

Status Read(const json& j, const std::string& p, ViewSettings* views) {
  Status st = CheckObject(j, p, {"points", "labels", "lambda", "learning_rate", "steps", "w0", "alpha_max"});
  if (!st.ok()) return st;
  LogisticLabSettings lab = DefaultLogisticLab();
  if (j.contains("points") != j.contains("labels"))
    return Status::Error(p + (j.contains("points") ? ".labels" : ".points"), "give both points and labels");
  if (j.contains("points")) {
    const json& pts = j["points"];
    if (!pts.is_array()) return Status::Error(p + ".points", "expected an array of [x, y], got " + TypeName(pts));
    if (pts.size() > static_cast<size_t>(kMaxLogisticPoints))
      return Status::Error(p + ".points", std::to_string(pts.size()) + " points; at most " +
                                              std::to_string(kMaxLogisticPoints));
    lab.data.points.assign(pts.size(), Point2());
    for (size_t i = 0; i < pts.size(); ++i)
      if (!(st = ReadPoint(pts[i], p + ".points[" + std::to_string(i) + "]", &lab.data.points[i])).ok()) return st;
    const json& lbl = j["labels"];
    if (!lbl.is_array()) return Status::Error(p + ".labels", "expected an array of +1 and -1, got " + TypeName(lbl));
    if (lbl.size() != pts.size())
      return Status::Error(p + ".labels", std::to_string(lbl.size()) + " labels for " + std::to_string(pts.size()) +
                                              " points: give one per point");
    lab.data.labels.assign(lbl.size(), 1);
    for (size_t i = 0; i < lbl.size(); ++i) {
      const std::string at = p + ".labels[" + std::to_string(i) + "]";
      if (!(st = ReadInt(lbl[i], at, &lab.data.labels[i])).ok()) return st;
      if (lab.data.labels[i] != 1 && lab.data.labels[i] != -1)
        return Status::Error(at, "a label is 1 or -1, got " + lbl[i].dump());
    }
  }
  auto finite = [](double v) { return std::isfinite(v); };
  if (!(st = Field(j, p, "lambda", &lab.lambda, ReadNumber, finite, "a number")).ok() ||
      !(st = Field(j, p, "learning_rate", &lab.learning_rate, ReadNumber, finite, "a number")).ok() ||
      !(st = Field(j, p, "steps", &lab.steps, ReadInt, Any(), "")).ok() ||
      !(st = Field(j, p, "alpha_max", &lab.alpha_max, ReadNumber, finite, "a number")).ok())
    return st;
  if (j.contains("w0") && !(st = ReadPoint(j["w0"], p + ".w0", &lab.w0)).ok()) return st;
  if (!(st = CheckLogisticLab(lab)).ok()) return st;  // names logistic_lab.<field>
  views->Set(std::move(lab));
  return Status::Ok();
}

bool Write(const ViewSettings& views, ordered_json* o) {
  const LogisticLabSettings* lab = views.Find<LogisticLabSettings>();
  if (!lab) return false;
  ordered_json pts = ordered_json::array();
  for (const Point2& q : lab->data.points) pts.push_back(ordered_json::array({q.x, q.y}));
  (*o)["points"] = std::move(pts);
  (*o)["labels"] = lab->data.labels;
  (*o)["lambda"] = lab->lambda;
  (*o)["learning_rate"] = lab->learning_rate;
  (*o)["steps"] = lab->steps;
  (*o)["w0"] = ordered_json::array({lab->w0.x, lab->w0.y});
  (*o)["alpha_max"] = lab->alpha_max;
  return true;
}

const SettingsCodec kCodec{Read, Write};

std::vector<double> Xy(Point2 p) { return {p.x, p.y}; }

void AddDescent(const std::vector<LogisticStep>& d, const LogisticData& data, double lambda, Report* out) {
  std::vector<double> norm, loss;
  for (const LogisticStep& s : d) {
    norm.push_back(s.norm);
    loss.push_back(s.loss);
  }
  out->AddNumbers("norm", norm);
  out->AddNumbers("loss", loss);
  out->AddNumbers("final_w", Xy(d.back().w));
  out->AddNumber("final_norm", d.back().norm);
  out->AddNumber("final_loss", d.back().loss);
  const Point2 g = LogisticGradient(data, d.back().w, lambda);
  out->AddNumber("final_gradient_norm", std::hypot(g.x, g.y));
  out->AddBool("final_separates", Separates(data, d.back().w));
}

Status Evaluate(const Scenario& scenario, const Result&, Report* out) {
  const LogisticLabSettings* found = scenario.views.Find<LogisticLabSettings>();
  const LogisticLabSettings lab = found ? *found : DefaultLogisticLab();
  LogisticLabView v;
  Status st = ComputeLogisticLab(lab, &v);
  if (!st.ok()) return st;
  Matrix pts(static_cast<Eigen::Index>(lab.data.points.size()), 2);
  std::vector<double> labels;
  for (size_t i = 0; i < lab.data.points.size(); ++i) {
    pts(static_cast<Eigen::Index>(i), 0) = lab.data.points[i].x;
    pts(static_cast<Eigen::Index>(i), 1) = lab.data.points[i].y;
    labels.push_back(lab.data.labels[i]);
  }
  out->AddMatrix("points", pts);
  out->AddNumbers("labels", labels);
  out->AddBool("separable", v.separable);
  out->AddBool("no_minimum", v.no_minimum);
  if (v.no_minimum) out->AddNumbers("w_star", Xy(v.w_star));
  out->AddText("note", v.note);
  out->AddNumber("lambda", lab.lambda);
  out->AddNumber("learning_rate", lab.learning_rate);
  out->AddInteger("steps", lab.steps);
  out->AddNumbers("w0", std::vector<double>{lab.w0.x, lab.w0.y});
  out->AddNumber("loss_at_w0", LogisticLoss(lab.data, lab.w0, 0.0));
  out->AddNumbers("alphas", v.alphas);
  out->AddNumbers("loss_along", v.loss_along);
  if (!v.loss_along_l2.empty()) {
    out->AddNumbers("loss_along_l2", v.loss_along_l2);
    out->AddNumber("alpha_min_l2", v.alpha_min_l2);
    out->AddNumber("loss_min_l2", v.loss_min_l2);
  }
  AddDescent(v.descent, lab.data, 0.0, &out->AddSection("descent"));
  if (!v.descent_l2.empty()) AddDescent(v.descent_l2, lab.data, lab.lambda, &out->AddSection("descent_l2"));
  if (lab.lambda > 0) out->AddBool("l2_diverged", v.l2_diverged);
  return Status::Ok();
}

Status CheckLimits(const Scenario& scenario) {
  const LogisticLabSettings* lab = scenario.views.Find<LogisticLabSettings>();
  return lab ? CheckLogisticLab(*lab) : Status::Ok();
}

}  // namespace

extern const ViewModel kLogisticView{
    "logistic",
    "Logistic regression (E10)",
    "E10: on separable points the logistic loss has no minimum; gradient descent's ||w|| grows without bound; L2 fixes it",
    "logistic_lab",
    &kCodec,
    Evaluate,
    CheckLimits,
    {{"loss_at_w0", "L(w0) = (1/m) sum_i log(1 + exp(-y_i w0.x_i))", {"points", "labels", "w0"}},
     {"loss_along.10", "L(alpha w*) at alpha = alpha_max / 10", {"points", "labels", "w_star", "alphas.10"}},
     {"descent.norm.1", "||w_1||, w_1 = w0 - eta grad L(w0), grad L(w) = -(1/m) sum_i y_i x_i / (1 + exp(y_i w.x_i))", {"points", "labels", "w0", "learning_rate"}, 1e-3}},
};

}  // namespace attnlab
