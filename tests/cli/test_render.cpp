// `attnlab render` as a process, with no display at all (DISPLAY unset):
// every shipped preset's main panel at 1x and 2x, SVG that is well-formed XML
// with one rect per cell, and the colours of cells of known weight.
#include <gtest/gtest.h>
#include <stb_image.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "run_process.hpp"
#include "widgets/colormap.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kBin = ATTNLAB_BIN;
const std::string kPresets = ATTNLAB_PRESETS_DIR;

using attnlab::testing::Outcome;
using attnlab::testing::RunShell;
using attnlab::testing::Slurp;

class Scratch {
 public:
  Scratch() {
    char dir[] = "/tmp/attnlab-render-XXXXXX";
    path_ = mkdtemp(dir) ? dir : "/tmp";
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// attnlab ARGS with no display: the render path must not need one.
Outcome Attnlab(const std::string& args) {
  return RunShell("env -u DISPLAY -u WAYLAND_DISPLAY '" + kBin + "' " + args);
}

struct Image {
  int w = 0, h = 0, channels = 0;
  unsigned char* px = nullptr;
  explicit Image(const std::string& path) { px = stbi_load(path.c_str(), &w, &h, &channels, 3); }
  ~Image() { stbi_image_free(px); }
  const unsigned char* At(int x, int y) const { return px + (static_cast<size_t>(y) * w + x) * 3; }
  long DistinctNeighbours() const {
    long n = 0;
    for (int y = 0; y < h; y += 2)
      for (int x = 0; x + 1 < w; x += 2) n += std::memcmp(At(x, y), At(x + 1, y), 3) != 0;
    return n;
  }
};

// A strict little well-formedness check: balanced tags, quoted attributes,
// only the five XML entities (and character references) in text.
bool WellFormedXml(const std::string& x, std::string* why) {
  std::vector<std::string> stack;
  size_t i = 0;
  auto entity_ok = [&](size_t at) {
    for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"})
      if (x.compare(at, std::strlen(e), e) == 0) return true;
    return false;
  };
  while (i < x.size()) {
    if (x[i] == '&' && !entity_ok(i)) return *why = "bare & at " + std::to_string(i), false;
    if (x[i] != '<') {
      ++i;
      continue;
    }
    if (x.compare(i, 5, "<?xml") == 0) {
      i = x.find("?>", i);
      if (i == std::string::npos) return *why = "unterminated <?xml", false;
      i += 2;
      continue;
    }
    const size_t end = x.find('>', i);
    if (end == std::string::npos) return *why = "unterminated tag", false;
    std::string tag = x.substr(i + 1, end - i - 1);
    i = end + 1;
    if (!tag.empty() && tag[0] == '/') {
      if (stack.empty() || stack.back() != tag.substr(1)) return *why = "mismatched </" + tag.substr(1) + ">", false;
      stack.pop_back();
      continue;
    }
    const bool self_closing = !tag.empty() && tag.back() == '/';
    if (self_closing) tag.pop_back();
    const std::string name = tag.substr(0, tag.find_first_of(" \n\t"));
    if (name.empty()) return *why = "empty tag name", false;
    // attributes: name="value" pairs, quotes balanced, no raw < inside
    size_t quotes = 0;
    for (char c : tag) quotes += c == '"';
    if (quotes % 2) return *why = "unbalanced quotes in <" + name + ">", false;
    if (tag.find('<') != std::string::npos) return *why = "< inside <" + name + ">", false;
    if (!self_closing) stack.push_back(name);
  }
  if (!stack.empty()) return *why = "unclosed <" + stack.back() + ">", false;
  return true;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::vector<std::string> Presets() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kPresets))
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// P for one head, the first head's P for several, the whole view for the labs.
std::string MainPanel(const std::string& preset) {
  const Outcome list = Attnlab("render --list '" + preset + "'");
  EXPECT_EQ(list.code, 0) << list.err;
  for (const char* name : {"P", "heads[0].P"})
    if (("\n" + list.out).find(std::string("\n") + name + "\n") != std::string::npos) return name;
  return "";
}

TEST(Render, EveryPresetsMainPanelAtOneAndTwoTimesWithNoDisplay) {
  Scratch dir;
  const std::vector<std::string> presets = Presets();
  ASSERT_GE(presets.size(), 4u);
  for (const std::string& preset : presets) {
    SCOPED_TRACE(preset);
    const std::string panel = MainPanel(preset);
    const std::string which = panel.empty() ? "" : " --panel '" + panel + "'";
    const Outcome one = Attnlab("render '" + preset + "'" + which + " --out " + (dir / "1x.png"));
    ASSERT_EQ(one.code, 0) << one.err;
    const Outcome two = Attnlab("render '" + preset + "'" + which + " --scale 2 --out " + (dir / "2x.png"));
    ASSERT_EQ(two.code, 0) << two.err;
    const Image a(dir / "1x.png"), b(dir / "2x.png");
    ASSERT_NE(a.px, nullptr);
    ASSERT_NE(b.px, nullptr);
    EXPECT_EQ(b.w, 2 * a.w);
    EXPECT_EQ(b.h, 2 * a.h);
    EXPECT_GT(a.w, 100);
    EXPECT_GT(a.DistinctNeighbours(), 100) << "blank picture";
    if (!panel.empty()) {
      const Outcome svg = Attnlab("render '" + preset + "' --panel '" + panel + "' --out " + (dir / "p.svg"));
      ASSERT_EQ(svg.code, 0) << svg.err;
      const std::string text = Slurp(dir / "p.svg");
      std::string why;
      EXPECT_TRUE(WellFormedXml(text, &why)) << why;
      const Outcome eval = Attnlab("eval '" + preset + "'");
      ASSERT_EQ(eval.code, 0) << eval.err;
      const json r = json::parse(eval.out);
      const json& w = panel == "P" ? r["weights"] : r["heads"][0]["weights"];
      EXPECT_EQ(Count(text, "<rect class=\"cell\""), w.size() * w[0].size());
    }
  }
}

TEST(Render, E9sWeightOneIsTheColourMapsTopColourAtEveryScale) {
  Scratch dir;
  for (int scale : {1, 2, 3}) {
    SCOPED_TRACE(scale);
    const Outcome o = Attnlab("render '" + kPresets + "/e9-dedupe-sort.json' --panel P --scale " +
                                       std::to_string(scale) + " --out " + (dir / "P.png") + " --report " +
                                       (dir / "P.json"));
    ASSERT_EQ(o.code, 0) << o.err;
    const Image img(dir / "P.png");
    ASSERT_NE(img.px, nullptr);
    const json report = json::parse(Slurp(dir / "P.json"));
    EXPECT_EQ(img.w, report["width"].get<int>());
    const auto& g = report["items"]["panel.P"];
    const double x0 = g[0], y0 = g[1], cell = (g[2].get<double>() - x0) / 7;
    auto expect = [&](int row, int col, double t) {
      const attnlab::ui::Rgb want = attnlab::ui::SampleColormap(attnlab::ui::Colormap::kViridis, t);
      const int x = static_cast<int>((x0 + cell * (col + 0.22)) * scale);
      const int y = static_cast<int>((y0 + cell * (row + 0.22)) * scale);
      const unsigned char* p = img.At(x, y);
      EXPECT_NEAR(p[0], want.r * 255, 3) << row << "," << col;
      EXPECT_NEAR(p[1], want.g * 255, 3) << row << "," << col;
      EXPECT_NEAR(p[2], want.b * 255, 3) << row << "," << col;
    };
    expect(0, 0, 1.0);   // P[0][0] = 1
    expect(1, 0, 0.0);   // P[1][0] = 0
    expect(2, 1, 0.5);   // P[2][1] = 1/2
    expect(6, 3, 1.0 / 7);
  }
}

TEST(Render, ListNamesThePanelsAndTheWholeViewRendersAtItsSize) {
  Scratch dir;
  const Outcome list = Attnlab("render --list '" + kPresets + "/e9-dedupe-sort.json'");
  ASSERT_EQ(list.code, 0) << list.err;
  for (const char* name : {"E\n", "W_Q\n", "scores\n", "P\n", "Z\n", "W_O\n", "R\n", "logits\n", "probs\n", "loss\n"})
    EXPECT_NE(list.out.find(name), std::string::npos) << name;
  const Outcome view = Attnlab("render '" + kPresets + "/e9-dedupe-sort.json' --width 1000 --height 700 --theme dark --out " +
                                        (dir / "view.png"));
  ASSERT_EQ(view.code, 0) << view.err;
  const Image img(dir / "view.png");
  EXPECT_EQ(img.w, 1000);
  EXPECT_EQ(img.h, 700);
  EXPECT_GT(img.DistinctNeighbours(), 500);
}

// The lines of `render --list` for a preset.
std::vector<std::string> ListedPanels(const std::string& preset) {
  const Outcome list = Attnlab("render --list '" + preset + "'");
  EXPECT_EQ(list.code, 0) << list.err;
  std::vector<std::string> names;
  std::istringstream in(list.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) names.push_back(line);
  return names;
}

TEST(Render, EveryLabPlotIsAPanelThatRendersAtOneAndTwoTimes) {
  Scratch dir;
  const struct {
    const char* preset;
    std::vector<std::string> plots;
  } kLabs[] = {{"e7-temperature-sweep.json", {"weights_vs_T", "entropy_vs_T", "weights_at_T"}},
               {"e1-scaling.json", {"histogram_raw", "histogram_scaled", "variance_vs_d", "saturation"}},
               {"e6-selection.json", {"weights", "alpha_distribution", "output_drift"}},
               {"e8-filter-3x5.json", {"formula", "grid"}},
               {"e8-svhn-bug.json", {"formula", "chain"}}};
  for (const auto& lab : kLabs) {
    SCOPED_TRACE(lab.preset);
    const std::string preset = kPresets + "/" + lab.preset;
    const std::vector<std::string> listed = ListedPanels(preset);
    EXPECT_EQ(listed, lab.plots);
    for (const std::string& plot : listed) {
      SCOPED_TRACE(plot);
      const std::string base = "render '" + preset + "' --panel " + plot;
      const Outcome one = Attnlab(base + " --scale 1 --out " + (dir / "1x.png"));
      ASSERT_EQ(one.code, 0) << one.err;
      const Outcome two = Attnlab(base + " --scale 2 --out " + (dir / "2x.png"));
      ASSERT_EQ(two.code, 0) << two.err;
      const Image a(dir / "1x.png"), b(dir / "2x.png");
      ASSERT_NE(a.px, nullptr);
      ASSERT_NE(b.px, nullptr);
      EXPECT_EQ(b.w, 2 * a.w);
      EXPECT_EQ(b.h, 2 * a.h);
      EXPECT_GT(a.w, 200);
      EXPECT_GT(a.h, 150);
      EXPECT_LT(a.w, 1280) << "a picture of the plot alone, not of the view";
      EXPECT_GT(a.DistinctNeighbours(), 300) << "blank picture";
      EXPECT_GT(b.DistinctNeighbours(), 300) << "blank picture";
    }
    const Outcome bogus = Attnlab("render '" + preset + "' --panel bogus --out " + (dir / "x.png"));
    EXPECT_EQ(bogus.code, 2);
    EXPECT_NE(bogus.err.find("no panel \"bogus\""), std::string::npos) << bogus.err;
    for (const std::string& plot : lab.plots) EXPECT_NE(bogus.err.find(plot), std::string::npos) << bogus.err;
    EXPECT_FALSE(fs::exists(dir / "x.png"));
    // SVG stays for heatmaps: a plot says so.
    const Outcome svg = Attnlab("render '" + preset + "' --panel " + lab.plots[0] + " --out " + (dir / "x.svg"));
    EXPECT_EQ(svg.code, 2);
    EXPECT_NE(svg.err.find("not a matrix"), std::string::npos) << svg.err;
  }
}

TEST(Render, ATransparentPictureHasAnEmptyBackgroundAndOpaqueCells) {
  Scratch dir;
  const Outcome o = Attnlab("render '" + kPresets + "/e9-dedupe-sort.json' --panel P --transparent --out " +
                                     (dir / "t.png") + " --report " + (dir / "t.json"));
  ASSERT_EQ(o.code, 0) << o.err;
  int w = 0, h = 0, channels = 0;
  unsigned char* px = stbi_load((dir / "t.png").c_str(), &w, &h, &channels, 4);
  ASSERT_NE(px, nullptr);
  EXPECT_EQ(channels, 4);
  EXPECT_EQ(px[3], 0) << "the top-left corner is background";
  const json report = json::parse(Slurp(dir / "t.json"));
  const auto& g = report["items"]["panel.P"];
  const int x = static_cast<int>(g[0].get<double>() + 5), y = static_cast<int>(g[1].get<double>() + 5);
  EXPECT_EQ(px[(static_cast<size_t>(y) * w + x) * 4 + 3], 255) << "a cell is opaque";
  stbi_image_free(px);
}

TEST(Render, BadRequestsSayWhatIsWrongAndWriteNothing) {
  Scratch dir;
  const std::string e9 = "'" + kPresets + "/e9-dedupe-sort.json'";
  Outcome o = Attnlab("render " + e9 + " --panel Nope --out " + (dir / "x.png"));
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("no panel \"Nope\""), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("scores"), std::string::npos) << "lists the panels: " << o.err;
  EXPECT_FALSE(fs::exists(dir / "x.png"));
  o = Attnlab("render " + e9);
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("--out"), std::string::npos) << o.err;
  o = Attnlab("render " + e9 + " --view bogus --out " + (dir / "x.png"));
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("unknown view \"bogus\""), std::string::npos) << o.err;
  o = Attnlab("render " + e9 + " --scale 9 --out " + (dir / "x.png"));
  EXPECT_EQ(o.code, 2);
  o = Attnlab("render " + e9 + " --panel P --out " + dir.path() + "/missing-folder/x.png");
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("missing-folder"), std::string::npos) << o.err;
  EXPECT_TRUE(fs::is_empty(dir.path()) || !fs::exists(dir / "x.png"));
}

// A picture larger than the renderer's largest framebuffer (16384 pixels a
// side with llvmpipe) is drawn at the largest scale that fits, with a note,
// never a failure or a crash.
TEST(Render, APictureTooBigForTheRendererIsDrawnAtTheLargestScaleThatFits) {
  Scratch dir;
  const Outcome o = Attnlab("render '" + kPresets + "/e9-dedupe-sort.json' --width 5000 --height 120 --scale 4 --out " +
                            (dir / "wide.png"));
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.err.find("drawn at scale"), std::string::npos) << o.err;
  const Image img(dir / "wide.png");
  ASSERT_NE(img.px, nullptr);
  EXPECT_LE(img.w, 16384);
  EXPECT_GT(img.w, 5000 * 3);  // 5000 x 3.27: as large as fits, not 1x
  EXPECT_NEAR(img.h * 5000.0 / img.w, 120.0, 1.0);  // the same picture, scaled as a whole
}

}  // namespace

namespace {

// render --list-all walks the table of views; every panel it names renders
// with no display at 1x.
TEST(RenderViews, EveryPanelOfEveryViewRendersAtOneTimes) {
  Scratch dir;
  const std::string preset = kPresets + "/e9-dedupe-sort.json";
  const Outcome all = Attnlab("render --list-all '" + preset + "'");
  ASSERT_EQ(all.code, 0) << all.err;
  std::istringstream lines(all.out);
  std::set<std::string> views;
  int rendered = 0;
  for (std::string view, panel; lines >> view >> panel;) {
    SCOPED_TRACE(view + " " + panel);
    views.insert(view);
    const std::string out = dir / (view + "_" + std::to_string(rendered) + ".png");
    const Outcome r = Attnlab("render '" + preset + "' --view " + view + " --panel '" + panel + "' --out " + out);
    ASSERT_EQ(r.code, 0) << r.err;
    const Image img(out);
    ASSERT_NE(img.px, nullptr);
    EXPECT_GT(img.DistinctNeighbours(), 20) << "blank picture";
    ++rendered;
  }
  EXPECT_EQ(views, (std::set<std::string>{"attention", "temperature", "multihead", "scaling", "kernel", "selection", "gradients",
                                          "conv", "decoding", "logistic", "rnn"}));
  EXPECT_GT(rendered, 20);
}

}  // namespace

namespace attnlab {
namespace {

// Issue 12's pictures: every exported panel is a figure with no widgets and
// no wider than 4:1; the whole view shows what the window shows by default;
// the probabilities frame the loss's targets.
TEST(RenderFigures, TheLossPanelIsAFigureNotAStripOfWidgets) {
  Scratch dir;
  const std::string out = dir / "loss.png", report = dir / "loss.json";
  const Outcome r = Attnlab("render '" + kPresets + "/e9-dedupe-sort.json' --panel loss --out " + out + " --report " + report);
  ASSERT_EQ(r.code, 0) << r.err;
  const Image img(out);
  std::printf("loss panel picture: %dx%d\n", img.w, img.h);
  EXPECT_LE(img.w, 4 * img.h) << "no wider than 4:1";
  EXPECT_LT(img.w, 1000);
  const std::string items = Slurp(report);
  EXPECT_EQ(items.find("control."), std::string::npos) << "no radio buttons, sliders or text fields: " << items;
}

TEST(RenderFigures, TheWholeViewShowsWhatTheWindowShowsAt1280x720) {
  Scratch dir;
  const std::string out = dir / "view.png", report = dir / "view.json";
  const Outcome r = Attnlab("render '" + kPresets + "/e9-dedupe-sort.json' --width 1280 --height 720 --out " + out +
                            " --report " + report);
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(Slurp(report));
  // As in the window: the stages before P folded to their header line, so P
  // and Z are whole in the picture and the probabilities begin in it.
  for (const char* panel : {"panel.P", "panel.Z"}) {
    SCOPED_TRACE(panel);
    ASSERT_TRUE(j["items"].contains(panel)) << "not drawn";
    const auto& rect = j["items"][panel];
    EXPECT_LE(rect[3].get<double>(), 720.0) << "below the picture's bottom edge";
    EXPECT_LE(rect[2].get<double>(), 1280.0);
  }
  ASSERT_TRUE(j["items"].contains("panel.probs.group"));
  EXPECT_LT(j["items"]["panel.probs.group"][1].get<double>(), 720.0);
  EXPECT_FALSE(j["items"].contains("panel.W_Q")) << "W_Q is folded in the window, so in the picture";
}

TEST(RenderFigures, TheProbabilitiesFrameEachLossTarget) {
  Scratch dir;
  const Outcome r = Attnlab("render '" + kPresets + "/e9-dedupe-sort.json' --panel probs --out " + (dir / "probs.svg"));
  ASSERT_EQ(r.code, 0) << r.err;
  // Three targets (A, D, <STOP> at rows 4, 5, 6), each a dark and a light ring.
  EXPECT_EQ(Count(Slurp(dir / "probs.svg"), "class=\"target\""), 6u);
  const Outcome p = Attnlab("render '" + kPresets + "/e9-dedupe-sort.json' --panel P --out " + (dir / "P.svg"));
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(Count(Slurp(dir / "P.svg"), "class=\"target\""), 0u);
}

}  // namespace
}  // namespace attnlab
