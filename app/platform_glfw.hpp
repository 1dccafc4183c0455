// attnlab app: the window (GLFW + OpenGL 3). The only code that sees GLFW, GL
// and ImGui's platform/renderer backends.
#pragma once

#include <string>

#include "app_state.hpp"

namespace attnlab::ui {

struct WindowOptions {
  int width = 1280, height = 720;  // a classroom projector
  int frames = -1;                 // > 0: render this many frames, then exit (tests, CI)
  std::string screenshot;          // with frames: write the last frame here (PNG)
  std::string report;              // with screenshot: write where the widgets were (JSON)
};

// Runs the window until it is closed (or `frames` have been drawn). Returns a
// process exit code; prints a one-line reason on failure (e.g. no display).
int RunWindow(AppState& state, const WindowOptions& options);

}  // namespace attnlab::ui
