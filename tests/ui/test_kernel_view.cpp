// The Kernel attention view (E5), driven headless: every panel draws (both
// forms, the difference, the denominators, the cost plots; presentation too),
// hovering a cell explains it with its numbers, the causal step moves the
// state as one step of undo, a vanishing denominator is named and never NaN on
// screen, and "measure" runs off the UI thread.
#include <gtest/gtest.h>

#include <atomic>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "app_state.hpp"
#include "attnlab/kernel_attention.hpp"
#include "attnlab/scenario_io.hpp"
#include "headless_ui.hpp"
#include "ui/theme.hpp"
#include "ui/view_kernel.hpp"

namespace attnlab {
namespace {

using testing::HeadlessUi;

bool Drew(const ui::AppState& s, const std::string& panel) {
  return std::find(s.ui.panel_names.begin(), s.ui.panel_names.end(), panel) != s.ui.panel_names.end();
}

TEST(KernelView, EveryPanelDrawsWithItsNameInTheWindowAndInPresentation) {
  ui::AppState s = testing::LoadedPreset("e5-quadratic-kernel.json");
  HeadlessUi ui(s, ImVec2(1600, 1200));
  for (const char* panel : {"sim", "weights", "output", "phi_Q", "phi_K", "S", "z", "output_linear", "difference",
                            "denominators", "cost_vs_n", "memory_vs_n"})
    EXPECT_TRUE(Drew(s, panel)) << panel;
  const KernelView& v = s.ui.caches.Get<ui::KernelViewCache>().view;
  EXPECT_EQ(v.forms.phi_Q.cols(), 6);
  EXPECT_LE(v.forms.max_abs_diff, v.forms.diff_tolerance);
  EXPECT_TRUE(ui.Has("kernel.check"));
  s.ui.presentation = true;
  ui.Frame();
  ui.Frame();
  EXPECT_TRUE(ui.Has("slide.sim"));
}

TEST(KernelView, RandomFeaturesPlotTheirErrorAgainstTheirCount) {
  ui::AppState s = testing::LoadedPreset("e5-random-features.json");
  HeadlessUi ui(s, ImVec2(1600, 1400));
  EXPECT_TRUE(Drew(s, "error_vs_m"));
  EXPECT_FALSE(s.ui.caches.Get<ui::KernelViewCache>().view.sweep_m.empty());
  s.Edit().views.Get<KernelLabSettings>().sim = KernelSim::kElu;  // an exact map: no sweep
  ui.Frame();
  ui.Frame();
  EXPECT_FALSE(Drew(s, "error_vs_m"));
}

TEST(KernelView, PresentationAt1024x768PrintsTheMainFiguresNumbersAtTextSize) {
  ui::AppState s = testing::LoadedPreset("e5-quadratic-kernel.json");
  s.ui.presentation = true;
  HeadlessUi ui(s, ImVec2(1024, 768));
  ui.Frame();
  ASSERT_TRUE(ui.Has("slide.sim"));
  ASSERT_TRUE(ui.Has("kernel.sim"));
  const ui::ItemRect r = s.ui.items.at("kernel.sim");
  // 4 keys: each cell at least a font wide, so its number prints at text size
  EXPECT_GE((r.max.x - r.min.x) / 4, ImGui::GetFontSize());
}

TEST(KernelView, PresentationAt1024x768KeepsTheColourBarsLabelsOnScreen) {
  // The difference's bar ends at max |diff| ("5.00e-16" at the slides' text
  // size): beside sim, or alone when both no longer fit, its labels stay on screen.
  for (const std::vector<std::string>& panels :
       {std::vector<std::string>{"sim", "difference"}, std::vector<std::string>{"difference"}}) {
    ui::AppState s = testing::LoadedPreset("e5-quadratic-kernel.json");
    s.scenario.presentation["kernel"] = panels;
    s.ui.presentation = true;
    HeadlessUi ui(s, ImVec2(1024, 768));
    ui.Frame();
    if (panels.size() == 1) ASSERT_TRUE(ui.Has("kernel.difference"));
    if (!ui.Has("kernel.difference")) continue;  // on a slide of its own
    const ui::ItemRect r = s.ui.items.at("kernel.difference");
    const double top = s.ui.caches.Get<ui::KernelViewCache>().view.forms.max_abs_diff;
    const float font = ui::kPresentationFontPx;  // the slides' text (and the bar's labels)
    const float label =
        ImGui::GetFont()->CalcTextSizeA(font, FLT_MAX, 0.0f, FormatNumber(-top, NumberStyle::kDecimal, 2).c_str()).x;
    // grid, spacing, the bar (0.9 font), the gap before the label (0.45 font), the label
    const float right = r.max.x + ImGui::GetStyle().ItemSpacing.x * 2 + font * 0.9f + font * 0.45f + label;
    EXPECT_LE(right, 1024.0f) << panels.size() << " panel(s): the colour bar's label ends at x = " << right;
  }
}

TEST(KernelView, NumbersInTheWindowsCellsAreNeverSmallerThanTheText) {
  ui::AppState s = testing::LoadedPreset("e5-quadratic-kernel.json");
  HeadlessUi ui(s, ImVec2(1280, 1080));
  ui.Frame();
  const float smallest = s.ui.caches.Get<ui::KernelViewCache>().smallest_value_px;
  EXPECT_GT(smallest, 0);  // some numbers are printed
  EXPECT_GE(smallest, ImGui::GetFontSize() - 0.01f);
}

TEST(KernelView, HoveringASimilarityShowsTheKernelWithItsNumbers) {
  ui::AppState s = testing::LoadedPreset("e5-quadratic-kernel.json");
  HeadlessUi ui(s, ImVec2(1600, 1200));
  ASSERT_TRUE(ui.Has("kernel.sim"));
  ui.MoveTo(ui.Cell("kernel.sim", 0, 1, 4));
  EXPECT_NE(s.ui.hover_explanation.find("sim(Q_0, K_1)"), std::string::npos) << s.ui.hover_explanation;
  EXPECT_NE(s.ui.hover_explanation.find("q\u00B7k"), std::string::npos) << s.ui.hover_explanation;
  ASSERT_TRUE(ui.Has("kernel.output_linear"));
  // (cells sized for their numbers need not be square: 4 rows, 2 columns)
  const ui::ItemRect& g = s.ui.items.at("kernel.output_linear");
  ui.MoveTo(ImVec2(g.min.x + (g.max.x - g.min.x) * 0.25f, g.min.y + (g.max.y - g.min.y) * 1.5f / 4));
  EXPECT_NE(s.ui.hover_explanation.find("\u03C6(Q_1)"), std::string::npos) << s.ui.hover_explanation;
}

TEST(KernelView, TheCausalStepMovesTheStateAsOneStepOfUndo) {
  ui::AppState s = testing::LoadedPreset("e5-causal-linear.json");
  HeadlessUi ui(s, ImVec2(1600, 1200));
  EXPECT_TRUE(Drew(s, "S_step"));
  ASSERT_TRUE(ui.Has("kernel.forward"));
  ui.Click("kernel.forward");
  EXPECT_EQ(s.scenario.views.Find<KernelLabSettings>()->step, 3);
  const KernelView& v = s.ui.caches.Get<ui::KernelViewCache>().view;
  // S_3 = sum_{j <= 3} phi(K_j)^T V_j in a plain loop (not the function that made S_step).
  const Matrix& phi_K = v.forms.phi_K;
  const Matrix& V = s.derived.heads[0].V;
  Matrix S = Matrix::Zero(phi_K.cols(), V.cols());
  RowVector z = RowVector::Zero(phi_K.cols());
  for (int j = 0; j <= 3; ++j)
    for (Eigen::Index a = 0; a < phi_K.cols(); ++a) {
      z(a) += phi_K(j, a);
      for (Eigen::Index b = 0; b < V.cols(); ++b) S(a, b) += phi_K(j, a) * V(j, b);
    }
  EXPECT_LE((v.S_step - S).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_LE((v.z_step - z).cwiseAbs().maxCoeff(), 1e-14);
  s.Undo();
  EXPECT_EQ(s.scenario.views.Find<KernelLabSettings>()->step, 2);
}

TEST(KernelView, AVanishingDenominatorIsNamedAndItsRowHatched) {
  ui::AppState s;
  ASSERT_TRUE(ParseScenario(R"({"view": "kernel", "tokens": ["a", "b", "c"], "Q": [[1, 0], [0, 1], [1, 1]],
      "K": [[1, 0], [-1, 0], [0, 1]], "V": [[1], [2], [3]], "mask": "none", "kernel_lab": {"sim": "dot"}})",
                            &s.scenario).ok());
  s.Recompute();
  HeadlessUi ui(s, ImVec2(1600, 1200));
  const KernelView& v = s.ui.caches.Get<ui::KernelViewCache>().view;
  ASSERT_EQ(v.forms.bad_rows, (std::vector<int>{0}));
  EXPECT_TRUE(Drew(s, "output"));
  EXPECT_TRUE(Drew(s, "denominators"));
  const ui::ItemRect& g = s.ui.items.at("kernel.output");  // 3 rows, 1 column (cells need not be square)
  ui.MoveTo(ImVec2((g.min.x + g.max.x) / 2, g.min.y + (g.max.y - g.min.y) / 6));
  EXPECT_NE(s.ui.hover_explanation.find("undefined"), std::string::npos) << s.ui.hover_explanation;
}

TEST(KernelView, ADiagnosticAppearsInItsReservedLineAndNothingMoves) {
  ui::AppState s;
  ASSERT_TRUE(ParseScenario(R"({"view": "kernel", "tokens": ["a", "b", "c"], "Q": [[1, 0], [0, 1], [1, 1]],
      "K": [[1, 0], [-1, 0], [0, 1]], "V": [[1], [2], [3]], "mask": "none"})",
                            &s.scenario).ok());
  s.Recompute();
  HeadlessUi ui(s, ImVec2(1600, 1200));
  ASSERT_TRUE(s.ui.caches.Get<ui::KernelViewCache>().view.forms.diagnostics.empty());
  // (the first row of maps; rows below may reflow when the numbers' widths change)
  const float y_sim = s.ui.items["kernel.sim"].min.y;
  ASSERT_GT(y_sim, 0);
  s.Edit().views.Get<KernelLabSettings>().sim = KernelSim::kDot;  // row 0's denominator is 0
  ui.Frame();
  ui.Frame();
  ASSERT_FALSE(s.ui.caches.Get<ui::KernelViewCache>().view.forms.diagnostics.empty());
  // (within half a pixel: a line of text is about 20)
  EXPECT_NEAR(s.ui.items["kernel.sim"].min.y, y_sim, 0.5f);
  // Many rows and two diagnostics: still one line.
  Scenario& e = s.Edit();
  e.Q = Matrix(40, 2);
  for (int i = 0; i < 40; ++i) e.Q.row(i) << (i % 2 ? -1.0 : 1.0), 1.0 - i % 3;  // den = Q_i1: 1, 0, -1
  e.tokens.clear();
  ui.Frame();
  ui.Frame();
  EXPECT_GT(s.ui.caches.Get<ui::KernelViewCache>().view.forms.diagnostics.size(), 1u);
  EXPECT_NEAR(s.ui.items["kernel.sim"].min.y, y_sim, 0.5f);
}

TEST(KernelView, MeasureRunsOffTheUiThreadAndIsDroppedWhenTheSimChanges) {
  ui::AppState s = testing::LoadedPreset("e5-quadratic-kernel.json");
  s.scenario.views.Get<KernelLabSettings>().measure_n = 128;
  HeadlessUi ui(s, ImVec2(1600, 1200));
  ASSERT_TRUE(ui.Has("kernel.measure"));
  ui.Click("kernel.measure");
  ui::KernelViewCache& c = s.ui.caches.Get<ui::KernelViewCache>();
  ASSERT_NE(c.measure, nullptr);
  for (int i = 0; i < 300 && c.measure->running; ++i) {
    ui.Frame();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ui.Frame();
  {
    std::lock_guard<std::mutex> lock(c.measure->mu);
    EXPECT_TRUE(c.measure->done) << c.measure->error;
    ASSERT_EQ(c.measure->n, (std::vector<double>{64, 128}));
    for (double t : c.measure->quadratic) EXPECT_GT(t, 0);
    for (double t : c.measure->linear) EXPECT_GT(t, 0);
  }
  EXPECT_TRUE(Drew(s, "timing"));
  s.Edit().views.Get<KernelLabSettings>().sim = KernelSim::kElu;
  ui.Frame();
  ui.Frame();
  EXPECT_EQ(c.measure, nullptr);
}

TEST(KernelView, ANewMeasureWaitsForACancelledJobStillRunning) {
  ui::AppState s = testing::LoadedPreset("e5-quadratic-kernel.json");
  s.scenario.views.Get<KernelLabSettings>().measure_n = 64;
  HeadlessUi ui(s, ImVec2(1600, 1200));
  ui::KernelViewCache& c = s.ui.caches.Get<ui::KernelViewCache>();
  // A retired job that runs until it is cancelled (as one finishing its form).
  auto job = std::make_shared<ui::KernelMeasure>();
  job->running = true;
  job->cancel = false;
  std::atomic<bool> release{false};
  c.retired.emplace_back(job, std::thread([job, &release] {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    job->running = false;
  }));
  ui.Click("kernel.measure");
  ui.Frame();
  EXPECT_EQ(c.measure, nullptr);  // refused: never two jobs timing at once
  release = true;
  for (int i = 0; i < 200 && job->running; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ui.Frame();
  ui.Click("kernel.measure");
  EXPECT_NE(c.measure, nullptr);
  EXPECT_TRUE(c.retired.empty());
}

TEST(KernelView, MeasureSizesDoubleUpToTheChosenN) {
  EXPECT_EQ(ui::KernelMeasureSizes(2048), (std::vector<double>{64, 128, 256, 512, 1024, 2048}));
  EXPECT_EQ(ui::KernelMeasureSizes(300), (std::vector<double>{64, 128, 256, 300}));
  EXPECT_EQ(ui::KernelMeasureSizes(1000000), ui::KernelMeasureSizes(2048));
}

}  // namespace
}  // namespace attnlab
