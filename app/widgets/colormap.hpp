// attnlab widgets: colour maps (pure functions, no ImGui; tested directly).
//
// Sequential data (weights, probabilities) uses a perceptually ordered map
// (viridis or cividis, both colour-blind safe); signed data uses a diverging
// blue/orange map centred on 0.
#pragma once

#include <cstdint>

namespace attnlab::ui {

enum class Colormap { kViridis, kCividis, kBlueOrange };

struct Rgb {
  float r = 0, g = 0, b = 0;  // 0..1
};

// t in [0, 1] (clamped; NaN gives mid grey) -> colour, by linear interpolation
// between the map's published control colours.
Rgb SampleColormap(Colormap map, double t);

// Position of `v` in [vmin, vmax] (0.5 when the range is empty), clamped.
double Normalize(double v, double vmin, double vmax);

// Relative luminance (sRGB, 0..1): used to pick black or white text on a cell.
float Luminance(Rgb c);

// Packs as ImGui's IM_COL32 does (R in the low byte), without including ImGui.
uint32_t PackRgba(Rgb c, float alpha = 1.0f);

const char* ColormapName(Colormap map);

}  // namespace attnlab::ui
