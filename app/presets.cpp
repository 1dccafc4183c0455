#include "presets.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "attnlab/scenario_io.hpp"

namespace attnlab::ui {
namespace fs = std::filesystem;

namespace {

bool HasPresets(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_directory(dir / "presets", ec);
}

fs::path ExecutableDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

}  // namespace

std::string FindAssetsDir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("ATTNLAB_ASSETS")) candidates.emplace_back(env);
  const fs::path exe_dir = ExecutableDir();
  if (!exe_dir.empty()) candidates.push_back(exe_dir / ".." / "share" / "attnlab");
  candidates.emplace_back(ATTNLAB_INSTALL_ASSETS);
  candidates.emplace_back(ATTNLAB_SOURCE_ASSETS);
  for (const fs::path& dir : candidates) {
    if (HasPresets(dir)) {
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(dir, ec);
      return (ec ? dir : canonical).string();
    }
  }
  return "";
}

std::string AutosavePath() {
  fs::path dir;
  if (const char* d = std::getenv("ATTNLAB_STATE_DIR")) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) {
    dir = fs::path(x) / "attnlab";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = fs::path(home) / ".local" / "state" / "attnlab";
  } else {
    return "";
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "";
  return (dir / "autosave.json").string();
}

std::string SetAsideAutosave(const std::string& autosave_path, int keep) {
  const fs::path path(autosave_path);
  auto nth = [&](int i) { return path.parent_path() / ("autosave.bad-" + std::to_string(i) + ".json"); };
  std::error_code ec;
  fs::remove(nth(keep), ec);
  for (int i = keep - 1; i >= 1; --i) {
    if (fs::exists(nth(i), ec)) fs::rename(nth(i), nth(i + 1), ec);
  }
  fs::rename(path, nth(1), ec);
  return ec ? "" : nth(1).string();
}

std::vector<PresetEntry> ListPresets(const std::string& presets_dir) {
  std::vector<PresetEntry> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(presets_dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    PresetEntry p;
    p.path = entry.path().string();
    p.file_name = entry.path().filename().string();
    Scenario s;
    const Status st = LoadScenarioFile(p.path, &s);
    p.title = st.ok() && !s.title.empty() ? s.title : p.file_name;
    p.name = st.ok() && !s.name.empty() ? s.name : p.title;
    p.view = st.ok() ? s.view : "";
    if (!st.ok()) p.error = st.ToString();
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const PresetEntry& a, const PresetEntry& b) { return a.file_name < b.file_name; });
  return out;
}

}  // namespace attnlab::ui
