// Issue 12, "ready for the lecture hall": presentation mode on projectors,
// a presenter's clicker, step mode without spoilers, nothing moving under the
// cursor. Driven headless at the projectors' sizes.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "app_state.hpp"
#include "attnlab/scenario_io.hpp"
#include "headless_ui.hpp"
#include "key_queue.hpp"
#include "presets.hpp"
#include "ui/presentation.hpp"
#include "ui/view_temperature.hpp"
#include "ui/theme.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;

const std::string kPresets = ATTNLAB_PRESETS_DIR;

ui::AppState Loaded(const std::string& file) {
  ui::AppState s;
  const Status st = s.LoadScenario(kPresets + "/" + file);
  EXPECT_TRUE(st.ok()) << st.ToString();
  s.presets = ui::ListPresets(kPresets);
  return s;
}

ImVec2 Size(const ui::ItemRect& r) { return ImVec2(r.max.x - r.min.x, r.max.y - r.min.y); }

// ---------------------------------------------------------------------------
// Fast key presses

// ImGui 1.86 polls key state once a frame: a press and a release delivered
// before the same frame cancel out. Through the queue the press is seen.
TEST(KeyQueue, APressAndReleaseBetweenTwoFramesIsSeenByOneFrame) {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(640, 480);
  io.DeltaTime = 1.0f / 60.0f;
  unsigned char* pixels;
  int w, h;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  constexpr int kKey = 42;
  auto frame = [&] {
    ImGui::NewFrame();
    const bool pressed = ImGui::IsKeyPressed(kKey, false);
    ImGui::Render();
    return pressed;
  };
  auto apply = [&](const ui::KeyEvent& e) {
    if (e.action != ui::kKeyRepeat) io.KeysDown[e.key] = e.action == ui::kKeyPress;
  };
  frame();

  // Without the queue (what the GLFW backend does): both land before the frame.
  apply({kKey, 0, ui::kKeyPress, 0});
  apply({kKey, 0, ui::kKeyRelease, 0});
  EXPECT_FALSE(frame()) << "the press is lost when state is polled";

  // With the queue: the press in this frame, the release in the next.
  ui::KeyQueue queue;
  queue.Push({kKey, 0, ui::kKeyPress, 0});
  queue.Push({kKey, 0, ui::kKeyRelease, 0});
  queue.DeliverFrame(apply);
  EXPECT_TRUE(frame());
  EXPECT_EQ(queue.Size(), 1u);
  queue.DeliverFrame(apply);
  EXPECT_FALSE(frame());
  EXPECT_FALSE(io.KeysDown[kKey]);
  EXPECT_TRUE(queue.Empty());

  // Three quick clicks are three presses, in three frames; other keys'
  // events keep their order behind them; repeats change nothing and pass.
  for (int i = 0; i < 3; ++i) {
    queue.Push({kKey, 0, ui::kKeyPress, 0});
    queue.Push({kKey, 0, ui::kKeyRepeat, 0});
    queue.Push({kKey, 0, ui::kKeyRelease, 0});
  }
  int presses = 0;
  for (int f = 0; f < 10 && !queue.Empty(); ++f) {
    queue.DeliverFrame(apply);
    presses += frame() ? 1 : 0;
  }
  EXPECT_EQ(presses, 3);
  ImGui::DestroyContext();
}

// ---------------------------------------------------------------------------
// The clicker

TEST(Clicker, PageDownAndUpChangeExerciseInTheSidebarsOrderAndStayInPresentation) {
  ui::AppState s = Loaded("e2-argmax-attention.json");
  s.ui.presentation = true;
  HeadlessUi ui(s, ImVec2(1024, 768));
  // The sidebar groups by view: the Attention view's exercises come first,
  // by file name: e2, e6-projection-design, e7-temperature, e9-dedupe-sort, e9-two-heads.
  ui.Key(ImGuiKey_PageDown);
  EXPECT_EQ(s.scenario_path, kPresets + "/e6-projection-design.json");
  ui.Key(ImGuiKey_PageDown);
  EXPECT_EQ(s.scenario_path, kPresets + "/e7-temperature.json");
  ui.Key(ImGuiKey_PageUp);
  EXPECT_EQ(s.scenario_path, kPresets + "/e6-projection-design.json");
  EXPECT_TRUE(s.ui.presentation);
  ui.Key(ImGuiKey_PageUp);
  ui.Key(ImGuiKey_PageUp);  // before the first: stays, and says so
  EXPECT_EQ(s.scenario_path, kPresets + "/e2-argmax-attention.json");
  EXPECT_NE(s.ui.message.find("first exercise"), std::string::npos);
  // The arrows do the same when nothing is being typed.
  ui.Key(ImGuiKey_RightArrow);
  EXPECT_EQ(s.scenario_path, kPresets + "/e6-projection-design.json");
  ui.Key(ImGuiKey_LeftArrow);
  EXPECT_EQ(s.scenario_path, kPresets + "/e2-argmax-attention.json");
}

TEST(Clicker, InStepModeItStepsThenMovesToTheNextExercise) {
  ui::AppState s = Loaded("e9-dedupe-sort.json");
  s.ui.step_mode = true;
  s.ui.step = 0;
  HeadlessUi ui(s);
  for (int k = 1; k < ui::kStageCount; ++k) {
    ui.Key(ImGuiKey_PageDown);
    EXPECT_EQ(s.ui.step, k);
  }
  EXPECT_EQ(s.scenario_path, kPresets + "/e9-dedupe-sort.json");
  ui.Key(ImGuiKey_PageDown);  // past the last stage: the next exercise, at its inputs
  EXPECT_EQ(s.scenario_path, kPresets + "/e9-two-heads.json");
  EXPECT_EQ(s.ui.step, 0);
  EXPECT_TRUE(s.ui.step_mode);
  ui.Key(ImGuiKey_PageUp);  // before the first stage: the previous exercise, at its last
  EXPECT_EQ(s.scenario_path, kPresets + "/e9-dedupe-sort.json");
  EXPECT_EQ(s.ui.step, ui::kStageCount - 1);
  ui.Key(ImGuiKey_UpArrow);
  EXPECT_EQ(s.ui.step, ui::kStageCount - 2);
}

// In a cell being edited the arrows move along the matrix, not through the course.
TEST(Clicker, ArrowsInACellKeepMovingAlongTheMatrix) {
  ui::AppState s = Loaded("e2-argmax-attention.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("panel.K"));
  ui.Click(ui.Cell("panel.K", 0, 0, 3));
  ASSERT_TRUE(s.ui.editors["K"].Editing());
  ui.Key(ImGuiKey_DownArrow);
  EXPECT_EQ(s.scenario_path, kPresets + "/e2-argmax-attention.json");
  EXPECT_EQ(s.ui.editors["K"].edit_row, 1);
  ui.Key(ImGuiKey_RightArrow);
  EXPECT_EQ(s.scenario_path, kPresets + "/e2-argmax-attention.json");
}

// ---------------------------------------------------------------------------
// Presentation on a projector

// The rule: the cells' numbers are never smaller than the interface's text.
// Measured on E9's P at the projectors' sizes (printed for the closing note).
TEST(Presentation, CellNumbersAreNeverSmallerThanTheInterfaceText) {
  for (const ImVec2 display : {ImVec2(1024, 768), ImVec2(1280, 720), ImVec2(1024, 600), ImVec2(1920, 1080)}) {
    ui::AppState s = Loaded("e9-dedupe-sort.json");
    s.ui.presentation = true;
    HeadlessUi ui(s, display);
    ui.Frame();
    const float ui_px = s.ui.fonts.presentation->FontSize;
    ASSERT_TRUE(s.ui.cell_text_px.count("P"));
    const float cell_px = s.ui.cell_text_px.at("P");
    std::printf("presentation %gx%g: interface text %.1f px, P's cell numbers %.1f px\n", display.x, display.y,
                ui_px, cell_px);
    // Numbers at the UI's size where the projector has the room (1024x600 has
    // not: seven rows of 30 px text do not fit under the controls), else the
    // colours alone, never smaller type and never a grid past the screen.
    if (display.y >= 720) {
      EXPECT_GE(cell_px, ui_px) << display.x << "x" << display.y;
    } else {
      EXPECT_TRUE(cell_px == 0.0f || cell_px >= ui_px) << cell_px;
    }
    EXPECT_LE(s.ui.items.at("panel.P").max.y, display.y + 0.5f) << "the grid stays on screen";
    // The main figure takes the room that is left: most of the width and height.
    ASSERT_TRUE(ui.Has("slide.P"));
    const ImVec2 p = Size(s.ui.items.at("slide.P"));
    EXPECT_GT(p.x, display.x * 0.5f);
    EXPECT_GT(p.y, display.y * 0.4f);
    if (display.y >= 720) {
      EXPECT_TRUE(ui.Has("slide.loss")) << "P and the loss fit together";
    }
  }
}

// Too many panels for the room: the others are named, not drawn small.
TEST(Presentation, PanelsWithoutRoomAreNamedNotShrunk) {
  ui::AppState s = Loaded("e9-dedupe-sort.json");
  s.ui.presentation = true;
  s.scenario.presentation["attention"] = {"P", "scores", "Z", "probs", "loss", "exercise"};
  HeadlessUi ui(s, ImVec2(1024, 768));
  ui.Frame();
  const float p_px = s.ui.cell_text_px.at("P");
  EXPECT_TRUE(p_px == 0.0f || p_px >= s.ui.fonts.presentation->FontSize) << p_px;
  EXPECT_LE(s.ui.items.at("panel.P").max.y, 768.5f) << "the grid stays on screen";
  EXPECT_FALSE(s.ui.slides_hidden.empty());
  EXPECT_TRUE(ui.Has("text.slides_hidden"));
  for (const auto& [name, px] : s.ui.cell_text_px) {
    if (px > 0) {
      EXPECT_GE(px, s.ui.fonts.presentation->FontSize) << name;
    }
  }
}

TEST(Presentation, TheChoiceIsTheScenariosAndCanBeUndone) {
  ui::AppState s = Loaded("e9-dedupe-sort.json");
  s.ui.presentation = true;
  HeadlessUi ui(s, ImVec2(1920, 1080));
  ASSERT_TRUE(ui.Has("button.panels"));
  ui.Click("button.panels");
  ASSERT_TRUE(ui.Has("chooser.probs"));
  ui.Click("chooser.probs");
  ASSERT_TRUE(s.scenario.presentation.count("attention"));
  EXPECT_EQ(s.scenario.presentation.at("attention"), (std::vector<std::string>{"P", "loss", "probs"}));
  EXPECT_TRUE(s.edited);
  Scenario back;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s.scenario), &back).ok());
  EXPECT_EQ(back.presentation, s.scenario.presentation);
  ui.Key(ImGuiKey_Escape);
  ui.Frame();
  EXPECT_TRUE(ui.Has("slide.probs"));
  s.Undo();
  EXPECT_TRUE(s.scenario.presentation.empty());
  EXPECT_FALSE(s.edited) << "undone back to the file: no unsaved mark";
}

// "P" stands for every head's P; hiding one head keeps the others by name.
TEST(Presentation, HidingOneHeadKeepsTheOthers) {
  ui::AppState s = Loaded("e9-two-heads.json");
  const std::vector<std::string> keys = {"heads[0].P", "heads[1].P", "loss"};
  EXPECT_TRUE(ui::InChoice({"P", "loss"}, "heads[1].P"));
  EXPECT_FALSE(ui::InChoice({"P", "loss"}, "heads[1].scores"));
  ui::ShowInPresentation(s, {"P", "loss"}, keys, "heads[0].P", false);
  EXPECT_EQ(s.scenario.presentation.at("attention"), (std::vector<std::string>{"heads[1].P", "loss"}));
}

TEST(Presentation, EveryViewLaysOutAtTheProjectorsSizes) {
  for (const char* file : {"e9-dedupe-sort.json", "e7-temperature-sweep.json", "e1-scaling.json", "e6-selection.json",
                           "e9-two-heads.json"}) {
    for (const ImVec2 display : {ImVec2(1024, 768), ImVec2(1280, 720)}) {
      SCOPED_TRACE(std::string(file) + " " + std::to_string(static_cast<int>(display.x)));
      ui::AppState s = Loaded(file);
      s.ui.presentation = true;
      HeadlessUi ui(s, display);
      ui.Frame();
      EXPECT_FALSE(s.ui.slides.empty());
      int drawn = 0;
      for (const auto& [key, label] : s.ui.slides) {
        if (!ui.Has("slide." + key)) continue;
        ++drawn;
        const ui::ItemRect& r = s.ui.items.at("slide." + key);
        EXPECT_LE(r.max.x, display.x + 0.5f) << key;
        EXPECT_LE(r.max.y, display.y + 0.5f) << key;
      }
      EXPECT_GE(drawn, 1);
    }
  }
}

TEST(Presentation, LayOutGivesTheMainFigureTheRoomLeft) {
  std::vector<ui::Slide> slides(3);
  slides[0].min = ImVec2(500, 400);
  slides[1].min = ImVec2(300, 200);
  slides[2].min = ImVec2(300, 200);
  const ui::PresentationLayout l = ui::LayOutSlides(slides, {0, 1, 2}, ImVec2(1000, 600), 10, 20);
  ASSERT_EQ(l.placed.size(), 3u);
  EXPECT_TRUE(l.hidden.empty());
  EXPECT_FLOAT_EQ(l.placed[0].size.x, 1000 - 300 - 10);  // the main figure: all but the column
  EXPECT_FLOAT_EQ(l.placed[0].size.y, 600);
  EXPECT_FLOAT_EQ(l.placed[1].offset.x, 700);
  // No room beside or below for a wide one: named, not squeezed.
  slides[2].min = ImVec2(700, 500);
  const ui::PresentationLayout m = ui::LayOutSlides(slides, {0, 1, 2}, ImVec2(1000, 600), 10, 20);
  ASSERT_EQ(m.hidden.size(), 1u);
  EXPECT_EQ(m.hidden[0], 2u);
  for (const auto& p : m.placed) EXPECT_LE(p.offset.y + p.size.y, 600 - 20 + 0.5f) << "the note's line stays free";
}

TEST(Presentation, TheTitleIsWrappedWhole) {
  ui::AppState s = Loaded("e9-two-heads.json");
  s.scenario.title += ", and what it takes to make it true: a column swap in W_V, or a block-diagonal W_O";
  s.ui.presentation = true;
  HeadlessUi ui(s, ImVec2(1024, 768));
  ui.Frame();
  ASSERT_TRUE(ui.Has("text.title"));
  const ImVec2 title = Size(s.ui.items.at("text.title"));
  const float full = ImGui::CalcTextSize(s.scenario.title.c_str()).x;
  EXPECT_GT(full, title.x) << "the title is longer than its room: it must wrap";
  EXPECT_GT(title.y, ImGui::GetTextLineHeight() * 1.5f) << "on two lines or more, not cut";
}

// ---------------------------------------------------------------------------
// Step mode without spoilers

TEST(StepMode, TheSolutionAppearsOnlyAtTheLastStage) {
  ui::AppState s = Loaded("e9-dedupe-sort.json");
  ASSERT_FALSE(s.scenario.solution.empty());
  s.ui.step_mode = true;
  s.ui.step = 0;
  HeadlessUi ui(s);
  EXPECT_TRUE(ui.Has("text.exercise"));
  EXPECT_TRUE(ui.Has("text.solution_hidden"));
  EXPECT_FALSE(ui.Has("text.solution"));
  s.ui.step = ui::kStageCount - 2;
  ui.Frame();
  EXPECT_FALSE(ui.Has("text.solution"));
  s.ui.step = ui::kStageCount - 1;
  ui.Frame();
  ui.Frame();
  EXPECT_TRUE(ui.Has("text.solution"));
  s.ui.step_mode = false;
  ui.Frame();
  ui.Frame();
  EXPECT_TRUE(ui.Has("text.solution")) << "outside step mode the solution is there";
}

// ---------------------------------------------------------------------------
// Nothing moves under the cursor

TEST(NothingMoves, ASecondClickOnTheSameCellUndoesTheFirst) {
  ui::AppState s = Loaded("e9-dedupe-sort.json");
  HeadlessUi ui(s);
  ui.Frame();
  ASSERT_TRUE(ui.Has("panel.P"));
  const ui::ItemRect before = s.ui.items.at("panel.P");
  const ImVec2 cell = ui.Cell("panel.P", 0, 0, 7);
  const Mask causal = s.derived.heads[0].allowed.ToDense();
  ui.Click(cell);  // masks the only key of row 0: a diagnostic appears
  ASSERT_FALSE(s.derived.diagnostics.empty());
  const ui::ItemRect after = s.ui.items.at("panel.P");
  EXPECT_EQ(after.min.y, before.min.y) << "the diagnostic must not push P down";
  EXPECT_EQ(after.min.x, before.min.x);
  ui.Click(cell);
  EXPECT_TRUE((s.derived.heads[0].allowed.ToDense() == causal).all()) << "the second click unmasks it again";
  EXPECT_TRUE(s.derived.diagnostics.empty());
}

TEST(NothingMoves, ACellsErrorGoesBesideTheMatrix) {
  ui::AppState s = Loaded("e2-argmax-attention.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("panel.K"));
  ui.Click(ui.Cell("panel.K", 0, 0, 3));
  ASSERT_TRUE(s.ui.editors["K"].Editing());
  ui.Type("abc");
  ui.Key(ImGuiKey_Enter);
  ui.Frame();
  ASSERT_FALSE(s.ui.editors["K"].error.empty());
  ASSERT_TRUE(ui.Has("panel.K.cell_error"));
  const ui::ItemRect grid = s.ui.items.at("panel.K");
  const ui::ItemRect error = s.ui.items.at("panel.K.cell_error");
  EXPECT_GE(error.min.x, grid.max.x) << "beside the grid, not over the next row";
  // The edit box stays within its cell.
  ASSERT_TRUE(ui.Has("panel.K.edit"));
  const ui::ItemRect& edit = s.ui.items.at("panel.K.edit");
  const float cell_w = (grid.max.x - grid.min.x) / 3.0f, cell_h = (grid.max.y - grid.min.y) / 4.0f;
  EXPECT_GE(edit.min.x, grid.min.x - 0.5f);
  EXPECT_LE(edit.max.x, grid.min.x + cell_w + 0.5f);
  EXPECT_GE(edit.min.y, grid.min.y - 0.5f);
  EXPECT_LE(edit.max.y, grid.min.y + cell_h + 0.5f);
}

TEST(NothingMoves, TheStepLabelKeepsOneWidth) {
  ui::AppState s = Loaded("e9-dedupe-sort.json");
  s.ui.step_mode = true;
  HeadlessUi ui(s);
  float width = -1;
  for (int step = 0; step < ui::kStageCount; ++step) {
    s.ui.step = step;
    ui.Frame();
    const float w = Size(s.ui.items.at("text.step")).x;
    if (width < 0) width = w;
    EXPECT_EQ(w, width) << "step " << step;
  }
}

TEST(NothingMoves, AMessageFloatsOverTheWindowAndPushesNothingDown) {
  ui::AppState s = Loaded("e9-dedupe-sort.json");
  HeadlessUi ui(s, ImVec2(1024, 768));
  ui.Frame();
  ASSERT_TRUE(ui.Has("panel.P"));
  const ui::ItemRect before = s.ui.items.at("panel.P");
  s.ui.message = "e9-dedupe-sort.json: a message long enough to wrap over two lines at 1024 pixels, "
                 "as a file's error does when it names the field, the value and what was expected of it";
  ui.Frame();
  ui.Frame();
  EXPECT_EQ(s.ui.items.at("panel.P").min.y, before.min.y) << "the message must not push the view down";
  ASSERT_TRUE(ui.Has("button.dismiss_message"));
  const ui::ItemRect close = s.ui.items.at("button.dismiss_message");
  EXPECT_LE(close.max.x, 1024.0f);
  EXPECT_LE(close.max.y, 768.0f);
  ui.Click(ImVec2((close.min.x + close.max.x) / 2, (close.min.y + close.max.y) / 2));
  EXPECT_TRUE(s.ui.message.empty()) << "its \u00D7 dismisses it";
  ui.Frame();
  EXPECT_EQ(s.ui.items.at("panel.P").min.y, before.min.y);
}

// ---------------------------------------------------------------------------
// Words and small things

TEST(Words, UndoingBackToTheSavedScenarioClearsTheUnsavedMark) {
  ui::AppState s = Loaded("e9-dedupe-sort.json");
  EXPECT_FALSE(s.edited);
  s.Edit().attention.temperature = 2.0;
  s.EndGesture();
  EXPECT_TRUE(s.edited);
  s.Undo();
  EXPECT_FALSE(s.edited);
  s.Redo();
  EXPECT_TRUE(s.edited);
}

TEST(Words, WithArgmaxOnTheTemperatureSliderLeavesArgmax) {
  ui::AppState s = Loaded("e9-dedupe-sort.json");
  ASSERT_EQ(s.scenario.attention.temperature, 0.0);
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("control.temperature"));
  ui.Click("control.temperature");  // not greyed out: a click picks a T
  EXPECT_GT(s.scenario.attention.temperature, 0.0);
}

TEST(Words, TheSidebarGroupsExercisesByViewWithShortNames) {
  ui::AppState s = Loaded("e9-dedupe-sort.json");
  HeadlessUi ui(s, ImVec2(1024, 768));
  ASSERT_TRUE(ui.Has("preset.e2-argmax-attention.json"));
  ASSERT_TRUE(ui.Has("preset.e1-scaling.json"));
  ASSERT_TRUE(ui.Has("preset.e7-temperature-sweep.json"));
  // Attention's exercises first, then Temperature's, then Scaling's.
  const float e2 = s.ui.items.at("preset.e2-argmax-attention.json").min.y;
  const float e9 = s.ui.items.at("preset.e9-two-heads.json").min.y;
  const float sweep = s.ui.items.at("preset.e7-temperature-sweep.json").min.y;
  const float e1 = s.ui.items.at("preset.e1-scaling.json").min.y;
  EXPECT_LT(e2, e9);
  EXPECT_LT(e9, sweep);
  EXPECT_LT(sweep, e1);
  // Every name fits the sidebar whole at 1024 wide.
  for (const ui::PresetEntry& p : s.presets) {
    EXPECT_LE(ImGui::CalcTextSize(p.name.c_str()).x,
              s.ui.items.at("preset." + p.file_name).max.x - s.ui.items.at("preset." + p.file_name).min.x)
        << p.name;
  }
}

}  // namespace
}  // namespace attnlab

namespace attnlab {
namespace {

TEST(Words, SeveralHeadsStandSideBySideOneColumnEach) {
  ui::AppState s = Loaded("e9-two-heads.json");
  HeadlessUi ui(s, ImVec2(1920, 1080));
  ui.Frame();
  ASSERT_TRUE(ui.Has("table.heads"));
  ASSERT_TRUE(ui.Has("panel.heads[0].P.group"));
  ASSERT_TRUE(ui.Has("panel.heads[1].P.group"));
  const ui::ItemRect& p0 = s.ui.items.at("panel.heads[0].P.group");
  const ui::ItemRect& p1 = s.ui.items.at("panel.heads[1].P.group");
  EXPECT_GE(p1.min.x, p0.max.x) << "head 1 beside head 0";
  EXPECT_NEAR(p1.min.y, p0.min.y, 1.0f) << "at the same height";
  // Each head's projections head its column.
  EXPECT_LT(s.ui.items.at("panel.heads[1].W_Q.group").min.x + 1, p1.max.x);
  EXPECT_GE(s.ui.items.at("panel.heads[1].W_Q.group").min.x, p0.max.x);
}

TEST(Words, ATypedRowThatCannotBeSweptSaysWhy) {
  ui::AppState s = Loaded("e7-temperature-sweep.json");
  HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("temperature.typed"));
  ui.Click("temperature.typed");
  ui.Type("1, two, 3");
  ui.Frame();
  EXPECT_TRUE(ui.Has("temperature.typed_error"));
  ui::TemperatureViewCache& c = s.ui.caches.Get<ui::TemperatureViewCache>();
  EXPECT_EQ(c.typed_text, "1, two, 3");
  for (int k = 0; k < 6; ++k) ui.Key(ImGuiKey_Backspace);  // back to "1, "
  ui.Type("2, 3");
  ui.Frame();
  EXPECT_EQ(c.typed_text, "1, 2, 3");
  EXPECT_FALSE(ui.Has("temperature.typed_error"));
}

}  // namespace
}  // namespace attnlab
