// attnlab app: what the Convolution view keeps between frames.
#pragma once

#include <string>
#include <vector>

#include "attnlab/conv_shape.hpp"

namespace attnlab::ui {

struct ConvViewCache {
  ConvView view;  // ComputeConvView's result, as eval prints it
  Status status;
  bool computed = false;
  ConvLabSettings computed_for;
  // The grid's animation (UI only: the saved step is the settings').
  bool playing = false;
  double play_started = 0;
  int play_step = 0;
  // The chain table: the row whose code is being typed, its text and error.
  int edit_row = -1;
  std::string edit_text, edit_error;
  std::vector<Layer> edit_layers;  // the chain when the edit began: any other change ends it
  std::string paste_text, paste_error;  // the "Paste nn.Sequential" box
  bool paste_init = false;
  std::string copied;  // "copied" note after Copy as PyTorch
};

}  // namespace attnlab::ui
