// attnlab app: what the Selection view keeps between frames.
#pragma once

#include "attnlab/selection.hpp"

namespace attnlab::ui {

struct SelectionViewCache {
  bool valid = false;
  SelectionLabSettings computed_for;
  SelectionRun run;  // SimulateSelection(SelectionSpecOf(settings))
  Status status;
};

}  // namespace attnlab::ui
