#include "widgets/texture.hpp"

#include <algorithm>
#include <cstring>

namespace attnlab::ui {
namespace {

// The widgets' current backend: process-wide, like ImGui's current context,
// and swapped the same way (ScopedTextures) by pictures drawn mid-session.
TextureBackend* g_current = nullptr;

// Frames a texture survives without being drawn (a folded panel's is freed).
constexpr int kKeepFrames = 3;

}  // namespace

TextureBackend::~TextureBackend() = default;

ImTextureID TextureBackend::Cached(ImGuiID owner, uint64_t key, int width, int height,
                                   const std::function<void(unsigned char*)>& fill) {
  const int frame = ImGui::GetFrameCount();
  if (frame != frame_seen_) {
    frame_seen_ = frame;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (frame - it->second.last_frame > kKeepFrames || frame < it->second.last_frame) {
        Destroy(it->second.id);
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  Entry& e = entries_[owner];
  e.last_frame = frame;
  if (e.id && e.width == width && e.height == height && e.key == key) return e.id;
  if (!e.id || e.width != width || e.height != height) {
    if (e.id) Destroy(e.id);
    e.id = Create(width, height, false);
    e.width = width;
    e.height = height;
  }
  scratch_.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * 4);
  fill(scratch_.data());
  Upload(e.id, width, height, scratch_.data());
  e.key = key;
  ++uploads_;
  // The fill buffer of a big map is not kept between fills.
  if (scratch_.size() > (1u << 20)) std::vector<unsigned char>().swap(scratch_);
  return e.id;
}

ImTextureID TextureBackend::HatchPattern() {
  if (hatch_) return hatch_;
  constexpr int kSide = 16;
  std::vector<unsigned char> px(kSide * kSide * 4, 0);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      // Lines x + y = const every 8 texels (two per tile, so the tile repeats
      // seamlessly), 2 texels wide.
      if ((x + y) % 8 < 2) {
        unsigned char* p = &px[static_cast<size_t>(y * kSide + x) * 4];
        p[0] = p[1] = p[2] = p[3] = 255;
      }
    }
  }
  hatch_ = Create(kSide, kSide, true);
  Upload(hatch_, kSide, kSide, px.data());
  return hatch_;
}

void TextureBackend::ReleaseAll() {
  for (auto& [owner, e] : entries_) Destroy(e.id);
  entries_.clear();
  if (hatch_) Destroy(hatch_);
  hatch_ = nullptr;
}

NullTextures::~NullTextures() = default;

ImTextureID NullTextures::Create(int width, int height, bool) {
  const intptr_t id = next_++;
  pixels_[id].assign(static_cast<size_t>(width) * static_cast<size_t>(height) * 4, 0);
  return reinterpret_cast<ImTextureID>(id);
}

void NullTextures::Upload(ImTextureID id, int width, int height, const unsigned char* rgba) {
  auto it = pixels_.find(reinterpret_cast<intptr_t>(id));
  if (it == pixels_.end()) return;
  it->second.assign(rgba, rgba + static_cast<size_t>(width) * static_cast<size_t>(height) * 4);
}

void NullTextures::Destroy(ImTextureID id) { pixels_.erase(reinterpret_cast<intptr_t>(id)); }

const std::vector<unsigned char>* NullTextures::Pixels(ImTextureID id) const {
  auto it = pixels_.find(reinterpret_cast<intptr_t>(id));
  return it == pixels_.end() ? nullptr : &it->second;
}

TextureBackend* CurrentTextures() { return g_current; }

ScopedTextures::ScopedTextures(TextureBackend* backend) : previous_(g_current) { g_current = backend; }
ScopedTextures::~ScopedTextures() { g_current = previous_; }

uint64_t HashWords(const void* words, size_t count, uint64_t h) {
  const unsigned char* p = static_cast<const unsigned char*>(words);
  h ^= 0x9e3779b97f4a7c15ull * (count + 1);
  for (size_t i = 0; i < count; ++i) {
    uint64_t w;
    std::memcpy(&w, p + i * 8, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h;
}

}  // namespace attnlab::ui
