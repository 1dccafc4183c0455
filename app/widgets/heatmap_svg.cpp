#include "widgets/heatmap_svg.hpp"

#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "widgets/texture.hpp"

namespace attnlab::ui {
namespace {

std::string HeatmapSvgImage(const HeatmapSpec& spec, float cell, const std::string& title, const std::string& subtitle,
                            const SvgStyle& style);

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

// Text, secondary text and background colours of a picture's theme.
struct SvgPalette {
  std::string ink, dim, bg;
};
SvgPalette Palette(const SvgStyle& style) {
  if (style.dark) return {"#ffffff", "#c8c8c8", "#1a1a1c"};
  return {"#000000", "#505050", "#ffffff"};
}

// The XML declaration and the <svg> element both writers open with.
std::string SvgOpening(float width, float height, float font) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + F(width) +
         "\" height=\"" + F(height) + "\" viewBox=\"0 0 " + F(width) + " " + F(height) +
         "\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"" + F(font) + "\">\n";
}

std::string Label(const std::vector<std::string>* labels, int i) {
  if (labels && i < static_cast<int>(labels->size())) return (*labels)[i];
  return std::to_string(i);
}


std::string Base64(const std::string& bytes) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kDigits[(v >> 18) & 63];
    out += kDigits[(v >> 12) & 63];
    out += kDigits[(v >> 6) & 63];
    out += kDigits[v & 63];
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (two ? static_cast<unsigned char>(bytes[i + 1]) << 8 : 0u);
    out += kDigits[(v >> 18) & 63];
    out += kDigits[(v >> 12) & 63];
    out += two ? kDigits[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// One pixel per cell (masked cells light grey, as the rect version draws
// them), as PNG bytes.
std::string MapPng(const HeatmapSpec& spec, double vmin, double vmax) {
  const Matrix& m = *spec.values;
  const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
  std::vector<unsigned char> px(static_cast<size_t>(rows) * static_cast<size_t>(cols) * 3);
  auto byte = [](float v) { return static_cast<unsigned char>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); };
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      const bool masked = spec.allowed && !(*spec.allowed)(i, j);
      const Rgb c = masked ? Rgb{0.85f, 0.85f, 0.85f} : SampleColormap(spec.colormap, Normalize(m(i, j), vmin, vmax));
      unsigned char* p = &px[(static_cast<size_t>(i) * static_cast<size_t>(cols) + static_cast<size_t>(j)) * 3];
      p[0] = byte(c.r);
      p[1] = byte(c.g);
      p[2] = byte(c.b);
    }
  }
  std::string png;
  auto append = [](void* context, void* data, int n) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(n));
  };
  stbi_write_png_to_func(append, &png, cols, rows, 3, px.data(), cols * 3);
  return png;
}

// A big map: the cells as one embedded image.
std::string HeatmapSvgImage(const HeatmapSpec& spec, float cell, const std::string& title, const std::string& subtitle,
                            const SvgStyle& style) {
  const Matrix& m = *spec.values;
  const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
  const float font = ImGui::GetFontSize();
  const float pad = font;
  const auto [ink, dim, bg] = Palette(style);
  const ImVec2 grid = HeatmapGridSize(spec, cell);
  const float cw = grid.x / static_cast<float>(cols), ch = grid.y / static_cast<float>(rows);
  const int row_every = std::max(1, static_cast<int>(std::ceil(font * 1.1f / ch)));
  const int col_every = std::max(1, static_cast<int>(std::ceil(font * 1.1f / cw)));

  float row_label_w = 0, col_label_h = 0;
  for (int i = 0; i < rows; i += row_every) row_label_w = std::max(row_label_w, ImGui::CalcTextSize(Label(spec.row_labels, i).c_str()).x);
  for (int j = 0; j < cols; j += col_every) col_label_h = std::max(col_label_h, ImGui::CalcTextSize(Label(spec.col_labels, j).c_str()).x);
  row_label_w += font * 0.5f;
  col_label_h += font * 0.5f;
  const float title_h = font * 1.8f;
  const float x0 = pad + row_label_w, y0 = pad + title_h + col_label_h;
  const float bar_x = x0 + grid.x + font, bar_w = font * 0.9f;
  const float width = bar_x + bar_w + font * 3.5f + pad;
  const float height = y0 + grid.y + pad;

  double vmin = 0, vmax = 1;
  HeatmapRange(spec, &vmin, &vmax);

  std::string svg = SvgOpening(width, height, font);
  svg += "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
         "<path d=\"M0 6 L6 0\" stroke=\"#8c8c8c\" stroke-width=\"1\"/></pattern></defs>\n";
  if (!style.transparent) svg += "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"" + bg + "\"/>\n";
  svg += "<text x=\"" + F(pad) + "\" y=\"" + F(pad + font) + "\" fill=\"" + ink + "\">" + XmlEscape(title) +
         " <tspan fill=\"" + dim + "\">" + XmlEscape(subtitle) + "</tspan></text>\n";
  for (int i = 0; i < rows; i += row_every) {
    svg += "<text x=\"" + F(x0 - font * 0.3f) + "\" y=\"" + F(y0 + ch * (i + 0.5f)) +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"" + ink + "\">" +
           XmlEscape(Label(spec.row_labels, i)) + "</text>\n";
  }
  for (int j = 0; j < cols; j += col_every) {
    const float x = x0 + cw * (j + 0.5f), y = y0 - font * 0.3f;
    svg += "<text x=\"" + F(x) + "\" y=\"" + F(y) + "\" transform=\"rotate(-90 " + F(x) + " " + F(y) +
           ")\" dominant-baseline=\"middle\" fill=\"" + ink + "\">" + XmlEscape(Label(spec.col_labels, j)) + "</text>\n";
  }
  svg += "<image class=\"map\" x=\"" + F(x0) + "\" y=\"" + F(y0) + "\" width=\"" + F(grid.x) + "\" height=\"" +
         F(grid.y) + "\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64," +
         Base64(MapPng(spec, vmin, vmax)) + "\"/>\n";
  // Masked cells: one hatched path, a rectangle per masked run of a row.
  if (spec.allowed && !spec.allowed->Unrestricted()) {
    std::string d;
    auto run = [&](int i, int j0, int j1) {
      if (j0 >= j1) return;
      d += "M" + F(x0 + cw * j0) + " " + F(y0 + ch * i) + "h" + F(cw * (j1 - j0)) + "v" + F(ch) + "h" +
           F(-cw * (j1 - j0)) + "z";
    };
    spec.allowed->ForEachMaskedRun(rows, cols, run);
    if (!d.empty()) svg += "<path class=\"masked\" d=\"" + d + "\" fill=\"url(#hatch)\"/>\n";
  }
  if (spec.argmax) {
    std::string d;
    for (int i = 0; i < rows && i < static_cast<int>(spec.argmax->size()); ++i) {
      for (int j : (*spec.argmax)[static_cast<size_t>(i)]) {
        d += "M" + F(x0 + cw * j) + " " + F(y0 + ch * i) + "h" + F(cw) + "v" + F(ch) + "h" + F(-cw) + "z";
      }
    }
    const float t = std::max(0.25f, std::min(font / 7.0f, std::min(cw, ch) / 4.0f));
    if (!d.empty()) {
      svg += "<path class=\"argmax\" d=\"" + d + "\" fill=\"none\" stroke=\"#e63c14\" stroke-width=\"" + F(t) + "\"/>\n";
    }
  }
  if (spec.show_colorbar) {
    const int bands = 32;
    const float bh = grid.y / bands;
    for (int k = 0; k < bands; ++k) {
      const Rgb c = SampleColormap(spec.colormap, 1.0 - (k + 0.5) / bands);
      svg += "<rect class=\"colorbar\" x=\"" + F(bar_x) + "\" y=\"" + F(y0 + bh * k) + "\" width=\"" + F(bar_w) +
             "\" height=\"" + F(bh + 0.5f) + "\" fill=\"" + Hex(c) + "\"/>\n";
    }
    for (int k = 0; k <= 2; ++k) {
      const double v = vmax - (vmax - vmin) * k / 2.0;
      const float y = y0 + grid.y * static_cast<float>(k) / 2.0f;
      svg += "<text x=\"" + F(bar_x + bar_w + font * 0.3f) + "\" y=\"" + F(y) +
             "\" dominant-baseline=\"middle\" fill=\"" + ink + "\">" +
             XmlEscape(FormatNumber(v, NumberStyle::kDecimal, 2)) + "</text>\n";
    }
  }
  svg += "</svg>\n";
  return svg;
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
  if (HeatmapTextured(spec)) return HeatmapSvgImage(spec, cell, title, subtitle, style);
  const Matrix& m = *spec.values;
  const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
  const float font = ImGui::GetFontSize();
  const float pad = font;
  const auto [ink, dim, bg] = Palette(style);

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

  std::string svg = SvgOpening(width, height, font);
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
  // Framed cells (a loss's targets): a dark ring and a light one inside it, as on screen.
  if (spec.outlined) {
    const float t = std::max(1.5f, font / 10.0f);
    for (const auto& [i, j] : *spec.outlined) {
      if (i < 0 || j < 0 || i >= rows || j >= cols) continue;
      const float x = x0 + cell * j, y = y0 + cell * i;
      svg += "<rect class=\"target\" x=\"" + F(x + t / 2) + "\" y=\"" + F(y + t / 2) + "\" width=\"" + F(cell - t) +
             "\" height=\"" + F(cell - t) + "\" fill=\"none\" stroke=\"#000000\" stroke-width=\"" + F(t * 2) + "\"/>\n";
      svg += "<rect class=\"target\" x=\"" + F(x + t * 1.5f) + "\" y=\"" + F(y + t * 1.5f) + "\" width=\"" +
             F(cell - t * 3) + "\" height=\"" + F(cell - t * 3) + "\" fill=\"none\" stroke=\"#ffffff\" stroke-width=\"" +
             F(t) + "\"/>\n";
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
