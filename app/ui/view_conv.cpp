// The Convolution view (E8): one layer's output size with the formula written
// out, the kernel sliding over a small grid (padding drawn, dilation gaps,
// the output cell and its receptive field marked, values computed), and a
// network as a table of shapes, parameters and errors with their fixes, read
// from and copied back as nn.Sequential. Maths in core/conv_shape.hpp; this
// file only draws.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "attnlab/conv_shape.hpp"
#include "attnlab/format.hpp"
#include "ui/panels.hpp"
#include "ui/presentation.hpp"
#include "ui/view_conv.hpp"
#include "ui/views.hpp"
#include "widgets/colormap.hpp"
#include "widgets/heatmap.hpp"
#include "widgets/matrix_editor.hpp"

namespace attnlab::ui {
namespace {

const ImVec4 kErrorColor(0.95f, 0.30f, 0.25f, 1.0f);
const ImVec4 kWarnColor(0.95f, 0.70f, 0.20f, 1.0f);
const ImVec4 kGoodColor(0.30f, 0.80f, 0.45f, 1.0f);

void Record(AppState& s, const std::string& name) {
  s.ui.items[name] = ItemRect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

std::string N(long long v) { return std::to_string(v); }

// ImGui 1.86 has no std::string InputText: grow the string through the callback.
int ResizeCallback(ImGuiInputTextCallbackData* data) {
  if (data->EventFlag == ImGuiInputTextFlags_CallbackResize) {
    auto* str = static_cast<std::string*>(data->UserData);
    str->resize(static_cast<size_t>(data->BufTextLen));
    data->Buf = str->data();
  }
  return 0;
}
bool InputString(const char* label, std::string* text, ImGuiInputTextFlags flags = 0) {
  return ImGui::InputText(label, text->data(), text->capacity() + 1, flags | ImGuiInputTextFlags_CallbackResize,
                          ResizeCallback, text);
}
bool InputStringMultiline(const char* label, std::string* text, ImVec2 size) {
  return ImGui::InputTextMultiline(label, text->data(), text->capacity() + 1, size,
                                   ImGuiInputTextFlags_CallbackResize, ResizeCallback, text);
}

void ConvMessage(const std::string& text, const ImVec4& color = kErrorColor) {
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

ConvLabSettings& Lab(AppState& s) {
  if (!s.scenario.views.Find<ConvLabSettings>()) s.scenario.views.Set(DefaultConvLab());
  ConvLabSettings& lab = s.scenario.views.Get<ConvLabSettings>();
  if (!lab.chain && lab.layers.empty()) lab.layers = DefaultConvLab().layers;
  return lab;
}

void Update(AppState& s) {
  ConvLabSettings& lab = Lab(s);
  ConvViewCache& c = s.ui.caches.Get<ConvViewCache>();
  if (c.computed && c.computed_for == lab && c.computed_for.source == lab.source) return;
  c.status = ComputeConvView(lab, &c.view);
  c.computed = true;
  c.computed_for = lab;
}

const char* DimName(int spatial, int d) {
  if (spatial == 1) return "L";
  if (spatial == 2) return d == 0 ? "H" : "W";
  return d == 0 ? "D" : d == 1 ? "H" : "W";
}

// ---- one layer: its controls ----------------------------------------------

bool InputCount(const char* label, long long* v, long long lo, float width) {
  int x = static_cast<int>(std::clamp<long long>(*v, -1000000, 1000000));
  ImGui::SetNextItemWidth(width);
  if (!ImGui::InputInt(label, &x, 0, 0)) return false;
  *v = std::clamp<long long>(x, lo, kMaxConvExtent);
  return true;
}

void DrawLayerControls(AppState& s) {
  ConvLabSettings& lab = Lab(s);
  ConvViewCache& c = s.ui.caches.Get<ConvViewCache>();
  Layer& l = lab.layers[0];
  const float font = ImGui::GetFontSize();
  const float w = font * 3.2f;
  bool changed = false;
  const char* const kKinds[] = {"Conv", "ConvTranspose", "AvgPool", "MaxPool"};
  const LayerKind kinds[] = {LayerKind::kConv, LayerKind::kConvTranspose, LayerKind::kAvgPool, LayerKind::kMaxPool};
  int kind = 0;
  for (int i = 0; i < 4; ++i)
    if (l.kind == kinds[i]) kind = i;
  ImGui::SetNextItemWidth(font * 9.0f);
  if (ImGui::Combo("##kind", &kind, kKinds, 4)) {
    l.kind = kinds[kind];
    if (l.kind != LayerKind::kConv) l.padding_mode = PaddingMode::kNumbers;
    for (int d = 0; d < 3; ++d) {
      if (l.kind == LayerKind::kAvgPool || l.kind == LayerKind::kMaxPool) {
        l.padding[d] = std::min(l.padding[d], l.kernel[d] / 2);
        l.stride_given = true;
      }
      l.output_padding[d] = 0;
      if (l.kind == LayerKind::kAvgPool) l.dilation[d] = 1;
    }
    changed = true;
  }
  Record(s, "conv.kind");
  ImGui::SameLine();
  int dims = l.dims - 1;
  ImGui::SetNextItemWidth(font * 4.0f);
  if (ImGui::Combo("##dims", &dims, "1d\0" "2d\0" "3d\0")) {
    l.dims = dims + 1;
    lab.input.resize(static_cast<size_t>(l.dims) + 1, 8);
    changed = true;
  }
  ImGui::SameLine(0, font);
  ImGui::TextUnformatted("input [C,");
  for (size_t i = 0; i < lab.input.size(); ++i) {
    ImGui::SameLine();
    ImGui::PushID(static_cast<int>(i));
    changed |= InputCount("##in", &lab.input[i], 1, w);
    ImGui::PopID();
  }
  ImGui::SameLine();
  ImGui::TextUnformatted("]");
  const bool conv = l.kind == LayerKind::kConv || l.kind == LayerKind::kConvTranspose;
  if (conv) {
    ImGui::TextUnformatted("channels in");
    ImGui::SameLine();
    changed |= InputCount("##cin", &l.in_channels, 1, w);
    ImGui::SameLine();
    ImGui::TextUnformatted("out");
    ImGui::SameLine();
    changed |= InputCount("##cout", &l.out_channels, 1, w);
    ImGui::SameLine();
    ImGui::TextUnformatted("groups");
    ImGui::SameLine();
    changed |= InputCount("##groups", &l.groups, 1, w);
    ImGui::SameLine();
    changed |= ImGui::Checkbox("bias", &l.bias);
  } else {
    changed |= ImGui::Checkbox("ceil_mode", &l.ceil_mode);
  }
  if (l.kind == LayerKind::kConv) {
    ImGui::SameLine(0, font);
    int mode = static_cast<int>(l.padding_mode);
    ImGui::SetNextItemWidth(font * 7.0f);
    if (ImGui::Combo("padding##mode", &mode, "numbers\0" "valid\0" "same\0")) {
      l.padding_mode = static_cast<PaddingMode>(mode);
      changed = true;
    }
  }
  // One row per spatial dimension.
  if (ImGui::BeginTable("dims", l.kind == LayerKind::kConvTranspose ? 6 : 5, ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("");
    ImGui::TableSetupColumn("kernel");
    ImGui::TableSetupColumn("stride");
    ImGui::TableSetupColumn("padding");
    ImGui::TableSetupColumn("dilation");
    if (l.kind == LayerKind::kConvTranspose) ImGui::TableSetupColumn("output_padding");
    ImGui::TableHeadersRow();
    for (int d = 0; d < l.dims; ++d) {
      ImGui::PushID(d);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(DimName(l.dims, d));
      ImGui::TableNextColumn();
      changed |= InputCount("##k", &l.kernel[d], 1, w);
      ImGui::TableNextColumn();
      if (InputCount("##s", &l.stride[d], 1, w)) {
        l.stride_given = true;
        changed = true;
      }
      ImGui::TableNextColumn();
      if (l.padding_mode == PaddingMode::kNumbers) changed |= InputCount("##p", &l.padding[d], 0, w);
      else ImGui::TextDisabled("%s", l.padding_mode == PaddingMode::kSame ? "same" : "valid");
      ImGui::TableNextColumn();
      if (l.kind != LayerKind::kAvgPool) changed |= InputCount("##d", &l.dilation[d], 1, w);
      else ImGui::TextDisabled("1");
      if (l.kind == LayerKind::kConvTranspose) {
        ImGui::TableNextColumn();
        changed |= InputCount("##op", &l.output_padding[d], 0, w);
      }
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  if (changed) {
    // The grid's kernel follows the layer's size (its values restart).
    const long long kr = l.dims == 1 ? 1 : l.kernel[0], kc = l.dims == 1 ? l.kernel[0] : l.kernel[1];
    if (lab.grid_kernel.size() > 0 && (lab.grid_kernel.rows() != kr || lab.grid_kernel.cols() != kc))
      lab.grid_kernel.resize(0, 0);
    if (lab.grid_input.size() > 0 && l.dims == 1 && lab.grid_input.rows() != 1) lab.grid_input.resize(0, 0);
    if (lab.grid_input.size() > 0 && l.dims == 2 && lab.grid_input.rows() == 1) lab.grid_input.resize(0, 0);
    lab.step = 0;
    c.edit_row = -1;
  }
  const Status own = CheckLayer(l);
  if (!own.ok()) ConvMessage("\u26A0 " + own.field() + ": " + own.message());
  ImGui::TextDisabled("%s", WriteLayer(l).c_str());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Click to copy this layer as PyTorch");
  if (ImGui::IsItemClicked()) ImGui::SetClipboardText(WriteLayer(l).c_str());
}

// ---- one layer: the formula with its numbers -------------------------------

void DrawFormula(AppState& s, ImVec2 size) {
  const ConvLabSettings& lab = Lab(s);
  const ConvViewCache& c = s.ui.caches.Get<ConvViewCache>();
  ImVec2 body = size;
  if (!BeginFigurePanel(s, "formula", lab.chain ? "The network's output" : "Output size, dimension by dimension", &body))
    return;
  ImGui::BeginChild("formula_body", body, false);
  if (c.view.chain.layers.empty()) {
    ImGui::TextDisabled("no layer");
  } else if (!lab.chain) {
    const Layer& l = lab.layers[0];
    const LayerResult& r = c.view.chain.layers[0];
    ImGui::TextWrapped("%s on %s", LayerClass(l).c_str(), ShapeText(lab.input).c_str());
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
    if (l.kind == LayerKind::kConvTranspose) ImGui::TextWrapped("out = (N - 1) S - 2P + D (F - 1) + output_padding + 1");
    else if (l.ceil_mode && l.kind != LayerKind::kConv) ImGui::TextWrapped("out = ceil((N + 2P - D (F - 1) - 1) / S) + 1");
    else ImGui::TextWrapped("out = floor((N + 2P - D (F - 1) - 1) / S) + 1");
    ImGui::PopStyleColor();
    for (size_t d = 0; d < r.dim.size(); ++d) {
      const DimResult& dr = r.dim[d];
      ImGui::Text("%s:", DimName(static_cast<int>(r.dim.size()), static_cast<int>(d)));
      ImGui::SameLine();
      if (dr.problem.empty()) {
        ImGui::TextWrapped("%s", dr.formula.c_str());
      } else {
        ConvMessage(dr.problem);
      }
      Record(s, "conv.formula." + N(static_cast<long long>(d)));
    }
    if (!r.error.empty() && r.dim.empty()) ConvMessage(r.error);
    if (!r.out_shape.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, r.error.empty() ? kGoodColor : kWarnColor);
      ImGui::TextWrapped("output %s  (%s)  %s elements", ShapeText(r.out_shape).c_str(),
                         ExamShapeText(r.out_shape).c_str(), N(r.out_elements).c_str());
      ImGui::PopStyleColor();
      if (!r.error.empty()) ConvMessage(r.error);
    }
    const bool conv = l.kind == LayerKind::kConv || l.kind == LayerKind::kConvTranspose;
    if (conv) {
      long long k = 1;
      for (int d = 0; d < l.dims; ++d) k *= l.kernel[d];
      const long long a = l.kind == LayerKind::kConv ? l.out_channels : l.in_channels;
      const long long b = (l.kind == LayerKind::kConv ? l.in_channels : l.out_channels) / l.groups;
      ImGui::TextWrapped("parameters %s · %s · %s%s = %s", N(a).c_str(), N(b).c_str(), N(k).c_str(),
                         l.bias ? (" + " + N(l.out_channels)).c_str() : "", N(r.params).c_str());
      ImGui::TextWrapped("mult-adds %s", N(r.mult_adds).c_str());
    } else {
      ImGui::TextWrapped("parameters 0 (pooling has no weights)");
    }
    if (!r.note.empty()) ConvMessage(r.note, kWarnColor);
  } else {
    const ChainResult& ch = c.view.chain;
    ImGui::TextWrapped("%s -> %s", ShapeText(lab.input).c_str(),
                       ch.output_shape.empty() ? "?" : ShapeText(ch.output_shape).c_str());
    ImGui::TextWrapped("parameters %s,  mult-adds %s", N(ch.total_params).c_str(), N(ch.total_mult_adds).c_str());
    if (ch.ok()) {
      ConvMessage("every layer fits its input", kGoodColor);
    }
    for (const ChainError& e : ch.errors) ConvMessage("layer " + N(e.layer) + ": " + e.message);
    for (const SequentialWarning& w : c.view.warnings) ConvMessage(w.message, kWarnColor);
  }
  ImGui::EndChild();
  EndFigurePanel(s, "formula");
}

// ---- the grid ---------------------------------------------------------------

ImU32 Col(Rgb c, float alpha = 1.0f) { return PackRgba(c, alpha); }

void DrawGrid(AppState& s, ImVec2 size) {
  ConvLabSettings& lab = Lab(s);
  ConvViewCache& c = s.ui.caches.Get<ConvViewCache>();
  ImVec2 body = size;
  if (!BeginFigurePanel(s, "grid", "The kernel sliding over the input", &body)) return;
  ImGui::BeginChild("grid_body", body, false, ImGuiWindowFlags_NoScrollbar);
  const ConvView& v = c.view;
  if (lab.chain || !v.grid_shown) {
    ImGui::TextWrapped("%s", v.grid_note.empty() ? "no grid" : v.grid_note.c_str());
    ImGui::EndChild();
    EndFigurePanel(s, "grid");
    return;
  }
  const Layer& l = lab.layers[0];
  const Matrix& x = v.grid_input;
  const Matrix& k = v.grid_kernel;
  const GridResult& g = v.grid;
  const long long oh = g.output.rows(), ow = g.output.cols(), cells = oh * ow;
  const float font = ImGui::GetFontSize();
  // The step: the saved one, or the animation's.
  if (c.playing) {
    const double t = ImGui::GetTime() - c.play_started;
    c.play_step = static_cast<int>(static_cast<long long>(t / 0.7) % std::max<long long>(1, cells));
  }
  long long step = std::min<long long>(c.playing ? c.play_step : lab.step, std::max<long long>(0, cells - 1));
  const bool one_panel = ExportingOnePanel(s);
  if (!one_panel) {
    if (ImGui::ArrowButton("##prev", ImGuiDir_Left)) lab.step = static_cast<int>((step + cells - 1) % cells), c.playing = false;
    Record(s, "conv.grid.prev");
    ImGui::SameLine();
    if (ImGui::ArrowButton("##next", ImGuiDir_Right)) lab.step = static_cast<int>((step + 1) % cells), c.playing = false;
    Record(s, "conv.grid.next");
    ImGui::SameLine();
    if (ImGui::Checkbox("animate", &c.playing)) c.play_started = ImGui::GetTime() - 0.7 * static_cast<double>(step);
    Record(s, "conv.grid.animate");
    ImGui::SameLine();
    ImGui::Text("step %lld of %lld", step + 1, cells);
    step = std::min<long long>(c.playing ? c.play_step : lab.step, std::max<long long>(0, cells - 1));
  }
  const long long i = step / ow, j = step % ow;
  if (s.ui.presentation) {  // the output size's formula too: this slide is the lesson
    const LayerResult& r = v.chain.layers[0];
    for (size_t d = 0; d < r.dim.size(); ++d)
      ImGui::Text("%s: %s", DimName(static_cast<int>(r.dim.size()), static_cast<int>(d)),
                  (r.dim[d].problem.empty() ? r.dim[d].formula : r.dim[d].problem).c_str());
  }
  // The step's formula, in a fixed place above the picture.
  const std::string formula = GridCellFormula(l, x, k, g, i, j);
  ImGui::TextWrapped("%s", formula.c_str());
  Record(s, "conv.grid.formula");

  // Layout: padded input | kernel | output in one row, or the input above the
  // kernel and the output, whichever gives the larger cells; square cells.
  const long long ph = x.rows() + g.pad_top + g.pad_bottom, pw = x.cols() + g.pad_left + g.pad_right;
  const bool conv = l.kind == LayerKind::kConv;
  const long long kr = conv ? k.rows() : 0, kc = conv ? k.cols() : 0;
  const float gap = 1.5f;  // in cells
  const long long out_w = std::max<long long>(ow, 4);  // the output's caption needs about 4 cells
  const long long kern_w = conv ? std::max<long long>(kc, 4) : 0;
  const float caption_rows = 1.2f;
  ImVec2 avail = ImGui::GetContentRegionAvail();
  // What is visible of it: the panel may reach past the window's right edge.
  const ImVec2 cursor = ImGui::GetCursorScreenPos();
  avail.x = std::max(font, std::min(avail.x, ImGui::GetWindowDrawList()->GetClipRectMax().x - cursor.x - 2.0f));
  avail.y = std::max(font, std::min(avail.y, ImGui::GetWindowDrawList()->GetClipRectMax().y - cursor.y - 2.0f));
  const float row_cols = static_cast<float>(pw + kern_w + out_w) + gap * (conv ? 2.0f : 1.0f);
  const float row_rows = static_cast<float>(std::max({ph, kr, oh})) + caption_rows;
  const float two_cols = std::max(static_cast<float>(pw), static_cast<float>(kern_w + out_w) + (conv ? gap : 0.0f));
  const float two_rows = static_cast<float>(ph + std::max(kr, oh)) + 2 * caption_rows + 0.5f;
  const float cell_row = std::min(avail.x / row_cols, avail.y / row_rows);
  const float cell_two = std::min(avail.x / two_cols, avail.y / two_rows);
  const bool stacked = cell_two > cell_row * 1.1f;
  const float total_cols = stacked ? two_cols : row_cols, total_rows = stacked ? two_rows : row_rows;
  float cell = stacked ? cell_two : cell_row;
  cell = std::clamp(cell, font * 0.6f, font * 4.0f);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##grid", ImVec2(cell * total_cols, cell * total_rows));
  Record(s, "conv.grid");
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const bool dark = s.ui.dark;
  const ImU32 text_col = dark ? IM_COL32(235, 235, 235, 255) : IM_COL32(20, 20, 20, 255);
  const ImU32 line_col = dark ? IM_COL32(120, 120, 120, 255) : IM_COL32(150, 150, 150, 255);
  const ImU32 pad_col = dark ? IM_COL32(45, 45, 52, 255) : IM_COL32(215, 215, 222, 255);
  const ImU32 cell_col = dark ? IM_COL32(78, 82, 95, 255) : IM_COL32(250, 250, 250, 255);
  const ImU32 accent = IM_COL32(240, 140, 30, 255);
  const bool numbers = cell >= font * 1.25f;
  auto value_text = [&](ImVec2 a, float side, double val, ImU32 col) {
    if (!numbers) return;
    const std::string t = FormatNumber(val, NumberStyle::kAuto, 2);
    const ImVec2 ts = ImGui::CalcTextSize(t.c_str());
    if (ts.x > side - 2) return;
    dl->AddText(ImVec2(a.x + (side - ts.x) * 0.5f, a.y + (side - ts.y) * 0.5f), col, t.c_str());
  };
  const float caption_h = cell * caption_rows;
  float caption_y = origin.y;
  auto caption = [&](float x0, const std::string& t) {
    dl->AddText(ImVec2(x0, caption_y + (caption_h - font) * 0.5f), text_col, t.c_str());
  };
  // Input values: a light diverging colour so the window's highlight reads over it.
  const auto window = GridWindow(l, g, i, j);
  auto in_window = [&](long long r, long long q) {
    for (const auto& w : window)
      if (w[0] == r && w[1] == q) return true;
    return false;
  };
  float y0 = origin.y + caption_h;
  caption(origin.x, "input " + N(x.rows()) + "x" + N(x.cols()) +
                        (ph != x.rows() || pw != x.cols() ? " + padding" : ""));
  for (long long r = 0; r < ph; ++r)
    for (long long q = 0; q < pw; ++q) {
      const long long xr = r - g.pad_top, xc = q - g.pad_left;
      const bool inside = xr >= 0 && xr < x.rows() && xc >= 0 && xc < x.cols();
      const ImVec2 a(origin.x + q * cell, y0 + r * cell), b(a.x + cell, a.y + cell);
      const double val = inside ? x(xr, xc) : 0.0;
      // Input cells in a neutral tone (the values are printed), the padding
      // darker, the cells the kernel reads now in the accent colour.
      dl->AddRectFilled(a, b, inside ? cell_col : pad_col);
      if (in_window(xr, xc)) dl->AddRectFilled(a, b, IM_COL32(240, 140, 30, inside ? 200 : 110));
      dl->AddRect(a, b, line_col, 0, 0, inside ? 1.0f : 0.5f);
      value_text(a, cell, val, inside ? text_col : line_col);
    }
  // The receptive field: the window's bounding box (gaps inside it are dilation).
  long long r0 = window.front()[0], r1 = r0, q0 = window.front()[1], q1 = q0;
  for (const auto& w : window) r0 = std::min(r0, w[0]), r1 = std::max(r1, w[0]), q0 = std::min(q0, w[1]), q1 = std::max(q1, w[1]);
  dl->AddRect(ImVec2(origin.x + (q0 + g.pad_left) * cell, y0 + (r0 + g.pad_top) * cell),
              ImVec2(origin.x + (q1 + g.pad_left + 1) * cell, y0 + (r1 + g.pad_top + 1) * cell), accent, 0, 0,
              std::max(2.0f, cell * 0.08f));
  float x_at = origin.x + (pw + gap) * cell;
  if (stacked) {  // the kernel and the output on a second row
    x_at = origin.x;
    caption_y = y0 + (ph + 0.5f) * cell;
    y0 = caption_y + caption_h;
  }
  if (conv) {
    caption(x_at, "k " + N(kr) + "x" + N(kc));
    double kmax = 1e-12;
    for (Eigen::Index r = 0; r < k.rows(); ++r)
      for (Eigen::Index q = 0; q < k.cols(); ++q) kmax = std::max(kmax, std::fabs(k(r, q)));
    for (long long r = 0; r < kr; ++r)
      for (long long q = 0; q < kc; ++q) {
        const ImVec2 a(x_at + q * cell, y0 + r * cell), b(a.x + cell, a.y + cell);
        dl->AddRectFilled(a, b, Col(SampleColormap(Colormap::kBlueOrange, Normalize(k(r, q), -kmax, kmax)), 0.6f));
        dl->AddRect(a, b, accent, 0, 0, 1.5f);
        value_text(a, cell, k(r, q), text_col);
      }
    x_at += (kern_w + gap) * cell;
  }
  caption(x_at, "out " + N(oh) + "x" + N(ow));
  double omax = 1e-12;
  for (Eigen::Index r = 0; r < oh; ++r)
    for (Eigen::Index q = 0; q < ow; ++q)
      if (std::isfinite(g.output(r, q))) omax = std::max(omax, std::fabs(g.output(r, q)));
  const Colormap omap = conv ? Colormap::kBlueOrange : s.ui.weights_colormap;
  int hover_r = -1, hover_c = -1;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (long long r = 0; r < oh; ++r)
    for (long long q = 0; q < ow; ++q) {
      const ImVec2 a(x_at + q * cell, y0 + r * cell), b(a.x + cell, a.y + cell);
      const double val = g.output(r, q);
      const Rgb rgb = conv ? SampleColormap(omap, Normalize(val, -omax, omax)) : SampleColormap(omap, Normalize(val, -omax, omax));
      dl->AddRectFilled(a, b, Col(rgb));
      dl->AddRect(a, b, line_col);
      value_text(a, cell, val, Luminance(rgb) > 0.45f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255));
      if (mouse.x >= a.x && mouse.x < b.x && mouse.y >= a.y && mouse.y < b.y) hover_r = static_cast<int>(r), hover_c = static_cast<int>(q);
    }
  dl->AddRect(ImVec2(x_at + j * cell, y0 + i * cell), ImVec2(x_at + (j + 1) * cell, y0 + (i + 1) * cell), accent, 0, 0,
              std::max(2.5f, cell * 0.1f));
  if (hover_r >= 0 && ImGui::IsItemHovered()) {
    ImGui::SetTooltip("%s", GridCellFormula(l, x, k, g, hover_r, hover_c).c_str());
    if (ImGui::IsItemClicked()) {
      lab.step = static_cast<int>(hover_r * ow + hover_c);
      c.playing = false;
    }
  }
  ImGui::EndChild();
  EndFigurePanel(s, "grid");
}

// Input and kernel values, edited in place (one step of undo each).
void DrawGridEditors(AppState& s) {
  ConvLabSettings& lab = Lab(s);
  const ConvView& v = s.ui.caches.Get<ConvViewCache>().view;
  if (lab.chain || !v.grid_shown) return;
  const bool open = ImGui::CollapsingHeader("Edit the grid's input and kernel");
  Record(s, "conv.grid.edit");
  if (!open) return;
  const float font = ImGui::GetFontSize();
  int h = static_cast<int>(v.grid_input.rows()), w = static_cast<int>(v.grid_input.cols());
  ImGui::SetNextItemWidth(font * 6.0f);
  bool resized = ImGui::SliderInt("rows##grid", &h, 1, lab.layers[0].dims == 1 ? 1 : kMaxGridSize);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(font * 6.0f);
  resized |= ImGui::SliderInt("columns##grid", &w, 1, kMaxGridSize);
  if (resized) {
    Matrix m = Matrix::Zero(h, w);
    const Matrix& old = v.grid_input;
    for (int r = 0; r < std::min<int>(h, old.rows()); ++r)
      for (int q = 0; q < std::min<int>(w, old.cols()); ++q) m(r, q) = old(r, q);
    lab.grid_input = m;
    lab.step = 0;
  }
  struct Edited {
    const char* id;
    const char* title;
    const Matrix* values;
    Matrix* target;
  } editors[] = {{"grid_input", "input", &v.grid_input, &lab.grid_input},
                 {"grid_kernel", "kernel", &v.grid_kernel, &lab.grid_kernel}};
  for (const Edited& e : editors) {
    if (std::string(e.id) == "grid_kernel" && lab.layers[0].kind != LayerKind::kConv) continue;
    HeatmapSpec spec;
    spec.title = e.title;
    spec.values = e.values;
    spec.colormap = Colormap::kBlueOrange;
    spec.fixed_range = false;
    MatrixEditorState& state = s.ui.editors[e.id];
    const MatrixEditorResult r = MatrixEditor(e.id, spec, ImVec2(font * 14.0f, font * 12.0f), state);
    s.ui.items[std::string("conv.") + e.id] = ItemRect{r.heatmap.grid_min, r.heatmap.grid_max};
    if (!r.edits.empty()) {
      Matrix m = *e.values;
      for (const CellEdit& ce : r.edits)
        if (ce.row < m.rows() && ce.col < m.cols()) m(ce.row, ce.col) = ce.value;
      *e.target = m;
    }
    ImGui::SameLine();
  }
  ImGui::NewLine();
}

// ---- the chain ----------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> Templates(const std::vector<long long>& in) {
  const std::string ch = in.size() > 1 ? N(in[0]) : "1";
  const std::string f = in.empty() ? "10" : N(in.back());
  return {{"Conv2d 3x3", "nn.Conv2d(" + ch + ", " + ch + ", 3, padding=1)"},
          {"MaxPool2d 2", "nn.MaxPool2d(2)"},
          {"AvgPool2d 2", "nn.AvgPool2d(2)"},
          {"ReLU", "nn.ReLU()"},
          {"BatchNorm2d", "nn.BatchNorm2d(" + ch + ")"},
          {"Dropout", "nn.Dropout(0.5)"},
          {"Flatten", "nn.Flatten()"},
          {"Linear", "nn.Linear(" + f + ", 10)"},
          {"AdaptiveAvgPool2d 1", "nn.AdaptiveAvgPool2d(1)"},
          {"ConvTranspose2d x2", "nn.ConvTranspose2d(" + ch + ", " + ch + ", 2, stride=2)"}};
}

// The table's short form: PyTorch's positional arguments where they are
// unambiguous ("Conv2d(1, 8, kernel_size=5)"), still code that reads back.
std::string ShortLayer(const Layer& l) {
  std::string t = WriteLayer(l).substr(3);
  for (const char* key : {"in_channels=", "out_channels=", "in_features=", "out_features=", "kernel_size="}) {
    const size_t at = t.find(key);
    if (at != std::string::npos) t.erase(at, std::string(key).size());
  }
  // Pools: the stride is the second positional argument.
  if ((l.kind == LayerKind::kAvgPool || l.kind == LayerKind::kMaxPool) && l.stride_given) {
    const size_t at = t.find(", stride=");
    if (at != std::string::npos) t.erase(at + 2, 7);
  }
  return t;
}

std::string RfText(const LayerResult& r) {
  if (r.rf_whole) return "all";
  if (r.in_shape.size() < 2 || r.rf[0] < 0) return "?";
  std::string t;
  for (size_t d = 0; d + 1 < r.in_shape.size() && d < 3; ++d) t += (d ? "x" : "") + N(r.rf[d]);
  return t;
}

void DrawChain(AppState& s, ImVec2 size) {
  ConvLabSettings& lab = Lab(s);
  ConvViewCache& c = s.ui.caches.Get<ConvViewCache>();
  ImVec2 body = size;
  if (!BeginFigurePanel(s, "chain", "The network, layer by layer", &body)) return;
  ImGui::BeginChild("chain_body", body, false);
  const ChainResult& ch = c.view.chain;
  const bool one_panel = ExportingOnePanel(s) || s.ui.presentation;
  const float font = ImGui::GetFontSize();
  int move_from = -1, move_to = -1, remove = -1, fix = -1, open_grid = -1;
  const int columns = one_panel ? 6 : 7;
  if (ImGui::BeginTable("chain_table", columns,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("#");
    ImGui::TableSetupColumn("layer", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("output");
    ImGui::TableSetupColumn("params");
    ImGui::TableSetupColumn("mult-adds");
    ImGui::TableSetupColumn("RF");
    if (!one_panel) ImGui::TableSetupColumn("");
    ImGui::TableHeadersRow();
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TableNextColumn();
    ImGui::TextDisabled("input");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(ShapeText(lab.input).c_str());
    // (a paste, an add, a fix, an undo since the edit began: the row typed into
    // may be another layer now, so the edit ends rather than replace it)
    if (c.edit_row >= 0 && !(lab.layers == c.edit_layers)) c.edit_row = -1;
    for (size_t n = 0; n < ch.layers.size() && n < lab.layers.size(); ++n) {
      const LayerResult& r = ch.layers[n];
      ImGui::PushID(static_cast<int>(n));
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%zu", n);
      ImGui::TableNextColumn();
      const std::string code = ShortLayer(lab.layers[n]);
      if (c.edit_row == static_cast<int>(n) && !one_panel) {
        ImGui::SetNextItemWidth(-1);
        if (InputString("##code", &c.edit_text, ImGuiInputTextFlags_EnterReturnsTrue)) {
          Layer parsed;
          const Status st = ParseLayer(c.edit_text, &parsed);
          if (st.ok()) {
            lab.layers[n] = parsed;
            c.edit_row = -1;
            c.edit_error.clear();
          } else {
            c.edit_error = st.ToString();
          }
        }
        if (!c.edit_error.empty()) ConvMessage(c.edit_error);
      } else {
        if (!r.error.empty()) ImGui::PushStyleColor(ImGuiCol_Text, kErrorColor);
        ImGui::TextUnformatted(code.c_str());
        if (!r.error.empty()) ImGui::PopStyleColor();
        if (!one_panel && ImGui::IsItemHovered()) ImGui::SetTooltip("Click to edit the layer's code");
        if (!one_panel && ImGui::IsItemClicked()) {
          c.edit_row = static_cast<int>(n);
          c.edit_layers = lab.layers;
          c.edit_text = code;
          c.edit_error.clear();
        }
        if (!r.error.empty()) {
          ConvMessage(r.error);
          for (size_t e = 0; e < ch.errors.size(); ++e)
            if (ch.errors[e].layer == static_cast<int>(n) && ch.errors[e].fixable && !one_panel) {
              if (ImGui::SmallButton(("Fix: " + ch.errors[e].field + " = " + N(ch.errors[e].actual)).c_str()))
                fix = static_cast<int>(e);
              Record(s, "conv.chain.fix." + N(static_cast<long long>(n)));
            }
        }
      }
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.out_shape.empty() ? "?" : ShapeText(r.out_shape).c_str());
      if (ImGui::IsItemHovered() && !r.dim.empty()) {
        std::string tip = ShapeText(r.in_shape) + " -> " + (r.out_shape.empty() ? "?" : ShapeText(r.out_shape));
        for (size_t d = 0; d < r.dim.size(); ++d)
          tip += std::string("\n") + DimName(static_cast<int>(r.dim.size()), static_cast<int>(d)) + ": " +
                 (r.dim[d].problem.empty() ? r.dim[d].formula : r.dim[d].problem);
        ImGui::SetTooltip("%s", tip.c_str());
      }
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(N(r.params).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(N(r.mult_adds).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(RfText(r).c_str());
      if (!one_panel) {
        ImGui::TableNextColumn();
        if (ImGui::ArrowButton("##up", ImGuiDir_Up) && n > 0) move_from = static_cast<int>(n), move_to = static_cast<int>(n) - 1;
        ImGui::SameLine();
        if (ImGui::ArrowButton("##down", ImGuiDir_Down) && n + 1 < lab.layers.size())
          move_from = static_cast<int>(n), move_to = static_cast<int>(n) + 1;
        ImGui::SameLine();
        if (ImGui::SmallButton("x")) remove = static_cast<int>(n);
        Record(s, "conv.chain.remove." + N(static_cast<long long>(n)));
        const Layer& l = lab.layers[n];
        const bool gridded = l.dims <= 2 && r.in_shape.size() == static_cast<size_t>(l.dims) + 1 &&
                             (l.kind == LayerKind::kConv || l.kind == LayerKind::kAvgPool || l.kind == LayerKind::kMaxPool);
        if (gridded) {
          ImGui::SameLine();
          if (ImGui::SmallButton("grid")) open_grid = static_cast<int>(n);
          if (ImGui::IsItemHovered()) ImGui::SetTooltip("Open this layer alone, on its input, with the kernel sliding");
          Record(s, "conv.chain.grid." + N(static_cast<long long>(n)));
        }
      }
      ImGui::PopID();
    }
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted("total");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(ch.output_shape.empty() ? "?" : ShapeText(ch.output_shape).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(N(ch.total_params).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(N(ch.total_mult_adds).c_str());
    ImGui::EndTable();
  }
  Record(s, "conv.chain.table");
  if (open_grid >= 0) {  // one step of undo back to the network
    const std::vector<long long> in = ch.layers[static_cast<size_t>(open_grid)].in_shape;
    const Layer keep = lab.layers[static_cast<size_t>(open_grid)];
    lab.chain = false;
    lab.layers = {keep};
    lab.input = in;
    lab.source.clear();
    lab.grid_input.resize(0, 0);
    lab.grid_kernel.resize(0, 0);
    lab.step = 0;
    c.edit_row = -1;
  } else if (fix >= 0) {
    FixChainError(ch.errors[static_cast<size_t>(fix)], &lab.layers);
  } else if (remove >= 0) {
    lab.layers.erase(lab.layers.begin() + remove);
    c.edit_row = -1;
  } else if (move_from >= 0) {
    std::swap(lab.layers[static_cast<size_t>(move_from)], lab.layers[static_cast<size_t>(move_to)]);
    c.edit_row = -1;
  }
  if (!one_panel) {
    const std::vector<long long> last = ch.output_shape.empty() ? lab.input : ch.output_shape;
    ImGui::SetNextItemWidth(font * 10.0f);
    if (ImGui::BeginCombo("##add", "Add a layer")) {
      for (const auto& [label, code] : Templates(last)) {
        if (ImGui::Selectable(label.c_str()) && static_cast<int>(lab.layers.size()) < kMaxChainLayers) {
          Layer l;
          if (ParseLayer(code, &l).ok()) lab.layers.push_back(l);
        }
      }
      ImGui::EndCombo();
    }
    Record(s, "conv.chain.add");
    ImGui::SameLine();
    if (ImGui::Button("Copy as PyTorch")) {
      ImGui::SetClipboardText(WriteSequential(lab.layers).c_str());
      c.copied = "copied " + N(static_cast<long long>(lab.layers.size())) + " layers";
    }
    Record(s, "conv.chain.copy");
    ImGui::SameLine();
    ImGui::TextDisabled("%s", c.copied.c_str());
  }
  if (c.view.warnings.size() == 1) {
    ConvMessage(c.view.warnings[0].message, kWarnColor);
  } else if (!c.view.warnings.empty()) {  // one line for all: the exam's listing has two
    std::string lines;
    for (size_t w = 0; w < c.view.warnings.size(); ++w)
      lines += (w == 0 ? "" : w + 1 == c.view.warnings.size() ? " and " : ", ") + N(c.view.warnings[w].line);
    ConvMessage("commas are missing on lines " + lines + " (Python would refuse this; read as if they were there)",
                kWarnColor);
  }
  ImGui::EndChild();
  EndFigurePanel(s, "chain");
}

void DrawPaste(AppState& s) {
  ConvLabSettings& lab = Lab(s);
  ConvViewCache& c = s.ui.caches.Get<ConvViewCache>();
  if (!c.paste_init) {
    c.paste_text = lab.chain ? (lab.source.empty() ? WriteSequential(lab.layers) : lab.source) : "";
    c.paste_init = true;
  }
  if (!ImGui::CollapsingHeader("Paste nn.Sequential(...)")) return;
  const float font = ImGui::GetFontSize();
  InputStringMultiline("##paste", &c.paste_text, ImVec2(-1, font * 9.0f));
  Record(s, "conv.paste.text");
  if (ImGui::Button("Read")) {
    std::vector<Layer> layers;
    std::vector<SequentialWarning> warnings;
    const Status st = ParseSequential(c.paste_text, &layers, &warnings);
    if (st.ok()) {
      lab.layers = layers;
      lab.source = c.paste_text;
      lab.chain = true;
      c.paste_error.clear();
    } else {
      c.paste_error = st.ToString();
    }
  }
  Record(s, "conv.paste.read");
  ImGui::SameLine();
  // The message has its place: nothing moves under the cursor.
  if (!c.paste_error.empty()) ConvMessage(c.paste_error);
  else ImGui::TextDisabled("keyword and positional arguments, as PyTorch prints them");
}

void DrawModeSwitch(AppState& s) {
  ConvLabSettings& lab = Lab(s);
  int mode = lab.chain ? 1 : 0;
  bool changed = ImGui::RadioButton("One layer", &mode, 0);
  Record(s, "conv.mode.layer");
  ImGui::SameLine();
  changed |= ImGui::RadioButton("Network", &mode, 1);
  Record(s, "conv.mode.chain");
  if (!changed || (mode == 1) == lab.chain) return;
  lab.chain = mode == 1;
  lab.source.clear();
  if (!lab.chain) {
    // The first windowed layer of the chain, on the chain's input.
    Layer keep = DefaultConvLab().layers[0];
    for (const Layer& l : lab.layers)
      if (l.kind == LayerKind::kConv || l.kind == LayerKind::kConvTranspose || l.kind == LayerKind::kAvgPool ||
          l.kind == LayerKind::kMaxPool) {
        keep = l;
        break;
      }
    lab.layers = {keep};
    lab.input.resize(static_cast<size_t>(keep.dims) + 1, 8);
  } else {
    lab.grid_input.resize(0, 0);
    lab.grid_kernel.resize(0, 0);
    lab.step = 0;
  }
}

}  // namespace

void DrawConvView(AppState& s) {
  s.ui.panel_names.clear();
  Update(s);
  ConvLabSettings& lab = Lab(s);
  const ConvViewCache& c = s.ui.caches.Get<ConvViewCache>();
  const float font = ImGui::GetFontSize();
  if (ExportingOnePanel(s)) {  // a picture of one panel: each is visited, the chosen one draws
    const ImVec2 size = FigureExportSize();
    DrawFormula(s, size);
    if (lab.chain) DrawChain(s, size);
    else DrawGrid(s, size);
    return;
  }
  if (!c.status.ok()) ConvMessage("\u26A0 " + c.status.ToString());
  if (s.ui.presentation) {
    std::vector<Slide> slides;
    if (lab.chain) {
      const float rows = static_cast<float>(lab.layers.size() + 3 + 3 * c.view.chain.errors.size() +
                                            2 * std::min<size_t>(1, c.view.warnings.size()));
      slides.push_back({"chain", "The network's table", ImVec2(font * 26.0f, font * 1.45f * rows),
                        [&s](ImVec2 room) { DrawChain(s, room); }});
    } else {
      slides.push_back({"grid", "The kernel sliding over the grid", ImVec2(font * 18.0f, font * 13.0f),
                        [&s](ImVec2 room) { DrawGrid(s, room); }});
    }
    slides.push_back({"formula", lab.chain ? "The output and the errors" : "The output size with its numbers",
                      ImVec2(font * 15.0f, font * (lab.chain ? 4.5f : 7.0f)), [&s](ImVec2 room) { DrawFormula(s, room); }});
    if (!s.scenario.notes.empty() || !s.scenario.solution.empty())
      slides.push_back({"exercise", "The exercise and its solution", ImVec2(font * 16.0f, font * 8.0f),
                        [&s](ImVec2) { DrawExerciseText(s); }});
    DrawPresentation(s, slides, FindViewScreen("conv")->presentation_panels);
    Update(s);
    return;
  }
  DrawModeSwitch(s);
  if (!lab.chain) {
    DrawLayerControls(s);
    Update(s);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    const float left = std::max(font * 16.0f, (avail.x - spacing) * 0.38f);
    const float h = std::max(font * 12.0f, avail.y * 0.62f);
    DrawFormula(s, ImVec2(left, h));
    ImGui::SameLine();
    DrawGrid(s, ImVec2(std::max(font * 16.0f, avail.x - left - spacing), h));
    DrawGridEditors(s);
    if (ImGui::CollapsingHeader("The exercise")) DrawExerciseText(s);
  } else {
    Update(s);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float h = std::max(font * 14.0f, avail.y * 0.6f);
    DrawChain(s, ImVec2(avail.x, h));
    DrawFormula(s, ImVec2(avail.x, font * 7.0f));
    DrawPaste(s);
    if (ImGui::CollapsingHeader("The exercise")) DrawExerciseText(s);
  }
  Update(s);
}

}  // namespace attnlab::ui
