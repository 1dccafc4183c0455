// attnlab app: where the shipped presets are, from the build tree or an install.
#pragma once

#include <string>
#include <vector>

#include "app_state.hpp"

namespace attnlab::ui {

// The preset a bare `attnlab` opens.
inline constexpr const char* kDefaultPreset = "e9-dedupe-sort.json";

// The assets folder (holding presets/): $ATTNLAB_ASSETS, then <exe>/../share/attnlab
// (an install), then the configured install prefix, then the source tree.
// "" when none has a presets/ folder.
std::string FindAssetsDir();

// Where the window keeps its autosave: $ATTNLAB_STATE_DIR, else
// $XDG_STATE_HOME/attnlab, else ~/.local/state/attnlab (created on demand).
// "" when there is no home to keep it in.
std::string AutosavePath();

// A bad autosave is the user's data: renamed beside it to
// "autosave.bad-1.json" (the newest; older ones shift to -2, -3), never
// deleted but for the oldest beyond `keep`. Returns the new path, or "" when
// it could not be renamed.
std::string SetAsideAutosave(const std::string& autosave_path, int keep = 3);

// Every *.json in `presets_dir`, sorted by file name, with its title.
std::vector<PresetEntry> ListPresets(const std::string& presets_dir);

}  // namespace attnlab::ui
