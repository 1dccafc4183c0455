// The picture's name decides its format, in the window's Export dialog as on
// the command line: .png, .jpg/.jpeg, .svg; anything else stays in the dialog
// with a message, and nothing is exported.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "app_state.hpp"
#include "headless_ui.hpp"
#include "attnlab/solution.hpp"
#include "ui/export.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;
using ui::PictureFormat;

ui::ExportRequest Named(const std::string& out, bool transparent = false) {
  ui::ExportRequest req;
  req.out = out;
  req.transparent = transparent;
  return req;
}

TEST(PictureFormat, TheExtensionDecidesInAnyCase) {
  const struct {
    const char* name;
    PictureFormat format;
  } good[] = {{"a.png", PictureFormat::kPng},   {"/x/b.PNG", PictureFormat::kPng},  {"c.jpg", PictureFormat::kJpeg},
              {"d.jpeg", PictureFormat::kJpeg}, {"e.JPG", PictureFormat::kJpeg},    {"f.svg", PictureFormat::kSvg},
              {"dir.v2/g.Svg", PictureFormat::kSvg}};
  for (const auto& g : good) {
    PictureFormat f = PictureFormat::kSvg == g.format ? PictureFormat::kPng : PictureFormat::kSvg;
    const Status st = ui::PictureFormatFor(Named(g.name), &f);
    EXPECT_TRUE(st.ok()) << g.name << ": " << st.ToString();
    EXPECT_EQ(f, g.format) << g.name;
  }
  for (const char* bad : {"a.bmp", "a", "", "a.png.bak", "dir.png/a", "a.tiff"}) {
    PictureFormat f;
    const Status st = ui::PictureFormatFor(Named(bad), &f);
    EXPECT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.field(), "--out");
    EXPECT_NE(st.message().find(".png, .jpg (or .jpeg) and .svg"), std::string::npos) << st.message();
  }
  PictureFormat f;
  Status st = ui::PictureFormatFor(Named("t.jpg", /*transparent=*/true), &f);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("JPEG has no transparency"), std::string::npos) << st.message();
  st = ui::PictureFormatFor(Named("t.png", /*transparent=*/true), &f);
  EXPECT_TRUE(st.ok()) << st.ToString();
  st = ui::PictureFormatFor(Named("t.svg", /*transparent=*/true), &f);
  EXPECT_TRUE(st.ok()) << st.ToString();
}

// Types `path` into the open Export dialog and presses its Export button.
void ExportAs(HeadlessUi& ui, ui::AppState& s, const std::string& path) {
  std::snprintf(s.ui.path_buffer, sizeof s.ui.path_buffer, "%s", path.c_str());
  ui.Click("dialog.export.ok");
}

TEST(ExportDialog, TheNameDecidesTheFormatAndABmpStaysInTheDialogWithAMessage) {
  ui::AppState s;
  ASSERT_TRUE(s.LoadScenario(std::string(ATTNLAB_PRESETS_DIR) + "/e9-dedupe-sort.json").ok());
  HeadlessUi ui(s);
  s.ui.export_request.panel = "P";
  s.ui.export_dialog = true;
  ui.Frame();
  ui.Frame();
  ASSERT_TRUE(ui.Has("dialog.export.ok"));

  ExportAs(ui, s, "/tmp/P.bmp");
  EXPECT_FALSE(s.ui.export_pending) << "nothing is exported";
  EXPECT_NE(s.ui.file_error.find(".png, .jpg (or .jpeg) and .svg"), std::string::npos) << s.ui.file_error;
  EXPECT_TRUE(ui.Has("dialog.export.ok")) << "the dialog stays open to fix the name";

  ExportAs(ui, s, "/tmp/P.jpg");
  EXPECT_TRUE(s.ui.export_pending);
  EXPECT_EQ(s.ui.export_request.out, "/tmp/P.jpg");
  EXPECT_FALSE(s.ui.export_request.svg);

  s.ui.export_pending = false;
  s.ui.export_dialog = true;
  ui.Frame();
  ui.Frame();
  ExportAs(ui, s, "/tmp/P.svg");  // typed, without ticking "SVG (vector)"
  EXPECT_TRUE(s.ui.export_pending);
  EXPECT_TRUE(s.ui.export_request.svg) << "an .svg name gives SVG, never PNG data under that name";
}


// "Solution…" in the top bar (issue 17): the worked solution saved whole, in
// the format chosen, or a message for a view without one.
TEST(SolutionDialog, SavesTheWorkedSolutionInTheChosenFormat) {
  ui::AppState s;
  ASSERT_TRUE(s.LoadScenario(std::string(ATTNLAB_PRESETS_DIR) + "/e9-dedupe-sort.json").ok());
  HeadlessUi ui(s);
  ui.Frame();
  ASSERT_TRUE(ui.Has("button.solution"));
  ui.Click("button.solution");
  ui.Frame();
  ui.Frame();
  ASSERT_TRUE(ui.Has("dialog.solution.save"));
  EXPECT_NE(std::string(s.ui.path_buffer).find("dedupe-sort_solution.md"), std::string::npos) << s.ui.path_buffer;
  char dir[] = "/tmp/attnlab-solution-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/e9.md";
  std::snprintf(s.ui.path_buffer, sizeof s.ui.path_buffer, "%s", path.c_str());
  ui.Click("dialog.solution.save");
  ui.Frame();
  std::ifstream in(path);
  std::stringstream got;
  got << in.rdbuf();
  std::string expected;
  ASSERT_TRUE(WriteSolution(s.scenario, SolutionFormat::kMarkdown, &expected).ok());
  EXPECT_EQ(got.str(), expected);
  EXPECT_NE(got.str().find("= 4.2114"), std::string::npos);
  EXPECT_NE(s.ui.message.find("Saved the solution to " + path), std::string::npos) << s.ui.message;
  EXPECT_FALSE(ui.Has("dialog.solution.save")) << "the dialog closes once saved";
  std::remove(path.c_str());
  rmdir(dir);
}

// Every view has a solution; a scenario WriteSolution cannot work out (the
// Gradients view without a loss) shows why and offers no save.
TEST(SolutionDialog, AScenarioWithoutASolutionSaysWhyAndOffersNoSave) {
  ui::AppState s;
  ASSERT_TRUE(s.LoadScenario(std::string(ATTNLAB_PRESETS_DIR) + "/e9-gradients-softmax.json").ok());
  HeadlessUi ui(s);
  Scenario& edit = s.Edit();
  edit.loss.enabled = false;
  edit.loss.positions.clear();
  edit.loss.targets.clear();
  s.ui.solution_dialog = true;
  ui.Frame();
  ui.Frame();
  EXPECT_FALSE(ui.Has("dialog.solution.save"));
  EXPECT_NE(s.ui.solution_error.find("loss: gradients need a loss"), std::string::npos) << s.ui.solution_error;
}

}  // namespace
}  // namespace attnlab
