// attnlab app: an OpenGL 3.3 context with no window, for pictures.
//
// First Mesa's EGL on the surfaceless platform (no display, no X, no GPU
// needed: llvmpipe); where EGL cannot be had, a hidden GLFW window (needs a
// display); where neither works, a one-line reason.
#pragma once

#include <string>

#include "attnlab/status.hpp"

namespace attnlab::ui {

class OffscreenGl {
 public:
  OffscreenGl() = default;
  ~OffscreenGl();
  OffscreenGl(const OffscreenGl&) = delete;
  OffscreenGl& operator=(const OffscreenGl&) = delete;

  // Creates the context and makes it current.
  Status Create();
  const std::string& Kind() const { return kind_; }  // "EGL surfaceless" or "hidden GLFW window"

 private:
  Status CreateEgl();
  Status CreateGlfw();
  void* egl_display_ = nullptr;
  void* egl_context_ = nullptr;
  void* glfw_window_ = nullptr;
  std::string kind_;
};

}  // namespace attnlab::ui
