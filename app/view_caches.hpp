// attnlab app: what each view keeps between frames (samples, sweeps, text
// being typed), one struct per view declared beside it in ui/view_NAME.hpp.
//
//   TemperatureViewCache& c = s.ui.caches.Get<TemperatureViewCache>();
//
// UiState holds them without knowing their types. A copy of the state (a
// picture drawn in a scratch context) starts with none: caches are
// recomputed from the scenario, never the source of a number.
#pragma once

#include <map>
#include <memory>
#include <typeindex>

namespace attnlab::ui {

class ViewCaches {
 public:
  ViewCaches() = default;
  ViewCaches(const ViewCaches&) {}
  ViewCaches& operator=(const ViewCaches&) {
    slots_.clear();
    return *this;
  }
  ViewCaches(ViewCaches&&) noexcept = default;
  ViewCaches& operator=(ViewCaches&&) noexcept = default;

  // The cache of type T, created empty on first use.
  template <typename T>
  T& Get() {
    std::shared_ptr<void>& slot = slots_[typeid(T)];
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }

 private:
  std::map<std::type_index, std::shared_ptr<void>> slots_;
};

}  // namespace attnlab::ui
