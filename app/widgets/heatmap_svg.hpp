// attnlab widgets: a heatmap as SVG, for papers: every cell a <rect
// class="cell">, every label and value a <text>, the colour bar as rects.
// A map above kTextureCells cells is one <image class="map"> instead (a PNG
// of one pixel per cell, base64, drawn pixelated), masked runs one hatched
// <path>, argmax cells one outlined <path>, and only the labels that fit:
// a 2048 x 2048 map is a few MB, not four million rects.
// Call inside an ImGui frame (label widths are measured with the current font).
#pragma once

#include <string>

#include "widgets/heatmap.hpp"

namespace attnlab::ui {

struct SvgStyle {
  bool dark = false;
  bool transparent = false;  // else a white (light) or near-black (dark) background
};

// `title` and `subtitle` head the picture ("P", "7x7 = softmax(scores / T)");
// `cell` is the side of one cell in SVG user units (pixels).
std::string HeatmapSvg(const HeatmapSpec& spec, float cell, const std::string& title, const std::string& subtitle,
                       const SvgStyle& style);

// Escapes &, <, >, " for XML text and attributes.
std::string XmlEscape(const std::string& text);

}  // namespace attnlab::ui
