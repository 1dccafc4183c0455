#include "platform_glfw.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <string>
#include <fstream>
#include <memory>
#include <vector>

#include "attnlab/scenario_io.hpp"
#include "export_png.hpp"
#include "gl_textures.hpp"
#include "icon.hpp"
#include "key_queue.hpp"
#include "presets.hpp"
#include "ui/export.hpp"
#include "ui/frame.hpp"
#include "ui/theme.hpp"

namespace attnlab::ui {
namespace {

void OnGlfwError(int code, const char* description) { std::fprintf(stderr, "attnlab: GLFW error %d: %s\n", code, description); }

// Reads the back buffer (call after rendering, before swapping) and writes it
// as an RGB PNG, atomically.
bool SaveScreenshot(const std::string& path, int w, int h) {
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  // GL rows run bottom-up; flip while encoding.
  std::vector<unsigned char> flipped(pixels.size());
  const size_t stride = static_cast<size_t>(w) * 3;
  for (int y = 0; y < h; ++y) std::copy_n(&pixels[static_cast<size_t>(h - 1 - y) * stride], stride, &flipped[y * stride]);
  std::string png;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  if (!stbi_write_png_to_func(append, &png, w, h, 3, flipped.data(), static_cast<int>(stride))) return false;
  const Status st = WriteFileAtomic(path, png);
  if (!st.ok()) std::fprintf(stderr, "attnlab: %s\n", st.ToString().c_str());
  return st.ok();
}

// Every key event waits in the window's queue (see key_queue.hpp).
void QueueKey(GLFWwindow* window, int key, int scancode, int action, int mods) {
  static_assert(kKeyRelease == GLFW_RELEASE && kKeyPress == GLFW_PRESS && kKeyRepeat == GLFW_REPEAT);
  static_cast<KeyQueue*>(glfwGetWindowUserPointer(window))->Push(KeyEvent{key, scancode, action, mods});
}

// The window's icon, for window managers that do not find it through the
// .desktop entry: drawn from the same SVG as the installed icons (0.7 ms).
// Without the assets the window keeps the default icon.
void SetWindowIcon(GLFWwindow* window) {
  const std::string assets = FindAssetsDir();
  IconDrawing drawing;
  std::string error;
  if (assets.empty() || !LoadIconSvg(assets + "/icon/attnlab.svg", &drawing, &error)) return;
  std::vector<unsigned char> small = RasterizeIcon(drawing, 48), large = RasterizeIcon(drawing, 128);
  const GLFWimage images[2] = {{48, 48, small.data()}, {128, 128, large.data()}};
  glfwSetWindowIcon(window, 2, images);
}

}  // namespace

int RunWindow(AppState& state, const WindowOptions& options) {
  glfwSetErrorCallback(OnGlfwError);
  if (!glfwInit()) {
    std::fprintf(stderr, "attnlab: cannot open a window (no display?). Run it on a desktop, or headless under "
                         "xvfb-run; `attnlab eval FILE.json` needs no display.\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
  GLFWwindow* window = glfwCreateWindow(options.width, options.height, "attnlab", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr, "attnlab: cannot create an OpenGL 3.3 window\n");
    glfwTerminate();
    return 1;
  }
  SetWindowIcon(window);
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // layout is fixed; never litter the working directory
  // Keyboard navigation stays on: Escape closes popups and menus. The arrow
  // keys and Page Up/Down also step through stages and exercises (a
  // presenter's clicker) when no text is being edited and no popup is open.
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  state.ui.fonts = LoadFonts(state.ui.ui_scale);
  state.ui.applied_ui_scale = state.ui.ui_scale;
  if (!state.ui.fonts.dejavu) std::fprintf(stderr, "attnlab: DejaVu Sans not found (fonts-dejavu-core); Greek letters will show as '?'\n");
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  // The backend's key callback is replaced by the queue, which hands it the
  // events one change per key and frame.
  KeyQueue keys;
  glfwSetWindowUserPointer(window, &keys);
  glfwSetKeyCallback(window, QueueKey);
  if (!ImGui_ImplOpenGL3_Init("#version 330 core")) {
    std::fprintf(stderr, "attnlab: OpenGL 3.3 renderer failed to start\n");
    return 1;
  }
  // Big heatmaps' textures, made in this window's GL context and released
  // while it is still current.
  auto textures = std::make_unique<GlTextures>();
  auto use_textures = std::make_unique<ScopedTextures>(textures.get());

  int exit_code = 0;
  int busy_frames = 0;
  for (int frame = 0; !glfwWindowShouldClose(window); ++frame) {
    if (options.frames > 0 && frame >= options.frames) break;
    if (options.frames > 0 || busy_frames > 0 || state.dirty || !keys.Empty()) {
      glfwPollEvents();
      busy_frames = std::max(0, busy_frames - 1);
    } else {
      // Idle when nothing happens (no spinning CPU); after any event draw a
      // few frames straight away, so an edit's result (recomputed at the
      // start of the next frame) and ImGui's settling appear at once.
      glfwWaitEventsTimeout(0.5);
      busy_frames = 3;
    }
    if (state.ui.ui_scale != state.ui.applied_ui_scale) {
      // A new UI scale: rebuild the font atlas (sharp text at any size) and the style.
      io.Fonts->Clear();
      state.ui.fonts = LoadFonts(state.ui.ui_scale);
      ImGui_ImplOpenGL3_DestroyFontsTexture();
      ImGui_ImplOpenGL3_CreateFontsTexture();
      state.ui.applied_ui_scale = state.ui.ui_scale;
      state.ui.applied_theme = -1;
    }
    keys.DeliverFrame([window](const KeyEvent& e) {
      ImGui_ImplGlfw_KeyCallback(window, e.key, e.scancode, e.action, e.mods);
    });
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    // Scripted runs (tests, screenshots) ignore wherever the pointer happens
    // to be, so no stray tooltip or hover lands in the picture.
    if (options.frames > 0) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    ImGui::NewFrame();
    if (ImGui::IsKeyPressed(GLFW_KEY_F11, false)) state.ui.presentation = !state.ui.presentation;
    DrawFrame(state);
    ImGui::Render();
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(window, &fb_w, &fb_h);
    glViewport(0, 0, fb_w, fb_h);
    const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    glClearColor(bg.x, bg.y, bg.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    const bool last = options.frames > 0 && frame == options.frames - 1;
    if (last && !options.screenshot.empty()) {
      if (SaveScreenshot(options.screenshot, fb_w, fb_h)) {
        std::printf("screenshot %s %dx%d: ok\n", options.screenshot.c_str(), fb_w, fb_h);
      } else {
        std::fprintf(stderr, "attnlab: could not write %s\n", options.screenshot.c_str());
        exit_code = 1;
      }
      if (!options.report.empty()) {
        const Status st = WriteFileAtomic(options.report, ItemsReport(state, fb_w, fb_h, 1.0f));
        if (!st.ok()) std::fprintf(stderr, "attnlab: %s\n", st.ToString().c_str());
      }
    }
    glfwSwapBuffers(window);
    if (state.ui.export_pending) {  // asked for by a panel menu or Ctrl+E: render it now, between frames
      state.ui.export_pending = false;
      const ExportRequest& req = state.ui.export_request;
      std::string note;
      const Status st = req.svg ? ExportSvg(state, req) : ExportPng(state, req, &note);
      state.ui.message = st.ok() ? "Wrote " + req.out + (note.empty() ? "" : " (" + note + ")")
                                 : "Export failed: " + st.ToString();
    }
    state.Autosave(glfwGetTime());
  }
  state.EndGesture();
  state.Autosave(glfwGetTime(), /*force=*/true);

  use_textures.reset();
  textures.reset();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}

}  // namespace attnlab::ui
