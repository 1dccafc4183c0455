#include "attnlab/scenario_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "attnlab/limits.hpp"
#include "attnlab/practice.hpp"
#include "attnlab/views.hpp"
#include "json_io.hpp"

namespace attnlab {
namespace {

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

// A bias: a list of numbers, one per column of the projection it is added to.
Status ReadBias(const json& j, const std::string& path, RowVector* out) {
  std::vector<double> v;
  Status st = ReadNumberList(j, path, &v);
  if (!st.ok()) return st;
  if (v.empty()) return Status::Error(path, "expected at least one number (leave the key out for no bias)");
  if (v.size() > static_cast<size_t>(kMaxWidth) * kMaxHeads)
    return Status::Error(path, std::to_string(v.size()) + " numbers is more than attnlab reads in a bias");
  *out = Eigen::Map<const RowVector>(v.data(), static_cast<Eigen::Index>(v.size()));
  return Status::Ok();
}

Status ReadHead(const json& j, const std::string& prefix, HeadWeights* head) {
  for (const char* name : {"W_Q", "W_K", "W_V"}) {
    if (!j.contains(name)) continue;
    Matrix* m = name[2] == 'Q' ? &head->W_Q : name[2] == 'K' ? &head->W_K : &head->W_V;
    Status st = ReadMatrix(j[name], prefix + name, m);
    if (!st.ok()) return st;
  }
  for (const char* name : {"b_Q", "b_K", "b_V"}) {
    if (!j.contains(name)) continue;
    RowVector* b = name[2] == 'Q' ? &head->b_Q : name[2] == 'K' ? &head->b_K : &head->b_V;
    Status st = ReadBias(j[name], prefix + name, b);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

// Packed weights (multihead.hpp): "num_heads": h, "n_kv_heads": g and
// top-level W_Q (d_model, h d_k), W_K (d_model, g d_k), W_V (d_model, g d_v)
// and their biases, split into the scenario's list of heads: head i takes
// columns [i d_k, (i+1) d_k) of W_Q; the first head of K/V group j takes
// group j's columns of W_K and W_V.
Status SplitPackedHeads(const HeadWeights& packed, int h, int g, std::vector<HeadWeights>* heads) {
  auto split = [](const Matrix& m, int parts, const char* name, const char* count, std::vector<Matrix>* out) {
    out->assign(static_cast<size_t>(parts), Matrix());
    if (m.size() == 0) return Status::Ok();
    if (m.cols() % parts != 0) {
      return Status::Error(name, "is " + std::to_string(m.rows()) + "x" + std::to_string(m.cols()) + ": its " +
                                     std::to_string(m.cols()) + " columns do not split into " + count + " = " +
                                     std::to_string(parts) + " heads of equal width");
    }
    const Eigen::Index w = m.cols() / parts;
    for (int i = 0; i < parts; ++i) (*out)[static_cast<size_t>(i)] = m.middleCols(i * w, w);
    return Status::Ok();
  };
  auto split_bias = [](const RowVector& b, int parts, const char* name, const char* count, std::vector<RowVector>* out) {
    out->assign(static_cast<size_t>(parts), RowVector());
    if (b.size() == 0) return Status::Ok();
    if (b.size() % parts != 0) {
      return Status::Error(name, "has " + std::to_string(b.size()) + " numbers, which do not split into " + count +
                                     " = " + std::to_string(parts) + " heads of equal width");
    }
    const Eigen::Index w = b.size() / parts;
    for (int i = 0; i < parts; ++i) (*out)[static_cast<size_t>(i)] = b.segment(i * w, w);
    return Status::Ok();
  };
  std::vector<Matrix> wq, wk, wv;
  std::vector<RowVector> bq, bk, bv;
  Status st;
  if (!(st = split(packed.W_Q, h, "W_Q", "num_heads", &wq)).ok() || !(st = split(packed.W_K, g, "W_K", "n_kv_heads", &wk)).ok() ||
      !(st = split(packed.W_V, g, "W_V", "n_kv_heads", &wv)).ok() || !(st = split_bias(packed.b_Q, h, "b_Q", "num_heads", &bq)).ok() ||
      !(st = split_bias(packed.b_K, g, "b_K", "n_kv_heads", &bk)).ok() || !(st = split_bias(packed.b_V, g, "b_V", "n_kv_heads", &bv)).ok())
    return st;
  heads->assign(static_cast<size_t>(h), HeadWeights{});
  for (int i = 0; i < h; ++i) {
    HeadWeights& w = (*heads)[static_cast<size_t>(i)];
    w.W_Q = wq[static_cast<size_t>(i)];
    w.b_Q = bq[static_cast<size_t>(i)];
    if (i % (h / g) == 0) {
      const size_t group = static_cast<size_t>(i / (h / g));
      w.W_K = wk[group];
      w.W_V = wv[group];
      w.b_K = bk[group];
      w.b_V = bv[group];
    }
  }
  return Status::Ok();
}

// A target is a token (string, looked up in vocab) or a column index.
Status ReadTargets(const json& j, const std::vector<std::string>& vocab, std::vector<int>* out) {
  if (!j.is_array()) return Status::Error("loss.targets", "expected an array of tokens or indices");
  if (j.size() > static_cast<size_t>(kMaxLossTerms))
    return Status::Error("loss.targets", std::to_string(j.size()) + " targets; at most " + std::to_string(kMaxLossTerms));
  std::unordered_map<std::string, int> index;  // one look-up per target, not a search
  for (size_t v = 0; v < vocab.size(); ++v) index.emplace(vocab[v], static_cast<int>(v));
  out->clear();
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string path = "loss.targets[" + std::to_string(i) + "]";
    if (j[i].is_string()) {
      const std::string t = j[i].get<std::string>();
      const auto it = index.find(t);
      if (it == index.end()) return Status::Error(path, "\"" + t + "\" is not in the vocabulary");
      out->push_back(it->second);
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
    if (j["positions"].size() > static_cast<size_t>(kMaxLossTerms))
      return Status::Error("loss.positions", std::to_string(j["positions"].size()) + " positions; at most " +
                                                 std::to_string(kMaxLossTerms));
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

// "presentation": {"attention": ["P", "probs", "loss"], ...}: per view key, the
// panels presentation mode shows, in order. Panel names are the app's (a view
// ignores names it does not draw); here they must look like names.
Status ReadPresentation(const json& j, std::map<std::string, std::vector<std::string>>* out) {
  if (!j.is_object()) return Status::Error("presentation", "expected an object {view: [panels]}, got " + TypeName(j));
  for (const auto& [view, panels] : j.items()) {
    const std::string path = "presentation." + view;
    if (!FindViewModel(view)) return Status::Error(path, "unknown view (views: " + ViewKeyList() + ")");
    std::vector<std::string> names;
    Status st = ReadStringList(panels, path, &names);
    if (!st.ok()) return st;
    if (names.size() > kMaxPresentationPanels)
      return Status::Error(path, "at most " + std::to_string(kMaxPresentationPanels) + " panels, got " +
                                     std::to_string(names.size()));
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& n = names[i];
      const std::string at = path + "[" + std::to_string(i) + "]";
      const bool ok = !n.empty() && n.size() <= 64 && n.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.[]^") == std::string::npos;
      if (!ok) return Status::Error(at, "\"" + n + "\" is not a panel name (letters, digits, _ . [ ] ^)");
      for (size_t k = 0; k < i; ++k)
        if (names[k] == n) return Status::Error(at, "\"" + n + "\" is listed twice");
    }
    (*out)[view] = std::move(names);
  }
  return Status::Ok();
}

// "practice": {"on": true, "target": {"attention": "weights"},
//              "sheets": {"attention:weights": {"rows": 2, "cols": 2, "cells": ["1/2", "", ...],
//                                               "checked": [...], "hints": [0, 1, ...], "revealed": false}}}
// The student's answers as typed (practice.hpp); whether a sheet's shape still
// fits its quantity is the window's business (a sheet that no longer fits
// starts again blank), here only its own consistency and size.
Status ReadPractice(const json& j, PracticeState* out) {
  Status st = CheckObject(j, "practice", {"on", "target", "sheets"});
  if (!st.ok() || !(st = Field(j, "practice", "on", &out->on, ReadBool, Any(), "")).ok()) return st;
  auto name_ok = [](const std::string& n) {
    return !n.empty() && n.size() <= 64 &&
           n.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:") == std::string::npos;
  };
  if (j.contains("target")) {
    if (!j["target"].is_object()) return Status::Error("practice.target", "expected an object {view: quantity}, got " + TypeName(j["target"]));
    for (const auto& [view, target] : j["target"].items()) {
      const std::string path = "practice.target." + view;
      if (!FindViewModel(view)) return Status::Error(path, "unknown view (views: " + ViewKeyList() + ")");
      std::string t;
      if (!(st = ReadString(target, path, &t)).ok()) return st;
      if (!name_ok(t)) return Status::Error(path, "\"" + t + "\" is not a quantity's name (letters, digits, _ .)");
      out->target[view] = t;
    }
  }
  if (!j.contains("sheets")) return Status::Ok();
  const json& sheets = j["sheets"];
  if (!sheets.is_object()) return Status::Error("practice.sheets", "expected an object {\"view:quantity\": sheet}, got " + TypeName(sheets));
  if (sheets.size() > kMaxPracticeSheets)
    return Status::Error("practice.sheets", "at most " + std::to_string(kMaxPracticeSheets) + " sheets, got " + std::to_string(sheets.size()));
  for (const auto& [key, v] : sheets.items()) {
    const std::string path = "practice.sheets." + key;
    const size_t colon = key.find(':');
    if (colon == std::string::npos || !FindViewModel(key.substr(0, colon)) || !name_ok(key.substr(colon + 1)))
      return Status::Error(path, "a sheet's name is \"view:quantity\" with a known view (views: " + ViewKeyList() + ")");
    PracticeSheet sheet;
    if (!(st = CheckObject(v, path, {"rows", "cols", "cells", "checked", "hints", "revealed"})).ok()) return st;
    auto positive = [](int n) { return n >= 1 && n <= kMaxPracticeCells; };
    const std::string range = "1 to " + std::to_string(kMaxPracticeCells);
    if (!(st = Field(v, path, "rows", &sheet.rows, ReadInt, positive, range.c_str())).ok() ||
        !(st = Field(v, path, "cols", &sheet.cols, ReadInt, positive, range.c_str())).ok() ||
        !(st = Field(v, path, "revealed", &sheet.revealed, ReadBool, Any(), "")).ok())
      return st;
    if (!v.contains("rows") || !v.contains("cols")) return Status::Error(path, "needs \"rows\" and \"cols\"");
    const long long cells = static_cast<long long>(sheet.rows) * sheet.cols;
    if (cells > kMaxPracticeCells)
      return Status::Error(path, std::to_string(sheet.rows) + " x " + std::to_string(sheet.cols) + " cells; at most " +
                                     std::to_string(kMaxPracticeCells) + " are practised by hand");
    const size_t n = static_cast<size_t>(cells);
    for (auto [name, list] : {std::pair<const char*, std::vector<std::string>*>{"cells", &sheet.cells}, {"checked", &sheet.checked}}) {
      const std::string at = path + "." + name;
      if (v.contains(name) && !(st = ReadStringList(v[name], at, list)).ok()) return st;
      const bool may_be_empty = std::string(name) == "checked";
      if (list->empty() && !may_be_empty) list->assign(n, "");
      if (list->size() != n && !(may_be_empty && list->empty()))
        return Status::Error(at, "expected " + std::to_string(n) + " answers (rows x cols), got " + std::to_string(list->size()));
      for (size_t k = 0; k < list->size(); ++k)
        if ((*list)[k].size() > kMaxAnswerLength)
          return Status::Error(at + "[" + std::to_string(k) + "]", "an answer is at most " + std::to_string(kMaxAnswerLength) + " characters");
    }
    sheet.hints.assign(n, 0);
    if (v.contains("hints")) {
      std::vector<double> hints;
      if (!(st = ReadNumberList(v["hints"], path + ".hints", &hints)).ok()) return st;
      if (hints.size() != n)
        return Status::Error(path + ".hints", "expected " + std::to_string(n) + " counts (rows x cols), got " + std::to_string(hints.size()));
      for (size_t k = 0; k < n; ++k) {
        if (!(hints[k] == 0 || hints[k] == 1 || hints[k] == 2 || hints[k] == 3))
          return Status::Error(path + ".hints[" + std::to_string(k) + "]", "must be 0, 1, 2 or 3 (hints shown)");
        sheet.hints[k] = static_cast<int>(hints[k]);
      }
    }
    out->sheets[key] = std::move(sheet);
  }
  return Status::Ok();
}

// The shared attention model's keys, and each view's settings object.
std::set<std::string> TopLevelKeys() {
  std::set<std::string> keys = {"title", "name", "notes", "solution", "presentation", "practice", "view", "vocab", "tokens", "E", "X", "Q", "K", "V", "W_Q", "W_K",
                                "W_V", "heads", "W_O", "scale", "temperature", "mask", "naive_softmax", "num_heads", "n_kv_heads",
                                "b_Q", "b_K", "b_V", "b_O", "kv_tokens", "X_kv",
                                "unembedding", "loss"};
  for (const ViewModel* v : ViewModels())
    if (v->settings_key) keys.insert(v->settings_key);
  return keys;
}

Status Parse(const json& j, Scenario* s) {
  if (!j.is_object()) return Status::Error("", "a scenario file holds one JSON object, got " + TypeName(j));
  Status st = CheckKeys(j, "", TopLevelKeys());
  if (!st.ok()) return st;

  const std::pair<const char*, std::string*> texts[] = {
      {"title", &s->title}, {"name", &s->name}, {"notes", &s->notes}, {"solution", &s->solution}, {"view", &s->view}};
  for (const auto& [key, out] : texts) {
    if (j.contains(key) && !(st = ReadString(j[key], key, out)).ok()) return st;
  }
  if (s->name.size() > kMaxShortName)
    return Status::Error("name", "is a short name for lists: at most " + std::to_string(kMaxShortName) +
                                     " bytes, got " + std::to_string(s->name.size()));
  if (!FindViewModel(s->view))
    return Status::Error("view", "unknown view \"" + s->view + "\" (views: " + ViewKeyList() + ")");
  if (j.contains("presentation") && !(st = ReadPresentation(j["presentation"], &s->presentation)).ok()) return st;
  if (j.contains("practice") && !(st = ReadPractice(j["practice"], &s->practice)).ok()) return st;
  if (j.contains("vocab") && !(st = ReadStringList(j["vocab"], "vocab", &s->vocab)).ok()) return st;
  if (!(st = CheckVocabulary(s->vocab)).ok()) return st;
  if (j.contains("tokens") && !(st = ReadStringList(j["tokens"], "tokens", &s->tokens)).ok()) return st;
  if (j.contains("kv_tokens") && !(st = ReadStringList(j["kv_tokens"], "kv_tokens", &s->kv_tokens)).ok()) return st;
  const std::pair<const char*, Matrix*> matrices[] = {{"E", &s->E}, {"X", &s->X}, {"X_kv", &s->X_kv}, {"Q", &s->Q},
                                                      {"K", &s->K}, {"V", &s->V}, {"W_O", &s->W_O}};
  for (const auto& [key, m] : matrices) {
    if (j.contains(key) && !(st = ReadMatrix(j[key], key, m)).ok()) return st;
  }
  if (j.contains("b_O") && !(st = ReadBias(j["b_O"], "b_O", &s->b_O)).ok()) return st;

  // Which input: Q/K/V directly, X, or tokens through E.
  const bool has_qkv = j.contains("Q") || j.contains("K") || j.contains("V");
  bool has_w = j.contains("heads") || j.contains("num_heads") || j.contains("n_kv_heads");
  for (const char* key : {"W_Q", "W_K", "W_V", "b_Q", "b_K", "b_V"}) has_w = has_w || j.contains(key);
  if (has_qkv) {
    for (const char* key : {"Q", "K", "V"})
      if (!j.contains(key)) return Status::Error(key, "is missing (Q, K and V are given together)");
    if (j.contains("X") || j.contains("E"))
      return Status::Error(j.contains("X") ? "X" : "E", "give either Q, K, V directly or the model input, not both");
    if (has_w) {
      std::string key = "W_Q";
      for (const char* k : {"heads", "num_heads", "n_kv_heads", "W_Q", "W_K", "W_V", "b_Q", "b_K", "b_V"})
        if (j.contains(k)) {
          key = k;
          break;
        }
      return Status::Error(key, "projections and heads are not used when Q, K and V are given directly");
    }
    if (j.contains("X_kv") || j.contains("kv_tokens"))
      return Status::Error(j.contains("X_kv") ? "X_kv" : "kv_tokens", "Q, K and V given directly need no key/value input");
    s->input = InputMode::kQKV;
  } else if (j.contains("X")) {
    if (j.contains("E")) return Status::Error("E", "give either X or tokens with E, not both");
    if (j.contains("kv_tokens")) return Status::Error("kv_tokens", "an X input takes its keys and values as X_kv");
    s->input = InputMode::kX;
  } else if (j.contains("E") || j.contains("tokens") || j.contains("vocab")) {
    s->input = InputMode::kTokens;
    for (const char* key : {"vocab", "tokens", "E"})
      if (!j.contains(key)) return Status::Error(key, "is missing (a token input needs vocab, tokens and E)");
    if (j.contains("X_kv")) return Status::Error("X_kv", "a token input takes its keys and values as kv_tokens");
  } else {
    return Status::Error("", "no input: give tokens (vocab, tokens, E), X, or Q, K and V");
  }

  s->heads.assign(1, HeadWeights{});
  int num_heads = 0;
  if (j.contains("num_heads")) {
    if (!(st = ReadInt(j["num_heads"], "num_heads", &num_heads)).ok()) return st;
    if (num_heads < 1 || num_heads > kMaxHeads)
      return Status::Error("num_heads", "must be 1.." + std::to_string(kMaxHeads) + ", got " + std::to_string(num_heads));
  }
  if (j.contains("n_kv_heads")) {
    if (!(st = ReadInt(j["n_kv_heads"], "n_kv_heads", &s->n_kv_heads)).ok()) return st;
    if (s->n_kv_heads < 1) return Status::Error("n_kv_heads", "must be at least 1, got " + std::to_string(s->n_kv_heads));
  }
  if (j.contains("heads")) {
    for (const char* key : {"W_Q", "W_K", "W_V", "b_Q", "b_K", "b_V"})
      if (j.contains(key)) return Status::Error(key, "give projections either at the top level or in \"heads\", not both");
    const json& hs = j["heads"];
    if (!hs.is_array() || hs.empty()) return Status::Error("heads", "expected a non-empty array of {W_Q, W_K, W_V}");
    if (hs.size() > static_cast<size_t>(kMaxHeads))
      return Status::Error("heads", std::to_string(hs.size()) + " heads; attnlab evaluates at most " + std::to_string(kMaxHeads));
    if (num_heads && static_cast<size_t>(num_heads) != hs.size())
      return Status::Error("num_heads", "is " + std::to_string(num_heads) + " but \"heads\" lists " +
                                            std::to_string(hs.size()) + " heads");
    s->heads.assign(hs.size(), HeadWeights{});
    for (size_t h = 0; h < hs.size(); ++h) {
      const std::string prefix = "heads[" + std::to_string(h) + "]";
      if (!hs[h].is_object()) return Status::Error(prefix, "expected an object {W_Q, W_K, W_V}, got " + TypeName(hs[h]));
      if (!(st = CheckKeys(hs[h], prefix, {"W_Q", "W_K", "W_V", "b_Q", "b_K", "b_V"})).ok()) return st;
      if (!(st = ReadHead(hs[h], prefix + ".", &s->heads[h])).ok()) return st;
    }
  } else {
    HeadWeights packed;
    if (!(st = ReadHead(j, "", &packed)).ok()) return st;
    const int h = num_heads ? num_heads : 1;
    const int g = s->n_kv_heads ? s->n_kv_heads : h;
    if (g > h || h % g != 0) {
      return Status::Error("n_kv_heads", "must divide num_heads (" + std::to_string(h) + "): " + std::to_string(h) +
                                             " = multi-head, a divisor = grouped-query, 1 = multi-query; got " +
                                             std::to_string(g));
    }
    if (!(st = SplitPackedHeads(packed, h, g, &s->heads)).ok()) return st;
    s->packed_heads = num_heads != 0;
  }
  // One spelling per meaning: as many K/V heads as heads is the default (0),
  // so that a file saved and read back equals the one written.
  if (s->n_kv_heads == static_cast<int>(s->heads.size())) s->n_kv_heads = 0;

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
  for (const ViewModel* v : ViewModels()) {
    if (!v->codec || !j.contains(v->settings_key)) continue;
    if (!(st = v->codec->read(j[v->settings_key], v->settings_key, &s->views)).ok()) return st;
  }
  if (!(st = CheckScenarioCost(*s)).ok()) return st;
  for (const ViewModel* v : ViewModels())
    if (v->check_limits && !(st = v->check_limits(*s)).ok()) return st;
  return Status::Ok();
}

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

ordered_json BiasJson(const RowVector& b) {
  ordered_json out = ordered_json::array();
  for (Eigen::Index i = 0; i < b.size(); ++i) out.push_back(NumberJson(b(i)));
  return out;
}

// The heads joined back into packed matrices, when they can be: every head
// (every K/V head) gives the matrix or none does, all of one width.
bool PackForFile(const Scenario& s, HeadWeights* packed) {
  const int h = static_cast<int>(s.heads.size());
  const int g = KvHeadCount(s);
  if (s.n_kv_heads != 0 && s.n_kv_heads != g) return false;  // an invalid count is written as given
  auto join = [](const std::vector<const Matrix*>& parts, Matrix* out) {
    if (std::all_of(parts.begin(), parts.end(), [](const Matrix* m) { return m->size() == 0; })) return true;
    const Eigen::Index rows = parts[0]->rows(), cols = parts[0]->cols();
    for (const Matrix* m : parts)
      if (m->rows() != rows || m->cols() != cols || m->size() == 0) return false;
    out->resize(rows, cols * static_cast<Eigen::Index>(parts.size()));
    for (size_t i = 0; i < parts.size(); ++i) out->middleCols(static_cast<Eigen::Index>(i) * cols, cols) = *parts[i];
    return true;
  };
  auto join_bias = [](const std::vector<const RowVector*>& parts, RowVector* out) {
    if (std::all_of(parts.begin(), parts.end(), [](const RowVector* b) { return b->size() == 0; })) return true;
    const Eigen::Index n = parts[0]->size();
    for (const RowVector* b : parts)
      if (b->size() != n || n == 0) return false;
    out->resize(n * static_cast<Eigen::Index>(parts.size()));
    for (size_t i = 0; i < parts.size(); ++i) out->segment(static_cast<Eigen::Index>(i) * n, n) = *parts[i];
    return true;
  };
  std::vector<const Matrix*> wq, wk, wv;
  std::vector<const RowVector*> bq, bk, bv;
  for (int i = 0; i < h; ++i) {
    const HeadWeights& w = s.heads[static_cast<size_t>(i)];
    wq.push_back(&w.W_Q);
    bq.push_back(&w.b_Q);
    if (KvLeader(s, i) == i) {
      wk.push_back(&w.W_K);
      wv.push_back(&w.W_V);
      bk.push_back(&w.b_K);
      bv.push_back(&w.b_V);
    } else if (w.W_K.size() || w.W_V.size() || w.b_K.size() || w.b_V.size()) {
      return false;  // an error Evaluate reports; written as the list it is
    }
  }
  return join(wq, &packed->W_Q) && join(wk, &packed->W_K) && join(wv, &packed->W_V) && join_bias(bq, &packed->b_Q) &&
         join_bias(bk, &packed->b_K) && join_bias(bv, &packed->b_V) && static_cast<int>(wk.size()) == g;
}

}  // namespace

Status ParseScenario(const std::string& text, Scenario* scenario) {
  // One guarded reader for every entry point (files, standard input, presets,
  // Open..., the autosave): nothing thrown inside escapes as an exception.
  try {
    if (text.size() > static_cast<size_t>(kMaxScenarioBytes)) {
      return Status::Error("", "the scenario is " + std::to_string(text.size() >> 20) +
                                   " MiB; a scenario may be at most " + std::to_string(kMaxScenarioBytes >> 20) +
                                   " MiB");
    }
    json j;
    Status st = ParseJsonStrict(text, &j);
    if (!st.ok()) return st;
    Scenario s;
    st = Parse(j, &s);
    if (!st.ok()) return st;
    *scenario = std::move(s);
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return Status::Error("", "not enough memory to read the scenario");
  } catch (const std::exception& e) {
    return Status::Error("", std::string("cannot read the scenario: ") + e.what());
  }
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
  if (!s.name.empty()) j["name"] = s.name;
  j["view"] = s.view;
  if (!s.notes.empty()) j["notes"] = s.notes;
  if (!s.solution.empty()) j["solution"] = s.solution;
  if (!s.presentation.empty()) j["presentation"] = s.presentation;
  // A token input needs all three keys to load, even when a list is empty.
  if (!s.vocab.empty() || s.input == InputMode::kTokens) j["vocab"] = s.vocab;
  if (!s.tokens.empty() || s.input == InputMode::kTokens) j["tokens"] = s.tokens;
  switch (s.input) {
    case InputMode::kTokens: j["E"] = MatrixJson(s.E); break;
    case InputMode::kX: j["X"] = MatrixJson(s.X); break;
    case InputMode::kQKV:
      j["Q"] = MatrixJson(s.Q);
      j["K"] = MatrixJson(s.K);
      j["V"] = MatrixJson(s.V);
      break;
  }
  if (s.input == InputMode::kTokens && !s.kv_tokens.empty()) j["kv_tokens"] = s.kv_tokens;
  if (s.input == InputMode::kX && s.X_kv.size()) j["X_kv"] = MatrixJson(s.X_kv);
  auto head_json = [](ordered_json& o, const HeadWeights& h) {
    if (h.W_Q.size()) o["W_Q"] = MatrixJson(h.W_Q);
    if (h.W_K.size()) o["W_K"] = MatrixJson(h.W_K);
    if (h.W_V.size()) o["W_V"] = MatrixJson(h.W_V);
    if (h.b_Q.size()) o["b_Q"] = BiasJson(h.b_Q);
    if (h.b_K.size()) o["b_K"] = BiasJson(h.b_K);
    if (h.b_V.size()) o["b_V"] = BiasJson(h.b_V);
  };
  HeadWeights packed;
  if (s.input != InputMode::kQKV) {
    if (s.packed_heads && PackForFile(s, &packed)) {
      j["num_heads"] = s.heads.size();
      if (KvHeadCount(s) != static_cast<int>(s.heads.size())) j["n_kv_heads"] = KvHeadCount(s);
      head_json(j, packed);
    } else if (s.heads.size() == 1) {
      head_json(j, s.heads[0]);
      if (s.n_kv_heads != 0) j["n_kv_heads"] = s.n_kv_heads;  // (only an invalid count is not 0 here)
    } else {
      ordered_json hs = ordered_json::array();
      for (const HeadWeights& h : s.heads) {
        ordered_json o = ordered_json::object();
        head_json(o, h);
        hs.push_back(std::move(o));
      }
      j["heads"] = std::move(hs);
      if (s.n_kv_heads != 0) j["n_kv_heads"] = s.n_kv_heads;
    }
  }
  if (s.W_O.size()) j["W_O"] = MatrixJson(s.W_O);
  if (s.b_O.size()) j["b_O"] = BiasJson(s.b_O);
  switch (s.attention.scale.kind) {
    case ScaleKind::kNone: j["scale"] = "none"; break;
    case ScaleKind::kInvSqrtDk: j["scale"] = "sqrt_dk"; break;
    case ScaleKind::kCustom: j["scale"] = s.attention.scale.value; break;
  }
  j["temperature"] = s.attention.temperature;
  j["mask"] = MaskJson(s.attention.mask);
  if (s.attention.naive_softmax) j["naive_softmax"] = true;
  if (s.unembedding == Unembedding::kNone) j["unembedding"] = "none";
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
  for (const ViewModel* v : ViewModels()) {
    ordered_json o = ordered_json::object();
    if (v->codec && v->codec->write(s.views, &o)) j[v->settings_key] = std::move(o);
  }
  const PracticeState& pr = s.practice;
  if (pr.on || !pr.target.empty() || !pr.sheets.empty()) {
    ordered_json p;
    p["on"] = pr.on;
    if (!pr.target.empty()) p["target"] = pr.target;
    ordered_json sheets = ordered_json::object();
    for (const auto& [key, sheet] : pr.sheets) {
      ordered_json o;
      o["rows"] = sheet.rows;
      o["cols"] = sheet.cols;
      o["cells"] = sheet.cells;
      if (!sheet.checked.empty()) o["checked"] = sheet.checked;
      o["hints"] = sheet.hints;
      o["revealed"] = sheet.revealed;
      sheets[key] = std::move(o);
    }
    if (!pr.sheets.empty()) p["sheets"] = std::move(sheets);
    j["practice"] = std::move(p);
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
  // Tests only: hold the finished temporary file here, so that a test can kill
  // the process between the write and the rename (tests/ui/test_save_killed.cpp).
  if (const char* pause = std::getenv("ATTNLAB_TEST_PAUSE_BEFORE_RENAME_MS")) usleep(1000u * static_cast<unsigned>(std::atoi(pause)));
  if (rename(name.data(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    unlink(name.data());
    return Status::Error("", "cannot replace " + path + ": " + err);
  }
  return Status::Ok();
}

namespace {

ordered_json PipelineJson(const Scenario& s, const Result& r, MatrixSlots* slots) {
  ordered_json j;
  if (!s.title.empty()) j["title"] = s.title;
  if (!s.tokens.empty()) j["tokens"] = s.tokens;
  if (r.X.size()) j["X"] = slots->Slot(r.X);
  if (r.X_kv.size()) j["X_kv"] = slots->Slot(r.X_kv);
  j["Q"] = slots->Slot(r.Q);
  j["K"] = slots->Slot(r.K);
  j["V"] = slots->Slot(r.V);
  j["scale"] = r.heads.empty() ? 1.0 : r.heads[0].scale;
  j["temperature"] = s.attention.temperature;
  j["scores"] = slots->Slot(r.Scores());
  j["weights"] = slots->Slot(r.Weights());
  j["argmax"] = r.heads.size() == 1 ? ArgmaxJson(r.heads[0].argmax)
                                    : ArgmaxJson(ArgmaxPerRow(r.Weights(), r.heads[0].allowed));
  j["output"] = slots->Slot(r.Z);
  j["R"] = slots->Slot(r.R);
  if (r.has_logits()) {
    j["logits"] = slots->Slot(r.logits);
    j["probs"] = slots->Slot(r.probs);
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
      o["Q"] = slots->Slot(h.Q);
      o["K"] = slots->Slot(h.K);
      o["V"] = slots->Slot(h.V);
      o["scale"] = h.scale;
      o["scores"] = slots->Slot(h.scores);
      o["weights"] = slots->Slot(h.weights);
      o["argmax"] = ArgmaxJson(h.argmax);
      o["output"] = slots->Slot(h.output);
      hs.push_back(std::move(o));
    }
    j["heads"] = std::move(hs);
  }
  j["diagnostics"] = r.diagnostics;
  return j;
}

}  // namespace

std::string ResultToJson(const Scenario& s, const Result& r, int indent) {
  MatrixSlots slots;
  return Dump(PipelineJson(s, r, &slots), indent, &slots);
}

Status EvalToJson(const Scenario& s, const Result& r, const std::string& view, std::string* out, int indent) {
  Report report;
  const Status st = EvaluateView(s, r, view, &report);
  if (!st.ok()) return st;
  MatrixSlots slots;
  ordered_json j = PipelineJson(s, r, &slots);
  j["views"][view.empty() ? s.view : view] = ReportJson(report, &slots);
  *out = Dump(j, indent, &slots);
  return Status::Ok();
}

}  // namespace attnlab
