// `attnlab render --out NAME`: the name's extension decides the format. A .jpg
// or .jpeg is real JPEG data (not PNG under a JPEG name); any other name, and
// a transparent JPEG, is refused with a message, exit 2 and no file.
#include <gtest/gtest.h>
#include <stb_image.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "run_process.hpp"

namespace {

namespace fs = std::filesystem;
using attnlab::testing::Outcome;
using attnlab::testing::RunShell;
using attnlab::testing::Slurp;

const std::string kE9 = std::string(ATTNLAB_PRESETS_DIR) + "/e9-dedupe-sort.json";

struct ScratchDir {
  std::string path;
  ScratchDir() {
    char dir[] = "/tmp/attnlab-formats-XXXXXX";
    path = mkdtemp(dir) ? dir : "/tmp";
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

Outcome Render(const std::string& args) {
  return RunShell("env -u DISPLAY -u WAYLAND_DISPLAY '" + std::string(ATTNLAB_BIN) + "' render '" + kE9 + "' " + args);
}

struct Decoded {
  int w = 0, h = 0, channels = 0;
  unsigned char* px = nullptr;
  explicit Decoded(const std::string& path) { px = stbi_load(path.c_str(), &w, &h, &channels, 3); }
  ~Decoded() { stbi_image_free(px); }
};

TEST(PictureFormats, AJpgNameGivesJpegDataOfThePngsSizeAndColours) {
  ScratchDir dir;
  Outcome o = Render("--panel P --scale 2 --out " + (dir / "P.png"));
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* name : {"P.jpg", "P.JPEG"}) {
    o = Render("--panel P --scale 2 --out " + (dir / name));
    ASSERT_EQ(o.code, 0) << o.err;
    EXPECT_NE(o.out.find("wrote " + (dir / name)), std::string::npos) << o.out;
    const std::string bytes = Slurp(dir / name);
    ASSERT_GE(bytes.size(), 3u);
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0xFF) << name;
    EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0xD8) << name;
    EXPECT_EQ(static_cast<unsigned char>(bytes[2]), 0xFF) << name;
    const Decoded png(dir / "P.png"), jpg(dir / name);
    ASSERT_NE(jpg.px, nullptr) << stbi_failure_reason();
    ASSERT_NE(png.px, nullptr);
    EXPECT_EQ(jpg.w, png.w);
    EXPECT_EQ(jpg.h, png.h);
    EXPECT_EQ(jpg.channels, 3) << "JPEG is RGB";
    // The same picture: the mean difference is JPEG's small loss, not another image.
    double diff = 0;
    const size_t n = static_cast<size_t>(png.w) * png.h * 3;
    for (size_t i = 0; i < n; ++i) diff += std::abs(static_cast<int>(png.px[i]) - static_cast<int>(jpg.px[i]));
    EXPECT_LT(diff / static_cast<double>(n), 3.0) << name;
  }
}

TEST(PictureFormats, OtherNamesAreRefusedWithAMessageAndNoFile) {
  ScratchDir dir;
  for (const char* name : {"P.bmp", "P", "P.png.bak", "P.gif"}) {
    const Outcome o = Render("--panel P --out " + (dir / name));
    EXPECT_EQ(o.code, 2) << name;
    EXPECT_NE(o.err.find("attnlab writes pictures as .png, .jpg (or .jpeg) and .svg"), std::string::npos) << o.err;
    EXPECT_NE(o.err.find(dir / name), std::string::npos) << "names the file: " << o.err;
  }
  EXPECT_TRUE(fs::is_empty(dir.path)) << "nothing written";
}

TEST(PictureFormats, ATransparentJpegIsRefusedBecauseJpegHasNoAlpha) {
  ScratchDir dir;
  Outcome o = Render("--panel P --transparent --out " + (dir / "t.jpg"));
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("--transparent: JPEG has no transparency"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find(".png"), std::string::npos) << "says what works: " << o.err;
  EXPECT_TRUE(fs::is_empty(dir.path)) << "nothing written";
  o = Render("--panel P --transparent --out " + (dir / "t.png"));
  EXPECT_EQ(o.code, 0) << o.err;
}

}  // namespace
