// Practice mode in the window (issue 17): the sheet replaces the view, so no
// panel, hover, picture or worked solution shows the answers; typing, Check,
// hints and Reveal are edits of the scenario (saved, restored, undone); a
// later stage is marked against the student's own earlier answers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "app_state.hpp"
#include "attnlab/scenario_io.hpp"
#include "headless_ui.hpp"
#include "attnlab/temperature.hpp"
#include "ui/practice.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;
using testing::LoadedPreset;

ui::PracticeCache& Cache(ui::AppState& s) { return s.ui.caches.Get<ui::PracticeCache>(); }

// E9 at T = 1: softmax, so that every weight is a number to work out.
ui::AppState E9Softmax() {
  ui::AppState s = LoadedPreset("e9-dedupe-sort.json");
  s.scenario.attention.temperature = 1.0;
  s.saved = s.scenario;
  s.MarkDirty();
  return s;
}

void Practise(HeadlessUi& ui, ui::AppState& s, const std::string& target) {
  ui.Frame();
  ui.Click("button.practice");
  ASSERT_TRUE(s.scenario.practice.on);
  s.Edit().practice.target[s.scenario.view] = target;
  ui.Frame();
  ui.Frame();
  ASSERT_TRUE(ui.Has("practice.cell.0.0"));
}

TEST(Practice, TheSheetReplacesTheViewAndNothingShowsTheAnswers) {
  ui::AppState s = E9Softmax();
  HeadlessUi ui(s);
  ui.Frame();
  ASSERT_FALSE(s.ui.panel_names.empty()) << "the view draws its panels";
  Practise(ui, s, "weights");
  EXPECT_TRUE(s.ui.panel_names.empty()) << "no panel of the view is drawn while practising";
  EXPECT_FALSE(ui.Has("P"));
  // Hovering anywhere explains nothing; Export, Ctrl+E and the solution do nothing.
  for (float x = 300; x < 1280; x += 97) ui.MoveTo(ImVec2(x, 400));
  EXPECT_TRUE(s.ui.hover_explanation.empty());
  ui.Click("button.export");
  EXPECT_FALSE(s.ui.export_dialog);
  ui.MoveTo(ui.Center("practice.cell.1.1"));
  ui.Chord('E');
  EXPECT_FALSE(s.ui.export_pending);
  EXPECT_FALSE(s.ui.export_dialog);
  ui.Click("button.solution");
  s.ui.solution_dialog = true;  // as --dialog solution would
  ui.Frame();
  ui.Frame();
  EXPECT_FALSE(ui.Has("dialog.solution.save"));
  EXPECT_TRUE(s.ui.solution_text.empty());
  // A picture drawn while practising is the sheet, never the view.
  EXPECT_TRUE(s.ui.panel_names.empty());
  // Stop practising: the view and its panels come back.
  ui.Click("button.practice");
  ui.Frame();
  EXPECT_FALSE(s.scenario.practice.on);
  EXPECT_FALSE(s.ui.panel_names.empty());
}

TEST(Practice, TypedAnswersAreCheckedSavedAndUndone) {
  ui::AppState s = E9Softmax();
  HeadlessUi ui(s);
  Practise(ui, s, "weights");
  // Row 0 of P attends to itself alone (the causal mask): its weight is 1.
  ui.Click("practice.cell.0.0");
  ui.Type("1");

  ui.Click("practice.cell.0.1");
  ui.Type("1/2");  // wrong: masked, so 0
  ui.Click("practice.check");
  ui.Frame();
  const PracticeSheet& sheet = s.scenario.practice.sheets.at("attention:weights");
  EXPECT_EQ(sheet.cells[0], "1");
  EXPECT_EQ(sheet.cells[1], "1/2");
  EXPECT_EQ(sheet.checked, sheet.cells);
  ui::PracticeCache& c = Cache(s);
  ASSERT_TRUE(c.has_marks);
  EXPECT_EQ(c.marks.right, 1);
  EXPECT_EQ(c.marks.wrong, 1);
  EXPECT_EQ(c.marks.blank, 47);
  EXPECT_TRUE(ui.Has("practice.summary"));
  EXPECT_TRUE(s.edited) << "the practice is part of the scenario: unsaved until saved";

  // Saved with the scenario and read back equal.
  char dir[] = "/tmp/attnlab-practice-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/e9.json";
  ASSERT_TRUE(s.SaveScenario(path).ok());
  Scenario back;
  ASSERT_TRUE(LoadScenarioFile(path, &back).ok());
  EXPECT_TRUE(back.practice == s.scenario.practice);
  // And with the session: the autosave brings it back.
  s.autosave_path = std::string(dir) + "/autosave.json";
  s.Autosave(0, true);
  ui::AppState restored;
  ASSERT_TRUE(restored.LoadScenario(s.autosave_path).ok());
  EXPECT_TRUE(restored.scenario.practice == s.scenario.practice);
  EXPECT_TRUE(restored.scenario.practice.on);
  std::remove(s.autosave_path.c_str());
  s.autosave_path.clear();
  std::remove(path.c_str());
  rmdir(dir);

  // Undo takes back the Check, then the typing, one step each.
  ui.Chord('Z');
  EXPECT_TRUE(s.scenario.practice.sheets.at("attention:weights").checked.empty());
  EXPECT_EQ(s.scenario.practice.sheets.at("attention:weights").cells[1], "1/2");
  ui.Chord('Z');
  EXPECT_EQ(s.scenario.practice.sheets.at("attention:weights").cells[1], "");
  ui.Chord('Z', true);
  EXPECT_EQ(s.scenario.practice.sheets.at("attention:weights").cells[1], "1/2");
}

TEST(Practice, HintsComeOneLevelAtATime) {
  ui::AppState s = E9Softmax();
  HeadlessUi ui(s);
  Practise(ui, s, "weights");
  ui.Click("practice.cell.2.1");
  ASSERT_TRUE(ui.Has("practice.hint"));
  EXPECT_FALSE(ui.Has("practice.hint_text.1"));
  for (int level = 1; level <= 3; ++level) {
    ui.Click("practice.hint");
    ui.Frame();
    EXPECT_EQ(s.scenario.practice.sheets.at("attention:weights").hints[2 * 7 + 1], level);
    EXPECT_TRUE(ui.Has("practice.hint_text." + std::to_string(level)));
    EXPECT_FALSE(ui.Has("practice.hint_text." + std::to_string(level + 1)));
  }
  ui.Click("practice.hint");  // no fourth level
  EXPECT_EQ(s.scenario.practice.sheets.at("attention:weights").hints[2 * 7 + 1], 3);
  ui.Chord('Z');
  EXPECT_EQ(s.scenario.practice.sheets.at("attention:weights").hints[2 * 7 + 1], 2) << "a hint is undone like an edit";
}

// The student's scores are wrong (all 0); their P follows from them: each
// such cell is "right given your scores", and once it is revealed the next
// stage starts from the true values.
TEST(Practice, ALaterStageIsMarkedAgainstTheStudentsOwnEarlierStage) {
  ui::AppState s = E9Softmax();
  HeadlessUi ui(s);
  Practise(ui, s, "weights");
  const Matrix truth = s.derived.heads[0].weights;
  const int n = static_cast<int>(truth.rows());
  PracticeSheet scores;
  scores.rows = scores.cols = n;
  scores.hints.assign(static_cast<size_t>(n * n), 0);
  PracticeSheet weights = scores;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      scores.cells.push_back(j <= i ? "0" : "-inf");  // the mask kept, every score 0
      weights.cells.push_back(j <= i ? "1/" + std::to_string(i + 1) : "0");  // softmax of their row: uniform
    }
  }
  weights.checked = weights.cells;
  Scenario& e = s.Edit();
  e.practice.sheets["attention:scores"] = scores;
  e.practice.sheets["attention:weights"] = weights;
  ui.Frame();
  ui.Frame();
  ui::PracticeCache& c = Cache(s);
  ASSERT_TRUE(c.has_marks);
  EXPECT_EQ(c.marks.given, "scores");
  EXPECT_GT(c.marks.wrong, 0);
  EXPECT_EQ(c.marks.right_given_yours, c.marks.wrong) << "every wrong cell follows from the student's scores";
  bool yours = false;
  for (const PracticeGiven& g : c.givens) yours = yours || g.name == "your scores";
  EXPECT_TRUE(yours) << "the sheet shows the student's scores, not the true ones";
  // Right given theirs: Reveal is offered, and shows the exact values.
  ui.Click("practice.reveal");
  ui.Frame();
  EXPECT_TRUE(s.scenario.practice.sheets.at("attention:weights").revealed);
  // The next stage (Z = P V) now starts from the true P.
  s.Edit().practice.target["attention"] = "output";
  ui.Frame();
  ui.Frame();
  bool true_p = false;
  for (const PracticeGiven& g : Cache(s).givens) true_p = true_p || (g.name == "weights" && g.values == truth);
  EXPECT_TRUE(true_p);
}

TEST(Practice, EveryViewOffersSomethingToWorkOut) {
  for (const char* file : {"e7-temperature-sweep.json", "e3-gqa.json", "e1-scaling.json", "e5-quadratic-kernel.json",
                           "e6-selection.json", "e9-gradients-softmax.json", "e8-svhn.json", "e4-decoding-gqa.json",
                           "e10-logistic-separable.json", "e10-rnn-sgd.json"}) {
    ui::AppState s = LoadedPreset(file);
    HeadlessUi ui(s);
    ui.Frame();
    ui.Click("button.practice");
    ui.Frame();
    EXPECT_TRUE(ui.Has("practice.cell.0.0")) << file << ": " << Cache(s).status.ToString();
    EXPECT_TRUE(ui.Has("practice.target")) << file;
    EXPECT_TRUE(s.ui.panel_names.empty()) << file;
  }
}

TEST(Practice, TheNextExerciseOpensOnItsSheet) {
  ui::AppState s = E9Softmax();
  HeadlessUi ui(s);
  Practise(ui, s, "weights");
  ASSERT_TRUE(s.LoadScenario(std::string(ATTNLAB_PRESETS_DIR) + "/e7-temperature-sweep.json").ok());
  ui.Frame();
  ui.Frame();
  EXPECT_TRUE(s.scenario.practice.on);
  EXPECT_FALSE(s.edited) << "opening an exercise in practice mode is not an edit of it";
  EXPECT_TRUE(ui.Has("practice.cell.0.0"));
  EXPECT_TRUE(s.ui.panel_names.empty());
  // Not practising: it opens on its view.
  ui.Click("button.practice");
  ASSERT_TRUE(s.LoadScenario(std::string(ATTNLAB_PRESETS_DIR) + "/e9-dedupe-sort.json").ok());
  EXPECT_FALSE(s.scenario.practice.on);
}

// ImGui 1.86 tables hold at most 64 columns: a 100-key row is not offered (it aborted the window).
TEST(Practice, ARowTooWideForASheetIsNotOffered) {
  ui::AppState s = LoadedPreset("e7-temperature-sweep.json");
  s.scenario.views.Get<TemperatureLabSettings>().scores = std::vector<double>(100, 1.0);
  s.scenario.practice.on = true;
  s.scenario.practice.target["temperature"] = "cursor_weights";
  s.MarkDirty();
  HeadlessUi ui(s);
  ui.Frame();
  ui.Frame();
  ASSERT_TRUE(ui.Has("practice.cell.0.0")) << "another quantity of the view is offered instead";
  EXPECT_FALSE(ui.Has("practice.cell.0.63"));
  EXPECT_NE(Cache(s).items[static_cast<size_t>(Cache(s).current)].target, "cursor_weights");
}

TEST(Practice, AScenarioWithNothingToAskSaysWhy) {
  ui::AppState s = LoadedPreset("e9-two-heads.json");
  s.scenario.view = "attention";
  s.scenario.practice.on = true;
  s.MarkDirty();
  HeadlessUi ui(s);
  ui.Frame();
  ui.Frame();
  EXPECT_FALSE(ui.Has("practice.cell.0.0"));
  EXPECT_NE(Cache(s).status.message().find("Multi-head view"), std::string::npos) << Cache(s).status.ToString();
}

TEST(Practice, PresentationShowsTheSheetWithItsOwnStopButton) {
  ui::AppState s = E9Softmax();
  s.ui.presentation = true;
  s.scenario.practice.on = true;
  HeadlessUi ui(s);
  ui.Frame();
  ui.Frame();
  EXPECT_TRUE(ui.Has("practice.cell.0.0"));
  ASSERT_TRUE(ui.Has("practice.stop"));
  ui.Click("practice.stop");
  EXPECT_FALSE(s.scenario.practice.on);
}

}  // namespace
}  // namespace attnlab
