#include "export_png.hpp"

#define GL_GLEXT_PROTOTYPES
#include <GL/glcorearb.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "attnlab/scenario_io.hpp"
#include "gl_textures.hpp"
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
constexpr int kJpegQuality = 92;   // text and cell edges stay clean (flat pictures are still smaller as PNG)

// The largest picture side this GL context renders and reads back.
int LargestSide() {
  GLint renderbuffer = 0, viewport[2] = {0, 0};
  glGetIntegerv(GL_MAX_RENDERBUFFER_SIZE, &renderbuffer);
  glGetIntegerv(GL_MAX_VIEWPORT_DIMS, viewport);
  int side = kMaxPixels;
  if (renderbuffer > 0) side = std::min(side, static_cast<int>(renderbuffer));
  if (viewport[0] > 0) side = std::min(side, static_cast<int>(std::min(viewport[0], viewport[1])));
  return side;
}

std::string Number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

}  // namespace

Status ExportPng(const AppState& state, const ExportRequest& request, std::string* note) {
  if (!(request.scale >= 1.0f && request.scale <= 4.0f)) {
    return Status::Error("--scale", "must be from 1 to 4");
  }
  PictureFormat format = PictureFormat::kPng;
  const Status named = PictureFormatFor(request, &format);
  if (!named.ok()) return named;
  if (format == PictureFormat::kSvg) return Status::Error("--out", "an SVG is drawn by ExportSvg, not rendered");
  const int largest = LargestSide();
  float scale = request.scale;
  for (int attempt = 0;; ++attempt) {
    AppState s = state;
    s.ui.dark = request.dark;
    s.ui.export_request = request;
    s.ui.only_panel = request.panel;
    ScratchImGui imgui(s, scale);
    if (!ImGui_ImplOpenGL3_Init("#version 330 core")) {
      return Status::Error("", "the OpenGL 3.3 renderer failed to start (is libgl1 installed?)");
    }
    struct Shutdown {
      ~Shutdown() { ImGui_ImplOpenGL3_Shutdown(); }
    } shutdown;
    GlTextures textures;  // big heatmaps, in this context; released before the renderer shuts down
    ScopedTextures use_textures(&textures);

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

    const float longest = std::max(size.x, size.y);
    if (longest * scale > static_cast<float>(largest) && attempt == 0) {
      // Too big at this scale: the largest scale that fits, with a note.
      const float fits = std::floor(static_cast<float>(largest) / longest * 100.0f) / 100.0f;
      if (fits < 1.0f) {
        return Status::Error("--width", "a picture of " + Number(size.x) + "x" + Number(size.y) +
                                            " logical pixels is larger than this renderer's " +
                                            std::to_string(largest) + " pixels per side, even at 1x");
      }
      const std::string line = "the picture is " + std::to_string(static_cast<long>(std::lround(longest * scale))) +
                               " pixels at scale " + Number(scale) +
                               ", more than this renderer's largest (" + std::to_string(largest) +
                               "): drawn at scale " + Number(fits) + " instead";
      if (note) {
        *note = line;
      } else {
        std::fprintf(stderr, "attnlab: %s\n", line.c_str());
      }
      scale = fits;
      continue;
    }
    const int w = static_cast<int>(std::lround(size.x * scale));
    const int h = static_cast<int>(std::lround(size.y * scale));
    if (w < 1 || h < 1 || w > largest || h > largest) {
      return Status::Error("--width", "a picture of " + std::to_string(w) + "x" + std::to_string(h) +
                                          " pixels is outside 1.." + std::to_string(largest));
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
    std::string encoded;
    auto append = [](void* context, void* data, int n) {
      static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(n));
    };
    if (format == PictureFormat::kJpeg) {
      // JPEG is RGB (a transparent JPEG is refused above); stb reads tight rows.
      if (!stbi_write_jpg_to_func(append, &encoded, w, h, channels, flipped.data(), kJpegQuality)) {
        return Status::Error("", "encoding the JPEG failed");
      }
    } else if (!stbi_write_png_to_func(append, &encoded, w, h, channels, flipped.data(), static_cast<int>(stride))) {
      return Status::Error("", "encoding the PNG failed");
    }
    if (!request.report.empty()) {
      const Status st = WriteFileAtomic(request.report, ItemsReport(s, w, h, scale));
      if (!st.ok()) return st;
    }
    return WriteFileAtomic(request.out, encoded);
  }
}

}  // namespace attnlab::ui
