// attnlab app: the one state every panel receives.
//
//   AppState { scenario (what the user edits), derived (what core computed), ui }
//
// Panels edit `scenario` and `ui` and call MarkDirty(); only Recompute() writes
// `derived`, once per frame when something changed. When the scenario cannot be
// evaluated, `status` holds the message (with the field to show it beside) and
// `derived` keeps the last good result, drawn as stale.
#pragma once

#include <imgui.h>

#include <map>
#include <string>
#include <vector>

#include "attnlab/format.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/status.hpp"
#include "ui/labs_state.hpp"
#include "ui/theme.hpp"
#include "widgets/colormap.hpp"

namespace attnlab::ui {

struct ItemRect {
  ImVec2 min{0, 0}, max{0, 0};
  ImVec2 Center() const { return ImVec2((min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f); }
};

struct PresetEntry {
  std::string path;
  std::string file_name;  // "e9-dedupe-sort.json"
  std::string title;      // from the file; the file name when it cannot be read
  std::string error;      // why the file cannot be loaded, or ""
};

struct UiState {
  bool presentation = false;  // large font, high contrast, only the panels that matter
  bool dark = true;
  Colormap weights_colormap = Colormap::kViridis;
  NumberStyle number_style = NumberStyle::kAuto;
  double remembered_temperature = 1.0;  // restored when leaving argmax (T = 0)
  bool show_sidebar = true;
  Fonts fonts;                 // set by whoever builds the font atlas
  int applied_theme = -1;      // which (dark, presentation) the style holds now
  std::string message;         // a one-line notice (e.g. a preset that failed to load)
  LabsUiState labs;            // the Temperature, Scaling and Selection views
  // Screen rectangles of the widgets drawn last frame, by name, so that tests
  // and screenshots can find them (ImGui 1.86 has no lookup by ID).
  std::map<std::string, ItemRect> items;
};

struct AppState {
  Scenario scenario;
  std::string scenario_path;  // the file it came from, or ""
  std::vector<PresetEntry> presets;

  Result derived;
  Status status;             // of the last Recompute()
  bool has_result = false;   // derived holds a result (maybe stale: see status)
  bool dirty = true;

  UiState ui;

  void MarkDirty() { dirty = true; }
  // Evaluates the scenario if it changed since the last call; true if it ran.
  bool Recompute();
  // Replaces the scenario with the one in `path`; on failure nothing changes.
  Status LoadScenario(const std::string& path);
};

}  // namespace attnlab::ui
