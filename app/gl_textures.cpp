#include "gl_textures.hpp"

#define GL_GLEXT_PROTOTYPES
#include <GL/glcorearb.h>

#include <cstdint>

namespace attnlab::ui {
namespace {

GLuint Name(ImTextureID id) { return static_cast<GLuint>(reinterpret_cast<intptr_t>(id)); }

}  // namespace

GlTextures::GlTextures() {
  GLint size = 0;
  glGetIntegerv(GL_MAX_TEXTURE_SIZE, &size);
  max_size_ = size > 0 ? static_cast<int>(size) : 2048;  // 2048: what every GL 3.3 must offer
}

GlTextures::~GlTextures() { ReleaseAll(); }

ImTextureID GlTextures::Create(int width, int height, bool repeat) {
  GLint previous = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &previous);
  GLuint tex = 0;
  glGenTextures(1, &tex);
  glBindTexture(GL_TEXTURE_2D, tex);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  const GLint wrap = repeat ? GL_REPEAT : GL_CLAMP_TO_EDGE;
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, wrap);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, wrap);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previous));
  return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex));
}

void GlTextures::Upload(ImTextureID id, int width, int height, const unsigned char* rgba) {
  GLint previous = 0, alignment = 4;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &previous);
  glGetIntegerv(GL_UNPACK_ALIGNMENT, &alignment);
  glBindTexture(GL_TEXTURE_2D, Name(id));
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  glPixelStorei(GL_UNPACK_ALIGNMENT, alignment);
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previous));
}

void GlTextures::Destroy(ImTextureID id) {
  const GLuint tex = Name(id);
  glDeleteTextures(1, &tex);
}

}  // namespace attnlab::ui
