// attnlab app: the OpenGL implementation of the widgets' texture interface
// (widgets/texture.hpp). Needs a current GL 3.3 context for its whole life,
// and makes its textures in that context.
#pragma once

#include "widgets/texture.hpp"

namespace attnlab::ui {

class GlTextures : public TextureBackend {
 public:
  GlTextures();
  ~GlTextures() override;  // releases every texture it made
  ImTextureID Create(int width, int height, bool repeat) override;
  void Upload(ImTextureID id, int width, int height, const unsigned char* rgba) override;
  void Destroy(ImTextureID id) override;
  int MaxSize() const override { return max_size_; }

 private:
  int max_size_ = 0;
};

}  // namespace attnlab::ui
