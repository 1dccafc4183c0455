// attnlab app: the table of views' screens, one line per core ViewModel
// (attnlab/views.hpp holds the key, title, settings codec and eval).
//
//   {"temperature", DrawTemperatureView, {"weights_vs_T", "weights_at_T"}}
//
// The sidebar, DrawView(), `render --view/--list-all`, --help and the tests
// walk it. A view's screen is app/ui/view_NAME.cpp; its UI cache (samples,
// sweeps) is a struct of its own in view_NAME.hpp, kept in UiState::caches.
#pragma once

#include <string>
#include <vector>

#include "app_state.hpp"
#include "attnlab/views.hpp"

namespace attnlab::ui {

struct ViewScreen {
  const char* key;  // its ViewModel's key

  // Contents only (no Begin/End of top-level windows); records every panel it
  // draws through ResultMatrixPanel / BeginFigurePanel, which is how `render
  // --list` and Export learn the view's panels.
  void (*draw)(AppState& state);
  // The panels presentation mode shows, in order (the lecture-hall issue lets
  // the instructor change the choice); every name is one of the view's panels.
  std::vector<std::string> presentation_panels;
  const ViewModel* model = nullptr;  // FindViewModel(key), filled in by ViewScreens()
};

// One per ViewModels() entry, in the same order.
const std::vector<ViewScreen>& ViewScreens();
// The screen of view `key`, or null.
const ViewScreen* FindViewScreen(const std::string& key);

// Draws the scenario's view; a change of the view's settings made while
// drawing (a slider, a checkbox) becomes one step of undo.
void DrawView(AppState& state);

// The views' draw functions, one file each (ui/view_<key>.cpp).
void DrawAttentionView(AppState& state);
void DrawTemperatureView(AppState& state);  // E7: scores as T sweeps
void DrawMultiHeadView(AppState& state);    // E3: heads split and combined, GQA, MQA
void DrawScalingView(AppState& state);      // E1: why q.k / sqrt(d)
void DrawKernelView(AppState& state);       // E5: kernel (linear) attention, both forms, cost
void DrawSelectionView(AppState& state);    // E6: attention as selection
void DrawGradientsView(AppState& state);    // E2(b), E9 part 5: gradients, estimators, live training
void DrawConvView(AppState& state);         // E8: convolution shapes, the sliding kernel, a network's table
void DrawDecodingView(AppState& state);     // E4: incremental decoding with a KV cache
void DrawLogisticView(AppState& state);     // E10: logistic regression on separable points has no minimum
void DrawRnnView(AppState& state);          // E10: the two-step scalar RNN's dL/dw and one SGD step

}  // namespace attnlab::ui
