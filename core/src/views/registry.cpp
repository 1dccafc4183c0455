// The table of views (views.hpp). A new view adds its ViewModel here, in the
// order the sidebar lists views, and one line to app/ui/views.cpp.
#include "attnlab/views.hpp"

#include "attnlab/scenario.hpp"

namespace attnlab {

extern const ViewModel kAttentionView;
extern const ViewModel kTemperatureView;
extern const ViewModel kMultiHeadView;
extern const ViewModel kScalingView;
extern const ViewModel kKernelView;
extern const ViewModel kSelectionView;
extern const ViewModel kGradientsView;
extern const ViewModel kConvView;
extern const ViewModel kDecodingView;
extern const ViewModel kLogisticView;
extern const ViewModel kRnnView;

const std::vector<const ViewModel*>& ViewModels() {
  static const std::vector<const ViewModel*> kViews = {
      &kAttentionView,
      &kTemperatureView,
      &kMultiHeadView,
      &kScalingView,
      &kKernelView,
      &kSelectionView,
      &kGradientsView,
      &kConvView,
      &kDecodingView,
      &kLogisticView,
      &kRnnView,
  };
  return kViews;
}

const ViewModel* FindViewModel(const std::string& key) {
  for (const ViewModel* v : ViewModels())
    if (key == v->key) return v;
  return nullptr;
}

std::string ViewKeyList() {
  std::string list;
  for (const ViewModel* v : ViewModels()) list += (list.empty() ? "" : ", ") + std::string(v->key);
  return list;
}

Status EvaluateView(const Scenario& scenario, const Result& result, const std::string& view, Report* out) {
  const std::string key = view.empty() ? scenario.view : view;
  const ViewModel* model = FindViewModel(key);
  if (!model) return Status::Error("view", "unknown view \"" + key + "\" (views: " + ViewKeyList() + ")");
  return model->evaluate(scenario, result, out);
}

}  // namespace attnlab
