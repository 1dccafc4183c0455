// attnlab app: what the Temperature view keeps between frames.
#pragma once

#include <string>

#include "attnlab/temperature.hpp"

namespace attnlab::ui {

struct TemperatureViewCache {
  TemperatureView view;  // ComputeTemperatureView's result, as eval prints it
  Status status;
  // What the whole-matrix part was computed from (the sweep is the costly part).
  bool computed = false;
  TemperatureLabSettings computed_for;
  Matrix computed_scores;
  std::string typed_text;  // the "typed row" box
  bool typed_text_init = false;
};

}  // namespace attnlab::ui
