// The monkey: 10,000 frames of random clicks, drags, scrolls, key presses and
// pasted junk, spread over every view, headless. Built and run in the
// sanitizer build (ASan + UBSan), so any memory error or undefined behaviour
// fails it; and memory must not grow between two identical passes.
#include <gtest/gtest.h>
#include <imgui.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "app_state.hpp"
#include "headless_ui.hpp"
#include "ui/views.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define ATTNLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATTNLAB_ASAN 1
#endif
#endif
#ifdef ATTNLAB_ASAN
#include <sanitizer/allocator_interface.h>
#else
#include <malloc.h>
#endif

namespace attnlab {
namespace {

constexpr int kFrames = 10000;  // in all: two passes over every view
constexpr unsigned kSeed = 20261130;

size_t AllocatedBytes() {
#ifdef ATTNLAB_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

const char* const kJunk[] = {
    "1e400",     "-",         "1/0",        "\\frac{1}{",  "NaN",   "inf", "9999999999999999999999",
    "abc",       "\xF0\x9F\x98\x80", "0.5",  "-3",          "1,2;3", "[[1", "\\begin{bmatrix} 1 & 2 \\end{bmatrix}",
    "<START>",   "   ",       "e",          "1e-400",      "/",     "7",   "1 2\n3 4\n5",
};

class Monkey {
 public:
  Monkey(ui::AppState& s, testing::HeadlessUi& ui, std::mt19937& rng, std::string home)
      : s_(s), ui_(ui), rng_(rng), home_(std::move(home)) {}

  // One random action, then a frame (a drag spans frames: the button stays down).
  void Step() {
    ImGuiIO& io = ImGui::GetIO();
    const int r = Pick(100);
    if (r < 30) {
      io.MousePos = Somewhere();
    } else if (r < 45) {
      io.MouseDown[0] = !io.MouseDown[0];  // press or release: clicks and drags
    } else if (r < 50) {
      io.MousePos = Somewhere();
      io.MouseDown[1] = true;  // a context menu
      ui_.Frame();
      io.MouseDown[1] = false;
    } else if (r < 55) {
      io.MouseWheel = static_cast<float>(Pick(7)) - 3.0f;
    } else if (r < 70) {
      static const ImGuiKey kKeys[] = {ImGuiKey_Tab,        ImGuiKey_Enter,     ImGuiKey_Escape,    ImGuiKey_LeftArrow,
                                       ImGuiKey_RightArrow, ImGuiKey_UpArrow,   ImGuiKey_DownArrow, ImGuiKey_Backspace};
      io.KeyShift = Pick(4) == 0;
      ui_.Key(kKeys[Pick(8)]);
      io.KeyShift = false;
    } else if (r < 82) {
      ui_.Type(kJunk[Pick(sizeof kJunk / sizeof kJunk[0])]);
    } else if (r < 87) {
      static const char kChords[] = {'Z', 'Y', 'E', 'Z'};
      ui_.Chord(kChords[Pick(4)], Pick(2) == 0);
    } else if (r < 92) {
      ImGui::SetClipboardText(kJunk[Pick(sizeof kJunk / sizeof kJunk[0])]);
      io.MousePos = Somewhere();
      io.MouseDown[1] = true;
      ui_.Frame();
      io.MouseDown[1] = false;
      ui_.Frame();
      if (ui_.Has("menu.paste")) ui_.Click("menu.paste");
    } else if (r < 94) {
      s_.ui.presentation = !s_.ui.presentation;
    } else if (r < 96) {
      s_.ui.step_mode = !s_.ui.step_mode;
    } else if (r < 98) {
      s_.Undo();
    } else {
      s_.Redo();
    }
    ui_.Frame();
    io.MouseWheel = 0;
    KeepFilesAtHome();
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  // Mostly on a widget drawn last frame (that is where things happen), else anywhere.
  ImVec2 Somewhere() {
    const ImVec2 size = ImGui::GetIO().DisplaySize;
    if (!s_.ui.items.empty() && Pick(3) != 0) {
      auto it = s_.ui.items.begin();
      std::advance(it, Pick(static_cast<int>(s_.ui.items.size())));
      const ImVec2 lo = it->second.min, hi = it->second.max;
      return ImVec2(lo.x + (hi.x - lo.x) * Unit(), lo.y + (hi.y - lo.y) * Unit());
    }
    return ImVec2(size.x * Unit(), size.y * Unit());
  }
  float Unit() { return std::uniform_real_distribution<float>(0.0f, 1.0f)(rng_); }

  // The Open/Save browser goes up and into other folders, and a typed path
  // can name any file: between two actions, bring the folder shown and the
  // path back into the scratch $HOME, so that random clicks on Save never
  // write anywhere else (the source tree's presets included).
  void KeepFilesAtHome() {
    auto inside = [&](const std::string& p) {
      const std::string a = ui::AbsolutePath(p);
      return a == home_ || a.rfind(home_ + "/", 0) == 0;
    };
    ui::FileBrowserState& f = s_.ui.files;
    if (!inside(f.dir)) {
      f.dir = home_;
      f.listing = ui::ListDirectory(home_);
    }
    if (!inside(s_.ui.path_buffer)) std::snprintf(s_.ui.path_buffer, sizeof s_.ui.path_buffer, "%s/monkey.json", home_.c_str());
  }

  ui::AppState& s_;
  testing::HeadlessUi& ui_;
  std::mt19937& rng_;
  std::string home_;
};

// One pass: every view, on its own preset, kFrames / 2 frames in all. Counts
// the views whose scenario the monkey managed to change, and the messages it
// provoked, so that a monkey that only clicks on empty space is noticed.
struct PassStats {
  int edited_views = 0;
  int messages = 0;
  size_t scenarios = 0;
};

void Pass(unsigned seed, PassStats* stats) {
  const std::vector<std::pair<std::string, std::string>> views = {
      {"attention", "e9-dedupe-sort.json"}, {"attention", "e9-two-heads.json"},
      {"temperature", "e7-temperature-sweep.json"}, {"scaling", "e1-scaling.json"},
      {"selection", "e6-selection.json"}, {"multihead", "e3-gqa.json"},
      {"multihead", "e3-multihead-shapes.json"}, {"conv", "e8-svhn-bug.json"}, {"conv", "e8-dilated.json"},
      {"decoding", "e4-decoding-gqa.json"}, {"kernel", "e5-quadratic-kernel.json"},
      {"kernel", "e5-causal-linear.json"}, {"logistic", "e10-logistic-separable.json"},
      {"rnn", "e10-rnn-sgd.json"}, {"gradients", "e9-gradients-training.json"}};
  ASSERT_EQ(ui::ViewScreens().size(), 11u) << "a new view: add it to the monkey's list";
  stats->scenarios = views.size();
  const int per_view = kFrames / 2 / static_cast<int>(views.size());
  std::mt19937 rng(seed);
  for (const auto& [view, preset] : views) {
    SCOPED_TRACE(view + " on " + preset);
    ui::AppState s;
    ASSERT_TRUE(s.LoadScenario(std::string(ATTNLAB_PRESETS_DIR) + "/" + preset).ok());
    s.scenario.view = view;
    testing::HeadlessUi ui(s);
    Monkey monkey(s, ui, rng, ui::AbsolutePath(std::getenv("HOME")));
    std::string last_message;
    for (int f = 0; f < per_view; ++f) {
      monkey.Step();
      if (!s.ui.message.empty() && s.ui.message != last_message) ++stats->messages;
      last_message = s.ui.message;
    }
    if (s.CanUndo()) ++stats->edited_views;
  }
}

TEST(Monkey, TenThousandFramesOfRandomInputCrashNothingAndLeakNothing) {
  // The Save and Export dialogs suggest paths in $HOME: keep them in a scratch
  // folder (and the file browser in it: Monkey::KeepFilesAtHome).
  const std::filesystem::path home = std::filesystem::temp_directory_path() / ("attnlab-monkey-" + std::to_string(getpid()));
  std::filesystem::create_directories(home);
  setenv("HOME", home.c_str(), 1);
  PassStats warm, second;
  Pass(kSeed, &warm);  // warm-up: fonts, caches, the allocator's pools
  const size_t before = AllocatedBytes();
  Pass(kSeed, &second);  // the same events again
  const size_t after = AllocatedBytes();
  std::printf("monkey: the scenario was edited in %d of %zu scenarios per pass; %d messages shown\n",
              second.edited_views, second.scenarios, second.messages);
  EXPECT_GE(second.edited_views, 6);
  const double growth = static_cast<double>(after) - static_cast<double>(before);
  std::printf("monkey: %d frames, allocated bytes after warm-up %zu, after the second pass %zu (growth %.0f)\n", kFrames,
              before, after, growth);
  EXPECT_LT(growth, 1 << 20);
  std::filesystem::remove_all(home);
}

}  // namespace
}  // namespace attnlab
