#include "gl_context.hpp"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLFW/glfw3.h>

#include <cstring>
#include <string>

namespace attnlab::ui {

OffscreenGl::~OffscreenGl() {
  if (egl_display_) {
    auto dpy = static_cast<EGLDisplay>(egl_display_);
    eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    if (egl_context_) eglDestroyContext(dpy, static_cast<EGLContext>(egl_context_));
    eglTerminate(dpy);
  }
  if (glfw_window_) {
    glfwDestroyWindow(static_cast<GLFWwindow*>(glfw_window_));
    glfwTerminate();
  }
}

Status OffscreenGl::Create() {
  const Status egl = CreateEgl();
  if (egl.ok()) return egl;
  const Status glfw = CreateGlfw();
  if (glfw.ok()) return glfw;
  return Status::Error("", "cannot create an OpenGL 3.3 context for the picture: EGL: " + egl.message() +
                               "; window: " + glfw.message() +
                               ". Install libegl1 libegl-mesa0 libgl1-mesa-dri (Mesa's EGL), or run with a display");
}

Status OffscreenGl::CreateEgl() {
  const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (!client || !std::strstr(client, "EGL_MESA_platform_surfaceless")) {
    return Status::Error("", "no EGL_MESA_platform_surfaceless");
  }
  auto get_display =
      reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
  if (!get_display) return Status::Error("", "no eglGetPlatformDisplayEXT");
  EGLDisplay dpy = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
  if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, nullptr, nullptr)) {
    return Status::Error("", "eglInitialize failed");
  }
  egl_display_ = dpy;
  if (!eglBindAPI(EGL_OPENGL_API)) return Status::Error("", "no desktop OpenGL through EGL");
  const EGLint config_attribs[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
                                   EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_ALPHA_SIZE, 8,
                                   EGL_NONE};
  EGLConfig config = nullptr;
  EGLint count = 0;
  if (!eglChooseConfig(dpy, config_attribs, &config, 1, &count) || count < 1) {
    return Status::Error("", "no RGBA8 EGL config");
  }
  const EGLint context_attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3,
                                    EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
  EGLContext ctx = eglCreateContext(dpy, config, EGL_NO_CONTEXT, context_attribs);
  if (ctx == EGL_NO_CONTEXT) return Status::Error("", "eglCreateContext (3.3 core) failed");
  egl_context_ = ctx;
  if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
    return Status::Error("", "eglMakeCurrent without a surface failed");
  }
  kind_ = "EGL surfaceless";
  return Status::Ok();
}

Status OffscreenGl::CreateGlfw() {
  glfwSetErrorCallback(nullptr);  // the reason is reported below, once
  if (!glfwInit()) return Status::Error("", "no display for a hidden window");
  glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
  GLFWwindow* w = glfwCreateWindow(64, 64, "attnlab render", nullptr, nullptr);
  if (!w) {
    glfwTerminate();
    return Status::Error("", "no OpenGL 3.3 window");
  }
  glfw_window_ = w;
  glfwMakeContextCurrent(w);
  kind_ = "hidden GLFW window";
  return Status::Ok();
}

}  // namespace attnlab::ui
