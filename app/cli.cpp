#include "cli.hpp"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <sstream>

#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"

namespace attnlab::cli {

const char* Usage() {
  return "attnlab: see attention work, one matrix at a time.\n"
         "\n"
         "Usage:\n"
         "  attnlab                      open the window on the first exercise (E9)\n"
         "  attnlab FILE.json            open the window on a scenario or preset\n"
         "  attnlab eval FILE.json       evaluate a scenario and print every result as JSON\n"
         "                               (FILE may be - for standard input)\n"
         "  attnlab presets              list the shipped presets (path, then title)\n"
         "  attnlab --help | --version\n"
         "\n"
         "Window options:\n"
         "  --presentation               start in presentation mode (large font, high contrast; F11 toggles)\n"
         "  --light | --dark             colour theme (default dark)\n"
         "  --size WxH                   window size in pixels (default 1280x720)\n"
         "  --frames N                   draw N frames, then exit (scripts, tests)\n"
         "  --screenshot FILE.png        with --frames: save the last frame as PNG\n"
         "  --report FILE.json           with --screenshot: also write where each panel was drawn\n"
         "\n"
         "Exit status: 0 success; 1 the environment failed (no display, unwritable file);\n"
         "2 bad input or usage (the message names the field, e.g. \"W_Q: expected 4 rows\").\n"
         "Presets ship in share/attnlab/presets (or assets/presets in the source tree);\n"
         "$ATTNLAB_ASSETS overrides where they are looked for.\n";
}

int RunEval(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::fprintf(stderr, "attnlab: eval takes one scenario file, e.g. `attnlab eval e9.json` (see attnlab --help)\n");
    return kExitBadInput;
  }
  const std::string& path = args[0];
  Scenario scenario;
  Status st;
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    st = ParseScenario(text, &scenario);
  } else {
    st = LoadScenarioFile(path, &scenario);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "attnlab: %s: %s\n", path == "-" ? "<stdin>" : path.c_str(), st.ToString().c_str());
    return kExitBadInput;
  }
  Result result;
  st = Evaluate(scenario, &result);
  if (!st.ok()) {
    std::fprintf(stderr, "attnlab: %s: %s\n", path == "-" ? "<stdin>" : path.c_str(), st.ToString().c_str());
    return kExitBadInput;
  }
  const std::string json = ResultToJson(scenario, result);
  if (std::fwrite(json.data(), 1, json.size(), stdout) != json.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "attnlab: cannot write the result to standard output\n");
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace attnlab::cli
