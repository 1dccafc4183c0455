// attnlab app: `attnlab render`, pictures without a window.
//
//   attnlab render FILE.json --out FILE.png [--view NAME] [--panel NAME] [--scale S]
//                  [--theme light|dark] [--transparent] [--width W --height H]
//   attnlab render --list FILE.json
//
// An --out ending in .svg writes SVG (panels only). PNGs need OpenGL: Mesa's
// EGL surfaceless platform first (no display at all), else a hidden window.
#pragma once

#include <string>
#include <vector>

namespace attnlab::cli {

int RunRender(const std::vector<std::string>& args);

}  // namespace attnlab::cli
