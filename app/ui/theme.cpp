#include "ui/theme.hpp"

#include <unistd.h>

namespace attnlab::ui {
namespace {

constexpr const char* kDejaVuSans = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// Latin-1, Greek, phonetic/modifier letters (ᵀ ᵢ), punctuation (‖ …),
// super/subscripts, arrows, maths operators, ⱼ. Must outlive the atlas build.
const ImWchar kRanges[] = {0x0020, 0x00FF, 0x0370, 0x03FF, 0x1D00, 0x1DBF, 0x2000, 0x206F, 0x2070, 0x209F,
                           0x2190, 0x21FF, 0x2200, 0x22FF, 0x25A0, 0x25FF, 0x26A0, 0x26A0, 0x2713, 0x2717, 0x2C7C, 0x2C7C, 0};

}  // namespace

// `text` cut to fit `width` pixels, with an ellipsis (cuts at UTF-8 boundaries).
std::string Ellipsize(const std::string& text, float width) {
  if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
  std::string out = text;
  while (!out.empty()) {
    do out.pop_back();
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80);
    if (!out.empty()) out.pop_back();  // drop the lead byte of the character too
    if (ImGui::CalcTextSize((out + "…").c_str()).x <= width) return out + "…";
  }
  return "";
}

void ErrorText(const std::string& message) {
  ImGui::PushStyleColor(ImGuiCol_Text, ErrorColor());
  ImGui::TextWrapped("\u26A0 %s", message.c_str());
  ImGui::PopStyleColor();
}

Fonts LoadFonts(float ui_scale) {
  ImGuiIO& io = ImGui::GetIO();
  Fonts f;
  if (access(kDejaVuSans, R_OK) == 0) {
    ImFontConfig cfg;
    cfg.OversampleH = 2;
    cfg.OversampleV = 1;
    f.regular = io.Fonts->AddFontFromFileTTF(kDejaVuSans, kBaseFontPx * ui_scale, &cfg, kRanges);
    f.presentation = io.Fonts->AddFontFromFileTTF(kDejaVuSans, kPresentationFontPx * ui_scale, &cfg, kRanges);
    f.dejavu = f.regular && f.presentation;
  }
  if (!f.dejavu) {
    ImFontConfig cfg;
    cfg.SizePixels = 13.0f * ui_scale;
    f.regular = io.Fonts->AddFontDefault(&cfg);
    cfg.SizePixels = 26.0f * ui_scale;
    f.presentation = io.Fonts->AddFontDefault(&cfg);
  }
  return f;
}

void ApplyTheme(bool dark, bool presentation, float font_px) {
  ImGuiStyle style;
  if (dark) {
    ImGui::StyleColorsDark(&style);
  } else {
    ImGui::StyleColorsLight(&style);
  }
  style.WindowRounding = 0;
  style.FrameRounding = 3;
  style.GrabRounding = 3;
  style.WindowBorderSize = 0;
  style.FramePadding = ImVec2(6, 4);
  style.ItemSpacing = ImVec2(9, 6);
  style.GrabMinSize = 5;  // a thin grab: the slider's digits stay readable beside it
  ImVec4* c = style.Colors;
  if (presentation) {
    // Maximum contrast for a projector: pure text on a flat background.
    c[ImGuiCol_Text] = dark ? ImVec4(1, 1, 1, 1) : ImVec4(0, 0, 0, 1);
    c[ImGuiCol_WindowBg] = dark ? ImVec4(0, 0, 0, 1) : ImVec4(1, 1, 1, 1);
    c[ImGuiCol_ChildBg] = c[ImGuiCol_WindowBg];
    c[ImGuiCol_TextDisabled] = dark ? ImVec4(0.78f, 0.78f, 0.78f, 1) : ImVec4(0.25f, 0.25f, 0.25f, 1);
  } else {
    c[ImGuiCol_WindowBg] = dark ? ImVec4(0.10f, 0.10f, 0.11f, 1) : ImVec4(0.97f, 0.97f, 0.97f, 1);
    c[ImGuiCol_ChildBg] = dark ? ImVec4(0.13f, 0.13f, 0.14f, 1) : ImVec4(1, 1, 1, 1);
    c[ImGuiCol_TextDisabled] = dark ? ImVec4(0.62f, 0.62f, 0.64f, 1) : ImVec4(0.40f, 0.40f, 0.42f, 1);
  }
  if (!dark) {
    // ImGui's light frames are white: invisible on a white panel.
    c[ImGuiCol_FrameBg] = ImVec4(0.87f, 0.88f, 0.90f, 1);
    c[ImGuiCol_FrameBgHovered] = ImVec4(0.80f, 0.84f, 0.92f, 1);
    c[ImGuiCol_FrameBgActive] = ImVec4(0.74f, 0.80f, 0.92f, 1);
  }
  // The grab sits under the slider's text: translucent, so "d = 64" never reads "d = 6▮4".
  for (ImGuiCol col : {ImGuiCol_SliderGrab, ImGuiCol_SliderGrabActive}) c[col].w = 0.55f;
  style.ScaleAllSizes(font_px / 13.0f * 0.8f);
  ImGui::GetStyle() = style;
}

}  // namespace attnlab::ui
