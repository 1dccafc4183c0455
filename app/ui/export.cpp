#include "ui/export.hpp"

#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include "attnlab/scenario_io.hpp"
#include "ui/frame.hpp"
#include "ui/theme.hpp"

namespace attnlab::ui {

ScratchImGui::ScratchImGui(AppState& state, float scale) : state_(state), previous_(ImGui::GetCurrentContext()) {
  context_ = ImGui::CreateContext();
  ImGui::SetCurrentContext(context_);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DeltaTime = 1.0f / 60.0f;
  io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
  // Fonts rasterised at scale x and drawn at 1/scale: the layout is the 1x
  // layout, every glyph sharp at the output resolution.
  state_.ui.fonts = LoadFonts(scale);
  io.FontGlobalScale = 1.0f / scale;
  io.DisplayFramebufferScale = ImVec2(scale, scale);
  unsigned char* pixels;
  int w, h;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  state_.ui.applied_theme = -1;
  state_.ui.presentation = false;
}

ScratchImGui::~ScratchImGui() {
  ImGui::DestroyContext(context_);
  ImGui::SetCurrentContext(previous_);
}

void ScratchImGui::Frame(ImVec2 size) {
  ImGui::GetIO().DisplaySize = size;
  ImGui::NewFrame();
  DrawExport(state_);
  ImGui::Render();
}

bool PanelBounds(const AppState& state, ImVec2* size, std::string* error) {
  const auto it = state.ui.items.find("panel." + state.ui.only_panel + ".group");
  if (it == state.ui.items.end()) {
    std::string names;
    for (const std::string& n : state.ui.panel_names) names += (names.empty() ? "" : ", ") + n;
    *error = "no panel \"" + state.ui.only_panel + "\" in this view (it has: " + names + ")";
    return false;
  }
  const ImVec2 pad = ImGui::GetStyle().WindowPadding;
  size->x = std::ceil(it->second.max.x + pad.x);
  size->y = std::ceil(it->second.max.y + pad.y);
  return true;
}

std::vector<std::string> PanelNames(const AppState& state) {
  AppState s = state;
  s.ui.only_panel = "\x01";  // visit every panel, draw none
  ScratchImGui imgui(s, 1.0f);
  imgui.Frame(ImVec2(1280, 720));
  return s.ui.panel_names;
}

Status ExportSvg(const AppState& state, const ExportRequest& request) {
  if (request.panel.empty()) {
    return Status::Error("--panel", "SVG pictures are of one panel (heatmaps); name it with --panel");
  }
  AppState s = state;
  s.ui.dark = request.dark;
  s.ui.export_request = request;
  s.ui.only_panel = request.panel;
  std::string svg;
  s.ui.svg_out = &svg;
  {
    ScratchImGui imgui(s, 1.0f);
    imgui.Frame(ImVec2(4096, 4096));
    if (svg.empty()) {
      ImVec2 size;
      std::string error;
      if (!PanelBounds(s, &size, &error)) return Status::Error("--panel", error);
      return Status::Error("--panel", "\"" + request.panel + "\" is not a matrix; SVG is for heatmap panels");
    }
  }
  return WriteFileAtomic(request.out, svg);
}

Status PictureFormatFor(const ExportRequest& request, PictureFormat* format) {
  const std::string& out = request.out;
  const size_t dot = out.rfind('.');
  std::string ext = dot == std::string::npos || out.find('/', dot) != std::string::npos ? "" : out.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "png") {
    *format = PictureFormat::kPng;
  } else if (ext == "jpg" || ext == "jpeg") {
    if (request.transparent) {
      return Status::Error("--transparent", "JPEG has no transparency; name the picture .png for a transparent "
                                            "background");
    }
    *format = PictureFormat::kJpeg;
  } else if (ext == "svg") {
    *format = PictureFormat::kSvg;
  } else {
    return Status::Error("--out", "\"" + out + "\": attnlab writes pictures as .png, .jpg (or .jpeg) and .svg");
  }
  return Status::Ok();
}

namespace {

// A JSON string's contents: quotes, backslashes and control characters escaped.
std::string JsonEscaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string ItemsReport(const AppState& s, int w, int h, float scale) {
  std::string text = "{\n  \"width\": " + std::to_string(w) + ",\n  \"height\": " + std::to_string(h) +
                     ",\n  \"scale\": " + std::to_string(scale) + ",\n  \"title\": \"" +
                     JsonEscaped(s.scenario.title) + "\",\n  \"message\": \"" + JsonEscaped(s.ui.message) +
                     "\",\n  \"items\": {";
  bool first = true;
  for (const auto& [name, r] : s.ui.items) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s\n    \"%s\": [%.1f, %.1f, %.1f, %.1f]", first ? "" : ",", name.c_str(), r.min.x,
                  r.min.y, r.max.x, r.max.y);
    text += buf;
    first = false;
  }
  return text + "\n  }\n}\n";
}

std::string SuggestedExportName(const AppState& state, const ExportRequest& request) {
  std::string stem = state.scenario_path.empty() ? "attnlab" : state.scenario_path;
  stem = stem.substr(stem.rfind('/') + 1);
  if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".json") == 0) stem.resize(stem.size() - 5);
  // "e9-dedupe-sort" -> "dedupe-sort": the exercise code is in the folder name already.
  if (stem.size() > 3 && stem[0] == 'e' && std::isdigit(static_cast<unsigned char>(stem[1]))) {
    const size_t dash = stem.find('-');
    if (dash != std::string::npos && dash + 1 < stem.size()) stem = stem.substr(dash + 1);
  }
  std::string panel = request.panel.empty() ? "view" : request.panel;
  for (char& c : panel)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  return stem + "_" + panel + (request.svg ? ".svg" : ".png");
}

}  // namespace attnlab::ui
