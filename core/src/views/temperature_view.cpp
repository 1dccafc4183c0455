// The Temperature view (E7) without its screen: the "temperature_lab" object
// of a scenario file, and what `attnlab eval` prints under views.temperature.
#include <cmath>

#include "attnlab/scenario.hpp"
#include "attnlab/temperature.hpp"
#include "attnlab/views.hpp"
#include "../json_io.hpp"

namespace attnlab {
namespace {

Status Read(const json& j, const std::string& p, ViewSettings* views) {
  Status st = CheckObject(j, p, {"row", "scores", "t_min", "t_max", "cursor", "whole_matrix"});
  TemperatureLabSettings& lab = views->Get<TemperatureLabSettings>();
  auto positive = [](double v) { return v > 0 && std::isfinite(v); };
  if (!st.ok() || !(st = Field(j, p, "row", &lab.row, ReadInt, [](int v) { return v >= 0; }, ">= 0")).ok() ||
      !(st = Field(j, p, "scores", &lab.scores, ReadNumberList, Any(), "")).ok() ||
      !(st = Field(j, p, "t_min", &lab.t_min, ReadNumber, positive, "> 0")).ok() ||
      !(st = Field(j, p, "t_max", &lab.t_max, ReadNumber, positive, "> 0")).ok() ||
      !(st = Field(j, p, "cursor", &lab.cursor, ReadNumber, [](double v) { return v >= 0 && std::isfinite(v); },
                   ">= 0 (0 = argmax)")).ok() ||
      !(st = Field(j, p, "whole_matrix", &lab.whole_matrix, ReadBool, Any(), "")).ok())
    return st;
  if (!(lab.t_max > lab.t_min)) return Status::Error(p + ".t_max", "must be larger than t_min");
  return Status::Ok();
}

bool Write(const ViewSettings& views, ordered_json* o) {
  const TemperatureLabSettings* t = views.Find<TemperatureLabSettings>();
  if (!t) return false;
  (*o)["row"] = t->row;
  if (!t->scores.empty()) (*o)["scores"] = t->scores;
  (*o)["t_min"] = t->t_min;
  (*o)["t_max"] = t->t_max;
  (*o)["cursor"] = t->cursor;
  (*o)["whole_matrix"] = t->whole_matrix;
  return true;
}

const SettingsCodec kCodec{Read, Write};

Status Evaluate(const Scenario& scenario, const Result& result, Report* out) {
  const TemperatureLabSettings* found = scenario.views.Find<TemperatureLabSettings>();
  const TemperatureLabSettings lab = found ? *found : TemperatureLabSettings();
  const Matrix* scores = result.heads.empty() ? nullptr : &result.heads[0].scores;
  TemperatureView v;
  Status st = ComputeTemperatureView(lab, scores, &v);
  if (!st.ok()) return st;
  if (v.row.typed) {
    out->AddText("row_source", "typed");
  } else {
    out->AddText("row_source", "scores");
    out->AddInteger("row", v.row.row);
  }
  out->AddLabels("keys", v.row.key_labels);
  out->AddNumbers("z", v.row.z);
  out->AddNumbers("temperatures", v.sweep.temperatures);
  out->AddMatrix("weights", v.sweep.weights);  // (temperature, key)
  out->AddNumbers("entropy", v.sweep.entropy);
  out->AddNumbers("max_weight", v.sweep.max_weight);
  out->AddNumbers("cold_limit", v.sweep.cold_limit);
  out->AddNumbers("hot_limit", v.sweep.hot_limit);
  out->AddNumber("cold_entropy", v.sweep.cold_entropy);
  out->AddNumber("hot_entropy", v.sweep.hot_entropy);
  out->AddNumber("cursor", lab.cursor);
  out->AddNumbers("cursor_weights", v.cursor_weights);
  out->AddNumber("cursor_entropy", Entropy(v.cursor_weights));
  out->AddNumber("cursor_max_weight", v.cursor_weights.size() ? v.cursor_weights.maxCoeff() : 0.0);
  if (lab.whole_matrix) {
    Report& m = out->AddSection("whole_matrix");
    if (v.cursor_matrix.size()) m.AddMatrix("cursor_weights", v.cursor_matrix);
    if (v.matrix_swept) {
      m.AddMatrix("entropy", v.matrix_sweep.entropy);        // (row, temperature)
      m.AddMatrix("max_weight", v.matrix_sweep.max_weight);  // (row, temperature)
    } else {
      m.AddText("note", v.matrix_note);
    }
  }
  return Status::Ok();
}

}  // namespace

extern const ViewModel kTemperatureView{
    "temperature",
    "Temperature",
    "E7: one row of scores as T sweeps from argmax (T -> 0) to uniform (T -> infinity)",
    "temperature_lab",
    &kCodec,
    Evaluate,
    nullptr,
    {{"cursor_weights", "softmax(z / T) at the cursor T", {"z", "cursor"}},
     {"cold_limit", "the T -> 0 limit: argmax, ties split equally", {"z"}},
     {"cursor_entropy", "H = -sum w log w (nats) at the cursor T", {"z", "cursor"}}},
};

}  // namespace attnlab
