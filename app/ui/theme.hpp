// attnlab app: fonts and colours.
//
// DejaVu Sans (Debian's fonts-dejavu-core) covers Greek, sub/superscripts and
// the maths operators the panels print (alpha, sqrt, sum, K^T as Kᵀ). ImGui
// 1.86 has no Greek range helper, so the glyph ranges are built here.
#pragma once

#include <imgui.h>

#include <string>

namespace attnlab::ui {

inline constexpr float kBaseFontPx = 17.0f;          // 1x, a laptop
inline constexpr float kPresentationFontPx = 30.0f;  // a lecture hall's back row

struct Fonts {
  ImFont* regular = nullptr;       // kBaseFontPx * ui_scale
  ImFont* presentation = nullptr;  // kPresentationFontPx * ui_scale
  bool dejavu = false;             // false: DejaVu missing, ImGui's built-in font is used
};

// Adds the fonts to io.Fonts (call before the atlas is built). `ui_scale`
// multiplies both sizes (2 for a 4K screen).
Fonts LoadFonts(float ui_scale = 1.0f);

// The colour of error messages, readable on both themes.
inline ImVec4 ErrorColor() { return ImVec4(0.95f, 0.30f, 0.25f, 1.0f); }

// `text` cut to fit `width` pixels of the current font, with an ellipsis
// (at UTF-8 character boundaries).
std::string Ellipsize(const std::string& text, float width);

// "⚠ message" in the error colour, wrapped to the region.
void ErrorText(const std::string& message);

// Light or dark colours, high contrast in presentation mode; sizes scaled for
// the font in use (`font_px`).
void ApplyTheme(bool dark, bool presentation, float font_px);

}  // namespace attnlab::ui
