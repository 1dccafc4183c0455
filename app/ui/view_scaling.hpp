// attnlab app: what the Scaling view keeps between frames.
#pragma once

#include "attnlab/scaling.hpp"

namespace attnlab::ui {

struct ScalingViewCache {
  bool valid = false;
  ScalingLabSettings computed_for;
  ScalingView view;  // ComputeScalingView's result, as eval prints it
  Status status;
};

}  // namespace attnlab::ui
