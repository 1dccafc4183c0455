#include "attnlab/scenario_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace attnlab {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

std::string TypeName(const json& j) {
  if (j.is_string()) return "the string \"" + j.get<std::string>().substr(0, 40) + "\"";
  if (j.is_null()) return "null";
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_array()) return "an array";
  if (j.is_object()) return "an object";
  return j.dump();
}

// Parsing helpers: each returns a Status naming `path`, the JSON path of `j`.
Status ReadNumber(const json& j, const std::string& path, double* out) {
  if (!j.is_number()) return Status::Error(path, "expected a number, got " + TypeName(j));
  *out = j.get<double>();
  return Status::Ok();
}

Status ReadInt(const json& j, const std::string& path, int* out) {
  if (!j.is_number_integer()) return Status::Error(path, "expected a whole number, got " + TypeName(j));
  const long long v = j.get<long long>();
  if (v < -1000000000LL || v > 1000000000LL) return Status::Error(path, "is out of range");
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status ReadString(const json& j, const std::string& path, std::string* out) {
  if (!j.is_string()) return Status::Error(path, "expected a string, got " + TypeName(j));
  *out = j.get<std::string>();
  return Status::Ok();
}

Status ReadMatrix(const json& j, const std::string& path, Matrix* out) {
  if (!j.is_array()) return Status::Error(path, "expected a matrix (an array of rows), got " + TypeName(j));
  if (j.empty()) return Status::Error(path, "expected a matrix with at least one row, got []");
  const size_t rows = j.size();
  size_t cols = 0;
  for (size_t i = 0; i < rows; ++i) {
    const json& row = j[i];
    const std::string row_path = path + "[" + std::to_string(i) + "]";
    if (!row.is_array()) {
      return Status::Error(row_path, "expected a row (an array of numbers), got " + TypeName(row) +
                                         "; matrices are arrays of rows, e.g. [[1, 2], [3, 4]]");
    }
    if (i == 0) {
      cols = row.size();
      if (cols == 0) return Status::Error(row_path, "expected at least one number, got []");
      out->resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    } else if (row.size() != cols) {
      return Status::Error(row_path, "expected " + std::to_string(cols) + " numbers (like row 0), got " +
                                         std::to_string(row.size()));
    }
    for (size_t c = 0; c < cols; ++c) {
      double v = 0;
      Status st = ReadNumber(row[c], row_path + "[" + std::to_string(c) + "]", &v);
      if (!st.ok()) return st;
      (*out)(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = v;
    }
  }
  return Status::Ok();
}

Status ReadStringList(const json& j, const std::string& path, std::vector<std::string>* out) {
  out->clear();
  if (j.is_string()) {  // "D A A <START>": whitespace-separated, as typed
    std::istringstream in(j.get<std::string>());
    for (std::string t; in >> t;) out->push_back(t);
    return Status::Ok();
  }
  if (!j.is_array()) return Status::Error(path, "expected an array of strings, got " + TypeName(j));
  for (size_t i = 0; i < j.size(); ++i) {
    std::string t;
    Status st = ReadString(j[i], path + "[" + std::to_string(i) + "]", &t);
    if (!st.ok()) return st;
    out->push_back(t);
  }
  return Status::Ok();
}

Status CheckKeys(const json& obj, const std::string& path, const std::set<std::string>& allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (allowed.count(it.key()) == 0) {
      std::string list;
      for (const std::string& k : allowed) list += (list.empty() ? "" : ", ") + k;
      return Status::Error(path.empty() ? it.key() : path + "." + it.key(),
                           "unknown key (known keys: " + list + ")");
    }
  }
  return Status::Ok();
}

Status ReadMask(const json& j, MaskSpec* mask) {
  *mask = MaskSpec();
  if (j.is_string()) {
    const std::string name = j.get<std::string>();
    if (!MaskKindFromName(name, &mask->kind) || mask->kind == MaskKind::kCustom ||
        *MaskParamName(mask->kind) != '\0') {
      return Status::Error("mask", "expected \"none\", \"causal\", a 0/1 matrix, or an object such as "
                                   "{\"type\": \"sliding_window\", \"width\": 3}; got \"" + name + "\"");
    }
    return Status::Ok();
  }
  if (j.is_object()) {
    if (!j.contains("type")) return Status::Error("mask.type", "is missing");
    std::string name;
    Status st = ReadString(j["type"], "mask.type", &name);
    if (!st.ok()) return st;
    if (!MaskKindFromName(name, &mask->kind) || mask->kind == MaskKind::kCustom) {
      return Status::Error("mask.type", "expected one of none, causal, padding, sliding_window, prefix_lm, "
                                        "block_diagonal; got \"" + name + "\"");
    }
    const std::string param = MaskParamName(mask->kind);
    std::set<std::string> keys = {"type"};
    if (!param.empty()) {
      keys.insert(param);
      if (!j.contains(param)) return Status::Error("mask." + param, "is missing (" + name + " needs it)");
      st = ReadInt(j[param], "mask." + param, &mask->param);
      if (!st.ok()) return st;
    }
    return CheckKeys(j, "mask", keys);
  }
  if (j.is_array()) {
    // A 0/1 matrix: numbers 0/1 or booleans.
    mask->kind = MaskKind::kCustom;
    if (j.empty() || !j[0].is_array() || j[0].empty()) {
      return Status::Error("mask", "expected a non-empty 0/1 matrix (an array of rows)");
    }
    const size_t rows = j.size(), cols = j[0].size();
    mask->custom.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    for (size_t i = 0; i < rows; ++i) {
      const std::string row_path = "mask[" + std::to_string(i) + "]";
      if (!j[i].is_array() || j[i].size() != cols) {
        return Status::Error(row_path, "expected a row of " + std::to_string(cols) + " entries (like row 0)");
      }
      for (size_t c = 0; c < cols; ++c) {
        const json& v = j[i][c];
        bool allowed;
        if (v.is_boolean()) {
          allowed = v.get<bool>();
        } else if (v.is_number() && (v.get<double>() == 0.0 || v.get<double>() == 1.0)) {
          allowed = v.get<double>() == 1.0;
        } else {
          return Status::Error(row_path + "[" + std::to_string(c) + "]",
                               "expected 0 or 1 (1 = may attend), got " + TypeName(v));
        }
        mask->custom(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = allowed;
      }
    }
    return Status::Ok();
  }
  return Status::Error("mask", "expected \"none\", \"causal\", a 0/1 matrix or a mask object, got " + TypeName(j));
}

Status ReadHead(const json& j, const std::string& prefix, HeadWeights* head) {
  for (const char* name : {"W_Q", "W_K", "W_V"}) {
    if (!j.contains(name)) continue;
    Matrix* m = name[2] == 'Q' ? &head->W_Q : name[2] == 'K' ? &head->W_K : &head->W_V;
    Status st = ReadMatrix(j[name], prefix + name, m);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

// A target is a token (string, looked up in vocab) or a column index.
Status ReadTargets(const json& j, const std::vector<std::string>& vocab, std::vector<int>* out) {
  if (!j.is_array()) return Status::Error("loss.targets", "expected an array of tokens or indices");
  out->clear();
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string path = "loss.targets[" + std::to_string(i) + "]";
    if (j[i].is_string()) {
      const std::string t = j[i].get<std::string>();
      int id = -1;
      for (size_t v = 0; v < vocab.size() && id < 0; ++v)
        if (vocab[v] == t) id = static_cast<int>(v);
      if (id < 0) return Status::Error(path, "\"" + t + "\" is not in the vocabulary");
      out->push_back(id);
    } else {
      int id = 0;
      Status st = ReadInt(j[i], path, &id);
      if (!st.ok()) return Status::Error(path, "expected a token or a column index, got " + TypeName(j[i]));
      out->push_back(id);
    }
  }
  return Status::Ok();
}

Status ReadLoss(const json& j, const std::vector<std::string>& vocab, LossSpec* loss) {
  *loss = LossSpec();
  if (j.is_null()) return Status::Ok();
  if (!j.is_object()) return Status::Error("loss", "expected an object, got " + TypeName(j));
  Status st = CheckKeys(j, "loss", {"targets", "positions", "convention", "label_smoothing"});
  if (!st.ok()) return st;
  loss->enabled = true;
  if (j.contains("convention")) {
    std::string c;
    if (!(st = ReadString(j["convention"], "loss.convention", &c)).ok()) return st;
    if (c == "same_position") {
      loss->convention = LossConvention::kSamePosition;
    } else if (c == "next_token") {
      loss->convention = LossConvention::kNextToken;
    } else {
      return Status::Error("loss.convention", "expected \"same_position\" or \"next_token\", got \"" + c + "\"");
    }
  }
  if (j.contains("positions")) {
    if (!j["positions"].is_array()) return Status::Error("loss.positions", "expected an array of positions");
    for (size_t i = 0; i < j["positions"].size(); ++i) {
      int p = 0;
      if (!(st = ReadInt(j["positions"][i], "loss.positions[" + std::to_string(i) + "]", &p)).ok()) return st;
      loss->positions.push_back(p);
    }
  }
  if (j.contains("targets") && !(st = ReadTargets(j["targets"], vocab, &loss->targets)).ok()) return st;
  if (j.contains("label_smoothing") &&
      !(st = ReadNumber(j["label_smoothing"], "loss.label_smoothing", &loss->label_smoothing)).ok())
    return st;
  return Status::Ok();
}

// The labs' settings: one optional object per lab, every key optional,
// unknown keys an error naming "<lab>.<key>" like the rest of the file.
Status ReadBool(const json& j, const std::string& path, bool* out) {
  if (!j.is_boolean()) return Status::Error(path, "expected true or false, got " + TypeName(j));
  *out = j.get<bool>();
  return Status::Ok();
}

Status ReadNumberList(const json& j, const std::string& path, std::vector<double>* out) {
  if (!j.is_array()) return Status::Error(path, "expected an array of numbers, got " + TypeName(j));
  out->assign(j.size(), 0.0);
  for (size_t i = 0; i < j.size(); ++i) {
    Status st = ReadNumber(j[i], path + "[" + std::to_string(i) + "]", &(*out)[i]);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status ReadSeed(const json& j, const std::string& path, std::uint64_t* out) {
  int v = 0;
  Status st = ReadInt(j, path, &v);
  if (!st.ok()) return st;
  if (v < 0) return Status::Error(path, "must be >= 0");
  *out = static_cast<std::uint64_t>(v);
  return Status::Ok();
}

// Reads `key` of lab object `j` (when present) with `read`, then checks it with `ok`.
template <typename T, typename Reader, typename Check>
Status LabField(const json& j, const std::string& lab, const char* key, T* out, Reader read, Check ok,
                const char* requirement) {
  if (!j.contains(key)) return Status::Ok();
  const std::string path = lab + "." + key;
  Status st = read(j[key], path, out);
  if (!st.ok()) return st;
  if (!ok(*out)) return Status::Error(path, std::string("must be ") + requirement + ", got " + j[key].dump());
  return Status::Ok();
}

Status ReadTemperatureLab(const json& j, TemperatureLabSettings* lab) {
  const std::string p = "temperature_lab";
  if (!j.is_object()) return Status::Error(p, "expected an object, got " + TypeName(j));
  Status st = CheckKeys(j, p, {"row", "scores", "t_min", "t_max", "cursor", "whole_matrix"});
  auto any = [](const auto&) { return true; };
  auto positive = [](double v) { return v > 0 && std::isfinite(v); };
  if (!st.ok() ||
      !(st = LabField(j, p, "row", &lab->row, ReadInt, [](int v) { return v >= 0; }, ">= 0")).ok() ||
      !(st = LabField(j, p, "scores", &lab->scores, ReadNumberList, any, "")).ok() ||
      !(st = LabField(j, p, "t_min", &lab->t_min, ReadNumber, positive, "> 0")).ok() ||
      !(st = LabField(j, p, "t_max", &lab->t_max, ReadNumber, positive, "> 0")).ok() ||
      !(st = LabField(j, p, "cursor", &lab->cursor, ReadNumber, [](double v) { return v >= 0 && std::isfinite(v); },
                      ">= 0 (0 = argmax)")).ok() ||
      !(st = LabField(j, p, "whole_matrix", &lab->whole_matrix, ReadBool, any, "")).ok())
    return st;
  if (!(lab->t_max > lab->t_min)) return Status::Error(p + ".t_max", "must be larger than t_min");
  return Status::Ok();
}

Status ReadScalingLab(const json& j, ScalingLabSettings* lab) {
  const std::string p = "scaling_lab";
  if (!j.is_object()) return Status::Error(p, "expected an object, got " + TypeName(j));
  Status st = CheckKeys(j, p, {"d", "mu", "mu_components", "sigma", "samples", "max_d", "keys", "seed"});
  auto any = [](const auto&) { return true; };
  auto dim = [](int v) { return v >= 1 && v <= 65536; };
  if (!st.ok() || !(st = LabField(j, p, "d", &lab->d, ReadInt, dim, "from 1 to 65536")).ok() ||
      !(st = LabField(j, p, "mu", &lab->mu, ReadNumber, any, "")).ok() ||
      !(st = LabField(j, p, "mu_components", &lab->mu_components, ReadNumberList, any, "")).ok() ||
      !(st = LabField(j, p, "sigma", &lab->sigma, ReadNumber, [](double v) { return v >= 0; }, ">= 0")).ok() ||
      !(st = LabField(j, p, "samples", &lab->samples, ReadInt, [](int v) { return v >= 2 && v <= 1000000; },
                      "from 2 to 1000000")).ok() ||
      !(st = LabField(j, p, "max_d", &lab->max_d, ReadInt, dim, "from 1 to 65536")).ok() ||
      !(st = LabField(j, p, "keys", &lab->keys, ReadInt, [](int v) { return v >= 1 && v <= 4096; },
                      "from 1 to 4096")).ok() ||
      !(st = LabField(j, p, "seed", &lab->seed, ReadSeed, any, "")).ok())
    return st;
  if (!lab->mu_components.empty() && static_cast<int>(lab->mu_components.size()) != lab->d)
    return Status::Error(p + ".mu_components", "expected d = " + std::to_string(lab->d) + " numbers, got " +
                                                   std::to_string(lab->mu_components.size()));
  return Status::Ok();
}

Status ReadSelectionLab(const json& j, SelectionLabSettings* lab) {
  const std::string p = "selection_lab";
  if (!j.is_object()) return Status::Error(p, "expected an object, got " + TypeName(j));
  Status st = CheckKeys(j, p, {"n", "a", "b", "t", "s", "two_heads", "alpha", "c_a", "c_b", "c_other", "query",
                               "samples", "seed"});
  auto any = [](const auto&) { return true; };
  auto index = [](int v) { return v >= 0; };
  auto positive = [](double v) { return v > 0 && std::isfinite(v); };
  auto variance = [](double v) { return v >= 0 && std::isfinite(v); };
  if (!st.ok() ||
      !(st = LabField(j, p, "n", &lab->n, ReadInt, [](int v) { return v >= 2 && v <= 256; }, "from 2 to 256")).ok() ||
      !(st = LabField(j, p, "a", &lab->a, ReadInt, index, ">= 0")).ok() ||
      !(st = LabField(j, p, "b", &lab->b, ReadInt, index, ">= 0")).ok() ||
      !(st = LabField(j, p, "t", &lab->t, ReadNumber, positive, "> 0")).ok() ||
      !(st = LabField(j, p, "s", &lab->s, ReadNumber, positive, "> 0")).ok() ||
      !(st = LabField(j, p, "two_heads", &lab->two_heads, ReadBool, any, "")).ok() ||
      !(st = LabField(j, p, "alpha", &lab->alpha, ReadNumber, variance, ">= 0 (a variance)")).ok() ||
      !(st = LabField(j, p, "c_a", &lab->c_a, ReadNumber, variance, ">= 0 (a variance)")).ok() ||
      !(st = LabField(j, p, "c_b", &lab->c_b, ReadNumber, variance, ">= 0 (a variance)")).ok() ||
      !(st = LabField(j, p, "c_other", &lab->c_other, ReadNumber, variance, ">= 0 (a variance)")).ok() ||
      !(st = LabField(j, p, "query", &lab->query, ReadNumberList, any, "")).ok() ||
      !(st = LabField(j, p, "samples", &lab->samples, ReadInt, [](int v) { return v >= 1 && v <= 200000; },
                      "from 1 to 200000")).ok() ||
      !(st = LabField(j, p, "seed", &lab->seed, ReadSeed, any, "")).ok())
    return st;
  if (lab->a >= lab->n) return Status::Error(p + ".a", "must be below n = " + std::to_string(lab->n));
  if (lab->b >= lab->n) return Status::Error(p + ".b", "must be below n = " + std::to_string(lab->n));
  if (lab->a == lab->b) return Status::Error(p + ".b", "must differ from a");
  if (!lab->query.empty() && static_cast<int>(lab->query.size()) != lab->n)
    return Status::Error(p + ".query", "expected n = " + std::to_string(lab->n) + " numbers, got " +
                                           std::to_string(lab->query.size()));
  return Status::Ok();
}

const std::set<std::string> kTopLevelKeys = {
    "title", "notes", "view", "vocab", "tokens", "E", "X", "Q", "K", "V", "W_Q", "W_K", "W_V",
    "heads", "W_O", "scale", "temperature", "mask", "naive_softmax", "unembedding", "loss",
    "temperature_lab", "scaling_lab", "selection_lab"};

Status Parse(const json& j, Scenario* s) {
  if (!j.is_object()) return Status::Error("", "a scenario file holds one JSON object, got " + TypeName(j));
  Status st = CheckKeys(j, "", kTopLevelKeys);
  if (!st.ok()) return st;

  for (const char* key : {"title", "notes", "view"}) {
    if (!j.contains(key)) continue;
    std::string* out = key[0] == 't' ? &s->title : key[0] == 'n' ? &s->notes : &s->view;
    if (!(st = ReadString(j[key], key, out)).ok()) return st;
  }
  if (j.contains("vocab") && !(st = ReadStringList(j["vocab"], "vocab", &s->vocab)).ok()) return st;
  if (!(st = CheckVocabulary(s->vocab)).ok()) return st;
  if (j.contains("tokens") && !(st = ReadStringList(j["tokens"], "tokens", &s->tokens)).ok()) return st;
  for (const char* key : {"E", "X", "Q", "K", "V", "W_O"}) {
    if (!j.contains(key)) continue;
    Matrix* m = key[0] == 'E' ? &s->E : key[0] == 'X' ? &s->X : key[0] == 'Q' ? &s->Q
              : key[0] == 'K' ? &s->K : key[0] == 'V' ? &s->V : &s->W_O;
    if (!(st = ReadMatrix(j[key], key, m)).ok()) return st;
  }

  // Which input: Q/K/V directly, X, or tokens through E.
  const bool has_qkv = j.contains("Q") || j.contains("K") || j.contains("V");
  const bool has_w = j.contains("W_Q") || j.contains("W_K") || j.contains("W_V") || j.contains("heads");
  if (has_qkv) {
    for (const char* key : {"Q", "K", "V"})
      if (!j.contains(key)) return Status::Error(key, "is missing (Q, K and V are given together)");
    if (j.contains("X") || j.contains("E"))
      return Status::Error(j.contains("X") ? "X" : "E", "give either Q, K, V directly or the model input, not both");
    if (has_w) return Status::Error(j.contains("heads") ? "heads" : "W_Q",
                                    "projections are not used when Q, K and V are given directly");
    s->input = InputMode::kQKV;
  } else if (j.contains("X")) {
    if (j.contains("E")) return Status::Error("E", "give either X or tokens with E, not both");
    s->input = InputMode::kX;
  } else if (j.contains("E") || j.contains("tokens") || j.contains("vocab")) {
    s->input = InputMode::kTokens;
    for (const char* key : {"vocab", "tokens", "E"})
      if (!j.contains(key)) return Status::Error(key, "is missing (a token input needs vocab, tokens and E)");
  } else {
    return Status::Error("", "no input: give tokens (vocab, tokens, E), X, or Q, K and V");
  }

  s->heads.assign(1, HeadWeights{});
  if (j.contains("heads")) {
    for (const char* key : {"W_Q", "W_K", "W_V"})
      if (j.contains(key)) return Status::Error(key, "give projections either at the top level or in \"heads\", not both");
    const json& hs = j["heads"];
    if (!hs.is_array() || hs.empty()) return Status::Error("heads", "expected a non-empty array of {W_Q, W_K, W_V}");
    s->heads.assign(hs.size(), HeadWeights{});
    for (size_t h = 0; h < hs.size(); ++h) {
      const std::string prefix = "heads[" + std::to_string(h) + "]";
      if (!hs[h].is_object()) return Status::Error(prefix, "expected an object {W_Q, W_K, W_V}, got " + TypeName(hs[h]));
      if (!(st = CheckKeys(hs[h], prefix, {"W_Q", "W_K", "W_V"})).ok()) return st;
      if (!(st = ReadHead(hs[h], prefix + ".", &s->heads[h])).ok()) return st;
    }
  } else if (!(st = ReadHead(j, "", &s->heads[0])).ok()) {
    return st;
  }

  if (j.contains("scale")) {
    const json& sc = j["scale"];
    if (sc.is_string() && sc.get<std::string>() == "none") {
      s->attention.scale.kind = ScaleKind::kNone;
    } else if (sc.is_string() && sc.get<std::string>() == "sqrt_dk") {
      s->attention.scale.kind = ScaleKind::kInvSqrtDk;
    } else if (sc.is_number()) {
      s->attention.scale.kind = ScaleKind::kCustom;
      s->attention.scale.value = sc.get<double>();
    } else {
      return Status::Error("scale", "expected \"none\", \"sqrt_dk\" (1/sqrt(d_k)) or a number, got " + TypeName(sc));
    }
  }
  if (j.contains("temperature")) {
    if (!(st = ReadNumber(j["temperature"], "temperature", &s->attention.temperature)).ok()) return st;
    if (s->attention.temperature < 0)
      return Status::Error("temperature", "must be >= 0 (0 = argmax), got " + j["temperature"].dump());
  }
  if (j.contains("mask") && !(st = ReadMask(j["mask"], &s->attention.mask)).ok()) return st;
  if (j.contains("naive_softmax")) {
    if (!j["naive_softmax"].is_boolean()) return Status::Error("naive_softmax", "expected true or false");
    s->attention.naive_softmax = j["naive_softmax"].get<bool>();
  }
  s->unembedding = Unembedding::kTied;
  if (j.contains("unembedding")) {
    const json& u = j["unembedding"];
    if (u.is_string() && u.get<std::string>() == "tied") {
      if (!j.contains("E")) return Status::Error("unembedding", "\"tied\" means U = E^T, but there is no E");
    } else if (u.is_string() && u.get<std::string>() == "none") {
      s->unembedding = Unembedding::kNone;
    } else if (u.is_array()) {
      s->unembedding = Unembedding::kMatrix;
      if (!(st = ReadMatrix(u, "unembedding", &s->U)).ok()) return st;
    } else {
      return Status::Error("unembedding", "expected \"tied\" (U = E^T), \"none\" or a matrix, got " + TypeName(u));
    }
  }
  if (j.contains("loss") && !(st = ReadLoss(j["loss"], s->vocab, &s->loss)).ok()) return st;
  if (j.contains("temperature_lab") &&
      !(st = ReadTemperatureLab(j["temperature_lab"], &s->temperature_lab.emplace())).ok())
    return st;
  if (j.contains("scaling_lab") && !(st = ReadScalingLab(j["scaling_lab"], &s->scaling_lab.emplace())).ok())
    return st;
  if (j.contains("selection_lab") && !(st = ReadSelectionLab(j["selection_lab"], &s->selection_lab.emplace())).ok())
    return st;
  return Status::Ok();
}

ordered_json MatrixJson(const Matrix& m) {
  ordered_json rows = ordered_json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    ordered_json row = ordered_json::array();
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      const double v = m(i, c);
      if (std::isfinite(v)) {
        row.push_back(v);
      } else {
        row.push_back(nullptr);
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

ordered_json NumberJson(double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr); }

ordered_json MaskJson(const MaskSpec& mask) {
  if (mask.kind == MaskKind::kNone || mask.kind == MaskKind::kCausal) return MaskKindName(mask.kind);
  if (mask.kind == MaskKind::kCustom) {
    ordered_json rows = ordered_json::array();
    for (Eigen::Index i = 0; i < mask.custom.rows(); ++i) {
      ordered_json row = ordered_json::array();
      for (Eigen::Index c = 0; c < mask.custom.cols(); ++c) row.push_back(mask.custom(i, c) ? 1 : 0);
      rows.push_back(std::move(row));
    }
    return rows;
  }
  ordered_json o;
  o["type"] = MaskKindName(mask.kind);
  o[MaskParamName(mask.kind)] = mask.param;
  return o;
}

ordered_json ArgmaxJson(const ArgmaxSets& argmax) {
  ordered_json out = ordered_json::array();
  for (size_t i = 0; i < argmax.size(); ++i) out.push_back(argmax[i].ToVector());
  return out;
}

// JSON for people: a matrix row (an array of numbers) stays on one line, so a
// saved 7x7 matrix reads as 7 lines, not 49.
void Pretty(const ordered_json& j, int indent, int depth, std::string* out) {
  const std::string pad(static_cast<size_t>(indent * (depth + 1)), ' ');
  const std::string close_pad(static_cast<size_t>(indent * depth), ' ');
  if (j.is_array()) {
    bool flat = true;
    for (const auto& e : j) flat = flat && !e.is_structured();
    if (j.empty() || flat) {
      *out += "[";
      for (size_t i = 0; i < j.size(); ++i) *out += (i ? ", " : "") + j[i].dump();
      *out += "]";
      return;
    }
    *out += "[\n";
    for (size_t i = 0; i < j.size(); ++i) {
      *out += pad;
      Pretty(j[i], indent, depth + 1, out);
      *out += i + 1 < j.size() ? ",\n" : "\n";
    }
    *out += close_pad + "]";
    return;
  }
  if (j.is_object() && !j.empty()) {
    *out += "{\n";
    size_t i = 0;
    for (auto it = j.begin(); it != j.end(); ++it, ++i) {
      *out += pad + ordered_json(it.key()).dump() + ": ";
      Pretty(it.value(), indent, depth + 1, out);
      *out += i + 1 < j.size() ? ",\n" : "\n";
    }
    *out += close_pad + "}";
    return;
  }
  *out += j.dump();
}

std::string Dump(const ordered_json& j, int indent) {
  if (indent < 0) return j.dump() + "\n";
  std::string out;
  Pretty(j, indent, 0, &out);
  return out + "\n";
}

}  // namespace

Status ParseScenario(const std::string& text, Scenario* scenario) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    std::string what = e.what();
    const size_t at = what.find("parse error");
    return Status::Error("", "malformed JSON: " + (at == std::string::npos ? what : what.substr(at)));
  }
  Scenario s;
  Status st = Parse(j, &s);
  if (!st.ok()) return st;
  *scenario = std::move(s);
  return Status::Ok();
}

Status LoadScenarioFile(const std::string& path, Scenario* scenario) {
  struct stat info;
  if (stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return Status::Error("", path + " is a folder, not a scenario file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("", "cannot open " + path + ": " + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size > kMaxScenarioBytes) {
    return Status::Error("", path + " is " + std::to_string(size >> 20) + " MiB; a scenario file may be at most " +
                                 std::to_string(kMaxScenarioBytes >> 20) + " MiB");
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<size_t>(size > 0 ? size : 0), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) return Status::Error("", "cannot read " + path);
  return ParseScenario(text, scenario);
}

std::string ScenarioToJson(const Scenario& s) {
  ordered_json j;
  if (!s.title.empty()) j["title"] = s.title;
  j["view"] = s.view;
  if (!s.notes.empty()) j["notes"] = s.notes;
  if (!s.vocab.empty()) j["vocab"] = s.vocab;
  if (!s.tokens.empty()) j["tokens"] = s.tokens;
  switch (s.input) {
    case InputMode::kTokens: j["E"] = MatrixJson(s.E); break;
    case InputMode::kX: j["X"] = MatrixJson(s.X); break;
    case InputMode::kQKV:
      j["Q"] = MatrixJson(s.Q);
      j["K"] = MatrixJson(s.K);
      j["V"] = MatrixJson(s.V);
      break;
  }
  auto head_json = [](ordered_json& o, const HeadWeights& h) {
    if (h.W_Q.size()) o["W_Q"] = MatrixJson(h.W_Q);
    if (h.W_K.size()) o["W_K"] = MatrixJson(h.W_K);
    if (h.W_V.size()) o["W_V"] = MatrixJson(h.W_V);
  };
  if (s.input != InputMode::kQKV) {
    if (s.heads.size() == 1) {
      head_json(j, s.heads[0]);
    } else {
      ordered_json hs = ordered_json::array();
      for (const HeadWeights& h : s.heads) {
        ordered_json o = ordered_json::object();
        head_json(o, h);
        hs.push_back(std::move(o));
      }
      j["heads"] = std::move(hs);
    }
  }
  if (s.W_O.size()) j["W_O"] = MatrixJson(s.W_O);
  switch (s.attention.scale.kind) {
    case ScaleKind::kNone: j["scale"] = "none"; break;
    case ScaleKind::kInvSqrtDk: j["scale"] = "sqrt_dk"; break;
    case ScaleKind::kCustom: j["scale"] = s.attention.scale.value; break;
  }
  j["temperature"] = s.attention.temperature;
  j["mask"] = MaskJson(s.attention.mask);
  if (s.attention.naive_softmax) j["naive_softmax"] = true;
  if (s.unembedding == Unembedding::kNone && s.E.size()) j["unembedding"] = "none";
  if (s.unembedding == Unembedding::kMatrix) j["unembedding"] = MatrixJson(s.U);
  if (s.loss.enabled) {
    ordered_json l;
    l["convention"] = s.loss.convention == LossConvention::kNextToken ? "next_token" : "same_position";
    if (!s.loss.positions.empty()) l["positions"] = s.loss.positions;
    if (!s.loss.targets.empty()) {
      ordered_json t = ordered_json::array();
      for (int id : s.loss.targets) {
        if (id >= 0 && id < static_cast<int>(s.vocab.size())) {
          t.push_back(s.vocab[id]);
        } else {
          t.push_back(id);
        }
      }
      l["targets"] = std::move(t);
    }
    if (s.loss.label_smoothing != 0.0) l["label_smoothing"] = s.loss.label_smoothing;
    j["loss"] = std::move(l);
  }
  if (s.temperature_lab) {
    const TemperatureLabSettings& t = *s.temperature_lab;
    ordered_json o;
    o["row"] = t.row;
    if (!t.scores.empty()) o["scores"] = t.scores;
    o["t_min"] = t.t_min;
    o["t_max"] = t.t_max;
    o["cursor"] = t.cursor;
    o["whole_matrix"] = t.whole_matrix;
    j["temperature_lab"] = std::move(o);
  }
  if (s.scaling_lab) {
    const ScalingLabSettings& c = *s.scaling_lab;
    ordered_json o;
    o["d"] = c.d;
    o["mu"] = c.mu;
    if (!c.mu_components.empty()) o["mu_components"] = c.mu_components;
    o["sigma"] = c.sigma;
    o["samples"] = c.samples;
    o["max_d"] = c.max_d;
    o["keys"] = c.keys;
    o["seed"] = c.seed;
    j["scaling_lab"] = std::move(o);
  }
  if (s.selection_lab) {
    const SelectionLabSettings& c = *s.selection_lab;
    ordered_json o;
    o["n"] = c.n;
    o["a"] = c.a;
    o["b"] = c.b;
    o["t"] = c.t;
    o["s"] = c.s;
    o["two_heads"] = c.two_heads;
    o["alpha"] = c.alpha;
    o["c_a"] = c.c_a;
    o["c_b"] = c.c_b;
    o["c_other"] = c.c_other;
    if (!c.query.empty()) o["query"] = c.query;
    o["samples"] = c.samples;
    o["seed"] = c.seed;
    j["selection_lab"] = std::move(o);
  }
  return Dump(j, 2);
}

Status WriteFileAtomic(const std::string& path, const std::string& text) {
  std::string tmpl = path + ".tmp-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0) return Status::Error("", "cannot write " + path + ": " + std::strerror(errno));
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      close(fd);
      unlink(name.data());
      return Status::Error("", "cannot write " + path + ": " + err);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  fchmod(fd, 0644);
  if (fsync(fd) != 0 || close(fd) != 0) {
    const std::string err = std::strerror(errno);
    unlink(name.data());
    return Status::Error("", "cannot write " + path + ": " + err);
  }
  if (rename(name.data(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    unlink(name.data());
    return Status::Error("", "cannot replace " + path + ": " + err);
  }
  return Status::Ok();
}

std::string ResultToJson(const Scenario& s, const Result& r, int indent) {
  ordered_json j;
  if (!s.title.empty()) j["title"] = s.title;
  if (!s.tokens.empty()) j["tokens"] = s.tokens;
  if (r.X.size()) j["X"] = MatrixJson(r.X);
  j["Q"] = MatrixJson(r.Q);
  j["K"] = MatrixJson(r.K);
  j["V"] = MatrixJson(r.V);
  j["scale"] = r.heads.empty() ? 1.0 : r.heads[0].scale;
  j["temperature"] = s.attention.temperature;
  j["scores"] = MatrixJson(r.Scores());
  j["weights"] = MatrixJson(r.Weights());
  j["argmax"] = r.heads.size() == 1 ? ArgmaxJson(r.heads[0].argmax)
                                    : ArgmaxJson(ArgmaxPerRow(r.Weights(), r.heads[0].allowed));
  j["output"] = MatrixJson(r.Z);
  j["R"] = MatrixJson(r.R);
  if (r.has_logits()) {
    j["logits"] = MatrixJson(r.logits);
    j["probs"] = MatrixJson(r.probs);
  } else {
    j["logits"] = nullptr;
    j["probs"] = nullptr;
  }
  if (r.has_loss()) {
    j["loss"] = NumberJson(r.loss);
    ordered_json losses = ordered_json::array(), probs = ordered_json::array(), terms = ordered_json::array();
    for (const LossTerm& t : r.loss_terms) {
      losses.push_back(NumberJson(t.loss));
      probs.push_back(NumberJson(t.prob));
      ordered_json o;
      o["position"] = t.position;
      o["row"] = t.row;
      o["target"] = t.target < static_cast<int>(s.vocab.size()) ? ordered_json(s.vocab[t.target]) : ordered_json(t.target);
      o["prob"] = NumberJson(t.prob);
      o["loss"] = NumberJson(t.loss);
      terms.push_back(std::move(o));
    }
    j["token_losses"] = std::move(losses);
    j["target_probs"] = std::move(probs);
    j["mean_loss"] = NumberJson(r.mean_loss);
    j["perplexity"] = NumberJson(r.perplexity);
    j["loss_convention"] = s.loss.convention == LossConvention::kNextToken ? "next_token" : "same_position";
    j["loss_terms"] = std::move(terms);
  } else {
    j["loss"] = nullptr;
    j["token_losses"] = ordered_json::array();
  }
  if (r.heads.size() > 1) {
    ordered_json hs = ordered_json::array();
    for (const HeadResult& h : r.heads) {
      ordered_json o;
      o["Q"] = MatrixJson(h.Q);
      o["K"] = MatrixJson(h.K);
      o["V"] = MatrixJson(h.V);
      o["scale"] = h.scale;
      o["scores"] = MatrixJson(h.scores);
      o["weights"] = MatrixJson(h.weights);
      o["argmax"] = ArgmaxJson(h.argmax);
      o["output"] = MatrixJson(h.output);
      hs.push_back(std::move(o));
    }
    j["heads"] = std::move(hs);
  }
  j["diagnostics"] = r.diagnostics;
  return Dump(j, indent);
}

}  // namespace attnlab
