// The Decoding view (E4) without its screen: the "decoding_lab" object of a
// scenario file, and what `attnlab eval` prints under views.decoding.
#include <cstdio>
#include <string>

#include "attnlab/decoding.hpp"
#include "attnlab/limits.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/views.hpp"
#include "../json_io.hpp"

namespace attnlab {
namespace {

Status ReadArray(const json& j, const std::string& path, size_t max, const char* what) {
  if (!j.is_array()) return Status::Error(path, std::string("expected an array of ") + what + ", got " + TypeName(j));
  if (j.size() > max)
    return Status::Error(path, "at most " + std::to_string(max) + " " + what + ", got " + std::to_string(j.size()));
  return Status::Ok();
}

Status ReadMatrices(const json& j, const std::string& path, std::vector<Matrix>* out) {
  Status st = ReadArray(j, path, kMaxDecodeBatch, "matrices");
  if (!st.ok()) return st;
  out->assign(j.size(), Matrix());
  for (size_t i = 0; i < j.size(); ++i)
    if (!(st = ReadMatrix(j[i], path + "[" + std::to_string(i) + "]", &(*out)[i])).ok()) return st;
  return Status::Ok();
}

// [b][g] blocks: an array (sequences) of arrays (K/V heads) of matrices.
Status ReadBlocks(const json& j, const std::string& path, std::vector<std::vector<Matrix>>* out) {
  Status st = ReadArray(j, path, kMaxDecodeBatch, "sequences (each an array of K/V heads' matrices)");
  if (!st.ok()) return st;
  out->assign(j.size(), {});
  for (size_t i = 0; i < j.size(); ++i)
    if (!(st = ReadMatrices(j[i], path + "[" + std::to_string(i) + "]", &(*out)[i])).ok()) return st;
  return Status::Ok();
}

Status ReadSequences(const json& j, const std::string& path, std::vector<std::vector<std::string>>* out) {
  Status st = ReadArray(j, path, kMaxDecodeBatch, "token sequences");
  if (!st.ok()) return st;
  out->assign(j.size(), {});
  for (size_t i = 0; i < j.size(); ++i)
    if (!(st = ReadStringList(j[i], path + "[" + std::to_string(i) + "]", &(*out)[i])).ok()) return st;
  return Status::Ok();
}

Status Read(const json& j, const std::string& p, ViewSettings* views) {
  Status st = CheckObject(j, p, {"sequences", "inputs", "cache_K", "cache_V", "step", "sequence", "cost_b", "cost_n",
                                 "cost_d", "cost_h", "cost_g"});
  DecodingLabSettings& lab = views->Get<DecodingLabSettings>();
  auto index = [](int v) { return v >= 0; };
  auto count = [](int v) { return v >= 1; };
  if (!st.ok() || (j.contains("sequences") && !(st = ReadSequences(j["sequences"], p + ".sequences", &lab.sequences)).ok()) ||
      (j.contains("inputs") && !(st = ReadMatrices(j["inputs"], p + ".inputs", &lab.inputs)).ok()) ||
      (j.contains("cache_K") && !(st = ReadBlocks(j["cache_K"], p + ".cache_K", &lab.cache_K)).ok()) ||
      (j.contains("cache_V") && !(st = ReadBlocks(j["cache_V"], p + ".cache_V", &lab.cache_V)).ok()) ||
      !(st = Field(j, p, "step", &lab.step, ReadInt, index, ">= 0")).ok() ||
      !(st = Field(j, p, "sequence", &lab.sequence, ReadInt, index, ">= 0")).ok() ||
      !(st = Field(j, p, "cost_b", &lab.cost_b, ReadInt, count, ">= 1")).ok() ||
      !(st = Field(j, p, "cost_n", &lab.cost_n, ReadInt, count, ">= 1")).ok() ||
      !(st = Field(j, p, "cost_d", &lab.cost_d, ReadInt, count, ">= 1")).ok() ||
      !(st = Field(j, p, "cost_h", &lab.cost_h, ReadInt, count, ">= 1")).ok() ||
      !(st = Field(j, p, "cost_g", &lab.cost_g, ReadInt, count, ">= 1")).ok())
    return st;
  for (size_t i = 0; i < lab.sequences.size(); ++i)
    if (lab.sequences[i].empty())
      return Status::Error(p + ".sequences[" + std::to_string(i) + "]", "a sequence needs at least one token");
  return CheckDecodingSettings(lab);
}

ordered_json BlocksJson(const std::vector<std::vector<Matrix>>& blocks) {
  ordered_json a = ordered_json::array();
  for (const auto& row : blocks) {
    ordered_json r = ordered_json::array();
    for (const Matrix& m : row) r.push_back(MatrixJson(m));
    a.push_back(std::move(r));
  }
  return a;
}

bool Write(const ViewSettings& views, ordered_json* o) {
  const DecodingLabSettings* lab = views.Find<DecodingLabSettings>();
  if (!lab) return false;
  if (!lab->sequences.empty()) (*o)["sequences"] = lab->sequences;
  if (!lab->inputs.empty()) {
    ordered_json a = ordered_json::array();
    for (const Matrix& m : lab->inputs) a.push_back(MatrixJson(m));
    (*o)["inputs"] = std::move(a);
  }
  if (!lab->cache_K.empty()) (*o)["cache_K"] = BlocksJson(lab->cache_K);
  if (!lab->cache_V.empty()) (*o)["cache_V"] = BlocksJson(lab->cache_V);
  (*o)["step"] = lab->step;
  (*o)["sequence"] = lab->sequence;
  (*o)["cost_b"] = lab->cost_b;
  (*o)["cost_n"] = lab->cost_n;
  (*o)["cost_d"] = lab->cost_d;
  (*o)["cost_h"] = lab->cost_h;
  (*o)["cost_g"] = lab->cost_g;
  return true;
}

const SettingsCodec kCodec{Read, Write};

void AddCost(Report& r, const DecodeShape& shape, const DecodeCost& c) {
  r.AddInteger("g", static_cast<long long>(shape.g));
  r.AddNumber("flops", c.flops);
  r.AddNumber("weight_bytes", c.weight_bytes);
  r.AddNumber("activation_bytes", c.activation_bytes);
  r.AddNumber("cache_bytes", c.cache_bytes);
  r.AddNumber("bytes", c.bytes);
  r.AddNumber("intensity", c.intensity);
  r.AddNumber("cache_bytes_per_token", c.cache_bytes_per_token);
  r.AddNumber("crossover_n", c.crossover_n);
  r.AddText("flops_big_o", c.flops_big_o);
  r.AddText("bytes_big_o", c.bytes_big_o);
  std::vector<std::string> flops, bytes;
  for (const CostTerm& t : c.flop_terms) flops.push_back(t.name + ": " + t.formula);
  for (const CostTerm& t : c.byte_terms) bytes.push_back(t.name + ": " + t.formula);
  r.AddLabels("flop_terms", flops);
  r.AddLabels("byte_terms", bytes);
}

Status Evaluate(const Scenario& scenario, const Result& result, Report* out) {
  DecodingView v;
  const Status st = ComputeDecodingView(scenario, result, &v);
  if (!st.ok()) return st;
  if (v.decoded) {
    const HeadLayout& L = v.model.layout;
    const int b = v.run.batch, g = L.n_kv_heads, h = L.num_heads;
    out->AddText("layout", KvLayoutName(h, g));
    out->AddInteger("num_heads", h);
    out->AddInteger("n_kv_heads", g);
    out->AddInteger("d_model", v.model.d_model);
    out->AddInteger("d_k", L.d_k);
    out->AddInteger("d_v", L.d_v);
    out->AddInteger("batch", b);
    out->AddInteger("steps", v.run.steps);
    out->AddInteger("prior", v.run.prior);
    out->AddNumbers("cache_shape", std::vector<double>{double(b), double(g), double(v.run.cache.length), double(L.d_k)});
    out->AddTensor("Y", v.run.Y, "batch, position, d");
    out->AddTensor("Y_batched", v.Y_batched, "batch, position, d");
    std::vector<std::vector<Matrix>> K(b), V(b), P(b), Pb(b);
    for (int i = 0; i < b; ++i) {
      for (int j = 0; j < g; ++j) {
        K[i].push_back(v.run.cache.KBlock(i, j));
        V[i].push_back(v.run.cache.VBlock(i, j));
      }
      for (int k = 0; k < h; ++k) P[i].push_back(v.run.weights[static_cast<size_t>(i) * h + k]);
    }
    Status added;
    if (!(added = out->AddTensor4("K", K, "batch, kv_head, position, k")).ok() ||
        !(added = out->AddTensor4("V", V, "batch, kv_head, position, v")).ok())
      return added;
    out->AddTensor("q", v.run.Q, "batch, step, head x q");
    if (!(added = out->AddTensor4("weights", P, "batch, head, step, position")).ok()) return added;
    out->AddNumber("max_abs_diff", v.max_abs_diff);
    out->AddNumber("max_abs_diff_weights", v.max_abs_diff_weights);
    out->AddNumber("max_abs_Y", v.max_abs_Y);
    out->AddText("check", DecodeIsRoundOff(v) ? "round-off" : "they differ");
    out->AddLabels("weight_shapes", v.weight_shapes);
    std::vector<std::string> einsums;
    for (const EinsumLine& e : v.einsums)
      einsums.push_back((e.einsum.empty() ? e.what : e.what + " = einsum(\"" + e.einsum + "\")") + "  " + e.shape +
                        (e.note.empty() ? "" : "  (" + e.note + ")"));
    out->AddLabels("einsums", einsums);
    if (!v.note.empty()) out->AddText("note", v.note);
  } else {
    out->AddText("note", v.note);
  }
  Report& cost = out->AddSection("cost");
  cost.AddInteger("b", static_cast<long long>(v.shapes[0].b));
  cost.AddInteger("n", static_cast<long long>(v.shapes[0].n));
  cost.AddInteger("d", static_cast<long long>(v.shapes[0].d));
  cost.AddInteger("h", static_cast<long long>(v.shapes[0].h));
  cost.AddInteger("d_k", static_cast<long long>(v.shapes[0].d_k));
  cost.AddInteger("word_bytes", static_cast<long long>(v.shapes[0].word));
  for (int i = 0; i < 3; ++i) AddCost(cost.AddSection(kCostLayouts[i]), v.shapes[i], v.costs[i]);
  return Status::Ok();
}

// Bounds checked when a file is read: the settings' own (the codec), and
// the weights every step keeps, b h n (m + n), against the batch the file gives.
Status CheckLimits(const Scenario& s) {
  const DecodingLabSettings* lab = s.views.Find<DecodingLabSettings>();
  if (!lab) return Status::Ok();
  double b = 1, n = SequenceLength(s);
  std::string field = s.input == InputMode::kX ? "X" : "tokens";
  if (!lab->inputs.empty()) {
    b = static_cast<double>(lab->inputs.size());
    n = static_cast<double>(lab->inputs[0].rows());
    field = "decoding_lab.inputs";
  } else if (!lab->sequences.empty()) {
    b = static_cast<double>(lab->sequences.size());
    n = static_cast<double>(lab->sequences[0].size());
    field = "decoding_lab.sequences";
  }
  const double m = !lab->cache_K.empty() && !lab->cache_K[0].empty() ? static_cast<double>(lab->cache_K[0][0].rows()) : 0;
  const double h = static_cast<double>(s.heads.size());
  if (m + n > kMaxPositions) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%.0f cached positions + %.0f steps = %.0f; at most %d", m, n, m + n, kMaxPositions);
    return Status::Error(m > 0 ? "decoding_lab.cache_K" : field, buf);
  }
  // Each step reads every weight once (for the whole batch): n steps re-read
  // them n times, where the one-shot pass reads them once.
  const double d_model = !lab->inputs.empty()        ? static_cast<double>(lab->inputs[0].cols())
                         : s.input == InputMode::kX ? static_cast<double>(s.X.cols())
                                                    : static_cast<double>(s.E.cols());
  double numbers = static_cast<double>(s.W_O.size());
  for (const HeadWeights& w : s.heads)  // an absent W is the identity, d_model x d_model
    for (const Matrix* m : {&w.W_Q, &w.W_K, &w.W_V}) numbers += m->size() ? static_cast<double>(m->size()) : d_model * d_model;
  if (8 * numbers * n > kMaxDecodeWeightBytes) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "%.0f steps each reading %.4g MB of weights = %.4g GB; at most %.4g GB", n,
                  8 * numbers * 1e-6, 8 * numbers * n * 1e-9, kMaxDecodeWeightBytes * 1e-9);
    return Status::Error(field, buf);
  }
  if (b * h * n * (m + n) > kMaxDecodeWeights) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "%.0f sequences x %.0f heads x %.0f steps x %.0f positions = %.4g weights; at most %.4g",
                  b, h, n, m + n, b * h * n * (m + n), kMaxDecodeWeights);
    return Status::Error(field, buf);
  }
  // What eval prints: Y and Y_batched [b, n, d_out], q [b, n, sum d_k], the
  // cache K [b, g, m + n, d_k] and V [b, g, m + n, d_v], the weights
  // [b, h, n, m + n]; each, and all together, within kMaxResultCells.
  double sum_dk = 0, sum_dv = 0, kv_dk = 0, kv_dv = 0;
  const int g = s.heads.empty() ? 0 : KvHeadCount(s);
  for (size_t i = 0; i < s.heads.size(); ++i) {
    const HeadWeights& w = s.heads[i];
    const double dk = w.W_Q.size() ? static_cast<double>(w.W_Q.cols()) : d_model;
    const double dk_kv = w.W_K.size() ? static_cast<double>(w.W_K.cols()) : d_model;
    const double dv = w.W_V.size() ? static_cast<double>(w.W_V.cols()) : d_model;
    sum_dk += dk;
    sum_dv += dv;
    if (KvLeader(s, static_cast<int>(i)) == static_cast<int>(i)) {
      kv_dk += dk_kv;
      kv_dv += dv;
    }
  }
  if (g == 0) kv_dk = kv_dv = 0;
  const double d_out = s.W_O.size() ? static_cast<double>(s.W_O.cols()) : sum_dv;
  const struct {
    const char* name;
    double cells;
  } printed[] = {
      {"Y", b * n * d_out},           {"Y_batched", b * n * d_out},       {"q", b * n * sum_dk},
      {"K", b * (m + n) * kv_dk},     {"V", b * (m + n) * kv_dv},         {"weights", b * h * n * (m + n)},
  };
  double total = 0;
  for (const auto& p : printed) {
    total += p.cells;
    if (p.cells > kMaxResultCells || total > kMaxResultCells) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "eval would print %.4g numbers for %s (%.4g in all so far); at most %.4g", p.cells,
                    p.name, total, kMaxResultCells);
      const std::string name = p.name;
      return Status::Error(m > 0 && (name == "K" || name == "V") ? "decoding_lab.cache_" + name : field, buf);
    }
  }
  return Status::Ok();
}

}  // namespace

extern const ViewModel kDecodingView{
    "decoding",
    "Decoding",
    "E4: incremental decoding with a KV cache, MHA / GQA / MQA, checked against the one-shot causal pass; cost model",
    "decoding_lab",
    &kCodec,
    Evaluate,
    CheckLimits,
    {{"weights.0.0.1", "step 1's weights of head 0 (sequence 0): softmax(scale q k_j) over the m + 2 positions cached by then", {"q.0", "K.0.0", "d_k", "prior"}},
     {"Y.0.0", "y of step 0 (sequence 0); with no previous cache one position attends to itself (weight 1): y = v W_O + b_O", {"V.0.0", "V.0.1", "^W_O", "^b_O"}},
     {"cost.MHA.flops", "FLOPs of one MHA step: 2 b d (h d_k + g d_k + g d_v) + 2 b h n (d_k + d_v) + 2 b h d_v d", {"cost.b", "cost.n", "cost.d", "cost.h", "cost.d_k", "cost.MHA.g"}},
     {"cache_shape", "[b, g, n, k] of the cache after the last step", {"batch", "n_kv_heads", "prior", "steps", "d_k"}},
     {"cost.MQA.cache_bytes", "w b g n (d_k + d_v) + w b g (d_k + d_v) with g = 1", {"cost.b", "cost.n", "cost.d_k", "cost.word_bytes", "cost.MQA.g"}},
     {"cost.GQA.cache_bytes_per_token", "w g (d_k + d_v)", {"cost.d_k", "cost.word_bytes", "cost.GQA.g"}}},
};

}  // namespace attnlab
