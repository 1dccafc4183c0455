// attnlab app: key events, one change of a key per frame.
//
// ImGui 1.86 reads the state of each key once a frame (io.KeysDown), so a key
// pressed and released between two frames, as a presenter's clicker, a remote
// desktop or a script sends it, is never seen down. The platform layer pushes
// every key event here and, before each frame, delivers events in order until
// one would change a key that already changed this frame: the press is seen
// by one frame, the release by the next. Knows nothing of GLFW or ImGui.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

namespace attnlab::ui {

struct KeyEvent {
  int key = 0;
  int scancode = 0;
  int action = 0;  // kKeyRelease, kKeyPress or kKeyRepeat (GLFW's values)
  int mods = 0;
};

inline constexpr int kKeyRelease = 0, kKeyPress = 1, kKeyRepeat = 2;

class KeyQueue {
 public:
  void Push(const KeyEvent& e) { pending_.push_back(e); }
  bool Empty() const { return pending_.empty(); }
  size_t Size() const { return pending_.size(); }

  // Hands `deliver(event)` this frame's share of the events, oldest first.
  // Repeats change nothing and always pass; a second press or release of a key
  // waits for the next frame, and so does everything after it (order is kept).
  template <typename Deliver>
  void DeliverFrame(Deliver&& deliver) {
    changed_.clear();
    while (!pending_.empty()) {
      const KeyEvent& e = pending_.front();
      if (e.action != kKeyRepeat) {
        bool seen = false;
        for (int k : changed_) seen = seen || k == e.key;
        if (seen) break;
        changed_.push_back(e.key);
      }
      deliver(e);
      pending_.pop_front();
    }
  }

 private:
  std::deque<KeyEvent> pending_;
  std::vector<int> changed_;
};

}  // namespace attnlab::ui
