#include "widgets/colormap.hpp"

#include <algorithm>
#include <cmath>

namespace attnlab::ui {
namespace {

struct Stop {
  uint8_t r, g, b;
};

// Control colours at equal steps of t.
constexpr Stop kViridis[] = {{0x44, 0x01, 0x54}, {0x47, 0x2c, 0x7a}, {0x3b, 0x51, 0x8b},
                             {0x2c, 0x71, 0x8e}, {0x21, 0x90, 0x8d}, {0x27, 0xad, 0x81},
                             {0x5c, 0xc8, 0x63}, {0xaa, 0xdc, 0x32}, {0xfd, 0xe7, 0x25}};
constexpr Stop kCividis[] = {{0x00, 0x22, 0x4e}, {0x12, 0x35, 0x70}, {0x3b, 0x49, 0x6c},
                             {0x57, 0x5d, 0x6d}, {0x70, 0x71, 0x73}, {0x8a, 0x86, 0x78},
                             {0xa5, 0x9c, 0x74}, {0xc3, 0xb3, 0x69}, {0xe1, 0xcc, 0x55},
                             {0xfe, 0xe8, 0x38}};
constexpr Stop kBlueOrange[] = {{0x08, 0x45, 0x94}, {0x21, 0x71, 0xb5}, {0x6b, 0xae, 0xd6},
                                {0xc6, 0xdb, 0xef}, {0xf7, 0xf7, 0xf7}, {0xfd, 0xd0, 0xa2},
                                {0xfd, 0x8d, 0x3c}, {0xd9, 0x48, 0x01}, {0x8c, 0x2d, 0x04}};

template <size_t N>
Rgb Lerp(const Stop (&stops)[N], double t) {
  const double x = t * static_cast<double>(N - 1);
  const size_t i = std::min(static_cast<size_t>(x), N - 2);
  const float f = static_cast<float>(x - static_cast<double>(i));
  const Stop& a = stops[i];
  const Stop& b = stops[i + 1];
  auto mix = [f](uint8_t u, uint8_t v) { return (static_cast<float>(u) * (1 - f) + static_cast<float>(v) * f) / 255.0f; };
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

float Linear(float c) { return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f); }

}  // namespace

Rgb SampleColormap(Colormap map, double t) {
  if (std::isnan(t)) return {0.5f, 0.5f, 0.5f};
  t = std::clamp(t, 0.0, 1.0);
  switch (map) {
    case Colormap::kViridis: return Lerp(kViridis, t);
    case Colormap::kCividis: return Lerp(kCividis, t);
    case Colormap::kBlueOrange: return Lerp(kBlueOrange, t);
  }
  return Lerp(kViridis, t);
}

double Normalize(double v, double vmin, double vmax) {
  if (!(vmax > vmin)) return 0.5;
  return std::clamp((v - vmin) / (vmax - vmin), 0.0, 1.0);
}

float Luminance(Rgb c) { return 0.2126f * Linear(c.r) + 0.7152f * Linear(c.g) + 0.0722f * Linear(c.b); }

uint32_t PackRgba(Rgb c, float alpha) {
  auto byte = [](float v) { return static_cast<uint32_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); };
  return byte(c.r) | (byte(c.g) << 8) | (byte(c.b) << 16) | (byte(alpha) << 24);
}

const char* ColormapName(Colormap map) {
  switch (map) {
    case Colormap::kViridis: return "viridis";
    case Colormap::kCividis: return "cividis";
    case Colormap::kBlueOrange: return "blue/orange";
  }
  return "viridis";
}

}  // namespace attnlab::ui
