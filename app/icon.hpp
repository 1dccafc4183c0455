// attnlab app: the icon (assets/icon/attnlab.svg) as pixels, with no SVG library.
//
// The icon is drawn by hand in a small subset of SVG, and this reader takes
// exactly that subset: one <svg> with a square viewBox "0 0 S S", holding
// <rect> elements with x, y, width, height, an optional rx and a fill
// "#rrggbb", painted in order; <title>, <desc>, comments and the XML
// declaration are skipped. Anything else is refused by name and line, so an
// edit this reader would draw wrongly fails the build instead of shipping.
//
// Used by attnlab_icon (the PNGs installed into the desktop's icon theme) and
// by the window (its icon), so both show the same picture.
#pragma once

#include <string>
#include <vector>

namespace attnlab::ui {

struct IconRect {
  double x = 0, y = 0, width = 0, height = 0, rx = 0;  // user units of the viewBox
  unsigned char r = 0, g = 0, b = 0;
};

struct IconDrawing {
  double size = 0;  // the viewBox's side
  std::vector<IconRect> rects;
};

// Reads the subset above; false with `error` ("line 12: <circle> ...") otherwise.
bool ParseIconSvg(const std::string& svg, IconDrawing* drawing, std::string* error);

// The same, from a file ("cannot read PATH" when it cannot be read).
bool LoadIconSvg(const std::string& path, IconDrawing* drawing, std::string* error);

// `pixels` x `pixels` RGBA, 8 bits, straight alpha, rows top-down. Each pixel
// is 4x4 samples, so edges that fall between pixels and rounded corners are
// antialiased; edges on whole pixels stay sharp.
std::vector<unsigned char> RasterizeIcon(const IconDrawing& drawing, int pixels);

}  // namespace attnlab::ui
