// The Attention view: controls, the weight map P, and the loss.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "attnlab/format.hpp"
#include "attnlab/softmax.hpp"
#include "ui/frame.hpp"
#include "widgets/heatmap.hpp"

namespace attnlab::ui {
namespace {

const ImVec4 kErrorColor(0.95f, 0.30f, 0.25f, 1.0f);
const ImVec4 kNoticeColor(0.95f, 0.70f, 0.20f, 1.0f);

void Record(AppState& s, const std::string& name) {
  s.ui.items[name] = ItemRect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

std::vector<std::string> QueryLabels(const Scenario& sc, int n) {
  if (static_cast<int>(sc.tokens.size()) == n) return sc.tokens;
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back((sc.input == InputMode::kQKV ? "q" : "") + std::to_string(i));
  return out;
}

std::vector<std::string> KeyLabels(const Scenario& sc, int n) {
  if (sc.input != InputMode::kQKV && static_cast<int>(sc.tokens.size()) == n) return sc.tokens;
  std::vector<std::string> out;
  for (int j = 0; j < n; ++j) out.push_back((sc.input == InputMode::kQKV ? "k" : "") + std::to_string(j));
  return out;
}

// Wide enough for `longest` and the combo's arrow.
float ComboWidth(const char* longest) {
  return ImGui::CalcTextSize(longest).x + ImGui::GetFrameHeight() + ImGui::GetStyle().FramePadding.x * 2;
}

// Temperature: an explicit argmax switch, else a logarithmic slider.
void DrawTemperature(AppState& s) {
  double& T = s.scenario.attention.temperature;
  bool argmax = T == 0.0;
  if (ImGui::Checkbox("argmax (T = 0)", &argmax)) {
    if (argmax) {
      if (T > 0) s.ui.remembered_temperature = T;
      T = 0.0;
    } else {
      T = s.ui.remembered_temperature > 0 ? s.ui.remembered_temperature : 1.0;
    }
    s.MarkDirty();
  }
  Record(s, "control.argmax");
  ImGui::SameLine();
  float t = argmax ? static_cast<float>(s.ui.remembered_temperature) : static_cast<float>(T);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9.0f);
  ImGui::BeginDisabled(argmax);
  if (ImGui::SliderFloat("##temperature", &t, 1e-3f, 1e3f, "T = %.3g",
                         ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp)) {
    T = static_cast<double>(t);
    s.ui.remembered_temperature = T;
    s.MarkDirty();
  }
  ImGui::EndDisabled();
  Record(s, "control.temperature");
}

void DrawScale(AppState& s) {
  ScaleSpec& scale = s.scenario.attention.scale;
  const char* names[] = {"none", "1/\u221Ad\u2096", "custom"};
  int kind = static_cast<int>(scale.kind);
  ImGui::SetNextItemWidth(ComboWidth("custom"));
  if (ImGui::Combo("scale", &kind, names, 3)) {
    scale.kind = static_cast<ScaleKind>(kind);
    s.MarkDirty();
  }
  Record(s, "control.scale");
  if (scale.kind == ScaleKind::kCustom) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5.0f);
    if (ImGui::InputDouble("##scale_value", &scale.value, 0, 0, "%.4g")) s.MarkDirty();
  }
}

void DrawMask(AppState& s) {
  MaskSpec& mask = s.scenario.attention.mask;
  const MaskKind kinds[] = {MaskKind::kNone, MaskKind::kCausal, MaskKind::kPadding, MaskKind::kSlidingWindow,
                            MaskKind::kPrefixLm, MaskKind::kBlockDiagonal, MaskKind::kCustom};
  ImGui::SetNextItemWidth(ComboWidth("sliding_window"));
  if (ImGui::BeginCombo("mask", MaskKindName(mask.kind))) {
    const int n = SequenceLength(s.scenario);
    for (MaskKind k : kinds) {
      if (k == MaskKind::kCustom && mask.kind != MaskKind::kCustom) continue;  // custom comes from a file
      if (ImGui::Selectable(MaskKindName(k), k == mask.kind)) {
        mask.kind = k;
        if (*MaskParamName(k) != '\0' && mask.param < 1) mask.param = std::max(1, n / 2);
        s.MarkDirty();
      }
    }
    ImGui::EndCombo();
  }
  Record(s, "control.mask");
  if (*MaskParamName(mask.kind) != '\0') {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6.0f);
    if (ImGui::InputInt(MaskParamName(mask.kind), &mask.param)) s.MarkDirty();
  }
}

// SameLine() when an item `width` wide still fits on this line, else a new line.
void SameLineIfFits(float width) {
  const float spacing = ImGui::GetFontSize() * 1.5f;
  ImGui::SameLine(0, spacing);
  if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
}

void DrawStatus(AppState& s) {
  if (!s.status.ok()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kErrorColor);
    ImGui::TextWrapped("\u26A0 %s", s.status.ToString().c_str());
    ImGui::PopStyleColor();
    Record(s, "status.error");
    if (s.has_result) ImGui::TextDisabled("The panels show the last result that could be computed.");
  }
  for (const std::string& d : s.derived.diagnostics) {
    if (!s.has_result) break;
    ImGui::PushStyleColor(ImGuiCol_Text, kNoticeColor);
    ImGui::TextWrapped("%s", d.c_str());
    ImGui::PopStyleColor();
  }
}

// How one weight was computed, with the actual numbers.
void WeightTooltip(const AppState& s, int head, int i, int j, const std::vector<std::string>& rows,
                   const std::vector<std::string>& cols) {
  const HeadResult& h = s.derived.heads[head];
  const double T = s.scenario.attention.temperature;
  const NumberStyle ns = s.ui.number_style;
  ImGui::BeginTooltip();
  ImGui::Text("P[%d][%d] = %s   (query %d \"%s\" \u2192 key %d \"%s\")", i, j,
              FormatNumber(h.weights(i, j), ns, 4).c_str(), i, rows[i].c_str(), j, cols[j].c_str());
  if (!h.allowed(i, j)) {
    ImGui::TextUnformatted("masked: this query may not attend to this key, so its weight is exactly 0");
    ImGui::EndTooltip();
    return;
  }
  ImGui::Text("score s = %s \u00B7 (q%d \u00B7 k%d) = %s \u00B7 %s = %s", "scale", i, j,
              FormatNumber(h.scale, ns, 4).c_str(), FormatNumber(h.raw_scores(i, j), ns, 4).c_str(),
              FormatNumber(h.scores(i, j), ns, 4).c_str());
  const SoftmaxTerms t = ExplainSoftmaxRow(h.scores, h.allowed, i, T);
  if (T == 0.0) {
    ImGui::Text("T = 0 (argmax): row maximum %s, shared by %d key%s", FormatNumber(t.row_max, ns, 4).c_str(), t.ties,
                t.ties == 1 ? "" : "s");
    ImGui::Text("weight = %s", t.exps[j] > 0 ? ("1/" + std::to_string(t.ties)).c_str() : "0 (not a maximum)");
  } else {
    ImGui::Text("row maximum m = %s,  T = %s", FormatNumber(t.row_max, ns, 4).c_str(), FormatNumber(T, ns, 4).c_str());
    ImGui::Text("exp((s \u2212 m) / T) = exp(%s) = %s", FormatNumber((h.scores(i, j) - t.row_max) / T, ns, 4).c_str(),
                FormatNumber(t.exps[j], NumberStyle::kDecimal, 4).c_str());
    ImGui::Text("\u2211 over the row = %s", FormatNumber(t.sum, NumberStyle::kDecimal, 4).c_str());
    ImGui::Text("weight = %s / %s = %s", FormatNumber(t.exps[j], NumberStyle::kDecimal, 4).c_str(),
                FormatNumber(t.sum, NumberStyle::kDecimal, 4).c_str(),
                FormatNumber(t.exps[j] / t.sum, NumberStyle::kDecimal, 4).c_str());
  }
  ImGui::EndTooltip();
}

void DrawWeights(AppState& s, ImVec2 size) {
  const Result& r = s.derived;
  const bool one_head = r.heads.size() == 1;
  const std::vector<std::string> rows = QueryLabels(s.scenario, static_cast<int>(r.weights.rows()));
  const std::vector<std::string> cols = KeyLabels(s.scenario, static_cast<int>(r.weights.cols()));
  const std::vector<std::vector<int>> mean_argmax = one_head ? std::vector<std::vector<int>>() : ArgmaxPerRow(r.weights, r.heads[0].allowed);

  HeatmapSpec spec;
  spec.title = "P";
  if (!s.ui.presentation) {
    spec.subtitle = one_head ? "= softmax(scale \u00B7 Q K\u1D40 / T)" : "mean over " + std::to_string(r.heads.size()) + " heads";
  }
  spec.label_scale = s.ui.presentation ? 0.8f : 1.0f;
  spec.values = &r.weights;
  spec.allowed = &r.heads[0].allowed;
  spec.argmax = one_head ? &r.heads[0].argmax : &mean_argmax;
  spec.row_labels = &rows;
  spec.col_labels = &cols;
  spec.colormap = s.ui.weights_colormap;
  spec.number_style = s.ui.number_style;
  const HeatmapResult hr = Heatmap("weights", spec, size);
  s.ui.items["heatmap.P"] = ItemRect{hr.grid_min, hr.grid_max};
  if (hr.hovered_row >= 0 && one_head) WeightTooltip(s, 0, hr.hovered_row, hr.hovered_col, rows, cols);
}

void DrawLoss(AppState& s) {
  const Result& r = s.derived;
  ImGui::TextUnformatted("Cross-entropy loss");
  if (!s.scenario.loss.enabled) {
    ImGui::TextDisabled("This scenario defines no loss.");
    return;
  }
  int convention = static_cast<int>(s.scenario.loss.convention);
  if (ImGui::RadioButton("same position", &convention, 0)) s.MarkDirty();
  Record(s, "control.loss.same_position");
  ImGui::SameLine();
  if (ImGui::RadioButton("next token", &convention, 1)) s.MarkDirty();
  Record(s, "control.loss.next_token");
  s.scenario.loss.convention = static_cast<LossConvention>(convention);
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", convention == 0 ? "Row t scores the token at position t (the exam's convention)."
                                           : "Row t − 1 predicts the token at position t.");
  ImGui::PopStyleColor();
  if (!r.has_loss()) return;

  const std::vector<std::string>& vocab = s.scenario.vocab;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit;
  if (ImGui::BeginTable("loss_terms", 4, flags)) {
    ImGui::TableSetupColumn("position");
    ImGui::TableSetupColumn("target");
    ImGui::TableSetupColumn("P(target)", ImGuiTableColumnFlags_WidthStretch);
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
      ImGui::ProgressBar(static_cast<float>(t.prob), ImVec2(-1, ImGui::GetFontSize() * 0.8f), "");
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(FormatNumber(t.loss, NumberStyle::kDecimal, 4).c_str());
    }
    ImGui::EndTable();
  }
  ImGui::Text("loss (sum) = %s", FormatNumber(r.loss, NumberStyle::kDecimal, 4).c_str());
  Record(s, "text.loss");
  ImGui::Text("mean = %s    perplexity = %s", FormatNumber(r.mean_loss, NumberStyle::kDecimal, 4).c_str(),
              FormatNumber(r.perplexity, NumberStyle::kDecimal, 3).c_str());
}

}  // namespace

void DrawAttentionView(AppState& s) {
  const float font = ImGui::GetFontSize();
  DrawTemperature(s);
  SameLineIfFits(ComboWidth("custom") + ImGui::CalcTextSize("scale").x);
  DrawScale(s);
  SameLineIfFits(ComboWidth("sliding_window") + ImGui::CalcTextSize("mask").x +
                 (*MaskParamName(s.scenario.attention.mask.kind) ? font * 8.0f : 0.0f));
  DrawMask(s);
  DrawStatus(s);
  ImGui::Spacing();
  if (!s.has_result) return;

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float right_w = std::clamp(avail.x * 0.38f, font * 16.0f, font * 26.0f);
  const float left_w = avail.x - right_w - ImGui::GetStyle().ItemSpacing.x;

  ImGui::BeginChild("weights_panel", ImVec2(left_w, 0), false);
  DrawWeights(s, ImGui::GetContentRegionAvail());
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("side_panel", ImVec2(0, 0), false);
  DrawLoss(s);
  if (!s.scenario.notes.empty() && !s.ui.presentation) {
    ImGui::Spacing();
    ImGui::Separator();
    ImGui::TextDisabled("Exercise");
    ImGui::TextWrapped("%s", s.scenario.notes.c_str());
  }
  ImGui::EndChild();
}

}  // namespace attnlab::ui
