// The workbench, driven headless with real clicks and keys: edit a cell, mask,
// undo, paste, break a shape, step through the pipeline.
#include <gtest/gtest.h>

#include <cmath>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "app_state.hpp"
#include "attnlab/scenario_io.hpp"
#include "headless_ui.hpp"
#include "matrix_near.hpp"
#include "ui/panels.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;
using testing::M;

const std::string kPresets = ATTNLAB_PRESETS_DIR;

ui::AppState E9() {
  ui::AppState s;
  const Status st = s.LoadScenario(kPresets + "/e9-dedupe-sort.json");
  EXPECT_TRUE(st.ok()) << st.ToString();
  s.presets = {{kPresets + "/e2-argmax-attention.json", "e2-argmax-attention.json", "E2. Argmax attention", "E2", "attention", ""},
               {kPresets + "/e9-dedupe-sort.json", "e9-dedupe-sort.json", "E9", "E9", "attention", ""}};
  return s;
}

// The loss of `s`'s scenario computed directly by core, for comparison.
double LossOf(const Scenario& scenario) {
  Result r;
  EXPECT_TRUE(Evaluate(scenario, &r).ok());
  return r.loss;
}

TEST(Workbench, TypingIntoACellOfW_QChangesTheLoss) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("panel.W_Q.fold");  // folded by default
  ASSERT_TRUE(ui.Has("panel.W_Q"));
  ui.Click(ui.Cell("panel.W_Q", 0, 0, 2));
  ASSERT_TRUE(s.ui.editors["W_Q"].Editing());
  ui.Type("5");
  ui.Key(ImGuiKey_Enter);
  ui.Frame();
  EXPECT_EQ(s.scenario.heads[0].W_Q(0, 0), 5.0);
  EXPECT_FALSE(s.ui.editors["W_Q"].Editing());
  Scenario expected = s.scenario;  // the same edit, made directly
  EXPECT_NEAR(s.derived.loss, LossOf(expected), 1e-12);
  EXPECT_GT(std::abs(s.derived.loss - 4.211428972286141), 1e-3);
}

TEST(Workbench, FractionsAreAcceptedAndTabMovesToTheNextCell) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("panel.W_Q.fold");
  ui.Click(ui.Cell("panel.W_Q", 1, 0, 2));
  ui.Type("1/3");
  ui.Key(ImGuiKey_Tab);
  EXPECT_DOUBLE_EQ(s.scenario.heads[0].W_Q(1, 0), 1.0 / 3);
  EXPECT_EQ(s.ui.editors["W_Q"].edit_row, 1);
  EXPECT_EQ(s.ui.editors["W_Q"].edit_col, 1);
  ui.Type("abc");
  ui.Key(ImGuiKey_Enter);
  EXPECT_FALSE(s.ui.editors["W_Q"].error.empty());  // not a number: said, and nothing changed
  EXPECT_EQ(s.scenario.heads[0].W_Q(1, 1), 2.0);
}

TEST(Workbench, UndoRestoresThePreviousValueAndRedoReappliesIt) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("panel.W_Q.fold");
  ui.Click(ui.Cell("panel.W_Q", 0, 0, 2));
  ui.Type("5");
  ui.Key(ImGuiKey_Enter);
  ui.Frame();
  ASSERT_EQ(s.scenario.heads[0].W_Q(0, 0), 5.0);
  ui.Chord('Z');
  EXPECT_EQ(s.scenario.heads[0].W_Q(0, 0), 0.0);
  EXPECT_NEAR(s.derived.loss, 4.2114, 5e-5);
  ui.Chord('Z', /*shift=*/true);
  EXPECT_EQ(s.scenario.heads[0].W_Q(0, 0), 5.0);
  ui.Click("button.undo");
  EXPECT_EQ(s.scenario.heads[0].W_Q(0, 0), 0.0);
}

TEST(Workbench, ChoosingNoMaskInsteadOfCausalChangesP) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  EXPECT_EQ(s.derived.Weights()(0, 0), 1.0);  // causal: D sees only itself
  ui.Click("control.mask");
  ASSERT_TRUE(ui.Has("control.mask.none"));
  ui.Click("control.mask.none");
  EXPECT_EQ(s.scenario.attention.mask.kind, MaskKind::kNone);
  // Unmasked, row 0 ("D", q = [3, 0]) scores 9 against both D's (keys 0 and 5)
  // and 0 elsewhere, so argmax splits it: 1/2 and 1/2.
  EXPECT_DOUBLE_EQ(s.derived.Weights()(0, 0), 0.5);
  EXPECT_DOUBLE_EQ(s.derived.Weights()(0, 5), 0.5);
  ui.Chord('Z');
  EXPECT_EQ(s.scenario.attention.mask.kind, MaskKind::kCausal);
}

TEST(Workbench, ClickingAWeightMasksItWithACustomMask) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("panel.P"));
  // Row 2 ("A") ties keys 1 and 2 at 1/2 each; masking key 2 leaves key 1 alone.
  ui.Click(ui.Cell("panel.P", 2, 2, 7));
  EXPECT_EQ(s.scenario.attention.mask.kind, MaskKind::kCustom);
  EXPECT_FALSE(s.scenario.attention.mask.custom(2, 2));
  EXPECT_EQ(s.derived.Weights()(2, 1), 1.0);
  EXPECT_EQ(s.derived.Weights()(2, 2), 0.0);
}

// An edit of the loss alone keeps the attention: same buffers, same numbers,
// and the loss a full Evaluate of the edited scenario gives.
TEST(Workbench, ALossOnlyEditDoesNotRecomputeTheAttention) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  const double* weights = s.derived.heads[0].weights.data();
  const double* scores = s.derived.heads[0].scores.data();
  ui.Click("control.loss.next_token");  // the convention, through the window
  ASSERT_EQ(s.scenario.loss.convention, LossConvention::kNextToken);
  EXPECT_NEAR(s.derived.loss, LossOf(s.scenario), 1e-15);
  EXPECT_NEAR(s.derived.loss, 8.7973, 5e-5);
  EXPECT_EQ(s.derived.heads[0].weights.data(), weights);
  EXPECT_EQ(s.derived.heads[0].scores.data(), scores);
  s.Edit().loss.targets = {0, 0, 0};  // targets and positions, as the targets field edits them
  s.Edit().loss.positions = {1, 2, 3};
  EXPECT_TRUE(s.Recompute());
  EXPECT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_NEAR(s.derived.loss, LossOf(s.scenario), 1e-15);
  EXPECT_EQ(s.derived.heads[0].weights.data(), weights);
  // A bad position is reported and the last good loss stays.
  const double good = s.derived.loss;
  s.Edit().loss.positions = {1, 2, 99};
  s.Recompute();
  EXPECT_EQ(s.status.field(), "loss.positions[2]");
  EXPECT_EQ(s.derived.loss, good);
  // An edit of the attention does recompute it.
  s.Edit().attention.mask.kind = MaskKind::kNone;
  s.Edit().loss.positions = {1, 2, 3};
  s.Recompute();
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_NE(s.derived.heads[0].weights.data(), weights);
  EXPECT_DOUBLE_EQ(s.derived.Weights()(0, 5), 0.5);
  EXPECT_NEAR(s.derived.loss, LossOf(s.scenario), 1e-15);
}

// Pastes `text` into W_O through its menu.
void PasteIntoWO(HeadlessUi& ui, const char* text) {
  ImGui::SetClipboardText(text);
  ui.Click("panel.W_O.menu");
  ASSERT_TRUE(ui.Has("menu.paste"));
  ui.Click("menu.paste");
}

TEST(Workbench, PasteParsesCsvWhitespaceNumpyAndLatex) {
  ui::AppState s = E9();
  HeadlessUi ui(s, ImVec2(1600, 2400));  // W_O sits low in the pipeline: a tall screen shows it
  const Matrix want = M({{1, 0.5, 0, 1}, {1.0 / 3, 0, 1, 0}});
  PasteIntoWO(ui, "1,0.5,0,1\n1/3,0,1,0\n");
  EXPECT_MATRIX_NEAR(s.scenario.W_O, want, 1e-15);
  PasteIntoWO(ui, "2 0 0 0\n0 2 0 0");
  EXPECT_MATRIX_NEAR(s.scenario.W_O, M({{2, 0, 0, 0}, {0, 2, 0, 0}}), 0.0);
  PasteIntoWO(ui, "array([[1., 0.5, 0., 1.],\n       [0.25, 0., 1., 0.]])");
  EXPECT_MATRIX_NEAR(s.scenario.W_O, M({{1, 0.5, 0, 1}, {0.25, 0, 1, 0}}), 0.0);
  PasteIntoWO(ui, "\\begin{bmatrix} 0 & 1 & 0 & 1 \\\\ 1 & 0 & \\frac{1}{2} & 0 \\end{bmatrix}");
  EXPECT_MATRIX_NEAR(s.scenario.W_O, M({{0, 1, 0, 1}, {1, 0, 0.5, 0}}), 0.0);
  // Garbage changes nothing and says why.
  PasteIntoWO(ui, "1, 2\n3");
  EXPECT_MATRIX_NEAR(s.scenario.W_O, M({{0, 1, 0, 1}, {1, 0, 0.5, 0}}), 0.0);
  EXPECT_NE(s.ui.message.find("Paste into W_O"), std::string::npos) << s.ui.message;
}

TEST(Workbench, AShapeBreakingEditShowsAMessageOnThePanelAndUndoMendsIt) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("panel.W_Q.menu");
  ASSERT_TRUE(ui.Has("menu.add_row"));
  ui.Click("menu.add_row");
  ui.Frame();
  EXPECT_EQ(s.scenario.heads[0].W_Q.rows(), 5);
  EXPECT_FALSE(s.status.ok());
  EXPECT_EQ(s.status.field(), "W_Q");
  EXPECT_TRUE(ui.Has("panel.W_Q.error"));
  EXPECT_TRUE(s.has_result);  // the last good result is still drawn
  for (int i = 0; i < 3; ++i) ui.Frame();
  ui.Chord('Z');
  EXPECT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_FALSE(ui.Has("panel.W_Q.error"));
}

TEST(Workbench, StepModeRevealsOneStageAtATime) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("control.step_mode");
  EXPECT_FALSE(ui.Has("panel.P"));
  EXPECT_FALSE(ui.Has("text.loss"));
  int steps = 0;
  while (!ui.Has("panel.P") && steps < 10) {
    ui.Click("control.step_next");
    ++steps;
  }
  EXPECT_EQ(steps, static_cast<int>(ui::Stage::kWeights));
  while (!ui.Has("text.loss") && steps < 10) {
    ui.Click("control.step_next");
    ++steps;
  }
  EXPECT_EQ(steps, static_cast<int>(ui::Stage::kLoss));
}

TEST(Workbench, OpeningAPresetKeepsUnsavedEditsOneUndoAway) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("control.argmax");  // an edit: T = 1
  ASSERT_TRUE(s.edited);
  ui.Click("preset.e2-argmax-attention.json");
  EXPECT_EQ(s.scenario.title, "E2. Argmax attention");
  EXPECT_NE(s.ui.message.find("Ctrl+Z"), std::string::npos) << s.ui.message;
  ui.Chord('Z');
  EXPECT_EQ(s.scenario.title.rfind("E9.", 0), 0u) << s.scenario.title;
  EXPECT_EQ(s.scenario.attention.temperature, 1.0);
}

TEST(Workbench, SavingWritesAScenarioThatLoadsBackTheSame) {
  ui::AppState s = E9();
  s.Edit().heads[0].W_V(0, 0) = 0.25;
  s.EndGesture();
  char dir[] = "/tmp/attnlab-save-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/session.json";
  ASSERT_TRUE(s.SaveScenario(path).ok());
  EXPECT_FALSE(s.edited);
  Scenario back;
  ASSERT_TRUE(LoadScenarioFile(path, &back).ok());
  EXPECT_EQ(back.heads[0].W_V(0, 0), 0.25);
  EXPECT_NEAR(LossOf(back), LossOf(s.scenario), 0.0);
  // A save into a folder that does not exist fails and leaves nothing behind.
  EXPECT_FALSE(s.SaveScenario(std::string(dir) + "/missing/session.json").ok());
  std::remove(path.c_str());
  rmdir(dir);
}

TEST(Fills, IdentityOneHotAndSeededRandom) {
  Matrix m(3, 2);
  ui::FillIdentity(&m);
  EXPECT_MATRIX_NEAR(m, M({{1, 0}, {0, 1}, {0, 0}}), 0.0);
  ui::FillOneHotRows(&m);
  EXPECT_MATRIX_NEAR(m, M({{1, 0}, {0, 1}, {1, 0}}), 0.0);
  Matrix a(4, 4), b(4, 4);
  ui::FillRandom(&a, 7);
  ui::FillRandom(&b, 7);
  EXPECT_MATRIX_NEAR(a, b, 0.0);
  ui::FillRandom(&b, 8);
  EXPECT_GT((a - b).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_MATRIX_NEAR(a, (a * 100).array().round().matrix() / 100, 1e-12);  // two decimals
}

}  // namespace
}  // namespace attnlab

namespace attnlab {
namespace {

TEST(Autosave, WritesAtMostOnceASecondAndOnlyWhenSomethingChanged) {
  char dir[] = "/tmp/attnlab-autosave-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  ui::AppState s = E9();
  s.autosave_path = std::string(dir) + "/autosave.json";
  s.autosave_pending = false;
  s.Autosave(10.0);
  EXPECT_NE(access(s.autosave_path.c_str(), F_OK), 0);  // nothing changed: nothing written
  s.Edit().attention.temperature = 2.5;
  s.EndGesture();
  s.Autosave(10.0);
  EXPECT_NE(access(s.autosave_path.c_str(), F_OK), 0);  // due a second later
  s.Autosave(11.5);
  Scenario back;
  ASSERT_TRUE(LoadScenarioFile(s.autosave_path, &back).ok());
  EXPECT_EQ(back.attention.temperature, 2.5);
  std::remove(s.autosave_path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace attnlab

namespace attnlab {
namespace {

// A W_Q with too few rows leaves the last good result on screen: hovering its
// cells must not explain them with the new, mismatched W_Q (it once read out
// of bounds).
TEST(Workbench, HoveringTheStaleResultOfABrokenScenarioIsSafe) {
  ui::AppState s = E9();
  HeadlessUi ui(s, ImVec2(1600, 2400));
  ui.Click("panel.Q.fold");
  ASSERT_TRUE(ui.Has("panel.Q"));
  s.Edit().heads[0].W_Q = Matrix::Ones(3, 2);
  s.EndGesture();
  ui.Frame();
  ASSERT_FALSE(s.status.ok());
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 2; ++j) ui.MoveTo(ui.Cell("panel.Q", i, j, 2));
  for (int i = 0; i < 7; ++i) ui.MoveTo(ui.Cell("panel.P", i, i, 7));
  EXPECT_TRUE(s.ui.hover_explanation.empty());
}

TEST(Workbench, UndoingATokenEditPutsTheTypedSequenceBack) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("control.tokens");
  ui.Type(" A");
  ui.Key(ImGuiKey_Enter);
  ui.Click(ImVec2(5, 700));  // leave the field
  ASSERT_EQ(s.scenario.tokens.size(), 8u);
  ui.Chord('Z');
  EXPECT_EQ(s.scenario.tokens.size(), 7u);
  EXPECT_EQ(s.ui.tokens_text, "D A A <START> A D <STOP>");
}

}  // namespace
}  // namespace attnlab

namespace attnlab {
namespace {

TEST(Workbench, DraggingACellSidewaysScrubsItsValueAsOneUndoStep) {
  ui::AppState s = E9();
  HeadlessUi ui(s);
  ui.Click("panel.W_Q.fold");
  const ImVec2 at = ui.Cell("panel.W_Q", 0, 0, 2);  // W_Q[0][0] = 0
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = at;
  ui.Frame();
  io.MouseDown[0] = true;
  ui.Frame();
  for (int step = 1; step <= 5; ++step) {  // 50 pixels right, in five moves
    io.MousePos = ImVec2(at.x + 10.0f * step, at.y);
    ui.Frame();
  }
  io.MouseDown[0] = false;
  ui.Frame();
  ui.Frame();
  EXPECT_NEAR(s.scenario.heads[0].W_Q(0, 0), 0.5, 1e-12);  // 0.01 per pixel
  EXPECT_FALSE(s.ui.editors["W_Q"].Editing());             // a drag is not a click
  ui.Chord('Z');
  EXPECT_EQ(s.scenario.heads[0].W_Q(0, 0), 0.0);
}

}  // namespace
}  // namespace attnlab

#include "ui/export.hpp"

namespace attnlab {
namespace {

TEST(Export, SuggestsAFileNameFromThePresetAndThePanel) {
  ui::AppState s = E9();
  ui::ExportRequest req;
  req.panel = "P";
  EXPECT_EQ(ui::SuggestedExportName(s, req), "dedupe-sort_P.png");
  req.svg = true;
  req.panel = "heads[1].P";
  EXPECT_EQ(ui::SuggestedExportName(s, req), "dedupe-sort_heads_1__P.svg");
  req = ui::ExportRequest{};
  EXPECT_EQ(ui::SuggestedExportName(s, req), "dedupe-sort_view.png");
  s.scenario_path.clear();
  EXPECT_EQ(ui::SuggestedExportName(s, req), "attnlab_view.png");
}

}  // namespace
}  // namespace attnlab
