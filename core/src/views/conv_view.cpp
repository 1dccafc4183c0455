// The Convolution view (E8) without its screen: the "conv_lab" object of a
// scenario file, and what `attnlab eval` prints under views.conv.
//
//   "conv_lab": {
//     "input": [1, 32, 32],                        [C, spatial...], 1-3 spatial dimensions
//     "sequential": "nn.Sequential(...)"           a chain, as PyTorch code
//   | "layer": "nn.Conv2d(1, 1, (3, 5), stride=(1, 3))"   one layer
//     "grid": {"input": [[...]], "kernel": [[...]], "step": 0}   optional (one layer)
//   }
#include <cmath>
#include <limits>

#include "attnlab/conv_shape.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/views.hpp"
#include "../json_io.hpp"

namespace attnlab {
namespace {

std::vector<double> Doubles(const std::vector<long long>& v) { return std::vector<double>(v.begin(), v.end()); }

Status ReadShape(const json& j, const std::string& path, std::vector<long long>* out) {
  std::vector<double> v;
  Status st = ReadNumberList(j, path, &v);
  if (!st.ok()) return st;
  if (v.size() < 1 || v.size() > 1 + static_cast<size_t>(kMaxConvDims))
    return Status::Error(path, "expected [C, L], [C, H, W] or [C, D, H, W] (or [F]), got " + j.dump());
  out->clear();
  for (size_t i = 0; i < v.size(); ++i) {
    if (!(v[i] >= 1 && v[i] <= static_cast<double>(kMaxConvExtent) && v[i] == std::floor(v[i])))
      return Status::Error(path + "[" + std::to_string(i) + "]",
                           "must be an integer 1.." + std::to_string(kMaxConvExtent) + ", got " + j[i].dump());
    out->push_back(static_cast<long long>(v[i]));
  }
  return Status::Ok();
}

Status ReadGridMatrix(const json& j, const std::string& path, Matrix* out) {
  Status st = ReadMatrix(j, path, out);
  if (!st.ok()) return st;
  if (out->rows() > kMaxGridSize || out->cols() > kMaxGridSize)
    return Status::Error(path, "at most " + std::to_string(kMaxGridSize) + "x" + std::to_string(kMaxGridSize) +
                                   ", got " + std::to_string(out->rows()) + "x" + std::to_string(out->cols()));
  return Status::Ok();
}

// "conv_lab.sequential: line 4: ...": the text's own error under the field.
Status TextError(const std::string& path, const Status& st) { return Status::Error(path, st.ToString()); }

Status Read(const json& j, const std::string& p, ViewSettings* views) {
  Status st = CheckObject(j, p, {"input", "layer", "sequential", "grid"});
  if (!st.ok()) return st;
  ConvLabSettings lab = DefaultConvLab();
  if (j.contains("input") && !(st = ReadShape(j["input"], p + ".input", &lab.input)).ok()) return st;
  if (j.contains("layer") && j.contains("sequential"))
    return Status::Error(p + ".layer", "give either one layer or a sequential chain, not both");
  if (j.contains("sequential")) {
    lab.chain = true;
    if (!(st = ReadString(j["sequential"], p + ".sequential", &lab.source)).ok()) return st;
    std::vector<SequentialWarning> warnings;
    if (!(st = ParseSequential(lab.source, &lab.layers, &warnings)).ok()) return TextError(p + ".sequential", st);
  } else if (j.contains("layer")) {
    if (!(st = ReadString(j["layer"], p + ".layer", &lab.source)).ok()) return st;
    lab.layers.assign(1, Layer());
    if (!(st = ParseLayer(lab.source, &lab.layers[0])).ok()) return TextError(p + ".layer", st);
    // One layer is a layer with a window (the screen's kinds); the others live in chains.
    const LayerKind kind = lab.layers[0].kind;
    if (kind != LayerKind::kConv && kind != LayerKind::kConvTranspose && kind != LayerKind::kAvgPool &&
        kind != LayerKind::kMaxPool)
      return Status::Error(p + ".layer", LayerClass(lab.layers[0]) +
                                             " has no window to slide: one layer is a convolution or a pooling; put "
                                             "it in \"sequential\" to see its shape");
    if (j.contains("input") && lab.input.size() != static_cast<size_t>(lab.layers[0].dims) + 1 &&
        (lab.layers[0].kind == LayerKind::kConv || lab.layers[0].kind == LayerKind::kConvTranspose ||
         lab.layers[0].kind == LayerKind::kAvgPool || lab.layers[0].kind == LayerKind::kMaxPool))
      return Status::Error(p + ".input", LayerClass(lab.layers[0]) + " takes [C" +
                                             std::string(lab.layers[0].dims >= 3 ? ", D" : "") +
                                             std::string(lab.layers[0].dims >= 2 ? ", H, W" : ", L") + "], got " +
                                             std::to_string(lab.input.size()) + " numbers");
  }
  if (j.contains("grid")) {
    const json& g = j["grid"];
    const std::string gp = p + ".grid";
    if (!(st = CheckObject(g, gp, {"input", "kernel", "step"})).ok()) return st;
    if (lab.chain) return Status::Error(gp, "the grid belongs to one layer (\"layer\"), not to a chain");
    if (g.contains("input") && !(st = ReadGridMatrix(g["input"], gp + ".input", &lab.grid_input)).ok()) return st;
    if (g.contains("kernel") && !(st = ReadGridMatrix(g["kernel"], gp + ".kernel", &lab.grid_kernel)).ok()) return st;
    if (!(st = Field(g, gp, "step", &lab.step, ReadInt, [](int v) { return v >= 0; }, ">= 0")).ok()) return st;
    if (lab.grid_kernel.size() > 0 || lab.grid_input.size() > 0) {
      Matrix input, kernel;
      GridDefaults(lab.layers[0], lab.input, &input, &kernel);
      if (lab.grid_input.size() > 0) input = lab.grid_input;
      if (lab.grid_kernel.size() > 0) kernel = lab.grid_kernel;
      GridResult grid;
      const Status fits = ComputeGrid(lab.layers[0], input, kernel, &grid);
      // A kernel of another size than the layer's is a contradiction in the file; an
      // input the kernel does not fit is a grid with nothing to show (the view says so).
      if (!fits.ok() && fits.field() == "grid.kernel") return Status::Error(p + "." + fits.field(), fits.message());
    }
  }
  views->Set(std::move(lab));
  return Status::Ok();
}

bool Write(const ViewSettings& views, ordered_json* o) {
  const ConvLabSettings* lab = views.Find<ConvLabSettings>();
  if (!lab) return false;
  (*o)["input"] = lab->input;
  // The text as it was read while it still reads to the same layers (its
  // layout, comments and missing commas survive a save), else the writer's.
  std::string text;
  if (lab->chain) {
    std::vector<Layer> read;
    text = !lab->source.empty() && ParseSequential(lab->source, &read, nullptr).ok() && read == lab->layers
               ? lab->source
               : WriteSequential(lab->layers);
    (*o)["sequential"] = text;
  } else {
    Layer read;
    text = !lab->source.empty() && ParseLayer(lab->source, &read).ok() && !lab->layers.empty() && read == lab->layers[0]
               ? lab->source
               : (lab->layers.empty() ? std::string("nn.Identity()") : WriteLayer(lab->layers[0]));
    (*o)["layer"] = text;
    if (lab->grid_input.size() > 0 || lab->grid_kernel.size() > 0 || lab->step != 0) {
      ordered_json g = ordered_json::object();
      if (lab->grid_input.size() > 0) g["input"] = MatrixJson(lab->grid_input);
      if (lab->grid_kernel.size() > 0) g["kernel"] = MatrixJson(lab->grid_kernel);
      if (lab->step != 0) g["step"] = lab->step;
      (*o)["grid"] = std::move(g);
    }
  }
  return true;
}

const SettingsCodec kCodec{Read, Write};

void AddDims(const LayerResult& r, Report* out) {
  std::vector<std::string> formulas, problems;
  std::vector<double> pad_before, pad_after;
  for (const DimResult& d : r.dim) {
    formulas.push_back(d.formula);
    if (!d.problem.empty()) problems.push_back(d.problem);
    pad_before.push_back(static_cast<double>(d.pad_left));
    pad_after.push_back(static_cast<double>(d.pad_right));
  }
  if (!formulas.empty()) {
    out->AddLabels("formula", formulas);
    out->AddNumbers("padding_before", pad_before);
    out->AddNumbers("padding_after", pad_after);
  }
  if (!problems.empty()) out->AddLabels("problem", problems);
}

std::vector<double> RfList(const LayerResult& r) {
  std::vector<double> rf;
  if (r.rf_whole) return rf;
  for (size_t d = 0; d + 1 < r.in_shape.size() && d < 3; ++d) rf.push_back(static_cast<double>(r.rf[d]));
  return rf;
}

Status Evaluate(const Scenario& scenario, const Result&, Report* out) {
  const ConvLabSettings* found = scenario.views.Find<ConvLabSettings>();
  const ConvLabSettings lab = found ? *found : DefaultConvLab();
  ConvView v;
  Status st = ComputeConvView(lab, &v);
  if (!st.ok()) return st;
  out->AddText("mode", lab.chain ? "chain" : "layer");
  out->AddNumbers("input", Doubles(lab.input));
  if (!lab.chain) {
    const LayerResult& r = v.chain.layers[0];
    out->AddText("layer", WriteLayer(lab.layers[0]));
    std::vector<double> sizes;
    // (a size <= 0 is no size: null, and `problem` says why in words)
    for (const DimResult& d : r.dim)
      sizes.push_back(d.out > 0 ? static_cast<double>(d.out) : std::numeric_limits<double>::quiet_NaN());
    out->AddNumbers("output_size", sizes);
    out->AddNumbers("output_shape", Doubles(r.out_shape));
    out->AddBool("valid", r.error.empty() && !r.out_shape.empty());
    AddDims(r, out);
    out->AddInteger("params", r.params);
    out->AddInteger("total_params", r.params);  // as in a chain: practice asks for it in both
    out->AddInteger("output_elements", r.out_elements);
    out->AddInteger("mult_adds", r.mult_adds);
    out->AddNumbers("receptive_field", RfList(r));
    if (!r.error.empty()) out->AddText("error", r.error);
    if (!r.note.empty()) out->AddText("note", r.note);
    if (v.grid_shown) {
      Report& g = out->AddSection("grid");
      g.AddMatrix("input", v.grid_input);
      if (lab.layers[0].kind == LayerKind::kConv) g.AddMatrix("kernel", v.grid_kernel);
      g.AddNumbers("padding", std::vector<double>{static_cast<double>(v.grid.pad_top), static_cast<double>(v.grid.pad_bottom),
                               static_cast<double>(v.grid.pad_left), static_cast<double>(v.grid.pad_right)});
      g.AddMatrix("output", v.grid.output);
      const long long cells = v.grid.output.size();
      const long long step = cells > 0 ? std::min<long long>(lab.step, cells - 1) : 0;
      g.AddInteger("step", step);
      g.AddText("step_formula", GridCellFormula(lab.layers[0], v.grid_input, v.grid_kernel, v.grid,
                                                step / v.grid.output.cols(), step % v.grid.output.cols()));
    } else if (!v.grid_note.empty()) {
      out->AddText("grid_note", v.grid_note);
    }
    return Status::Ok();
  }
  for (size_t i = 0; i < v.chain.layers.size(); ++i) {
    const LayerResult& r = v.chain.layers[i];
    Report& item = out->AddListItem("layers");
    item.AddText("layer", WriteLayer(lab.layers[i]));
    item.AddNumbers("in_shape", Doubles(r.in_shape));
    item.AddNumbers("out_shape", Doubles(r.out_shape));
    item.AddInteger("params", r.params);
    item.AddInteger("mult_adds", r.mult_adds);
    if (r.rf_whole) item.AddText("receptive_field", "whole input");
    else if (r.in_shape.size() > 1 && r.rf[0] < 0) item.AddText("receptive_field", "unknown (after a transposed convolution)");
    else item.AddNumbers("receptive_field", RfList(r));
    AddDims(r, &item);
    item.AddText("error", r.error);
  }
  out->AddNumbers("output_shape", Doubles(v.chain.output_shape));
  // The spatial sizes of the output (empty after a flatten), as for one layer.
  out->AddNumbers("output_size", v.chain.output_shape.size() > 1
                                     ? Doubles({v.chain.output_shape.begin() + 1, v.chain.output_shape.end()})
                                     : std::vector<double>());
  out->AddInteger("total_params", v.chain.total_params);
  out->AddInteger("total_mult_adds", v.chain.total_mult_adds);
  out->AddBool("ok", v.chain.ok());
  out->AddList("errors");
  for (const ChainError& e : v.chain.errors) {
    Report& item = out->AddListItem("errors");
    item.AddInteger("layer", e.layer);
    item.AddText("field", e.field);
    item.AddInteger("declared", e.declared);
    item.AddInteger("actual", e.actual);
    item.AddBool("fixable", e.fixable);
    item.AddText("message", e.message);
  }
  std::vector<std::string> warnings;
  for (const SequentialWarning& w : v.warnings) warnings.push_back(w.message);
  out->AddLabels("warnings", warnings);
  return Status::Ok();
}

// The counts the view adds: layers (the reader also bounds them), and the
// network's work, which ComputeConvView saturates rather than overflows.
Status CheckLimits(const Scenario& scenario) {
  const ConvLabSettings* lab = scenario.views.Find<ConvLabSettings>();
  if (!lab) return Status::Ok();
  if (lab->layers.size() > static_cast<size_t>(kMaxChainLayers))
    return Status::Error("conv_lab.sequential", std::to_string(lab->layers.size()) + " layers; at most " +
                                                    std::to_string(kMaxChainLayers));
  if (lab->input.size() > static_cast<size_t>(kMaxConvDims) + 1)
    return Status::Error("conv_lab.input", "at most [C, D, H, W]");
  return Status::Ok();
}

}  // namespace

extern const ViewModel kConvView{
    "conv",
    "Convolution",
    "E8: output sizes of conv and pooling layers, a network's shapes and parameters, the kernel sliding over a grid",
    "conv_lab",
    &kCodec,
    Evaluate,
    CheckLimits,
    {{"output_size", "floor((N + 2P - D (F - 1) - 1) / S) + 1 per dimension", {"input", "layer", "layers[].layer"}},
     {"output_shape", "the network's output shape [C, H, W] or [F]", {"input", "layer", "layers[].layer"}},
     {"total_params", "the trainable parameters: weights and biases of every layer", {"input", "layer", "layers[].layer"}},
     {"layers[].out_shape", "this layer's output shape: floor((N + 2P - D (F - 1) - 1) / S) + 1 per spatial dimension", {"input", "layers[].layer"}}},
};

}  // namespace attnlab
