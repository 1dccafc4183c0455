// The Decoding view's numbers (E4) from a scenario: its batch through the
// shared model, step by step and in one shot, and the cost model.
#include <algorithm>
#include <string>

#include "attnlab/decoding.hpp"
#include "attnlab/scenario.hpp"

namespace attnlab {
namespace {

bool SameMatrix(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && (a.size() == 0 || a == b);
}
bool SameMatrices(const std::vector<Matrix>& a, const std::vector<Matrix>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!SameMatrix(a[i], b[i])) return false;
  return true;
}
bool SameBlocks(const std::vector<std::vector<Matrix>>& a, const std::vector<std::vector<Matrix>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!SameMatrices(a[i], b[i])) return false;
  return true;
}

// The scenario's model for inputs of width d_model: its heads packed, its
// layout, its W_O and biases (multihead.hpp).
Status ScenarioModel(const Scenario& s, int d_model, MultiHeadWeights* w) { return PackHeads(s, d_model, w); }

}  // namespace

bool operator==(const DecodingLabSettings& a, const DecodingLabSettings& b) {
  return a.sequences == b.sequences && SameMatrices(a.inputs, b.inputs) && SameBlocks(a.cache_K, b.cache_K) &&
         SameBlocks(a.cache_V, b.cache_V) && a.step == b.step && a.sequence == b.sequence && a.cost_b == b.cost_b &&
         a.cost_n == b.cost_n && a.cost_d == b.cost_d && a.cost_h == b.cost_h && a.cost_g == b.cost_g;
}

DecodeShape CostShape(const DecodingLabSettings& lab, int g) {
  DecodeShape s;
  s.b = lab.cost_b;
  s.n = lab.cost_n;
  s.d = lab.cost_d;
  s.h = lab.cost_h;
  s.g = g;
  s.d_k = s.d_v = lab.cost_h > 0 ? lab.cost_d / lab.cost_h : 0;
  s.word = 8;
  return s;
}

Status CheckDecodingSettings(const DecodingLabSettings& lab) {
  const std::string p = "decoding_lab";
  if (lab.sequences.size() > static_cast<size_t>(kMaxDecodeBatch) ||
      lab.inputs.size() > static_cast<size_t>(kMaxDecodeBatch))
    return Status::Error(p + (lab.inputs.empty() ? ".sequences" : ".inputs"),
                         "at most " + std::to_string(kMaxDecodeBatch) + " sequences in a batch");
  if (!lab.sequences.empty() && !lab.inputs.empty())
    return Status::Error(p + ".inputs", "give the batch as sequences (tokens) or as inputs (X), not both");
  // Every sequence of the batch the same length, and within kMaxPositions,
  // before anything is built for any of them (a file names the sizes).
  const auto same_length = [&](const std::string& field, size_t count, auto length) -> Status {
    for (size_t i = 0; i < count; ++i) {
      const double n = static_cast<double>(length(i));
      if (n > kMaxPositions)
        return Status::Error(field + "[" + std::to_string(i) + "]",
                             std::to_string(static_cast<long long>(n)) + " positions; at most " +
                                 std::to_string(kMaxPositions));
      if (i > 0 && n != static_cast<double>(length(0)))
        return Status::Error(field + "[" + std::to_string(i) + "]",
                             "has " + std::to_string(static_cast<long long>(n)) + " positions, sequence 0 has " +
                                 std::to_string(static_cast<long long>(length(0))) +
                                 "; a batch's sequences are the same length");
    }
    return Status::Ok();
  };
  Status lengths = same_length(p + ".sequences", lab.sequences.size(), [&](size_t i) { return lab.sequences[i].size(); });
  if (!lengths.ok()) return lengths;
  lengths = same_length(p + ".inputs", lab.inputs.size(), [&](size_t i) { return lab.inputs[i].rows(); });
  if (!lengths.ok()) return lengths;
  // The cost sizes are also the sizes "measure" runs at: bounded as a step
  // the machine can run (MHA's cache, the largest, at most 512 MiB).
  DecodeShape mha = CostShape(lab, lab.cost_h);
  Status st = CheckMeasureShape(mha, p + ".cost");
  if (!st.ok()) {
    if (st.field() == p + ".cost.b") return Status::Error(p + ".cost_b", st.message());
    if (st.field() == p + ".cost.n") return Status::Error(p + ".cost_n", st.message());
    if (st.field() == p + ".cost.d") return Status::Error(p + ".cost_d", st.message());
    if (st.field() == p + ".cost.h" || st.field() == p + ".cost.g") return Status::Error(p + ".cost_h", st.message());
    return Status::Error(p + ".cost_n", st.message());
  }
  if (lab.cost_g < 1 || lab.cost_g > lab.cost_h || lab.cost_h % lab.cost_g != 0)
    return Status::Error(p + ".cost_g", "must divide cost_h = " + std::to_string(lab.cost_h) + ", got " +
                                            std::to_string(lab.cost_g));
  return Status::Ok();
}

void ComputeDecodingCosts(const DecodingLabSettings& lab, DecodingView* out) {
  const int gs[3] = {lab.cost_h, lab.cost_g, 1};
  for (int i = 0; i < 3; ++i) {
    out->shapes[i] = CostShape(lab, gs[i]);
    out->costs[i] = DecodeStepCost(out->shapes[i]);
  }
}

bool DecodeIsRoundOff(double max_abs_diff, double max_abs_diff_weights, double max_abs_Y) {
  return max_abs_diff <= kDecodeRoundOff * max_abs_Y && max_abs_diff_weights <= kDecodeRoundOff;
}

Status ComputeDecodingView(const Scenario& s, const Result& r, DecodingView* out) {
  const DecodingLabSettings* found = s.views.Find<DecodingLabSettings>();
  const DecodingLabSettings lab = found ? *found : DecodingLabSettings();
  Status st = CheckDecodingSettings(lab);
  if (!st.ok()) return st;
  ComputeDecodingCosts(lab, out);
  out->decoded = false;
  out->note.clear();
  out->input = DecodeInput();
  out->tokens.clear();
  std::string field = "decoding_lab.";
  if (!lab.inputs.empty()) {
    out->input.X = lab.inputs;
    field += "inputs";
  } else if (!lab.sequences.empty()) {
    if (s.E.size() == 0 || s.vocab.empty())
      return Status::Error("decoding_lab.sequences", "token sequences need the scenario's vocab and E");
    for (size_t i = 0; i < lab.sequences.size(); ++i) {
      Matrix X(static_cast<Eigen::Index>(lab.sequences[i].size()), s.E.cols());
      for (size_t t = 0; t < lab.sequences[i].size(); ++t) {
        const auto it = std::find(s.vocab.begin(), s.vocab.end(), lab.sequences[i][t]);
        if (it == s.vocab.end())
          return Status::Error("decoding_lab.sequences[" + std::to_string(i) + "][" + std::to_string(t) + "]",
                               "\"" + lab.sequences[i][t] + "\" is not in the vocabulary");
        const Eigen::Index id = it - s.vocab.begin();
        if (id >= s.E.rows())
          return Status::Error("E", "has no row for token \"" + lab.sequences[i][t] + "\" (row " + std::to_string(id) + ")");
        X.row(static_cast<Eigen::Index>(t)) = s.E.row(id);
      }
      out->input.X.push_back(std::move(X));
      out->tokens.push_back(lab.sequences[i]);
    }
    field += "sequences";
  } else {
    if (s.input == InputMode::kQKV || r.X.size() == 0) {
      out->decoded = false;
      out->note = "decoding needs tokens or X through the model; this scenario gives Q, K and V directly";
      return Status::Ok();
    }
    out->input.X.push_back(r.X);
    if (static_cast<Eigen::Index>(s.tokens.size()) == r.X.rows()) out->tokens.push_back(s.tokens);
    field = "";
    if (r.X_kv.size())
      out->note = "decoding is self-attention over X, each token attending to the cache of the tokens before it; "
                  "the scenario's X_kv (cross-attention) is not used";
  }
  out->input.cache_K = lab.cache_K;
  out->input.cache_V = lab.cache_V;
  const int d_model = static_cast<int>(out->input.X[0].cols());
  if (!(st = ScenarioModel(s, d_model, &out->model)).ok()) return st;
  if (!(st = CheckDecodeWeights(out->model)).ok()) return st;
  if (!(st = CheckDecodeInput(out->model, out->input, field.empty() ? "X" : field, "decoding_lab.")).ok()) return st;
  const double b = static_cast<double>(out->input.X.size()), n = static_cast<double>(out->input.X[0].rows());
  const double m = lab.cache_K.empty() ? 0.0 : static_cast<double>(lab.cache_K[0][0].rows());
  const double cells = b * out->model.layout.num_heads * n * (m + n);
  if (cells > kMaxDecodeWeights)
    return Status::Error(field.empty() ? "decoding_lab" : field,
                         std::to_string(static_cast<long long>(b)) + " sequences x " +
                             std::to_string(out->model.layout.num_heads) + " heads x " +
                             std::to_string(static_cast<long long>(n)) + " steps x " +
                             std::to_string(static_cast<long long>(m + n)) + " positions = " +
                             std::to_string(static_cast<long long>(cells)) + " weights; at most " +
                             std::to_string(static_cast<long long>(kMaxDecodeWeights)));
  if (m + n > kMaxPositions)
    return Status::Error(field.empty() ? "decoding_lab.cache_K" : field,
                         std::to_string(static_cast<long long>(m + n)) + " positions (cache and steps); at most " +
                             std::to_string(kMaxPositions));
  if (!(st = DecodeSequences(out->model, s.attention, out->input, &out->run)).ok()) return st;
  if (!(st = DecodeOneShot(out->model, s.attention, out->input, &out->Y_batched, &out->weights_batched)).ok())
    return st;
  out->decoded = true;
  out->max_abs_diff = MaxAbsDiff(out->run.Y, out->Y_batched);
  out->max_abs_diff_weights = MaxAbsDiff(out->run.weights, out->weights_batched);
  out->max_abs_Y = 0;
  for (const Matrix& y : out->Y_batched)
    if (y.size()) out->max_abs_Y = std::max(out->max_abs_Y, y.cwiseAbs().maxCoeff());
  const HeadLayout& L = out->model.layout;
  const int d_out = static_cast<int>(out->run.Y[0].cols());
  out->weight_shapes = DecodeWeightShapes(d_model, L.num_heads, L.n_kv_heads, L.d_k, L.d_v,
                                          out->model.W_O.size() ? static_cast<int>(out->model.W_O.cols()) : 0);
  out->einsums = DecodeEinsums(static_cast<int>(b), static_cast<int>(m + n), d_out, L.num_heads, L.n_kv_heads, L.d_k,
                               L.d_v);
  return Status::Ok();
}

}  // namespace attnlab
