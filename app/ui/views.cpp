#include "ui/views.hpp"

#include <imgui.h>

namespace attnlab::ui {

const std::vector<ViewScreen>& ViewScreens() {
  static const std::vector<ViewScreen> kScreens = [] {
    std::vector<ViewScreen> screens = {
        // ("P": every head's P in a scenario with several)
        {"attention", DrawAttentionView, {"P", "loss"}},
        {"temperature", DrawTemperatureView, {"weights_vs_T", "weights_at_T"}},
        {"multihead", DrawMultiHeadView, {"P", "shapes"}},  // (presets with heads put "avg_P" first)
        {"scaling", DrawScalingView, {"histogram_raw", "histogram_scaled"}},
        // the similarities, and the difference of the two forms (round-off for an exact map)
        {"kernel", DrawKernelView, {"sim", "difference"}},
        {"selection", DrawSelectionView, {"weights", "output_drift"}},
        // the gradient sizes (vanishing under a saturated softmax), dL/dscores, the training loss
        {"gradients", DrawGradientsView, {"grad_sizes", "grad_scores", "train_loss"}},
        // one layer: the grid (with the size's formula); a network shows its first slide, the table
        {"conv", DrawConvView, {"grid"}},
        {"decoding", DrawDecodingView, {"weights", "cache_K", "cache_V"}},
        {"logistic", DrawLogisticView, {"points", "loss_along", "norm_vs_steps"}},
        {"rnn", DrawRnnView, {"factors", "sgd_step"}},
    };
    for (ViewScreen& v : screens) v.model = FindViewModel(v.key);
    return screens;
  }();
  return kScreens;
}

const ViewScreen* FindViewScreen(const std::string& key) {
  for (const ViewScreen& v : ViewScreens())
    if (key == v.key) return &v;
  return nullptr;
}

void DrawView(AppState& s) {
  const ViewScreen* screen = FindViewScreen(s.scenario.view);
  if (!screen) screen = &ViewScreens().front();
  // The view changes its settings in place; afterwards a change is handed to
  // AppState::Edit() with the settings as they were before, so that it is one
  // step of undo like any other edit. (A view opening with its default
  // settings adds them, which is not an edit.)
  const ViewSettings before = s.scenario.views;
  screen->draw(s);
  if (s.scenario.views == before || s.scenario.views.OnlyAddsTo(before)) return;
  ViewSettings after = std::move(s.scenario.views);
  s.scenario.views = before;
  s.Edit().views = std::move(after);
}

}  // namespace attnlab::ui
