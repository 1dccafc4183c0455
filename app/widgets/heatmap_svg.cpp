#include "widgets/heatmap_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace attnlab::ui {
namespace {

std::string Hex(Rgb c) {
  char buf[8];
  auto byte = [](float v) { return static_cast<int>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); };
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", byte(c.r), byte(c.g), byte(c.b));
  return buf;
}

std::string F(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string Label(const std::vector<std::string>* labels, int i) {
  if (labels && i < static_cast<int>(labels->size())) return (*labels)[i];
  return std::to_string(i);
}

}  // namespace

std::string XmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string HeatmapSvg(const HeatmapSpec& spec, float cell, const std::string& title, const std::string& subtitle,
                       const SvgStyle& style) {
  const Matrix& m = *spec.values;
  const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
  const float font = ImGui::GetFontSize();
  const float pad = font;
  const std::string ink = style.dark ? "#ffffff" : "#000000";
  const std::string dim = style.dark ? "#c8c8c8" : "#505050";
  const std::string bg = style.dark ? "#1a1a1c" : "#ffffff";

  float row_label_w = 0, col_label_h = 0;
  for (int i = 0; i < rows; ++i) row_label_w = std::max(row_label_w, ImGui::CalcTextSize(Label(spec.row_labels, i).c_str()).x);
  for (int j = 0; j < cols; ++j) col_label_h = std::max(col_label_h, ImGui::CalcTextSize(Label(spec.col_labels, j).c_str()).x);
  row_label_w += font * 0.5f;
  col_label_h += font * 0.5f;
  const float title_h = font * 1.8f;
  const float x0 = pad + row_label_w, y0 = pad + title_h + col_label_h;
  const float bar_x = x0 + cell * cols + font, bar_w = font * 0.9f;
  const float width = bar_x + bar_w + font * 3.5f + pad;
  const float height = y0 + cell * rows + pad;

  double vmin = 0, vmax = 1;
  HeatmapRange(spec, &vmin, &vmax);

  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + F(width) + "\" height=\"" + F(height) +
         "\" viewBox=\"0 0 " + F(width) + " " + F(height) + "\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"" +
         F(font) + "\">\n";
  if (!style.transparent) svg += "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"" + bg + "\"/>\n";
  svg += "<text x=\"" + F(pad) + "\" y=\"" + F(pad + font) + "\" fill=\"" + ink + "\">" + XmlEscape(title) +
         " <tspan fill=\"" + dim + "\">" + XmlEscape(subtitle) + "</tspan></text>\n";
  // Labels: rows right-aligned on the left, columns read bottom to top.
  for (int i = 0; i < rows; ++i) {
    svg += "<text x=\"" + F(x0 - font * 0.3f) + "\" y=\"" + F(y0 + cell * (i + 0.5f)) +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"" + ink + "\">" +
           XmlEscape(Label(spec.row_labels, i)) + "</text>\n";
  }
  for (int j = 0; j < cols; ++j) {
    const float x = x0 + cell * (j + 0.5f), y = y0 - font * 0.3f;
    svg += "<text x=\"" + F(x) + "\" y=\"" + F(y) + "\" transform=\"rotate(-90 " + F(x) + " " + F(y) +
           ")\" dominant-baseline=\"middle\" fill=\"" + ink + "\">" + XmlEscape(Label(spec.col_labels, j)) + "</text>\n";
  }
  // Cells, values, masks, argmax outlines.
  const float value_px = std::min(font, cell * 0.42f);
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      const float x = x0 + cell * j, y = y0 + cell * i;
      const bool masked = spec.allowed && !(*spec.allowed)(i, j);
      const Rgb c = masked ? Rgb{0.85f, 0.85f, 0.85f} : SampleColormap(spec.colormap, Normalize(m(i, j), vmin, vmax));
      svg += "<rect class=\"cell\" x=\"" + F(x) + "\" y=\"" + F(y) + "\" width=\"" + F(cell) + "\" height=\"" +
             F(cell) + "\" fill=\"" + Hex(c) + "\" stroke=\"" + bg + "\" stroke-width=\"1\"/>\n";
      if (masked) {
        svg += "<path d=\"M" + F(x) + " " + F(y + cell) + " L" + F(x + cell) + " " + F(y) +
               "\" stroke=\"#8c8c8c\" stroke-width=\"1\"/>\n";
        if (spec.masked_text) {
          svg += "<text x=\"" + F(x + cell / 2) + "\" y=\"" + F(y + cell / 2) +
                 "\" text-anchor=\"middle\" dominant-baseline=\"middle\" font-size=\"" + F(value_px) + "\">" +
                 XmlEscape(spec.masked_text) + "</text>\n";
        }
        continue;
      }
      if (value_px >= 7) {
        const std::string v = FormatNumber(m(i, j), spec.number_style, 2);
        svg += "<text x=\"" + F(x + cell / 2) + "\" y=\"" + F(y + cell / 2) +
               "\" text-anchor=\"middle\" dominant-baseline=\"middle\" font-size=\"" + F(value_px) + "\" fill=\"" +
               (Luminance(c) > 0.33f ? "#000000" : "#ffffff") + "\">" + XmlEscape(v) + "</text>\n";
      }
    }
  }
  if (spec.argmax) {
    const float t = std::max(2.0f, font / 7.0f);
    for (int i = 0; i < rows && i < static_cast<int>(spec.argmax->size()); ++i) {
      for (int j : (*spec.argmax)[i]) {
        svg += "<rect class=\"argmax\" x=\"" + F(x0 + cell * j + t / 2) + "\" y=\"" + F(y0 + cell * i + t / 2) +
               "\" width=\"" + F(cell - t) + "\" height=\"" + F(cell - t) +
               "\" fill=\"none\" stroke=\"#e63c14\" stroke-width=\"" + F(t) + "\"/>\n";
      }
    }
  }
  // Colour bar: 32 bands, three ticks.
  if (spec.show_colorbar) {
    const int bands = 32;
    const float bh = cell * rows / bands;
    for (int k = 0; k < bands; ++k) {
      const Rgb c = SampleColormap(spec.colormap, 1.0 - (k + 0.5) / bands);
      svg += "<rect class=\"colorbar\" x=\"" + F(bar_x) + "\" y=\"" + F(y0 + bh * k) + "\" width=\"" + F(bar_w) +
             "\" height=\"" + F(bh + 0.5f) + "\" fill=\"" + Hex(c) + "\"/>\n";
    }
    for (int k = 0; k <= 2; ++k) {
      const double v = vmax - (vmax - vmin) * k / 2.0;
      const float y = y0 + cell * rows * static_cast<float>(k) / 2.0f;
      svg += "<text x=\"" + F(bar_x + bar_w + font * 0.3f) + "\" y=\"" + F(y) +
             "\" dominant-baseline=\"middle\" fill=\"" + ink + "\">" +
             XmlEscape(FormatNumber(v, NumberStyle::kDecimal, 2)) + "</text>\n";
    }
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace attnlab::ui
