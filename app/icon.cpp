#include "icon.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

namespace attnlab::ui {
namespace {

using Attributes = std::vector<std::pair<std::string, std::string>>;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// name="value" (or 'value') pairs, separated by white space.
bool ParseAttributes(const std::string& body, Attributes* attrs, std::string* why) {
  size_t i = 0;
  for (;;) {
    while (i < body.size() && IsSpace(body[i])) ++i;
    if (i == body.size()) return true;
    size_t end = i;
    while (end < body.size() && !IsSpace(body[end]) && body[end] != '=') ++end;
    const std::string name = body.substr(i, end - i);
    i = end;
    while (i < body.size() && IsSpace(body[i])) ++i;
    if (i == body.size() || body[i] != '=') return *why = "attribute \"" + name + "\" has no value", false;
    ++i;
    while (i < body.size() && IsSpace(body[i])) ++i;
    if (i == body.size() || (body[i] != '"' && body[i] != '\'')) {
      return *why = "the value of \"" + name + "\" is not quoted", false;
    }
    const size_t close = body.find(body[i], i + 1);
    if (close == std::string::npos) return *why = "the value of \"" + name + "\" is not closed", false;
    attrs->emplace_back(name, body.substr(i + 1, close - i - 1));
    i = close + 1;
    if (i < body.size() && !IsSpace(body[i])) return *why = "no space after the value of \"" + name + "\"", false;
  }
}

// A plain number ("6", "4.5"): no units, no percentages.
bool ParseNumber(const std::string& text, double* out) {
  if (text.empty() || IsSpace(text[0])) return false;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseColour(const std::string& text, IconRect* rect) {
  if (text.size() != 7 || text[0] != '#') return false;
  unsigned char* channels[3] = {&rect->r, &rect->g, &rect->b};
  for (int c = 0; c < 3; ++c) {
    const int hi = HexDigit(text[1 + 2 * c]), lo = HexDigit(text[2 + 2 * c]);
    if (hi < 0 || lo < 0) return false;
    *channels[c] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

bool ReadSvgElement(const Attributes& attrs, IconDrawing* drawing, std::string* why) {
  bool has_view_box = false;
  for (const auto& [name, value] : attrs) {
    if (name == "xmlns" || name == "version") continue;
    double v = 0;
    if (name == "width" || name == "height") {
      if (!ParseNumber(value, &v) || v <= 0) return *why = "<svg " + name + "> must be a positive number", false;
    } else if (name == "viewBox") {
      std::istringstream in(value);
      double x = 1, y = 1, w = 0, h = 0;
      std::string rest;
      if (!(in >> x >> y >> w >> h) || (in >> rest) || x != 0 || y != 0 || w <= 0 || w != h) {
        return *why = "viewBox must be \"0 0 S S\" (a square from the origin), not \"" + value + "\"", false;
      }
      drawing->size = w;
      has_view_box = true;
    } else {
      return *why = "<svg>: attribute \"" + name + "\" is not read (only xmlns, version, width, height, viewBox)",
             false;
    }
  }
  if (!has_view_box) return *why = "<svg> needs a viewBox \"0 0 S S\"", false;
  return true;
}

bool ReadRect(const Attributes& attrs, IconDrawing* drawing, std::string* why) {
  IconRect rect;
  bool has_width = false, has_height = false, has_fill = false;
  for (const auto& [name, value] : attrs) {
    if (name == "fill") {
      if (!ParseColour(value, &rect)) return *why = "<rect> fill must be \"#rrggbb\", not \"" + value + "\"", false;
      has_fill = true;
      continue;
    }
    double* field = name == "x" ? &rect.x : name == "y" ? &rect.y : name == "width" ? &rect.width
                  : name == "height" ? &rect.height : name == "rx" ? &rect.rx : nullptr;
    if (!field) {
      return *why = "<rect>: attribute \"" + name + "\" is not drawn (only x, y, width, height, rx, fill)", false;
    }
    if (!ParseNumber(value, field)) return *why = "<rect> " + name + " must be a plain number, not \"" + value + "\"", false;
    has_width |= name == "width";
    has_height |= name == "height";
  }
  if (!has_width || !has_height || !has_fill) return *why = "<rect> needs width, height and fill", false;
  if (rect.width <= 0 || rect.height <= 0 || rect.rx < 0) {
    return *why = "<rect> width and height must be positive and rx not negative", false;
  }
  drawing->rects.push_back(rect);
  return true;
}

bool Inside(const IconRect& r, double rx, double x, double y) {
  if (x < r.x || x >= r.x + r.width || y < r.y || y >= r.y + r.height) return false;
  if (rx <= 0) return true;
  // The nearest point of the rectangle shrunk by rx; within rx of it is inside.
  const double cx = std::clamp(x, r.x + rx, r.x + r.width - rx);
  const double cy = std::clamp(y, r.y + rx, r.y + r.height - rx);
  return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= rx * rx;
}

}  // namespace

bool ParseIconSvg(const std::string& text, IconDrawing* drawing, std::string* error) {
  *drawing = IconDrawing{};
  auto fail = [&](size_t at, const std::string& why) {
    const long line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(std::min(at, text.size())), '\n');
    *error = "line " + std::to_string(line) + ": " + why;
    return false;
  };
  auto starts = [&](size_t at, const char* with) { return text.compare(at, std::char_traits<char>::length(with), with) == 0; };
  bool seen_svg = false, in_svg = false;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '<') {
      if (!IsSpace(text[i])) return fail(i, "text outside an element");
      ++i;
      continue;
    }
    if (starts(i, "<?xml")) {
      const size_t end = text.find("?>", i);
      if (end == std::string::npos) return fail(i, "<?xml is not closed");
      i = end + 2;
      continue;
    }
    if (starts(i, "<!--")) {
      const size_t end = text.find("-->", i + 4);
      if (end == std::string::npos) return fail(i, "a comment is not closed");
      i = end + 3;
      continue;
    }
    const size_t close = text.find('>', i);
    if (close == std::string::npos) return fail(i, "a tag is not closed");
    std::string tag = text.substr(i + 1, close - i - 1);
    if (!tag.empty() && tag[0] == '/') {
      if (tag != "/svg" || !in_svg) return fail(i, "unexpected <" + tag + ">");
      in_svg = false;
      i = close + 1;
      continue;
    }
    const bool self_closing = !tag.empty() && tag.back() == '/';
    if (self_closing) tag.pop_back();
    size_t name_end = 0;
    while (name_end < tag.size() && !IsSpace(tag[name_end])) ++name_end;
    const std::string name = tag.substr(0, name_end);
    Attributes attrs;
    std::string why;
    if (!ParseAttributes(tag.substr(name_end), &attrs, &why)) return fail(i, "<" + name + ">: " + why);
    if (name == "svg") {
      if (seen_svg) return fail(i, "a second <svg>");
      if (self_closing) return fail(i, "the <svg> is empty");
      if (!ReadSvgElement(attrs, drawing, &why)) return fail(i, why);
      seen_svg = in_svg = true;
    } else if (!in_svg) {
      return fail(i, "<" + name + "> outside <svg>");
    } else if (name == "title" || name == "desc") {
      if (!self_closing) {
        const size_t end = text.find("</" + name + ">", close);
        if (end == std::string::npos) return fail(i, "<" + name + "> is not closed");
        i = end + name.size() + 3;
        continue;
      }
    } else if (name == "rect") {
      if (!self_closing) return fail(i, "<rect> must close itself (<rect .../>)");
      if (!ReadRect(attrs, drawing, &why)) return fail(i, why);
    } else {
      return fail(i, "<" + name + "> is not drawn by this reader (only <rect> inside <svg>)");
    }
    i = close + 1;
  }
  if (!seen_svg) return fail(i, "no <svg> element");
  if (in_svg) return fail(i, "the <svg> is not closed");
  if (drawing->rects.empty()) return fail(i, "the <svg> has no <rect>");
  return true;
}

bool LoadIconSvg(const std::string& path, IconDrawing* drawing, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (!in || !(text << in.rdbuf())) {
    *error = "cannot read " + path;
    return false;
  }
  return ParseIconSvg(text.str(), drawing, error);
}

std::vector<unsigned char> RasterizeIcon(const IconDrawing& drawing, int pixels) {
  constexpr int kSamples = 4;  // per side of a pixel
  const size_t n = static_cast<size_t>(std::max(pixels, 0));
  std::vector<float> premultiplied(n * n * 4, 0.0f);
  const double per_unit = drawing.size > 0 ? pixels / drawing.size : 0;
  for (const IconRect& r : drawing.rects) {
    if (per_unit <= 0) break;
    const double rx = std::min({r.rx, r.width / 2, r.height / 2});
    const int x0 = std::max(0, static_cast<int>(std::floor(r.x * per_unit)));
    const int y0 = std::max(0, static_cast<int>(std::floor(r.y * per_unit)));
    const int x1 = std::min(pixels, static_cast<int>(std::ceil((r.x + r.width) * per_unit)));
    const int y1 = std::min(pixels, static_cast<int>(std::ceil((r.y + r.height) * per_unit)));
    const float colour[3] = {r.r / 255.0f, r.g / 255.0f, r.b / 255.0f};
    for (int py = y0; py < y1; ++py) {
      const double top = py / per_unit, bottom = (py + 1) / per_unit;
      for (int px = x0; px < x1; ++px) {
        const double left = px / per_unit, right = (px + 1) / per_unit;
        // A pixel wholly inside (clear of the rounded corners) needs no samples.
        const bool within_x = left >= r.x && right <= r.x + r.width;
        const bool within_y = top >= r.y && bottom <= r.y + r.height;
        const bool clear_of_corners = (left >= r.x + rx && right <= r.x + r.width - rx) ||
                                      (top >= r.y + rx && bottom <= r.y + r.height - rx);
        int covered = 0;
        if (within_x && within_y && clear_of_corners) {
          covered = kSamples * kSamples;
        } else {
          for (int sy = 0; sy < kSamples; ++sy)
            for (int sx = 0; sx < kSamples; ++sx)
              covered += Inside(r, rx, (px + (sx + 0.5) / kSamples) / per_unit, (py + (sy + 0.5) / kSamples) / per_unit);
        }
        if (covered == 0) continue;
        const float a = static_cast<float>(covered) / (kSamples * kSamples);
        float* p = &premultiplied[(static_cast<size_t>(py) * n + static_cast<size_t>(px)) * 4];
        for (int c = 0; c < 3; ++c) p[c] = colour[c] * a + p[c] * (1 - a);
        p[3] = a + p[3] * (1 - a);
      }
    }
  }
  std::vector<unsigned char> rgba(premultiplied.size());
  auto byte = [](float v) { return static_cast<unsigned char>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); };
  for (size_t i = 0; i < n * n; ++i) {
    const float* p = &premultiplied[i * 4];
    const float a = p[3];
    for (int c = 0; c < 3; ++c) rgba[i * 4 + c] = a > 0 ? byte(p[c] / a) : 0;
    rgba[i * 4 + 3] = byte(a);
  }
  return rgba;
}

}  // namespace attnlab::ui
