#include "export_png.hpp"

#define GL_GLEXT_PROTOTYPES
#include <GL/glcorearb.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "attnlab/scenario_io.hpp"
#include "ui/export.hpp"

namespace attnlab::ui {
namespace {

// A framebuffer object with one RGBA8 colour buffer, bound while it lives.
class Framebuffer {
 public:
  Framebuffer(int w, int h) {
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &previous_);
    glGenFramebuffers(1, &fbo_);
    glGenRenderbuffers(1, &rbo_);
    glBindRenderbuffer(GL_RENDERBUFFER, rbo_);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, w, h);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rbo_);
  }
  ~Framebuffer() {
    glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(previous_));
    glDeleteRenderbuffers(1, &rbo_);
    glDeleteFramebuffers(1, &fbo_);
  }
  bool Complete() const { return glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE; }

 private:
  GLint previous_ = 0;
  GLuint fbo_ = 0, rbo_ = 0;
};

constexpr int kMaxPixels = 16384;  // per side: beyond what any GL here allocates

}  // namespace

Status ExportPng(const AppState& state, const ExportRequest& request) {
  if (!(request.scale >= 1.0f && request.scale <= 4.0f)) {
    return Status::Error("--scale", "must be from 1 to 4");
  }
  AppState s = state;
  s.ui.dark = request.dark;
  s.ui.export_request = request;
  s.ui.only_panel = request.panel;
  ScratchImGui imgui(s, request.scale);
  if (!ImGui_ImplOpenGL3_Init("#version 330 core")) {
    return Status::Error("", "the OpenGL 3.3 renderer failed to start (is libgl1 installed?)");
  }
  struct Shutdown {
    ~Shutdown() { ImGui_ImplOpenGL3_Shutdown(); }
  } shutdown;

  // Lay out (twice: ImGui settles sizes on the second frame), measure a
  // panel, then lay out again at exactly its size.
  ImVec2 size(static_cast<float>(request.width), static_cast<float>(request.height));
  if (!request.panel.empty()) {
    ImGui_ImplOpenGL3_NewFrame();
    imgui.Frame(ImVec2(4096, 4096));
    imgui.Frame(ImVec2(4096, 4096));
    std::string error;
    if (!PanelBounds(s, &size, &error)) return Status::Error("--panel", error);
  }
  imgui.Frame(size);
  ImGui_ImplOpenGL3_NewFrame();
  imgui.Frame(size);

  const int w = static_cast<int>(std::lround(size.x * request.scale));
  const int h = static_cast<int>(std::lround(size.y * request.scale));
  if (w < 1 || h < 1 || w > kMaxPixels || h > kMaxPixels) {
    return Status::Error("--width", "a picture of " + std::to_string(w) + "x" + std::to_string(h) +
                                        " pixels is outside 1.." + std::to_string(kMaxPixels));
  }
  Framebuffer fbo(w, h);
  if (!fbo.Complete()) return Status::Error("", "the OpenGL framebuffer for the picture is incomplete");
  glViewport(0, 0, w, h);
  glClearColor(0, 0, 0, 0);  // the window's own background paints the rest
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

  const int channels = request.transparent ? 4 : 3;
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * h * channels);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, channels == 4 ? GL_RGBA : GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  if (glGetError() != GL_NO_ERROR) return Status::Error("", "reading the picture back from OpenGL failed");
  // GL rows run bottom-up.
  const size_t stride = static_cast<size_t>(w) * channels;
  std::vector<unsigned char> flipped(pixels.size());
  for (int y = 0; y < h; ++y) std::copy_n(&pixels[static_cast<size_t>(h - 1 - y) * stride], stride, &flipped[y * stride]);
  std::string png;
  auto append = [](void* context, void* data, int n) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(n));
  };
  if (!stbi_write_png_to_func(append, &png, w, h, channels, flipped.data(), static_cast<int>(stride))) {
    return Status::Error("", "encoding the PNG failed");
  }
  if (!request.report.empty()) {
    const Status st = WriteFileAtomic(request.report, ItemsReport(s, w, h, request.scale));
    if (!st.ok()) return st;
  }
  return WriteFileAtomic(request.out, png);
}

}  // namespace attnlab::ui
