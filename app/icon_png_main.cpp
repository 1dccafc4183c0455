// attnlab_icon: the icon's PNGs for the desktop's icon theme, made at build
// time from assets/icon/attnlab.svg (see icon.hpp), so they never drift from it.
//
//   attnlab_icon ICON.svg SIZE OUT.png [SIZE OUT.png ...]
//
// Every argument is checked before anything is written; each PNG is written
// atomically. Exit 0 done, 1 a file could not be written, 2 bad input.
#include <stb_image_write.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "attnlab/scenario_io.hpp"
#include "icon.hpp"

int main(int argc, char** argv) {
  if (argc < 4 || argc % 2 != 0) {
    std::fprintf(stderr, "usage: attnlab_icon ICON.svg SIZE OUT.png [SIZE OUT.png ...]\n");
    return 2;
  }
  attnlab::ui::IconDrawing drawing;
  std::string error;
  if (!attnlab::ui::LoadIconSvg(argv[1], &drawing, &error)) {
    std::fprintf(stderr, "attnlab_icon: %s: %s\n", argv[1], error.c_str());
    return 2;
  }
  std::vector<std::pair<int, std::string>> outputs;
  for (int i = 2; i < argc; i += 2) {
    char* end = nullptr;
    const long size = std::strtol(argv[i], &end, 10);
    if (*argv[i] == '\0' || *end != '\0' || size < 16 || size > 1024) {
      std::fprintf(stderr, "attnlab_icon: SIZE is pixels from 16 to 1024, not \"%s\"\n", argv[i]);
      return 2;
    }
    outputs.emplace_back(static_cast<int>(size), argv[i + 1]);
  }
  for (const auto& [size, path] : outputs) {
    const std::vector<unsigned char> rgba = attnlab::ui::RasterizeIcon(drawing, size);
    std::string png;
    auto append = [](void* context, void* data, int n) {
      static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(n));
    };
    if (!stbi_write_png_to_func(append, &png, size, size, 4, rgba.data(), size * 4)) {
      std::fprintf(stderr, "attnlab_icon: encoding the %dx%d PNG failed\n", size, size);
      return 1;
    }
    const attnlab::Status st = attnlab::WriteFileAtomic(path, png);
    if (!st.ok()) {
      std::fprintf(stderr, "attnlab_icon: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  return 0;
}
