// attnlab: the executable. Dispatches to the command line or the window.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "cli.hpp"
#include "ui/export.hpp"
#include "platform_glfw.hpp"
#include "render_cli.hpp"
#include "presets.hpp"

namespace {

using attnlab::cli::kExitBadInput;

int BadUsage(const std::string& what) {
  std::fprintf(stderr, "attnlab: %s (see attnlab --help)\n", what.c_str());
  return kExitBadInput;
}

bool ParseInt(const std::string& text, int lo, int hi, int* out) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(attnlab::cli::Usage().c_str(), stdout);
    return 0;
  }
  if (!args.empty() && args[0] == "--version") {
    std::printf("attnlab %s\n", ATTNLAB_VERSION);
    return 0;
  }
  if (!args.empty() && args[0] == "eval") return attnlab::cli::RunEval({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "solve") return attnlab::cli::RunSolve({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "render") return attnlab::cli::RunRender({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "presets") {
    if (args.size() != 1) return BadUsage("presets takes no arguments");
    const std::string assets = attnlab::ui::FindAssetsDir();
    if (assets.empty()) {
      std::fprintf(stderr, "attnlab: cannot find the presets folder (set ATTNLAB_ASSETS to the assets folder)\n");
      return 1;
    }
    for (const attnlab::ui::PresetEntry& p : attnlab::ui::ListPresets(assets + "/presets")) {
      std::printf("%s\t%s%s%s\n", p.path.c_str(), p.title.c_str(), p.error.empty() ? "" : "\tERROR: ", p.error.c_str());
    }
    return 0;
  }

  attnlab::ui::WindowOptions window;
  attnlab::ui::AppState state;
  std::string scenario_path;
  std::string practise;  // --practice [TARGET]: open in practice mode ("*" = the view's first quantity)
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--presentation") {
      state.ui.presentation = true;
    } else if (a == "--light" || a == "--dark") {
      state.ui.dark = a == "--dark";
    } else if (a == "--ui-scale") {
      const std::string v = has_value ? args[++i] : "";
      char* end = nullptr;
      const float scale = std::strtof(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(scale >= 0.5f && scale <= 4.0f)) return BadUsage("--ui-scale needs a number from 0.5 to 4");
      state.ui.ui_scale = scale;
    } else if (a == "--frames") {
      if (!has_value || !ParseInt(args[++i], 1, 1000000, &window.frames)) return BadUsage("--frames needs a count from 1");
    } else if (a == "--size") {
      int w = 0, h = 0;
      const std::string v = has_value ? args[++i] : "";
      const size_t x = v.find('x');
      if (x == std::string::npos || !ParseInt(v.substr(0, x), 320, 8192, &w) || !ParseInt(v.substr(x + 1), 240, 8192, &h))
        return BadUsage("--size needs WIDTHxHEIGHT, e.g. 1280x720 (320x240 to 8192x8192)");
      window.width = w;
      window.height = h;
    } else if (a == "--dialog") {
      const std::string v = has_value ? args[++i] : "";
      if (v == "open") {
        state.ui.files.open_requested = true;
      } else if (v == "save") {
        state.ui.open_save_dialog = true;
      } else if (v == "solution") {
        state.ui.solution_dialog = true;
      } else {
        return BadUsage("--dialog needs open, save or solution");
      }
    } else if (a == "--practice") {
      practise = has_value && !args[i + 1].empty() && args[i + 1][0] != '-' && args[i + 1].find(".json") == std::string::npos
                     ? args[++i]
                     : "*";
    } else if (a == "--screenshot" || a == "--report") {
      if (!has_value) return BadUsage(a + " needs a file name");
      (a == "--screenshot" ? window.screenshot : window.report) = args[++i];
    } else if (!a.empty() && a[0] == '-') {
      return BadUsage("unknown option " + a);
    } else if (scenario_path.empty()) {
      scenario_path = a;
    } else {
      return BadUsage("one scenario at a time (got " + scenario_path + " and " + a + ")");
    }
  }
  if (!window.screenshot.empty() && window.frames <= 0) window.frames = 3;
  // A screenshot is PNG data: a name promising another format is refused, not written wrong.
  if (!window.screenshot.empty()) {
    attnlab::ui::ExportRequest named;
    named.out = window.screenshot;
    attnlab::ui::PictureFormat format;
    if (!attnlab::ui::PictureFormatFor(named, &format).ok() || format != attnlab::ui::PictureFormat::kPng)
      return BadUsage("--screenshot writes PNG: give a name ending in .png (got " + window.screenshot + ")");
  }

  const std::string assets = attnlab::ui::FindAssetsDir();
  if (!assets.empty()) state.presets = attnlab::ui::ListPresets(assets + "/presets");
  if (!assets.empty()) state.ui.files.presets_dir = assets + "/presets";
  // An interactive window keeps an autosave and, opened with no file, brings
  // back the last session (after a crash or an accidental close). Scripted
  // runs (--frames) neither read nor write it unless ATTNLAB_STATE_DIR names
  // a folder for it explicitly (as the tests do).
  if (window.frames <= 0 || std::getenv("ATTNLAB_STATE_DIR")) state.autosave_path = attnlab::ui::AutosavePath();
  // The Open/Save dialogs' recent files live beside it, under the same rule.
  state.ui.files.recent_path = attnlab::ui::RecentFilesPathBeside(state.autosave_path);
  std::string autosave_problem;
  if (scenario_path.empty() && !state.autosave_path.empty() && access(state.autosave_path.c_str(), R_OK) == 0) {
    const attnlab::Status restored = state.LoadScenario(state.autosave_path);
    if (restored.ok()) {
      state.scenario_path.clear();  // Save asks where: the autosave is not the user's file
      state.ui.message = "Restored your last session. The exercises on the left open fresh copies.";
      return attnlab::ui::RunWindow(state, window);
    }
    // Never stop the window for it, never lose it: put it aside and say where.
    const std::string kept = attnlab::ui::SetAsideAutosave(state.autosave_path);
    autosave_problem = "Your last session could not be restored (" + restored.ToString() + "); " +
                       (kept.empty() ? "it is still at " + state.autosave_path : "it was kept as " + kept) +
                       ". Opened the first exercise instead.";
    std::fprintf(stderr, "attnlab: %s\n", autosave_problem.c_str());
  }
  if (scenario_path.empty()) {
    if (assets.empty()) {
      std::fprintf(stderr, "attnlab: cannot find the presets folder (set ATTNLAB_ASSETS to the assets folder)\n");
      return 1;
    }
    scenario_path = assets + "/presets/" + attnlab::ui::kDefaultPreset;
  }
  const attnlab::Status st = state.LoadScenario(scenario_path);
  if (!st.ok()) {
    std::fprintf(stderr, "attnlab: %s: %s\n", scenario_path.c_str(), st.ToString().c_str());
    return kExitBadInput;
  }
  if (!autosave_problem.empty()) state.ui.message = autosave_problem;
  if (!practise.empty()) {
    // As the file's own practice state would say: not an edit of it.
    for (attnlab::Scenario* sc : {&state.scenario, &state.saved}) {
      sc->practice.on = true;
      if (practise != "*") sc->practice.target[sc->view] = practise;
    }
  }
  return attnlab::ui::RunWindow(state, window);
}

}  // namespace

// Nothing unexpected ends in std::terminate: one line, exit status 1.
int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "attnlab: out of memory\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "attnlab: unexpected error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "attnlab: unexpected error\n");
  }
  return 1;
}
