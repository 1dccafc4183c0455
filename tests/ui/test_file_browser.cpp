// The Open… and Save… dialogs' file browser: the pure model (listing a
// folder, the recent files kept in the state folder) and the dialog driven
// headless with real clicks: places, folders, files, double-clicks, the typed
// path, the file name, the questions before replacing a file or a preset.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "attnlab/scenario_io.hpp"
#include "headless_ui.hpp"
#include "ui/file_browser.hpp"
#include "ui/theme.hpp"

namespace attnlab {
namespace {

namespace fs = std::filesystem;
using testing::HeadlessUi;

const std::string kPresets = ATTNLAB_PRESETS_DIR;

// A fresh folder under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/attnlab-files-XXXXXX";
    path_ = mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& Path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// $HOME pointed at a test folder (the Home place, Save's suggestions), then put back.
class ScopedHome {
 public:
  explicit ScopedHome(const std::string& home) {
    if (const char* old = std::getenv("HOME")) old_ = old, had_ = true;
    setenv("HOME", home.c_str(), 1);
  }
  ~ScopedHome() {
    if (had_) {
      setenv("HOME", old_.c_str(), 1);
    } else {
      unsetenv("HOME");
    }
  }
  ScopedHome(const ScopedHome&) = delete;
  ScopedHome& operator=(const ScopedHome&) = delete;

 private:
  std::string old_;
  bool had_ = false;
};

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TitleOf(const std::string& path) {
  Scenario s;
  EXPECT_TRUE(LoadScenarioFile(path, &s).ok()) << path;
  return s.title;
}

ui::AppState E9() {
  ui::AppState s;
  const Status st = s.LoadScenario(kPresets + "/e9-dedupe-sort.json");
  EXPECT_TRUE(st.ok()) << st.ToString();
  return s;
}

// Past ImGui's double-click time (0.3 s), so that the next click is a click.
void WaitPastDoubleClick(HeadlessUi& ui) {
  for (int i = 0; i < 25; ++i) ui.Frame();
}

void DoubleClick(HeadlessUi& ui, const std::string& name) {
  const ImVec2 p = ui.Center(name);
  ui.Click(p);
  ui.Click(p);  // within 0.3 s, on the same spot
}

// A click near the left end of an entry (a long name runs past the list's edge).
void ClickName(HeadlessUi& ui, ui::AppState& s, const std::string& name) {
  const ui::ItemRect r = s.ui.items[name];
  ui.Click(ImVec2(r.min.x + 10, r.Center().y));
}

std::vector<std::string> Names(const ui::DirListing& listing) {
  std::vector<std::string> out;
  for (const ui::DirEntry& e : listing.entries) out.push_back(e.name + (e.is_dir ? "/" : ""));
  return out;
}

// ---- the model -----------------------------------------------------------------

TEST(FileBrowserModel, ListsFoldersFirstThenJsonFilesCaseInsensitivelyAndSkipsHiddenOnes) {
  TempDir dir;
  for (const char* d : {"beta", "Alpha", ".git", "gamma.json"}) fs::create_directory(dir / d);
  for (const char* f : {"zeta.json", "Beta.JSON", "alpha.json", "notes.txt", ".hidden.json", "json", "a.json.bak"})
    WriteText(dir / f, "{}");
  fs::create_symlink(dir / "beta", dir / "link-to-beta");
  fs::create_symlink(dir / "nowhere.json", dir / "broken.json");

  const ui::DirListing listing = ui::ListDirectory(dir.Path());
  EXPECT_EQ(listing.error, "");
  EXPECT_EQ(Names(listing), (std::vector<std::string>{"Alpha/", "beta/", "gamma.json/", "link-to-beta/", "alpha.json",
                                                      "Beta.JSON", "zeta.json"}));
  ASSERT_FALSE(listing.entries.empty());
  EXPECT_EQ(listing.entries[0].path, dir / "Alpha");
}

TEST(FileBrowserModel, AFolderThatCannotBeListedGivesAMessageNotAnException) {
  TempDir dir;
  const ui::DirListing missing = ui::ListDirectory(dir / "missing");
  EXPECT_NE(missing.error.find(dir / "missing"), std::string::npos) << missing.error;
  EXPECT_NE(missing.error.find("does not exist"), std::string::npos) << missing.error;
  EXPECT_TRUE(missing.entries.empty());

  WriteText(dir / "a.json", "{}");
  const ui::DirListing file = ui::ListDirectory(dir / "a.json");
  EXPECT_NE(file.error.find("not a folder"), std::string::npos) << file.error;

  EXPECT_FALSE(ui::ListDirectory("").error.empty());

  if (geteuid() != 0) {  // root reads every folder
    fs::create_directory(dir / "locked");
    chmod((dir / "locked").c_str(), 0);
    const ui::DirListing locked = ui::ListDirectory(dir / "locked");
    EXPECT_NE(locked.error.find("cannot open"), std::string::npos) << locked.error;
    chmod((dir / "locked").c_str(), 0700);
  }
}

TEST(FileBrowserModel, ParentFolderOfAFolderAndOfTheRoot) {
  EXPECT_EQ(ui::ParentFolder("/a/b"), "/a");
  EXPECT_EQ(ui::ParentFolder("/a/b/"), "/a");
  EXPECT_EQ(ui::ParentFolder("/a/./b/../c"), "/a");
  EXPECT_EQ(ui::ParentFolder("/a"), "/");
  EXPECT_EQ(ui::ParentFolder("/"), "/");
  EXPECT_EQ(ui::AbsolutePath("x/../y.json"), fs::current_path().string() + "/y.json");
}

TEST(RecentFiles, NewestFirstWithoutDuplicatesAndAtMostEight) {
  std::vector<std::string> recent;
  for (int i = 0; i < 12; ++i) ui::AddRecentFile(&recent, "/f/" + std::to_string(i) + ".json");
  ASSERT_EQ(recent.size(), ui::kMaxRecentFiles);
  EXPECT_EQ(recent.front(), "/f/11.json");
  EXPECT_EQ(recent.back(), "/f/4.json");
  ui::AddRecentFile(&recent, "/f/7.json");  // again: moves to the front, once
  EXPECT_EQ(recent.front(), "/f/7.json");
  EXPECT_EQ(std::count(recent.begin(), recent.end(), "/f/7.json"), 1);
  EXPECT_EQ(recent.size(), ui::kMaxRecentFiles);
  ui::AddRecentFile(&recent, "/f/x/../11.json");  // the same file, spelled otherwise
  EXPECT_EQ(recent.front(), "/f/11.json");
  EXPECT_EQ(std::count(recent.begin(), recent.end(), "/f/11.json"), 1);
}

TEST(RecentFiles, RoundTripThroughTheStateFolder) {
  TempDir state;
  const std::string file = ui::RecentFilesPathBeside(state / "autosave.json");
  EXPECT_EQ(file, state / "recent-files.json");
  EXPECT_EQ(ui::RecentFilesPathBeside(""), "");  // no state folder: kept in memory only
  const std::vector<std::string> recent = {"/home/me/b.json", "/home/me/a \"quoted\" \u03b1.json"};
  ASSERT_TRUE(ui::WriteRecentFiles(file, recent).ok());
  EXPECT_EQ(ui::ReadRecentFiles(file), recent);
  EXPECT_EQ(ReadText(file).front(), '[');  // JSON, readable by people and scripts
  // No temporary file left beside it (written atomically).
  EXPECT_EQ(std::distance(fs::directory_iterator(state.Path()), fs::directory_iterator()), 1);
}

TEST(RecentFiles, AMissingOrDamagedFileGivesAnEmptyList) {
  TempDir state;
  const std::string file = state / "recent-files.json";
  EXPECT_TRUE(ui::ReadRecentFiles(file).empty());  // missing
  EXPECT_TRUE(ui::ReadRecentFiles("").empty());
  for (const char* junk : {"", "[\"/a.json\"", "{\"a\": 1}", "[1, 2]", "[\"/a.json\", null]", "[\"\"]", "\xff\xfe",
                           "\"/a.json\""}) {
    WriteText(file, junk);
    EXPECT_TRUE(ui::ReadRecentFiles(file).empty()) << junk;
  }
  WriteText(file, "[" + std::string(2 << 20, ' ') + "]");  // far too big to be ours
  EXPECT_TRUE(ui::ReadRecentFiles(file).empty());
  fs::remove(file);
  fs::create_directory(file);  // a folder where the file should be
  EXPECT_TRUE(ui::ReadRecentFiles(file).empty());
  EXPECT_FALSE(ui::WriteRecentFiles(file, {"/a.json"}).ok());
  // A damaged list is replaced by the next good one.
  fs::remove(file);
  WriteText(file, "[[[");
  ASSERT_TRUE(ui::WriteRecentFiles(file, {"/a.json"}).ok());
  EXPECT_EQ(ui::ReadRecentFiles(file), std::vector<std::string>{"/a.json"});
  // Duplicates and overlong lists written by someone else are tidied on reading.
  WriteText(file, R"(["/a.json", "/b.json", "/a.json", "/c.json", "/d.json", "/e.json", "/f.json", "/g.json", "/h.json", "/i.json"])");
  const std::vector<std::string> tidy = ui::ReadRecentFiles(file);
  EXPECT_EQ(tidy.size(), ui::kMaxRecentFiles);
  EXPECT_EQ(tidy.front(), "/a.json");
  EXPECT_EQ(tidy[1], "/b.json");
  EXPECT_EQ(std::count(tidy.begin(), tidy.end(), "/a.json"), 1);
}

TEST(FileBrowserModel, TheDialogFitsTheDisplayWhateverTheFont) {
  for (float font : {13.0f, 17.0f, 30.0f, 60.0f}) {
    for (ImVec2 display : {ImVec2(1024, 768), ImVec2(1024, 600), ImVec2(1920, 1080)}) {
      const ImVec2 size = ui::FileDialogSize(font, display);
      EXPECT_LE(size.x, display.x - 2 * font) << font;
      EXPECT_LE(size.y, display.y - 2 * font) << font;
      EXPECT_GE(size.x, std::min(display.x - 2 * font, font * 30)) << font;  // room for a path
    }
  }
}

// ---- the dialog ----------------------------------------------------------------

TEST(FileDialog, ClickingAFolderThenAFileThenOpenLoadsIt) {
  TempDir home, state;
  ScopedHome scoped(home.Path());
  fs::create_directory(home / "exercises");
  fs::copy_file(kPresets + "/e2-argmax-attention.json", home / "exercises/e2.json");
  ui::AppState s = E9();
  s.ui.files.recent_path = state / "recent-files.json";
  HeadlessUi ui(s);
  ui.Click("button.open");
  ui.Frame();
  ASSERT_TRUE(ui.Has("dialog.open.list"));
  EXPECT_EQ(s.ui.files.dir, ui::AbsolutePath(kPresets));  // where the scenario came from
  EXPECT_TRUE(ui.Has("dialog.open.entry.e9-dedupe-sort.json"));

  ui.Click("dialog.open.place.home");
  EXPECT_EQ(s.ui.files.dir, home.Path());
  ui.Click("dialog.open.entry.exercises");
  EXPECT_EQ(s.ui.files.dir, home / "exercises");
  WaitPastDoubleClick(ui);
  ui.Click("dialog.open.entry.e2.json");
  EXPECT_EQ(std::string(s.ui.path_buffer), home / "exercises/e2.json");
  EXPECT_EQ(s.scenario_path, kPresets + "/e9-dedupe-sort.json");  // a click chooses, Open opens
  WaitPastDoubleClick(ui);
  ui.Click("dialog.open.ok");
  EXPECT_EQ(s.scenario_path, home / "exercises/e2.json");
  EXPECT_EQ(s.scenario.title, TitleOf(kPresets + "/e2-argmax-attention.json"));
  EXPECT_FALSE(ui.Has("dialog.open.list"));  // closed
  EXPECT_EQ(ui::ReadRecentFiles(state / "recent-files.json"), std::vector<std::string>{home / "exercises/e2.json"});
}

TEST(FileDialog, DoubleClickingAFileOpensIt) {
  TempDir home;
  ScopedHome scoped(home.Path());
  fs::copy_file(kPresets + "/e2-argmax-attention.json", home / "e2.json");
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("button.open");
  ui.Click("dialog.open.place.home");
  WaitPastDoubleClick(ui);
  DoubleClick(ui, "dialog.open.entry.e2.json");
  EXPECT_EQ(s.scenario_path, home / "e2.json");
  EXPECT_FALSE(ui.Has("dialog.open.list"));
  EXPECT_EQ(s.ui.files.recent.front(), home / "e2.json");  // no state folder: remembered in memory
}

TEST(FileDialog, DoubleClickingAFolderEntersItAndOpensNothingThatLandsUnderThePointer) {
  TempDir home;
  ScopedHome scoped(home.Path());
  fs::create_directory(home / "a");
  fs::copy_file(kPresets + "/e2-argmax-attention.json", home / "a/first.json");  // first in a/, where a/ was
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("button.open");
  ui.Click("dialog.open.place.home");
  WaitPastDoubleClick(ui);
  const ImVec2 folder = ui.Center("dialog.open.entry.a");
  DoubleClick(ui, "dialog.open.entry.a");
  EXPECT_EQ(s.ui.files.dir, home / "a");
  EXPECT_NEAR(ui.Center("dialog.open.entry.first.json").y, folder.y, 1.0f);  // the second click was on it
  EXPECT_EQ(s.scenario_path, kPresets + "/e9-dedupe-sort.json");
  EXPECT_NE(std::string(s.ui.path_buffer), home / "a/first.json");
  EXPECT_TRUE(ui.Has("dialog.open.list"));
}

TEST(FileDialog, ATypedPathStillOpensWithEnterAndABadOneSaysWhyInTheDialog) {
  TempDir home;
  ScopedHome scoped(home.Path());
  WriteText(home / "broken.json", "{\"title\": ");
  ui::AppState s = E9();
  s.scenario_path.clear();  // an untitled scenario: the path field starts empty
  HeadlessUi ui(s);
  ui.Click("button.open");
  ASSERT_EQ(std::string(s.ui.path_buffer), "");
  ui.Type((home / "broken.json").c_str());  // the field has the keyboard when the dialog opens
  ui.Key(ImGuiKey_Enter);
  EXPECT_TRUE(ui.Has("dialog.open.list"));  // still open, saying why
  EXPECT_FALSE(s.ui.file_error.empty());
  EXPECT_EQ(s.scenario.title, TitleOf(kPresets + "/e9-dedupe-sort.json"));  // nothing lost
  EXPECT_TRUE(s.ui.files.recent.empty());

  const ui::ItemRect field = s.ui.items["dialog.open.path"];
  ui.Click(ImVec2(field.max.x - 3, field.Center().y));  // the caret at the end of the text
  for (size_t i = 0; i < (home / "broken.json").size(); ++i) ui.Key(ImGuiKey_Backspace);
  ASSERT_EQ(std::string(s.ui.path_buffer), "");
  ui.Type((kPresets + "/e2-argmax-attention.json").c_str());
  ui.Key(ImGuiKey_Enter);
  ui.Frame();
  EXPECT_EQ(s.scenario.title, TitleOf(kPresets + "/e2-argmax-attention.json"));
  EXPECT_EQ(s.ui.file_error, "");
  EXPECT_FALSE(ui.Has("dialog.open.list"));
}

TEST(FileDialog, ATypedFolderIsShownNotOpened) {
  TempDir home;
  ScopedHome scoped(home.Path());
  fs::create_directory(home / "sub");
  ui::AppState s = E9();
  s.scenario_path.clear();
  HeadlessUi ui(s);
  ui.Click("button.open");
  ui.Type((home / "sub").c_str());
  ui.Key(ImGuiKey_Enter);
  EXPECT_EQ(s.ui.files.dir, home / "sub");
  EXPECT_EQ(s.ui.file_error, "");
  EXPECT_TRUE(ui.Has("dialog.open.list"));
}

TEST(FileDialog, SavingIntoAFolderWritesTheFileThere) {
  TempDir home, state;
  ScopedHome scoped(home.Path());
  fs::create_directory(home / "mine");
  ui::AppState s = E9();  // a shipped preset: Save suggests the home folder
  s.ui.files.recent_path = state / "recent-files.json";
  s.Edit().attention.temperature = 2.5;
  s.EndGesture();
  HeadlessUi ui(s);
  ui.Click("button.save");
  ui.Frame();
  EXPECT_EQ(std::string(s.ui.path_buffer), home / "e9-dedupe-sort.json");
  EXPECT_EQ(s.ui.files.dir, home.Path());
  EXPECT_EQ(std::string(s.ui.files.name_buffer), "e9-dedupe-sort.json");
  ui.Click("dialog.save.entry.mine");
  EXPECT_EQ(std::string(s.ui.path_buffer), home / "mine/e9-dedupe-sort.json");  // the name stays, the folder changes
  ui.Click("dialog.save.ok");
  Scenario back;
  ASSERT_TRUE(LoadScenarioFile(home / "mine/e9-dedupe-sort.json", &back).ok());
  EXPECT_EQ(ScenarioToJson(back), ScenarioToJson(s.scenario));
  EXPECT_EQ(s.scenario_path, home / "mine/e9-dedupe-sort.json");
  EXPECT_FALSE(s.edited);
  EXPECT_FALSE(ui.Has("dialog.save.list"));
  EXPECT_EQ(ui::ReadRecentFiles(state / "recent-files.json"), std::vector<std::string>{home / "mine/e9-dedupe-sort.json"});
}

TEST(FileDialog, TheNameFieldNamesTheFileAndANameWithoutExtensionGetsJson) {
  TempDir home;
  ScopedHome scoped(home.Path());
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("button.save");
  ui.Click("dialog.save.name");
  for (int i = 0; i < 25; ++i) ui.Key(ImGuiKey_Backspace);
  ui.Type("lecture 3");
  EXPECT_EQ(std::string(s.ui.path_buffer), home / "lecture 3");  // the path follows the name
  ui.Key(ImGuiKey_Enter);
  EXPECT_TRUE(fs::exists(home / "lecture 3.json"));
  EXPECT_EQ(s.scenario_path, home / "lecture 3.json");
  EXPECT_FALSE(ui.Has("dialog.save.list"));
}

TEST(FileDialog, SavingOverAnExistingFileAsksFirst) {
  TempDir home;
  ScopedHome scoped(home.Path());
  WriteText(home / "old.json", "keep me");
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("button.save");
  ui.Click("dialog.save.entry.old.json");
  EXPECT_EQ(std::string(s.ui.files.name_buffer), "old.json");
  WaitPastDoubleClick(ui);
  ui.Click("dialog.save.ok");
  EXPECT_EQ(ReadText(home / "old.json"), "keep me");  // asked, not written
  EXPECT_NE(s.ui.files.question.find("old.json already exists"), std::string::npos) << s.ui.files.question;
  EXPECT_TRUE(ui.Has("dialog.save.list"));
  ui.Click("dialog.save.ok");  // "Replace"
  EXPECT_EQ(TitleOf(home / "old.json"), s.scenario.title);
  EXPECT_FALSE(ui.Has("dialog.save.list"));

  // Saving the scenario's own file again asks nothing.
  const std::string own = s.scenario_path;
  ui.Click("button.save");
  EXPECT_EQ(std::string(s.ui.path_buffer), own);
  ui.Click("dialog.save.ok");
  EXPECT_FALSE(ui.Has("dialog.save.list"));
  EXPECT_EQ(s.ui.files.question, "");
}

TEST(FileDialog, APathTooLongForTheFieldIsRefusedNotCut) {
  TempDir home;
  ScopedHome scoped(home.Path());
  const std::string a(200, 'a'), b(200, 'b'), c(200, 'c');
  fs::create_directories(home / (a + "/" + b + "/" + c));
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("button.save");
  ClickName(ui, s, "dialog.save.entry." + a);
  EXPECT_EQ(s.ui.files.dir, home / a);
  WaitPastDoubleClick(ui);
  EXPECT_TRUE(ui.Has("dialog.save.entry." + b));
  ClickName(ui, s, "dialog.save.entry." + b);
  EXPECT_EQ(s.ui.files.dir, home / (a + "/" + b));
  const std::string fits = home / (a + "/" + b + "/e9-dedupe-sort.json");
  ASSERT_EQ(std::string(s.ui.path_buffer), fits);
  WaitPastDoubleClick(ui);
  ClickName(ui, s, "dialog.save.entry." + c);  // the folder opens; the path would not fit
  EXPECT_EQ(s.ui.files.dir, home / (a + "/" + b + "/" + c));
  EXPECT_EQ(std::string(s.ui.path_buffer), fits);
  EXPECT_NE(s.ui.file_error.find("longer than the path field"), std::string::npos) << s.ui.file_error;
}

TEST(FileDialog, ChoosingAnotherPathWithdrawsTheQuestion) {
  TempDir home;
  ScopedHome scoped(home.Path());
  WriteText(home / "a.json", "keep a");
  WriteText(home / "b.json", "keep b");
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("button.save");
  ui.Click("dialog.save.entry.a.json");
  WaitPastDoubleClick(ui);
  ui.Click("dialog.save.ok");
  ASSERT_FALSE(s.ui.files.question.empty());
  ui.Click("dialog.save.entry.b.json");
  EXPECT_EQ(s.ui.files.question, "");
  WaitPastDoubleClick(ui);
  ui.Click("dialog.save.ok");  // asks about b.json, not yet written
  EXPECT_EQ(ReadText(home / "a.json"), "keep a");
  EXPECT_EQ(ReadText(home / "b.json"), "keep b");
}

TEST(FileDialog, SavingIntoThePresetsFolderAsksAndOffersTheHomeFolder) {
  TempDir home, assets;
  ScopedHome scoped(home.Path());
  fs::create_directory(assets / "presets");
  fs::copy_file(kPresets + "/e9-dedupe-sort.json", assets / "presets/e9-dedupe-sort.json");
  const std::string shipped = ReadText(assets / "presets/e9-dedupe-sort.json");
  ui::AppState s;
  ASSERT_TRUE(s.LoadScenario(assets / "presets/e9-dedupe-sort.json").ok());
  s.ui.files.presets_dir = assets / "presets";
  s.Edit().attention.temperature = 3;
  s.EndGesture();
  HeadlessUi ui(s);
  ui.Click("button.save");
  EXPECT_EQ(std::string(s.ui.path_buffer), home / "e9-dedupe-sort.json");  // as before: not over the preset
  ui.Click("dialog.save.place.presets");
  EXPECT_EQ(std::string(s.ui.path_buffer), assets / "presets/e9-dedupe-sort.json");
  ui.Click("dialog.save.ok");
  EXPECT_EQ(ReadText(assets / "presets/e9-dedupe-sort.json"), shipped);  // asked first
  EXPECT_TRUE(s.ui.files.question_about_presets);
  ASSERT_TRUE(ui.Has("dialog.save.home_instead"));
  ui.Click("dialog.save.home_instead");
  EXPECT_EQ(std::string(s.ui.path_buffer), home / "e9-dedupe-sort.json");
  EXPECT_EQ(s.ui.files.question, "");
  ui.Click("dialog.save.ok");
  EXPECT_TRUE(fs::exists(home / "e9-dedupe-sort.json"));
  EXPECT_EQ(ReadText(assets / "presets/e9-dedupe-sort.json"), shipped);

  // Asked and confirmed, it is written there.
  ui.Click("button.save");
  ui.Click("dialog.save.place.presets");
  ui.Click("dialog.save.ok");
  ASSERT_TRUE(s.ui.files.question_about_presets);
  ui.Click("dialog.save.ok");  // "Save there"
  EXPECT_NE(ReadText(assets / "presets/e9-dedupe-sort.json"), shipped);
}

TEST(FileDialog, RecentFilesAreOneClickAway) {
  TempDir home;
  ScopedHome scoped(home.Path());
  fs::copy_file(kPresets + "/e2-argmax-attention.json", home / "e2.json");
  ui::AppState s = E9();
  s.ui.files.recent = {home / "gone.json", home / "e2.json"};
  HeadlessUi ui(s);
  ui.Click("button.open");
  ui.Click("dialog.open.place.recent");
  ASSERT_TRUE(ui.Has("dialog.open.recent." + home / "e2.json"));
  ASSERT_TRUE(ui.Has("dialog.open.recent." + home / "gone.json"));
  ui.Click("dialog.open.recent." + home / "gone.json");  // missing: greyed, does nothing
  EXPECT_NE(std::string(s.ui.path_buffer), home / "gone.json");
  WaitPastDoubleClick(ui);
  ui.Click("dialog.open.recent." + home / "e2.json");
  EXPECT_EQ(std::string(s.ui.path_buffer), home / "e2.json");
  WaitPastDoubleClick(ui);
  ui.Click("dialog.open.ok");
  EXPECT_EQ(s.scenario_path, home / "e2.json");
  EXPECT_EQ(s.ui.files.recent, (std::vector<std::string>{home / "e2.json", home / "gone.json"}));
}

TEST(FileDialog, AFolderThatCannotBeListedShowsWhyInTheList) {
  TempDir home;
  ScopedHome scoped(home.Path());
  fs::create_directory(home / "sub");
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("button.open");
  ui.Click("dialog.open.place.home");
  ASSERT_TRUE(ui.Has("dialog.open.entry.sub"));
  fs::remove(home / "sub");  // gone since it was listed
  WaitPastDoubleClick(ui);
  ui.Click("dialog.open.entry.sub");
  EXPECT_EQ(s.ui.files.dir, home / "sub");
  EXPECT_NE(s.ui.files.listing.error.find("does not exist"), std::string::npos) << s.ui.files.listing.error;
  EXPECT_TRUE(ui.Has("dialog.open.list"));  // the dialog stays, the way back too
  ui.Click("dialog.open.up");
  EXPECT_EQ(s.ui.files.dir, home.Path());
  EXPECT_EQ(s.ui.files.listing.error, "");
}

// At 1024x768, in the window and in presentation mode (Ctrl+O and Ctrl+S
// open the dialogs there too: the top bar has no buttons for them).
TEST(FileDialog, FitsAt1024x768InTheWindowAndInPresentationMode) {
  TempDir home;
  ScopedHome scoped(home.Path());
  for (bool presentation : {false, true}) {
    for (char key : {'O', 'S'}) {
      SCOPED_TRACE(std::string(presentation ? "presentation" : "window") + ", Ctrl+" + key);
      ui::AppState s = E9();
      s.ui.presentation = presentation;
      HeadlessUi ui(s, ImVec2(1024, 768));
      ui.Chord(key);
      ui.Frame();
      const std::string dialog = key == 'O' ? "dialog.open" : "dialog.save";
      ASSERT_TRUE(ui.Has(dialog));
      const ui::ItemRect r = s.ui.items[dialog];
      EXPECT_GE(r.min.x, 0);
      EXPECT_GE(r.min.y, 0);
      EXPECT_LE(r.max.x, 1024);
      EXPECT_LE(r.max.y, 768);
      EXPECT_GT(r.max.x - r.min.x, 1024 * 0.5f);  // a browser, not a slit
      for (const auto& [name, item] : s.ui.items) {
        if (name.rfind(dialog + ".", 0) != 0 || name.find(".entry.") != std::string::npos) continue;
        EXPECT_GE(item.min.x, r.min.x) << name;
        EXPECT_GE(item.min.y, r.min.y) << name;
        EXPECT_LE(item.max.x, r.max.x) << name;
        EXPECT_LE(item.max.y, r.max.y) << name;
      }
      // The text is the mode's own size: the buttons are as tall as its font.
      const ui::ItemRect ok = s.ui.items[dialog + ".ok"];
      EXPECT_GE(ok.max.y - ok.min.y, presentation ? ui::kPresentationFontPx : ui::kBaseFontPx);
      // The list shows several files (the presets folder: 8 of them).
      const ui::ItemRect list = s.ui.items[dialog + ".list"];
      EXPECT_GE(list.max.y - list.min.y, (ok.max.y - ok.min.y) * 5) << "list too short";
    }
  }
}

}  // namespace
}  // namespace attnlab
