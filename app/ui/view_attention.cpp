// The Attention view: the whole pipeline, every matrix a panel, every input
// editable in place.
//
//   tokens -> X -> Q, K, V -> scores -> P -> Z -> (W_O) -> R -> logits -> probs -> loss
//
// Left: the panels in pipeline order, flowing into rows that fit the window.
// Right: the loss, "read the maths" for the hovered cell, the exercise text.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "attnlab/format.hpp"
#include "attnlab/matrix_text.hpp"
#include "attnlab/softmax.hpp"
#include "ui/explain.hpp"
#include "ui/views.hpp"
#include "ui/panels.hpp"
#include "ui/presentation.hpp"
#include "ui/theme.hpp"
#include "widgets/heatmap.hpp"
#include "widgets/matrix_editor.hpp"

namespace attnlab::ui {
namespace {

const ImVec4 kNoticeColor(0.95f, 0.70f, 0.20f, 1.0f);

// The mask kinds in people's words (files and `eval` keep the identifiers).
const char* MaskKindLabel(MaskKind k) {
  switch (k) {
    case MaskKind::kNone: return "none";
    case MaskKind::kCausal: return "causal";
    case MaskKind::kPadding: return "padding";
    case MaskKind::kSlidingWindow: return "sliding window";
    case MaskKind::kPrefixLm: return "prefix LM";
    case MaskKind::kBlockDiagonal: return "block diagonal";
    case MaskKind::kCustom: return "custom";
  }
  return "?";
}


bool Shown(const AppState& s, Stage stage) {
  return !s.ui.step_mode || static_cast<int>(stage) <= s.ui.step;
}

// ---------------------------------------------------------------------------
// Controls

float ComboWidth(const char* longest) {
  return ImGui::CalcTextSize(longest).x + ImGui::GetFrameHeight() + ImGui::GetStyle().FramePadding.x * 2;
}

// SameLine() when an item `width` wide still fits on this line, else a new line.
void SameLineIfFits(float width) {
  ImGui::SameLine(0, ImGui::GetFontSize() * 1.2f);
  if (ImGui::GetContentRegionAvail().x < width + ImGui::GetStyle().ItemInnerSpacing.x * 2) ImGui::NewLine();
}

// Temperature: an explicit argmax switch, else a logarithmic slider.
void DrawTemperature(AppState& s) {
  const double T = s.scenario.attention.temperature;
  bool argmax = T == 0.0;
  if (ImGui::Checkbox(s.ui.presentation ? "argmax" : "argmax (T = 0)", &argmax)) {
    if (argmax) {
      if (T > 0) s.ui.remembered_temperature = T;
      s.Edit().attention.temperature = 0.0;
    } else {
      s.Edit().attention.temperature = s.ui.remembered_temperature > 0 ? s.ui.remembered_temperature : 1.0;
    }
  }
  s.Record("control.argmax");
  ImGui::SameLine();
  // With argmax on the slider says so; moving it leaves argmax at that T.
  float t = argmax ? static_cast<float>(s.ui.remembered_temperature) : static_cast<float>(T);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * (s.ui.presentation ? 6.5f : 9.0f));
  if (ImGui::SliderFloat("##temperature", &t, 1e-3f, 1e3f, argmax ? "argmax" : "T = %.3g",
                         ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp)) {
    s.ui.remembered_temperature = t;
    s.Edit().attention.temperature = t;
  }
  s.Record("control.temperature");
}

void DrawScale(AppState& s) {
  const ScaleSpec& scale = s.scenario.attention.scale;
  const char* names[] = {"none", "1/\u221Ad\u2096", "custom"};
  int kind = static_cast<int>(scale.kind);
  ImGui::SetNextItemWidth(ComboWidth("custom"));
  if (ImGui::Combo("scale", &kind, names, 3)) s.Edit().attention.scale.kind = static_cast<ScaleKind>(kind);
  s.Record("control.scale");
  if (scale.kind == ScaleKind::kCustom) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4.5f);
    double v = scale.value;
    if (ImGui::InputDouble("##scale_value", &v, 0, 0, "%.4g")) s.Edit().attention.scale.value = v;
  }
}

void DrawMask(AppState& s) {
  const MaskSpec& mask = s.scenario.attention.mask;
  const MaskKind kinds[] = {MaskKind::kNone, MaskKind::kCausal, MaskKind::kPadding, MaskKind::kSlidingWindow,
                            MaskKind::kPrefixLm, MaskKind::kBlockDiagonal, MaskKind::kCustom};
  ImGui::SetNextItemWidth(ComboWidth("sliding window"));
  if (ImGui::BeginCombo("mask", MaskKindLabel(mask.kind))) {
    const int n = SequenceLength(s.scenario);
    for (MaskKind k : kinds) {
      const bool picked = ImGui::Selectable(MaskKindLabel(k), k == mask.kind);
      s.Record(std::string("control.mask.") + MaskKindName(k));
      if (picked && k != mask.kind) {
        MaskSpec next = mask;
        if (k == MaskKind::kCustom && s.has_result && !s.derived.heads.empty()) {
          next.custom = s.derived.heads[0].allowed.ToDense();  // start from what is shown now
        } else if (k == MaskKind::kCustom) {
          next.custom = Mask::Constant(n, KeyLength(s.scenario), true);  // (n_q x n_k: cross-attention)
        }
        next.kind = k;
        if (*MaskParamName(k) != '\0' && next.param < 1) next.param = std::max(1, n / 2);
        s.Edit().attention.mask = next;
      }
    }
    ImGui::EndCombo();
  }
  s.Record("control.mask");
  if (ImGui::IsItemHovered() && mask.kind == MaskKind::kCustom) {
    ImGui::SetTooltip("Click cells of P to mask or unmask them");
  }
  if (*MaskParamName(mask.kind) != '\0') {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5.5f);
    int p = mask.param;
    if (ImGui::InputInt(MaskParamName(mask.kind), &p)) s.Edit().attention.mask.param = std::max(1, p);
    s.Record("control.mask_param");
  }
}

void DrawTeachingControls(AppState& s) {
  bool naive = s.scenario.attention.naive_softmax;
  if (ImGui::Checkbox("naive softmax", &naive)) s.Edit().attention.naive_softmax = naive;
  s.Record("control.naive");
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Skip subtracting the row maximum: exp() overflows for large scores\n"
                      "and the weights turn to NaN. The default stays stable.");
  }
  SameLineIfFits(ImGui::GetFontSize() * 14);
  if (ImGui::Checkbox("step by step", &s.ui.step_mode)) s.ui.step = 0;
  s.Record("control.step_mode");
  if (s.ui.step_mode) {
    static const char* kStageNames[] = {"inputs", "Q K\u1D40", "\u00D7 scale", "+ mask", "softmax",
                                        "\u00D7 V",   "\u00D7 W_O", "logits",   "loss"};
    ImGui::SameLine();
    if (ImGui::ArrowButton("##step_back", ImGuiDir_Left)) s.ui.step = std::max(0, s.ui.step - 1);
    ImGui::SameLine();
    if (ImGui::ArrowButton("##step_next", ImGuiDir_Right)) s.ui.step = std::min(kStageCount - 1, s.ui.step + 1);
    s.Record("control.step_next");
    ImGui::SameLine();
    // As wide as the widest stage, so that the controls after it stay put.
    float widest = 0;
    for (const char* name : kStageNames) widest = std::max(widest, ImGui::CalcTextSize(("8/8: " + std::string(name)).c_str()).x);
    const std::string label = std::to_string(s.ui.step) + "/" + std::to_string(kStageCount - 1) + ": " +
                              kStageNames[std::clamp(s.ui.step, 0, kStageCount - 1)];
    ImGui::BeginGroup();
    ImGui::TextUnformatted(label.c_str());
    ImGui::SameLine(0, 0);
    ImGui::Dummy(ImVec2(std::max(0.0f, widest - ImGui::CalcTextSize(label.c_str()).x), 1));
    ImGui::EndGroup();
    s.Record("text.step");
  }
  SameLineIfFits(ComboWidth("scientific") + ImGui::CalcTextSize("numbers").x);
  const char* styles[] = {"auto", "decimal", "fraction", "scientific"};
  int style = static_cast<int>(s.ui.number_style);
  ImGui::SetNextItemWidth(ComboWidth("scientific"));
  if (ImGui::Combo("numbers", &style, styles, 4)) s.ui.number_style = static_cast<NumberStyle>(style);
  SameLineIfFits(ComboWidth("cividis") + ImGui::CalcTextSize("colours").x);
  const char* maps[] = {"viridis", "cividis"};
  int map = s.ui.weights_colormap == Colormap::kCividis ? 1 : 0;
  ImGui::SetNextItemWidth(ComboWidth("cividis"));
  if (ImGui::Combo("colours", &map, maps, 2)) s.ui.weights_colormap = map ? Colormap::kCividis : Colormap::kViridis;
  SameLineIfFits(ImGui::GetFontSize() * 8);
  ImGui::Checkbox("auto range", &s.ui.weights_auto_range);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Colour P and probs by their own range instead of 0..1");
}

// The token sequence, as typed: "D A A <START> A D <STOP>".
void DrawTokens(AppState& s) {
  if (s.scenario.input != InputMode::kTokens) return;
  if (!s.ui.tokens_text_valid) {
    std::string joined;
    for (const std::string& t : s.scenario.tokens) joined += (joined.empty() ? "" : " ") + t;
    s.ui.tokens_text = joined;
    s.ui.tokens_text_valid = true;
  }
  char buf[2048];
  std::snprintf(buf, sizeof buf, "%s", s.ui.tokens_text.c_str());
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("tokens");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x * 0.6f, ImGui::GetFontSize() * 30));
  if (ImGui::InputText("##tokens", buf, sizeof buf)) {
    s.ui.tokens_text = buf;
    std::istringstream in(s.ui.tokens_text);
    std::vector<std::string> tokens;
    for (std::string t; in >> t;) tokens.push_back(t);
    s.Edit().tokens = tokens;
  }
  s.Record("control.tokens");
  ImGui::SameLine();
  std::string vocab;
  for (const std::string& v : s.scenario.vocab) vocab += (vocab.empty() ? "" : " ") + v;
  ImGui::TextDisabled("vocabulary: %s", vocab.c_str());
  if (!s.status.ok() && s.status.field().rfind("tokens", 0) == 0) {
    ErrorText(s.status.ToString());
  }
}

// One line, always there (blank when all is well), so that nothing below
// moves when a message comes or goes: a click on P that masks a whole row
// must leave the next click on the same cell. The first message shows; all
// of them (and the full text) on hover.
void DrawStatus(AppState& s) {
  std::string line, full;
  ImVec4 color = kNoticeColor;
  const bool error = !s.status.ok() && s.status.field().rfind("tokens", 0) != 0;
  if (error) {
    line = "\u26A0 " + s.status.ToString();
    full = line + (s.has_result ? "\nThe results show the last scenario that could be computed." : "");
    color = ErrorColor();
  } else if (s.has_result && !s.derived.diagnostics.empty()) {
    const std::vector<std::string>& d = s.derived.diagnostics;
    line = d.front();
    if (d.size() > 1) line += "  (+" + std::to_string(d.size() - 1) + " more: hover)";
    for (const std::string& t : d) full += (full.empty() ? "" : "\n") + t;
  }
  const std::string shown = Ellipsize(line, ImGui::GetContentRegionAvail().x);
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextUnformatted(shown.empty() ? " " : shown.c_str());
  ImGui::PopStyleColor();
  s.Record(error ? "status.error" : "status.line");
  if (!full.empty() && (full != shown) && ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
    ImGui::TextUnformatted(full.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

// ---------------------------------------------------------------------------
// The loss panel

// Which positions are scored, and against which tokens: "4 5 6" and
// "A D <STOP>" (empty targets: the sequence's own tokens).
void DrawLossTargets(AppState& s) {
  std::string positions, targets;
  for (int p : s.scenario.loss.positions) positions += (positions.empty() ? "" : " ") + std::to_string(p);
  for (int t : s.scenario.loss.targets) {
    targets += (targets.empty() ? "" : " ") +
               (t >= 0 && t < static_cast<int>(s.scenario.vocab.size()) ? s.scenario.vocab[t] : std::to_string(t));
  }
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s", positions.c_str());
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
  if (ImGui::InputTextWithHint("positions", "all", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue)) {
    std::istringstream in(buf);
    std::vector<int> parsed;
    std::string word;
    bool ok = true;
    while (in >> word) {
      char* end = nullptr;
      const long v = std::strtol(word.c_str(), &end, 10);
      ok = ok && *end == '\0' && v >= 0 && v < 1000000;
      parsed.push_back(static_cast<int>(v));
    }
    if (ok) {
      s.Edit().loss.positions = parsed;
      s.ui.message.clear();
    } else {
      s.ui.message = std::string("loss positions: \"") + buf + "\" are not whole numbers from 0";
    }
  }
  s.Record("control.loss.positions");
  std::snprintf(buf, sizeof buf, "%s", targets.c_str());
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
  if (ImGui::InputTextWithHint("targets", "the tokens there", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue)) {
    std::istringstream in(buf);
    std::vector<int> parsed;
    std::string unknown;
    for (std::string word; in >> word;) {
      const auto it = std::find(s.scenario.vocab.begin(), s.scenario.vocab.end(), word);
      if (it == s.scenario.vocab.end()) {
        unknown += (unknown.empty() ? "" : ", ") + word;
      } else {
        parsed.push_back(static_cast<int>(it - s.scenario.vocab.begin()));
      }
    }
    if (unknown.empty()) {
      s.Edit().loss.targets = parsed;
      s.ui.message.clear();
    } else {
      s.ui.message = "loss targets: not in the vocabulary: " + unknown;
    }
  }
  s.Record("control.loss.targets");
  ImGui::SameLine();
  ImGui::TextDisabled("(Enter)");
}

void DrawLossControls(AppState& s);
void DrawLossTable(AppState& s, bool figure, float figure_width);

// The loss: its controls, then the table. As a figure (a picture, or
// presentation mode) only what it says, no widgets, in a table of its own
// width (never the 4095-pixel strip of the export frame).
void DrawLoss(AppState& s, bool figure = false, float figure_width = 0) {
  const Result& r = s.derived;
  ImGui::TextUnformatted("Cross-entropy loss");
  if (!s.scenario.loss.enabled) {
    ImGui::TextDisabled("This scenario defines no loss.");
    if (!figure && s.has_result && r.has_logits() && ImGui::Button("Add a loss")) s.Edit().loss.enabled = true;
    return;
  }
  if (figure) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%s", s.scenario.loss.convention == LossConvention::kSamePosition
                                 ? "Row t scores position t." : "Row t \u2212 1 predicts position t.");
    ImGui::PopStyleColor();
  }
  if (!figure) DrawLossControls(s);
  if (!s.has_result || !r.has_loss()) return;
  DrawLossTable(s, figure, figure_width);
}

void DrawLossControls(AppState& s) {
  int convention = static_cast<int>(s.scenario.loss.convention);
  if (ImGui::RadioButton("same position", &convention, 0)) s.Edit().loss.convention = LossConvention::kSamePosition;
  s.Record("control.loss.same_position");
  ImGui::SameLine();
  if (ImGui::RadioButton("next token", &convention, 1)) s.Edit().loss.convention = LossConvention::kNextToken;
  s.Record("control.loss.next_token");
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", convention == 0 ? "Row t scores the token at position t (the exam's convention)."
                                           : "Row t \u2212 1 predicts the token at position t.");
  ImGui::PopStyleColor();
  if (!s.ui.presentation) {
    float eps = static_cast<float>(s.scenario.loss.label_smoothing);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    if (ImGui::SliderFloat("label smoothing \u03B5", &eps, 0.0f, 0.5f, "%.2f")) {
      s.Edit().loss.label_smoothing = eps;
    }
    s.Record("control.label_smoothing");
  }
  if (!s.ui.presentation) DrawLossTargets(s);
}

void DrawLossTable(AppState& s, bool figure, float figure_width) {
  const Result& r = s.derived;

  const std::vector<std::string>& vocab = s.scenario.vocab;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH |
                                ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_PadOuterX;
  const float width = !figure ? 0.0f : figure_width > 0 ? figure_width : ImGui::GetFontSize() * 22.0f;
  if (ImGui::BeginTable("loss_terms", 4, flags, ImVec2(width, 0))) {
    ImGui::TableSetupColumn(figure ? "t" : "position");
    ImGui::TableSetupColumn("target");
    ImGui::TableSetupColumn(figure ? "p" : "P(target)", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("\u2212log p");
    ImGui::TableHeadersRow();
    for (size_t k = 0; k < r.loss_terms.size(); ++k) {
      const LossTerm& t = r.loss_terms[k];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      if (t.row == t.position) {
        ImGui::Text("%d", t.position);
      } else {
        ImGui::Text("%d \u2192 %d", t.row, t.position);
      }
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(t.target < static_cast<int>(vocab.size()) ? vocab[t.target].c_str()
                                                                       : std::to_string(t.target).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(FormatNumber(t.prob, NumberStyle::kDecimal, 4).c_str());
      ImGui::SameLine();
      // A bar exactly one text line high, so that every cell of the row shares its baseline.
      const ImVec2 at = ImGui::GetCursorScreenPos();
      const float bar_w = std::max(ImGui::GetFontSize() * 2.0f, ImGui::GetContentRegionAvail().x);
      const float bar_h = ImGui::GetTextLineHeight();
      ImDrawList* dl = ImGui::GetWindowDrawList();
      dl->AddRectFilled(at, ImVec2(at.x + bar_w, at.y + bar_h), ImGui::GetColorU32(ImGuiCol_FrameBg));
      dl->AddRectFilled(at, ImVec2(at.x + bar_w * static_cast<float>(std::clamp(t.prob, 0.0, 1.0)), at.y + bar_h),
                        ImGui::GetColorU32(ImGuiCol_PlotHistogram));
      ImGui::Dummy(ImVec2(bar_w, bar_h));
      if (ImGui::IsItemHovered()) s.ui.hover_explanation = ExplainLossTerm(s.scenario, t, s.ui.number_style);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(FormatNumber(t.loss, NumberStyle::kDecimal, 4).c_str());
    }
    ImGui::EndTable();
  }
  ImGui::Text("loss (sum) = %s", FormatNumber(r.loss, NumberStyle::kDecimal, 4).c_str());
  s.Record("text.loss");
  const std::string mean = "mean = " + FormatNumber(r.mean_loss, NumberStyle::kDecimal, 4);
  const std::string perplexity = "perplexity = " + FormatNumber(r.perplexity, NumberStyle::kDecimal, 3);
  ImGui::TextUnformatted(mean.c_str());
  SameLineIfFits(ImGui::CalcTextSize(perplexity.c_str()).x);  // (a narrow figure: on the next line)
  ImGui::TextUnformatted(perplexity.c_str());
}

// ---------------------------------------------------------------------------
// The pipeline panels

// Input panels of this scenario, in pipeline order, before the results.
// One head's projections W_Q, W_K, W_V.
// A head of a K/V group (GQA, MQA) other than its first shares that head's
// W_K and W_V, and says so instead of showing them.
void DrawHeadInputs(AppState& s, PanelFlow& flow, size_t h) {
  const std::string prefix = s.scenario.heads.size() > 1 ? "heads[" + std::to_string(h) + "]." : "";
  InputMatrixPanel(s, flow, prefix + "W_Q", "", nullptr, nullptr);
  const int leader = KvLeader(s.scenario, static_cast<int>(h));
  if (leader != static_cast<int>(h)) {
    ImGui::TextDisabled("W_K, W_V: head %d's (n_kv_heads = %d)", leader, KvHeadCount(s.scenario));
    flow = PanelFlow();
    return;
  }
  for (const char* w : {"W_K", "W_V"}) InputMatrixPanel(s, flow, prefix + w, "", nullptr, nullptr);
}

// The inputs; with `by_head` the heads' projections are left to their columns.
void DrawInputPanels(AppState& s, PanelFlow& flow, bool by_head = false) {
  Scenario& sc = s.scenario;
  switch (sc.input) {
    case InputMode::kTokens:
      InputMatrixPanel(s, flow, "E", "", &sc.vocab, nullptr);
      break;
    case InputMode::kX:
      InputMatrixPanel(s, flow, "X", "", sc.tokens.empty() ? nullptr : &sc.tokens, nullptr);
      break;
    case InputMode::kQKV:
      InputMatrixPanel(s, flow, "Q", "", sc.tokens.empty() ? nullptr : &sc.tokens, nullptr);
      InputMatrixPanel(s, flow, "K", "", nullptr, nullptr);
      InputMatrixPanel(s, flow, "V", "", nullptr, nullptr);
      return;
  }
  if (!by_head) {
    for (size_t h = 0; h < sc.heads.size(); ++h) DrawHeadInputs(s, flow, h);
  }
}

// One head's results: Q, K, V (from X), the scores (step by step), P.
void DrawHeadResults(AppState& s, PanelFlow& flow, size_t h) {
  const Result& r = s.derived;
  const Scenario& sc = s.scenario;
  const bool several = r.heads.size() > 1;
  const HeadResult& head = r.heads[h];
  const std::string suffix = several ? " (head " + std::to_string(h) + ")" : "";
  const std::string key = several ? "heads[" + std::to_string(h) + "]." : "";
  // (a stale result, the scenario's heads changed since: its formulas would
  // read another head's weights, so only what the result itself holds is shown)
  if (sc.input != InputMode::kQKV && sc.heads.size() == r.heads.size()) {
    // (K and V from the head's K/V head: GQA, MQA; on X_kv for cross-attention)
    const HeadWeights& w = sc.heads[h];
    const HeadWeights& kv = sc.heads[static_cast<size_t>(KvLeader(sc, static_cast<int>(h)))];
    const std::string in = r.X_kv.size() ? "X_kv" : "X";
    const std::string q = std::string("X W_Q") + (w.b_Q.size() ? " + b_Q" : "");
    const std::string k = in + " W_K" + (kv.b_K.size() ? " + b_K" : "");
    const std::string v = in + " W_V" + (kv.b_V.size() ? " + b_V" : "");
    ResultMatrixPanel(s, flow, {key + "Q", q + suffix, &head.Q, MatrixKind::kSigned, static_cast<int>(h)});
    ResultMatrixPanel(s, flow, {key + "K", k + suffix, &head.K, MatrixKind::kSigned, static_cast<int>(h)});
    ResultMatrixPanel(s, flow, {key + "V", v + suffix, &head.V, MatrixKind::kSigned, static_cast<int>(h)});
  }
  if (s.ui.step_mode && s.ui.step < static_cast<int>(Stage::kMasked)) {
    if (Shown(s, Stage::kScores)) {
      ResultMatrixPanel(s, flow, {key + "QK^T", "Q K\u1D40" + suffix, &head.scores, MatrixKind::kRawScores,
                                  static_cast<int>(h)});
    }
    if (Shown(s, Stage::kScaled)) {
      ResultMatrixPanel(s, flow, {key + "scaled", "scale \u00B7 Q K\u1D40" + suffix, &head.scores,
                                  MatrixKind::kScaledScores, static_cast<int>(h)});
    }
  } else if (Shown(s, Stage::kMasked)) {
    ResultMatrixPanel(s, flow, {key + "scores", "scale \u00B7 Q K\u1D40, masked" + suffix, &head.scores,
                                MatrixKind::kScores, static_cast<int>(h)});
  }
  if (Shown(s, Stage::kWeights)) {
    ResultMatrixPanel(s, flow, {key + "P", "softmax(scores / T)" + suffix, &head.weights, MatrixKind::kWeights,
                                static_cast<int>(h)});
  }
}

// Several heads: one column per head (its projections, then its results),
// side by side, instead of one long stack.
void DrawHeadColumns(AppState& s, PanelFlow& flow) {
  const size_t n = s.scenario.heads.size();
  const ImGuiTableFlags flags = ImGuiTableFlags_SizingStretchSame | ImGuiTableFlags_BordersInnerV;
  if (!ImGui::BeginTable("heads", static_cast<int>(n), flags)) return;
  for (size_t h = 0; h < n; ++h) {
    ImGui::TableNextColumn();
    ImGui::TextDisabled("head %zu", h);
    PanelFlow column;
    DrawHeadInputs(s, column, h);
    if (s.has_result && h < s.derived.heads.size() && Shown(s, Stage::kScores)) DrawHeadResults(s, column, h);
  }
  ImGui::EndTable();
  s.Record("table.heads");
  flow = PanelFlow();  // what follows starts a row of its own
}

void DrawResultPanels(AppState& s, PanelFlow& flow, bool by_head = false) {
  const Result& r = s.derived;
  const Scenario& sc = s.scenario;
  if (sc.input == InputMode::kTokens) {
    ResultMatrixPanel(s, flow, {"X", "E[tokens]", &r.X, MatrixKind::kSigned});
  }
  const bool several = r.heads.size() > 1;
  if (by_head) {
    DrawHeadColumns(s, flow);
  } else {
    for (size_t h = 0; h < r.heads.size(); ++h) DrawHeadResults(s, flow, h);
  }
  if (Shown(s, Stage::kOutput)) {
    ResultMatrixPanel(s, flow, {"Z", several ? "[Z\u2080 \u2026 Z\u2095]" : "P V", &r.Z, MatrixKind::kOutput});
  }
  if (Shown(s, Stage::kProjected) && sc.W_O.size()) {
    InputMatrixPanel(s, flow, "W_O", "", nullptr, nullptr);
    ResultMatrixPanel(s, flow, {"R", sc.b_O.size() ? "Z W_O + b_O" : "Z W_O", &r.R, MatrixKind::kProjected});
  }
  if (Shown(s, Stage::kLogits) && r.has_logits()) {
    if (sc.unembedding == Unembedding::kMatrix) InputMatrixPanel(s, flow, "unembedding", "", nullptr, &sc.vocab);
    ResultMatrixPanel(s, flow, {"logits", sc.unembedding == Unembedding::kMatrix ? "R U" : "R E\u1D40", &r.logits,
                                MatrixKind::kLogits});
    ResultMatrixPanel(s, flow, {"probs", "softmax(logits)", &r.probs, MatrixKind::kProbs});
  }
}


// Presentation: what the instructor chose, from what the steps revealed.
void DrawAttentionSlides(AppState& s) {
  std::vector<Slide> slides;
  const float font = ImGui::GetFontSize();
  if (s.has_result) {
    const Result& r = s.derived;
    const bool several = r.heads.size() > 1;
    for (size_t h = 0; h < r.heads.size() && Shown(s, Stage::kWeights); ++h) {
      const std::string key = several ? "heads[" + std::to_string(h) + "]." : "";
      slides.push_back(MatrixSlide(s, {key + "P", "softmax(scores / T)", &r.heads[h].weights, MatrixKind::kWeights,
                                       static_cast<int>(h)},
                                   several ? "P of head " + std::to_string(h) : "P: the attention weights"));
    }
    for (size_t h = 0; h < r.heads.size() && Shown(s, Stage::kMasked); ++h) {
      const std::string key = several ? "heads[" + std::to_string(h) + "]." : "";
      slides.push_back(MatrixSlide(s, {key + "scores", "scale \u00B7 Q K\u1D40, masked", &r.heads[h].scores,
                                       MatrixKind::kScores, static_cast<int>(h)},
                                   several ? "scores of head " + std::to_string(h) : "scores"));
    }
    if (Shown(s, Stage::kOutput))
      slides.push_back(MatrixSlide(s, {"Z", several ? "[Z\u2080 \u2026 Z\u2095]" : "P V", &r.Z, MatrixKind::kOutput},
                                   "Z = P V: the output"));
    if (Shown(s, Stage::kLogits) && r.has_logits())
      slides.push_back(MatrixSlide(s, {"probs", "softmax(logits)", &r.probs, MatrixKind::kProbs},
                                   "probs: the predicted distributions"));
  }
  if (Shown(s, Stage::kLoss) && s.scenario.loss.enabled) {
    Slide loss;
    loss.key = "loss";
    loss.label = "The loss";
    const float rows = static_cast<float>(s.derived.loss_terms.size());
    loss.min = ImVec2(font * 12.2f, ImGui::GetTextLineHeightWithSpacing() * (rows + 4.5f));
    loss.draw = [&s](ImVec2 room) { DrawLoss(s, /*figure=*/true, room.x); };
    slides.push_back(std::move(loss));
  }
  if (!s.scenario.notes.empty() || !s.scenario.solution.empty()) {
    Slide text;
    text.key = "exercise";
    text.label = "The exercise (and its solution at the last step)";
    text.min = ImVec2(font * 16.0f, font * 8.0f);
    text.draw = [&s](ImVec2) { DrawExerciseText(s); };
    slides.push_back(std::move(text));
  }
  DrawPresentation(s, slides, FindViewScreen("attention")->presentation_panels);
}

}  // namespace

void DrawAttentionView(AppState& s) {
  s.ui.hover_explanation.clear();
  s.ui.panel_names.clear();
  if (s.ui.exporting && !s.ui.only_panel.empty()) {
    // A picture of one panel: every panel is visited (so unknown names can be
    // told apart) but only the chosen one draws.
    PanelFlow flow;
    DrawInputPanels(s, flow);
    if (s.has_result) DrawResultPanels(s, flow);
    s.ui.panel_names.push_back("loss");
    if (s.ui.only_panel == "loss") {
      ImGui::BeginGroup();
      DrawLoss(s, /*figure=*/true);
      ImGui::EndGroup();
      s.Record("panel.loss.group");
    }
    return;
  }
  const float font = ImGui::GetFontSize();
  DrawTemperature(s);
  SameLineIfFits(ComboWidth("custom") + ImGui::CalcTextSize("scale").x);
  DrawScale(s);
  // (room for the mask's parameter whether shown or not: the row wraps the same
  // way for every mask; presentation, with no room to spare, reserves it only when shown)
  const bool param = *MaskParamName(s.scenario.attention.mask.kind) != '\0';
  SameLineIfFits(ComboWidth("sliding window") + ImGui::CalcTextSize("mask").x +
                 (param || !s.ui.presentation ? font * 8.0f : 0.0f));
  DrawMask(s);
  if (!s.ui.presentation) {
    DrawTeachingControls(s);
    DrawTokens(s);
  }
  DrawStatus(s);
  ImGui::Spacing();

  if (s.ui.presentation) {
    DrawAttentionSlides(s);
    return;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float right_w = std::clamp(avail.x * 0.3f, font * 17.0f, font * 26.0f);
  const float left_w = avail.x - right_w - ImGui::GetStyle().ItemSpacing.x;

  ImGui::BeginChild("pipeline", ImVec2(left_w, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  PanelFlow flow;
  const bool by_head = s.scenario.heads.size() > 1 && s.scenario.input != InputMode::kQKV;
  DrawInputPanels(s, flow, by_head);
  if (s.has_result && Shown(s, Stage::kScores)) {
    DrawResultPanels(s, flow, by_head);
  } else if (by_head) {
    DrawHeadColumns(s, flow);  // the projections, by head
  }
  ImGui::EndChild();

  ImGui::SameLine();
  ImGui::BeginChild("side_panel", ImVec2(0, 0), false);
  if (!s.ui.step_mode || Shown(s, Stage::kLoss)) {
    DrawLoss(s);
  } else {
    ImGui::TextDisabled("The loss appears at the last step.");
  }
  ImGui::Spacing();
  ImGui::Separator();
  ImGui::TextDisabled("Read the maths");
  ImGui::TextWrapped("%s", s.ui.hover_explanation.empty()
                               ? "Hover over any result cell to see how it was computed, with its numbers."
                               : s.ui.hover_explanation.c_str());
  s.Record("text.explanation");
  if (!s.scenario.notes.empty() || !s.scenario.solution.empty()) {
    ImGui::Spacing();
    ImGui::Separator();
    DrawExerciseText(s);
  }
  ImGui::EndChild();
}

}  // namespace attnlab::ui
