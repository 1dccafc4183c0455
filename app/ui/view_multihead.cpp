// The Multi-head view (E3): the split into heads drawn as the reshape it is,
// every intermediate shape labelled; which query heads share which K/V head
// (GQA, MQA); each head's weights side by side with their average (what
// nn.MultiheadAttention returns); the combined heads and W_O. The layout
// controls (h, n_kv_heads, d_k, d_v) re-split the shared model's weights
// (multihead.hpp, SetHeadLayout); a W_O that no longer fits is named with its
// shapes and fixed in one click (E3(b)). Maths in core; this file only draws.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "attnlab/multihead.hpp"
#include "ui/panels.hpp"
#include "ui/presentation.hpp"
#include "ui/theme.hpp"
#include "ui/views.hpp"

namespace attnlab::ui {

// What the view keeps between frames: the last layout change in words, or why
// it was refused (shown in the view's status line, which never moves).
struct MultiHeadViewCache {
  std::string note;
  bool note_is_error = false;
};

namespace {

std::string Dims(std::initializer_list<long long> dims) {
  std::string t = "(";
  for (long long d : dims) t += (t.size() > 1 ? ", " : "") + std::to_string(d);
  return t + ")";
}

const char* KindName(int h, int g) { return g == h ? "multi-head" : g == 1 ? "multi-query" : "grouped-query"; }

// SameLine() when an item `width` wide still fits on this line, else a new line.
void SameLineIfFits(float width) {
  ImGui::SameLine(0, ImGui::GetFontSize());
  if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
}

// An InputInt's width with its label and +/- buttons.
float IntWidth(float field, const char* label) {
  return field + 2 * ImGui::GetFrameHeight() + ImGui::CalcTextSize(label).x + ImGui::GetStyle().ItemInnerSpacing.x * 3;
}

// Applies a layout to a copy; on success it becomes one step of undo.
void ApplyLayout(AppState& s, const HeadLayout& want) {
  MultiHeadViewCache& c = s.ui.caches.Get<MultiHeadViewCache>();
  Scenario next = s.scenario;
  std::string what;
  const Status st = SetHeadLayout(&next, want, &what);
  if (!st.ok()) {
    c.note = st.ToString();
    c.note_is_error = true;
    return;
  }
  if (what.empty()) return;
  s.Edit() = std::move(next);
  c.note = what;
  c.note_is_error = false;
}

// h, the kind (n_kv_heads among h's divisors), d_k, d_v and E3(b)'s widening.
void DrawControls(AppState& s) {
  const int d_model = ModelWidth(s.scenario);
  if (d_model == 0) {
    ImGui::TextWrapped("Q, K and V are given directly: there is one head and nothing to split. "
                       "Give X or tokens with E to split into heads.");
    return;
  }
  const HeadLayout now = CurrentLayout(s.scenario, d_model);
  const float font = ImGui::GetFontSize();
  const float w = font * 6.5f;
  HeadLayout want = now;

  int h = now.num_heads;
  ImGui::SetNextItemWidth(w);
  // (typed values apply on Enter: "16" must not pass through 1 on its way)
  if (ImGui::InputInt("heads h", &h, 1, 1, ImGuiInputTextFlags_EnterReturnsTrue) && h >= 1 && h <= 64 && h != now.num_heads) {
    want.num_heads = h;
    // Widths that were d_model / h follow h, as nn.MultiheadAttention's do.
    if (now.d_k * now.num_heads == d_model && d_model % h == 0) want.d_k = d_model / h;
    if (now.d_v * now.num_heads == d_model && d_model % h == 0) want.d_v = d_model / h;
    want.n_kv_heads = now.n_kv_heads == now.num_heads ? h : now.n_kv_heads == 1 ? 1 : std::gcd(now.n_kv_heads, h);
    ApplyLayout(s, want);
  }
  s.Record("multihead.heads");

  // An n_kv_heads that does not divide h (a file's mistake, named in the
  // status line) is shown as it is, and any choice replaces it.
  const int given = s.scenario.n_kv_heads;
  const bool invalid = given != 0 && given != now.n_kv_heads;
  const std::string current = invalid ? "n_kv_heads = " + std::to_string(given) + " (invalid)"
                                      : std::string(KindName(now.num_heads, now.n_kv_heads)) + ", " +
                                            std::to_string(now.n_kv_heads) + " K/V head" +
                                            (now.n_kv_heads == 1 ? "" : "s");
  const float combo = ImGui::CalcTextSize("grouped-query, 16 K/V heads").x + ImGui::GetFrameHeight() * 1.5f;
  SameLineIfFits(combo);
  ImGui::SetNextItemWidth(combo);
  if (ImGui::BeginCombo("##kind", current.c_str())) {
    for (int g = now.num_heads; g >= 1; --g) {
      if (now.num_heads % g) continue;
      const std::string label = std::string(KindName(now.num_heads, g)) + ", n_kv_heads = " + std::to_string(g);
      const bool picked = ImGui::Selectable(label.c_str(), !invalid && g == now.n_kv_heads);
      s.Record("multihead.kind." + std::to_string(g));
      if (picked) {
        if (invalid) {
          s.Edit().n_kv_heads = g == now.num_heads ? 0 : g;
        } else if (g != now.n_kv_heads) {
          want = now;
          want.n_kv_heads = g;
          ApplyLayout(s, want);
        }
      }
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("n_kv_heads: h = multi-head, a divisor of h = grouped-query, 1 = multi-query.\n"
                      "Fewer K/V heads are the mean of those they replace (GQA's uptraining recipe).");
  s.Record("multihead.kind");

  SameLineIfFits(IntWidth(w, "d_k"));
  int d_k = now.d_k;
  ImGui::SetNextItemWidth(w);
  if (ImGui::InputInt("d_k", &d_k, 1, 1, ImGuiInputTextFlags_EnterReturnsTrue) && d_k >= 1 && d_k != now.d_k) {
    want = now;
    want.d_k = d_k;
    ApplyLayout(s, want);
  }
  s.Record("multihead.d_k");
  SameLineIfFits(IntWidth(w, "d_v"));
  int d_v = now.d_v;
  ImGui::SetNextItemWidth(w);
  if (ImGui::InputInt("d_v", &d_v, 1, 1, ImGuiInputTextFlags_EnterReturnsTrue) && d_v >= 1 && d_v != now.d_v) {
    want = now;
    want.d_v = d_v;
    ApplyLayout(s, want);
  }
  s.Record("multihead.d_v");
  SameLineIfFits(ImGui::CalcTextSize("Widen W_V to 2 d_model").x + ImGui::GetStyle().FramePadding.x * 2);
  const bool wide = now.d_v * now.num_heads == 2 * d_model;
  ImGui::BeginDisabled(wide || (2 * d_model) % now.num_heads != 0);
  if (ImGui::Button("Widen W_V to 2 d_model")) {
    want = now;
    want.d_v = 2 * d_model / now.num_heads;
    ApplyLayout(s, want);
  }
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("E3(b): W_V becomes d_model x 2 d_model (each head's d_v doubles).\n"
                      "Watch W_O: its input width is now wrong.");
  s.Record("multihead.widen");
}

// The status line: the W_O mismatch with its one-click fix, else any error,
// else the last layout change in words. Always one line's room.
void DrawStatus(AppState& s) {
  MultiHeadViewCache& c = s.ui.caches.Get<MultiHeadViewCache>();
  const float line = ImGui::GetFrameHeightWithSpacing();
  const ImVec2 start = ImGui::GetCursorPos();
  const int width = ConcatWidth(s.scenario);
  if (!s.status.ok() && s.status.field() == "W_O" && s.scenario.W_O.size() && width > 0 &&
      s.scenario.W_O.rows() != width) {
    const std::string fix = "Fix: W_O becomes " + std::to_string(width) + " \u2192 " +
                            std::to_string(s.scenario.W_O.cols());
    if (ImGui::Button(fix.c_str())) {
      Scenario next = s.scenario;
      std::string what;
      if (FixOutputProjection(&next, &what)) {
        s.Edit() = std::move(next);
        c.note = what;
        c.note_is_error = false;
      }
    }
    s.Record("multihead.fix");
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, ErrorColor());
    ImGui::TextWrapped("%s", s.status.ToString().c_str());
    ImGui::PopStyleColor();
  } else if (!s.status.ok()) {
    ErrorText(s.status.ToString());
  } else if (!c.note.empty()) {
    if (c.note_is_error) {
      ErrorText(c.note);
    } else {
      ImGui::TextWrapped("%s", c.note.c_str());
    }
  } else if (!s.ui.presentation) {  // (presentation keeps its room for the figures)
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("Change h, n_kv_heads, d_k or d_v: the weights are re-split and every shape follows.");
    ImGui::PopStyleColor();
  }
  s.Record("multihead.status");
  const float reserve = line * (s.ui.presentation ? 1.0f : 1.6f);
  const float used = ImGui::GetCursorPosY() - start.y;
  if (used < reserve) ImGui::Dummy(ImVec2(1, reserve - used));
}

// The reshape, box by box, wrapped to `width`: the query path, then the K/V
// path, then which query heads read which K/V head.
struct Box {
  std::string op, shape;
  bool bad = false;
};

// `one_line` (presentation): the operation and the shape side by side, so
// that the picture fits a projector's height at the interface's text size.
float DrawBoxRow(const std::vector<Box>& boxes, float width, bool measure_only, bool one_line) {
  const float font = ImGui::GetFontSize();
  const float pad = font * 0.35f, arrow = font * 1.6f;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  float x = 0, y = 0, row_h = 0;
  const ImU32 frame = ImGui::GetColorU32(ImGuiCol_Border);
  const ImU32 fill = ImGui::GetColorU32(ImGuiCol_FrameBg);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImU32 bad = ImGui::GetColorU32(ErrorColor());
  for (size_t i = 0; i < boxes.size(); ++i) {
    const ImVec2 a = ImGui::CalcTextSize(boxes[i].op.c_str());
    const ImVec2 b = ImGui::CalcTextSize(boxes[i].shape.c_str());
    const float sep = font * 0.6f;
    const float bw = (one_line ? a.x + sep + b.x : std::max(a.x, b.x)) + 2 * pad;
    const float bh = (one_line ? std::max(a.y, b.y) : a.y + b.y) + 2 * pad;
    const float need = (i ? arrow : 0) + bw;
    if (i && x + need > width) {  // wrap: the arrow starts the next row
      x = 0;
      y += row_h + font * 0.5f;
      row_h = 0;
    } else if (i) {
      if (!measure_only) {
        const float my = origin.y + y + bh * 0.5f;
        dl->AddLine(ImVec2(origin.x + x + font * 0.2f, my), ImVec2(origin.x + x + arrow - font * 0.3f, my), dim, 2.0f);
        dl->AddTriangleFilled(ImVec2(origin.x + x + arrow - font * 0.2f, my),
                              ImVec2(origin.x + x + arrow - font * 0.55f, my - font * 0.22f),
                              ImVec2(origin.x + x + arrow - font * 0.55f, my + font * 0.22f), dim);
      }
      x += arrow;
    }
    if (!measure_only) {
      const ImVec2 p0(origin.x + x, origin.y + y), p1(origin.x + x + bw, origin.y + y + bh);
      dl->AddRectFilled(p0, p1, fill, font * 0.2f);
      dl->AddRect(p0, p1, boxes[i].bad ? bad : frame, font * 0.2f, 0, boxes[i].bad ? 2.5f : 1.0f);
      dl->AddText(ImVec2(p0.x + pad, p0.y + pad), dim, boxes[i].op.c_str());
      const ImVec2 at = one_line ? ImVec2(p0.x + pad + a.x + sep, p0.y + pad) : ImVec2(p0.x + pad, p0.y + pad + a.y);
      dl->AddText(at, boxes[i].bad ? bad : text, boxes[i].shape.c_str());
    }
    x += bw;
    row_h = std::max(row_h, bh);
  }
  const float h = y + row_h;
  if (!measure_only) ImGui::Dummy(ImVec2(width, h));
  return h;
}

// The shapes come from the scenario's layout, not from a result: while W_O
// does not fit, nothing evaluates, and the boxes still show the new widths.
struct Shapes {
  long long n, n_k, d_model, h, g, d_k, d_v, d_out;
  bool cross;
};

Shapes ShapesOf(const Scenario& sc) {
  Shapes x{};
  x.n = SequenceLength(sc);
  x.n_k = KeyLength(sc);
  x.d_model = ModelWidth(sc);
  x.cross = x.d_model && (sc.X_kv.size() || !sc.kv_tokens.empty());
  if (x.d_model == 0) {  // Q, K, V given: one head
    x.h = x.g = 1;
    x.d_k = sc.Q.cols();
    x.d_v = sc.V.cols();
  } else {
    const HeadLayout l = CurrentLayout(sc, static_cast<int>(x.d_model));
    x.h = l.num_heads;
    x.g = l.n_kv_heads;
    x.d_k = l.d_k;
    x.d_v = l.d_v;
  }
  x.d_out = sc.W_O.size() ? sc.W_O.cols() : x.h * x.d_v;
  return x;
}

std::vector<Box> QueryPath(const Scenario& sc, const Shapes& x) {
  const bool bq = !sc.heads.empty() && sc.heads.front().b_Q.size();
  std::vector<Box> q;
  if (x.d_model) {
    q.push_back({"X", Dims({1, x.n, x.d_model})});
    q.push_back({bq ? "Q = X W_Q + b_Q" : "Q = X W_Q", Dims({1, x.n, x.h * x.d_k})});
  } else {
    q.push_back({"Q", Dims({1, x.n, x.d_k})});
  }
  q.push_back({".view(b, n, h, d_k)", Dims({1, x.n, x.h, x.d_k})});
  q.push_back({".transpose(1, 2)", Dims({1, x.h, x.n, x.d_k})});
  q.push_back({"P = softmax(Q K\u1D40 \u00B7 scale / T)", Dims({1, x.h, x.n, x.n_k})});
  q.push_back({"O = P V", Dims({1, x.h, x.n, x.d_v})});
  q.push_back({".transpose(1, 2)", Dims({1, x.n, x.h, x.d_v})});
  q.push_back({".reshape(b, n, h\u00B7d_v)", Dims({1, x.n, x.h * x.d_v})});
  return q;
}

// The picture's rows: the query path (with W_O, red when it no longer fits),
// K, V, and which query heads read which K/V head.
struct ShapeRows {
  std::vector<Box> q, k, v;
  std::string kv_title, groups;
};

ShapeRows BuildShapeRows(const Scenario& sc) {
  ShapeRows rows;
  const Shapes x = ShapesOf(sc);
  rows.q = QueryPath(sc, x);
  if (sc.W_O.size()) {
    const long long wo_rows = sc.W_O.rows();
    if (wo_rows != x.h * x.d_v) {
      rows.q.push_back({"W_O is " + std::to_string(wo_rows) + "x" + std::to_string(sc.W_O.cols()),
                        "needs " + std::to_string(x.h * x.d_v) + " rows", true});
    } else {
      rows.q.push_back({sc.b_O.size() ? "Y = concat W_O + b_O" : "Y = concat W_O", Dims({1, x.n, x.d_out})});
    }
  }
  if (!x.d_model) return rows;
  const char* in = x.cross ? "X_kv" : "X";
  const HeadWeights& first = sc.heads.front();
  if (x.cross) {
    rows.k.push_back({"X_kv (cross-attention)", Dims({1, x.n_k, x.d_model})});
    rows.v.push_back(rows.k.back());
  }
  rows.k.push_back({std::string("K = ") + in + (first.b_K.size() ? " W_K + b_K" : " W_K"), Dims({1, x.n_k, x.g * x.d_k})});
  rows.k.push_back({".view(b, n_k, g, d_k) + .transpose(1, 2)", Dims({1, x.g, x.n_k, x.d_k})});
  rows.v.push_back({std::string("V = ") + in + (first.b_V.size() ? " W_V + b_V" : " W_V"), Dims({1, x.n_k, x.g * x.d_v})});
  rows.v.push_back({".view(b, n_k, g, d_v) + .transpose(1, 2)", Dims({1, x.g, x.n_k, x.d_v})});
  rows.kv_title = "keys and values (g = " + std::to_string(x.g) + " K/V head" + (x.g == 1 ? ")" : "s)");
  const int h = static_cast<int>(x.h), g = static_cast<int>(x.g);
  std::string groups;
  for (int k = 0; k < g; ++k) {
    std::string members;
    for (int i = 0; i < h; ++i)
      if (KvHeadOf(i, h, g) == k) members += (members.empty() ? "" : ", ") + std::to_string(i);
    groups += (groups.empty() ? "" : ";  ") + std::string("K/V head ") + std::to_string(k) + " \u2190 query head" +
              (h / g > 1 ? "s " : " ") + members;
  }
  rows.groups = std::string(KindName(h, g)) + ": " + groups;
  return rows;
}

void DrawKvShapes(AppState& s, const ShapeRows& rows, float width) {
  ImVec2 body(width, 0);
  if (!BeginFigurePanel(s, "kv_shapes", rows.kv_title, &body)) return;
  const bool one_line = s.ui.presentation;
  DrawBoxRow(rows.k, width, false, one_line);
  ImGui::Dummy(ImVec2(1, ImGui::GetFontSize() * 0.2f));
  DrawBoxRow(rows.v, width, false, one_line);
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
  ImGui::TextWrapped("%s", rows.groups.c_str());
  ImGui::PopTextWrapPos();
  s.Record("multihead.groups");
  EndFigurePanel(s, "kv_shapes");
}

// The heights the two pictures take at `width` (header lines included).
float QueryShapesHeight(const Scenario& sc, float width, bool one_line) {
  const ShapeRows rows = BuildShapeRows(sc);
  const float line = ImGui::GetTextLineHeightWithSpacing();
  return 2 * line + DrawBoxRow(rows.q, width, true, one_line) + ImGui::GetStyle().ItemSpacing.y;
}

float KvShapesHeight(const Scenario& sc, float width, bool one_line) {
  const ShapeRows rows = BuildShapeRows(sc);
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float gap = ImGui::GetStyle().ItemSpacing.y;
  return line + DrawBoxRow(rows.k, width, true, one_line) + DrawBoxRow(rows.v, width, true, one_line) +
         ImGui::GetFontSize() * 0.2f + 3 * gap + ImGui::CalcTextSize(rows.groups.c_str(), nullptr, false, width).y;
}

// Two figures: the query heads' path (the split, the combine, W_O), and the
// keys and values with which query heads share them.
void DrawShapes(AppState& s, float width) {
  const ShapeRows rows = BuildShapeRows(s.scenario);
  const bool one_line = s.ui.presentation;
  ImVec2 body(width, 0);
  if (BeginFigurePanel(s, "shapes", "The split into heads and the combine, with every shape (b = 1)", &body)) {
    DrawBoxRow(rows.q, width, false, one_line);
    EndFigurePanel(s, "shapes");
  }
  if (rows.k.empty()) return;
  DrawKvShapes(s, rows, width);
}

std::string HeadKey(const Result& r, size_t h) { return r.heads.size() > 1 ? "heads[" + std::to_string(h) + "]." : ""; }

// Each head's P, then their average.
void DrawWeights(AppState& s, PanelFlow& flow) {
  const Result& r = s.derived;
  // (an edit of the layout earlier in this frame: the result is the old one until the next)
  if (s.scenario.input != InputMode::kQKV && s.scenario.heads.size() != r.heads.size()) return;
  const int h = static_cast<int>(r.heads.size());
  const int g = s.scenario.input == InputMode::kQKV ? 1 : KvHeadCount(s.scenario);
  for (size_t i = 0; i < r.heads.size(); ++i) {
    const std::string formula = "head " + std::to_string(i) + ", K/V head " +
                                std::to_string(KvHeadOf(static_cast<int>(i), h, g));
    ResultMatrixPanel(s, flow, {HeadKey(r, i) + "P", formula, &r.heads[i].weights, MatrixKind::kWeights,
                                static_cast<int>(i)});
  }
  if (h > 1) {
    ResultMatrixPanel(s, flow, {"avg_P", "mean of the " + std::to_string(h) + " heads' P", &r.mean_weights,
                                MatrixKind::kMeanWeights});
  }
}

void DrawOutputs(AppState& s, PanelFlow& flow) {
  const Result& r = s.derived;
  ResultMatrixPanel(s, flow, {"concat", r.heads.size() > 1 ? "[O\u2080 \u2026 O\u2095\u208B\u2081]" : "P V", &r.Z,
                              MatrixKind::kOutput});
  const Scenario& sc = s.scenario;
  if (sc.W_O.size() || sc.b_O.size()) {
    const std::string formula = std::string("concat") + (sc.W_O.size() ? " W_O" : "") + (sc.b_O.size() ? " + b_O" : "");
    ResultMatrixPanel(s, flow, {"output", formula, &r.R, MatrixKind::kProjected});
  }
}

void DrawInputs(AppState& s, PanelFlow& flow) {
  Scenario& sc = s.scenario;
  if (sc.input == InputMode::kQKV) return;
  if (sc.input == InputMode::kX) {
    InputMatrixPanel(s, flow, "X", "", sc.tokens.empty() ? nullptr : &sc.tokens, nullptr);
    if (sc.X_kv.size()) InputMatrixPanel(s, flow, "X_kv", "keys and values", nullptr, nullptr);
  }
  for (size_t h = 0; h < sc.heads.size(); ++h) {
    const std::string p = sc.heads.size() > 1 ? "heads[" + std::to_string(h) + "]." : "";
    InputMatrixPanel(s, flow, p + "W_Q", "", nullptr, nullptr);
    if (KvLeader(sc, static_cast<int>(h)) != static_cast<int>(h)) continue;  // shares its group's W_K, W_V
    InputMatrixPanel(s, flow, p + "W_K", "", nullptr, nullptr);
    InputMatrixPanel(s, flow, p + "W_V", "", nullptr, nullptr);
  }
  if (sc.W_O.size()) InputMatrixPanel(s, flow, "W_O", "", nullptr, nullptr);
}

// The biases, read-only (they are edited in the file).
void DrawBiases(const AppState& s) {
  const Scenario& sc = s.scenario;
  auto line = [](const char* name, const RowVector& b) {
    if (!b.size()) return;
    std::string t = std::string(name) + " = [";
    for (Eigen::Index i = 0; i < b.size(); ++i) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%.3g", i ? ", " : "", b(i));
      t += buf;
    }
    ImGui::TextDisabled("%s]", t.c_str());
  };
  for (size_t h = 0; h < sc.heads.size(); ++h) {
    const std::string p = sc.heads.size() > 1 ? "head " + std::to_string(h) + ": " : "";
    line((p + "b_Q").c_str(), sc.heads[h].b_Q);
    line((p + "b_K").c_str(), sc.heads[h].b_K);
    line((p + "b_V").c_str(), sc.heads[h].b_V);
  }
  line("b_O", sc.b_O);
}


void DrawSlides(AppState& s) {
  std::vector<Slide> slides;
  const float font = ImGui::GetFontSize();
  if (s.has_result && s.status.ok() &&
      (s.scenario.input == InputMode::kQKV || s.scenario.heads.size() == s.derived.heads.size())) {
    const Result& r = s.derived;
    const int h = static_cast<int>(r.heads.size());
    if (h > 1)
      slides.push_back(MatrixSlide(s, {"avg_P", "mean of the heads' P", &r.mean_weights, MatrixKind::kMeanWeights},
                                   "The heads' average weights"));
    for (size_t i = 0; i < r.heads.size(); ++i)
      slides.push_back(MatrixSlide(s, {HeadKey(r, i) + "P", "head " + std::to_string(i), &r.heads[i].weights,
                                       MatrixKind::kWeights, static_cast<int>(i)},
                                   "P of head " + std::to_string(i)));
    slides.push_back(MatrixSlide(s, {"output", "concat W_O", &r.R, MatrixKind::kProjected}, "The output"));
  }
  // (as tall as each picture is at the full width: they wrap, so they need no less)
  const float full = ImGui::GetContentRegionAvail().x;
  slides.push_back({"shapes", "The split and the combine, with every shape",
                    ImVec2(full, QueryShapesHeight(s.scenario, full, true)), [&s](ImVec2 room) {
                      const ShapeRows rows = BuildShapeRows(s.scenario);
                      ImVec2 body = room;
                      if (BeginFigurePanel(s, "shapes", "The split into heads and the combine (b = 1)", &body)) {
                        DrawBoxRow(rows.q, room.x, false, true);
                        EndFigurePanel(s, "shapes");
                      }
                    }});
  if (s.scenario.input != InputMode::kQKV)
    slides.push_back({"kv_shapes", "Keys and values: which query heads share them",
                      ImVec2(full, KvShapesHeight(s.scenario, full, true)),
                      [&s](ImVec2 room) { DrawKvShapes(s, BuildShapeRows(s.scenario), room.x); }});
  if (!s.scenario.notes.empty() || !s.scenario.solution.empty())
    slides.push_back({"exercise", "The exercise and its solution", ImVec2(font * 16.0f, font * 8.0f),
                      [&s](ImVec2) { DrawExerciseText(s); }});
  DrawPresentation(s, slides, FindViewScreen("multihead")->presentation_panels);
}

}  // namespace

void DrawMultiHeadView(AppState& s) {
  s.ui.hover_explanation.clear();
  s.ui.panel_names.clear();
  const bool ok = s.has_result && !s.derived.heads.empty();
  if (ExportingOnePanel(s)) {  // a picture of one panel: each is visited, the chosen one draws
    PanelFlow flow;
    DrawShapes(s, FigureExportSize().x);
    if (ok) {
      DrawWeights(s, flow);
      DrawOutputs(s, flow);
    }
    DrawInputs(s, flow);
    return;
  }
  DrawControls(s);
  DrawStatus(s);
  if (s.ui.presentation) {
    DrawSlides(s);
    return;
  }
  ImGui::BeginChild("multihead_body", ImVec2(0, 0), false);
  const float width = ImGui::GetContentRegionAvail().x;
  DrawShapes(s, width);  // (from the scenario: right even while nothing evaluates)
  ImGui::Spacing();
  PanelFlow flow;
  if (ok && s.status.ok()) {
    DrawWeights(s, flow);
    if (s.scenario.input == InputMode::kQKV || s.scenario.heads.size() == s.derived.heads.size()) DrawOutputs(s, flow);
  }
  flow = PanelFlow();
  ImGui::Separator();
  ImGui::TextDisabled("The weights (edit any cell; W_K and W_V appear once per K/V head)");
  DrawInputs(s, flow);
  DrawBiases(s);
  if (!s.scenario.notes.empty() || !s.scenario.solution.empty()) {
    ImGui::Separator();
    DrawExerciseText(s);
  }
  ImGui::EndChild();
}

}  // namespace attnlab::ui
