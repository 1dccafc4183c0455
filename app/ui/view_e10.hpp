// attnlab app: what E10's two views (Logistic regression, RNN gradient) keep
// between frames.
#pragma once

#include "attnlab/e10_lab.hpp"

namespace attnlab::ui {

struct LogisticViewCache {
  LogisticLabView view;  // ComputeLogisticLab's result, as eval prints it
  Status status;
  bool computed = false;
  LogisticLabSettings computed_for;
  int dragging = -1;     // the point being dragged, or -1
  double range = 0;      // the canvas shows [-range, range]^2; kept still during a drag
};

struct RnnViewCache {
  RnnLabView view;
  Status status;
  bool computed = false;
  RnnLabSettings computed_for;
};

}  // namespace attnlab::ui
