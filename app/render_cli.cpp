#include "render_cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "attnlab/scenario_io.hpp"
#include "cli.hpp"
#include "export_png.hpp"
#include "gl_context.hpp"
#include "ui/export.hpp"
#include "ui/views.hpp"

namespace attnlab::cli {
namespace {

int Bad(const std::string& what) {
  std::fprintf(stderr, "attnlab: render: %s (see attnlab --help)\n", what.c_str());
  return kExitBadInput;
}

bool ParseNumber(const std::string& text, double lo, double hi, double* out) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= lo && v <= hi)) return false;
  *out = v;
  return true;
}

}  // namespace

int RunRender(const std::vector<std::string>& args) {
  ui::ExportRequest req;
  std::string file, view;
  bool list = false, list_all = false, size_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    double v = 0;
    if (a == "--list") {
      list = true;
    } else if (a == "--list-all") {
      list_all = true;
    } else if (a == "--transparent") {
      req.transparent = true;
    } else if (a == "--out" || a == "--view" || a == "--panel" || a == "--theme" || a == "--report") {
      if (!has_value) return Bad(a + " needs a value");
      const std::string& value = args[++i];
      if (a == "--out") req.out = value;
      if (a == "--report") req.report = value;
      if (a == "--view") view = value;
      if (a == "--panel") req.panel = value;
      if (a == "--theme") {
        if (value != "light" && value != "dark") return Bad("--theme is light or dark, not \"" + value + "\"");
        req.dark = value == "dark";
      }
    } else if (a == "--scale") {
      if (!has_value || !ParseNumber(args[++i], 1, 4, &v)) return Bad("--scale needs a number from 1 to 4");
      req.scale = static_cast<float>(v);
    } else if (a == "--width" || a == "--height") {
      if (!has_value || !ParseNumber(args[++i], 64, 8192, &v)) return Bad(a + " needs pixels from 64 to 8192");
      (a == "--width" ? req.width : req.height) = static_cast<int>(v);
      size_given = true;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      return Bad("unknown option " + a);
    } else if (file.empty()) {
      file = a;
    } else {
      return Bad("one scenario at a time (got " + file + " and " + a + ")");
    }
  }
  if (file.empty()) return Bad("which scenario? e.g. attnlab render e9.json --out e9.png");
  if (!list && !list_all && req.out.empty()) return Bad("--out FILE.png (or .jpg, .svg) is needed");
  ui::PictureFormat format = ui::PictureFormat::kPng;
  if (!list && !list_all) {
    const Status named = ui::PictureFormatFor(req, &format);  // before anything is drawn or written
    if (!named.ok()) return Bad(named.ToString());
  }
  if (size_given && !req.panel.empty()) return Bad("--width/--height size the whole view; a panel is as big as it is");

  ui::AppState state;
  Status st = state.LoadScenario(file);
  if (!st.ok()) {
    std::fprintf(stderr, "attnlab: %s: %s\n", file.c_str(), st.ToString().c_str());
    return kExitBadInput;
  }
  if (!view.empty()) {
    if (!ui::FindViewScreen(view)) return Bad("unknown view \"" + view + "\" (views: " + ViewKeyList() + ")");
    state.scenario.view = view;
  }
  if (!state.status.ok()) {
    std::fprintf(stderr, "attnlab: %s: %s\n", file.c_str(), state.status.ToString().c_str());
    return kExitBadInput;
  }
  if (list) {
    for (const std::string& name : ui::PanelNames(state)) std::printf("%s\n", name.c_str());
    return kExitOk;
  }
  if (list_all) {
    for (const ui::ViewScreen& screen : ui::ViewScreens()) {
      state.scenario.view = screen.key;
      for (const std::string& name : ui::PanelNames(state)) std::printf("%s %s\n", screen.key, name.c_str());
    }
    return kExitOk;
  }

  req.svg = format == ui::PictureFormat::kSvg;
  if (req.svg) {
    st = ui::ExportSvg(state, req);
  } else {
    ui::OffscreenGl gl;
    st = gl.Create();
    if (!st.ok()) {
      std::fprintf(stderr, "attnlab: render: %s\n", st.message().c_str());
      return kExitFailure;
    }
    st = ui::ExportPng(state, req);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "attnlab: render: %s\n", st.ToString().c_str());
    return st.field().empty() ? kExitFailure : kExitBadInput;
  }
  std::printf("wrote %s\n", req.out.c_str());
  return kExitOk;
}

}  // namespace attnlab::cli
