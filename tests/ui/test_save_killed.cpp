// A save or an autosave killed half-way (SIGKILL, as a crash or a power cut
// would) leaves the previous file whole: the new text goes to a temporary file
// that is renamed over the old one only when complete.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "app_state.hpp"
#include "attnlab/scenario_io.hpp"

namespace attnlab {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool TemporaryFileExists(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) return true;
  return false;
}

// Forks a child that runs `write` with the test-only pause before the rename,
// waits until its temporary file is complete on disk, and kills it there.
template <typename Write>
void KillDuringWrite(const fs::path& dir, Write write) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    setenv("ATTNLAB_TEST_PAUSE_BEFORE_RENAME_MS", "10000", 1);
    write();
    _exit(0);  // not reached in time: the parent kills first
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!TemporaryFileExists(dir) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(TemporaryFileExists(dir)) << "the child never wrote its temporary file";
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // well inside the pause
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the kill did not land during the write";
}

class SaveKilled : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("attnlab-killed-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    ASSERT_TRUE(state_.LoadScenario(std::string(ATTNLAB_PRESETS_DIR) + "/e9-dedupe-sort.json").ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  ui::AppState state_;
};

TEST_F(SaveKilled, ASaveKilledBeforeItsRenameLeavesTheOldFileWhole) {
  const fs::path file = dir_ / "session.json";
  ASSERT_TRUE(state_.SaveScenario(file.string()).ok());
  const std::string before = Read(file);
  state_.Edit().title = "an edit that never reaches the disk";
  KillDuringWrite(dir_, [&] { (void)state_.SaveScenario(file.string()); });
  EXPECT_EQ(Read(file), before);
  Scenario back;
  EXPECT_TRUE(LoadScenarioFile(file.string(), &back).ok());
}

TEST_F(SaveKilled, AnAutosaveKilledBeforeItsRenameLeavesTheOldAutosaveWhole) {
  state_.autosave_path = (dir_ / "autosave.json").string();
  state_.Edit().title = "first";
  state_.EndGesture();  // an edit is autosaved once its gesture ends
  state_.Autosave(0, /*force=*/true);
  const std::string before = Read(state_.autosave_path);
  ASSERT_NE(before.find("\"first\""), std::string::npos);
  state_.Edit().title = "second";
  state_.EndGesture();
  KillDuringWrite(dir_, [&] { state_.Autosave(1, /*force=*/true); });
  EXPECT_EQ(Read(state_.autosave_path), before);
}

}  // namespace
}  // namespace attnlab
