// attnlab widgets: images the renderer draws, behind an interface small
// enough that the UI library stays free of GL.
//
//   GlTextures gl;                            // the platform layer's (app/gl_textures.*)
//   ScopedTextures use(&gl);                  // current while it lives
//   ... Heatmap() of a big matrix draws one AddImage instead of a rect per cell
//
// A heatmap above kTextureCells cells paints each cell as one texel of a
// texture and draws the visible part of it with one quad (nearest filtering:
// crisp cells at every zoom). The texture is refilled only when what it shows
// changes (TextureKey: the values' revision, the colour map and range, the
// mask's tone), never per frame. Headless tests and benchmarks use
// NullTextures, which keeps the pixels in memory so that tests can read them.
// With no backend installed, big heatmaps draw a flat placeholder, never a
// rectangle per cell.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

namespace attnlab::ui {

// Matrices with more cells than this are drawn as a texture (64 x 64 = 4096
// rects are still cheap; PLATFORM.md measured the cliff above that).
inline constexpr long long kTextureCells = 4096;

class TextureBackend {
 public:
  virtual ~TextureBackend();
  // A new RGBA8 texture (nearest filtering; `repeat` wraps, for patterns).
  virtual ImTextureID Create(int width, int height, bool repeat) = 0;
  // Replaces every pixel: RGBA8, rows top to bottom, `width` * 4 bytes each.
  virtual void Upload(ImTextureID id, int width, int height, const unsigned char* rgba) = 0;
  virtual void Destroy(ImTextureID id) = 0;
  // The largest width or height a texture may have.
  virtual int MaxSize() const = 0;

  // The texture shown by widget `owner`: refilled through `fill` (which writes
  // width * height RGBA pixels) only when `key` differs from the last one.
  // Textures of widgets not drawn for a few frames are released.
  ImTextureID Cached(ImGuiID owner, uint64_t key, int width, int height,
                     const std::function<void(unsigned char*)>& fill);
  // A 16 x 16 white diagonal-line pattern on transparent, for hatching
  // (drawn with repeat and a tint).
  ImTextureID HatchPattern();
  int uploads() const { return uploads_; }  // fills so far (tests: nothing per frame)
  // Releases every texture this object made (call while its GL context is current).
  void ReleaseAll();

 private:
  struct Entry {
    ImTextureID id = nullptr;
    int width = 0, height = 0;
    uint64_t key = 0;
    int last_frame = 0;
  };
  std::unordered_map<ImGuiID, Entry> entries_;
  std::vector<unsigned char> scratch_;
  ImTextureID hatch_ = nullptr;
  int uploads_ = 0;
  int frame_seen_ = -1;
};

// Keeps every texture's pixels in memory; ids are 1, 2, 3, ... (never drawn).
class NullTextures : public TextureBackend {
 public:
  explicit NullTextures(int max_size = 16384) : max_size_(max_size) {}
  ~NullTextures() override;
  ImTextureID Create(int width, int height, bool repeat) override;
  void Upload(ImTextureID id, int width, int height, const unsigned char* rgba) override;
  void Destroy(ImTextureID id) override;
  int MaxSize() const override { return max_size_; }
  // The pixels of `id` (RGBA8), or null.
  const std::vector<unsigned char>* Pixels(ImTextureID id) const;
  size_t live() const { return pixels_.size(); }

 private:
  int max_size_;
  intptr_t next_ = 1;
  std::map<intptr_t, std::vector<unsigned char>> pixels_;
};

// The backend the widgets use now (null: none).
TextureBackend* CurrentTextures();
// Makes `backend` current while it lives; the previous one afterwards.
class ScopedTextures {
 public:
  explicit ScopedTextures(TextureBackend* backend);
  ~ScopedTextures();
  ScopedTextures(const ScopedTextures&) = delete;
  ScopedTextures& operator=(const ScopedTextures&) = delete;

 private:
  TextureBackend* previous_;
};

// A 64-bit hash of `count` 8-byte words (doubles' bits), for texture keys of
// data that carries no revision number.
uint64_t HashWords(const void* words, size_t count, uint64_t seed = 0);

}  // namespace attnlab::ui
