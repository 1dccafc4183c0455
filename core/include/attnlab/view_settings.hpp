// attnlab core: the settings that belong to one view, held in a scenario.
//
//   Scenario::views   { TemperatureLabSettings, ScalingLabSettings, ... }   at most one of each type
//
// A view's settings type is its own (declared in its header beside its maths):
// the scenario does not list them, so adding a view never edits Scenario.
// Value semantics: a copy is deep (undo snapshots copy scenarios), and two
// collections are equal when they hold the same types with equal values (each
// settings type has an operator==). An absent entry means "the defaults, not
// written to the file".
#pragma once

#include <map>
#include <memory>
#include <typeindex>
#include <utility>

namespace attnlab {

class ViewSettings {
 public:
  ViewSettings() = default;
  ViewSettings(const ViewSettings& other) {
    for (const auto& [type, slot] : other.slots_) slots_.emplace(type, slot->Clone());
  }
  ViewSettings& operator=(const ViewSettings& other) {
    if (this != &other) {
      ViewSettings copy(other);
      slots_.swap(copy.slots_);
    }
    return *this;
  }
  ViewSettings(ViewSettings&&) noexcept = default;
  ViewSettings& operator=(ViewSettings&&) noexcept = default;

  // The settings of type T, or null when the scenario has none.
  template <typename T>
  const T* Find() const {
    const auto it = slots_.find(typeid(T));
    return it == slots_.end() ? nullptr : &static_cast<const Holder<T>&>(*it->second).value;
  }
  template <typename T>
  T* Find() {
    const auto it = slots_.find(typeid(T));
    return it == slots_.end() ? nullptr : &static_cast<Holder<T>&>(*it->second).value;
  }
  // The settings of type T, created with their defaults when absent.
  template <typename T>
  T& Get() {
    std::unique_ptr<Slot>& slot = slots_[typeid(T)];
    if (!slot) slot = std::make_unique<Holder<T>>(T{});
    return static_cast<Holder<T>&>(*slot).value;
  }
  template <typename T>
  void Set(T value) {
    slots_[typeid(T)] = std::make_unique<Holder<T>>(std::move(value));
  }
  template <typename T>
  void Erase() {
    slots_.erase(typeid(T));
  }
  size_t size() const { return slots_.size(); }

  friend bool operator==(const ViewSettings& a, const ViewSettings& b) {
    if (a.slots_.size() != b.slots_.size()) return false;
    for (const auto& [type, slot] : a.slots_) {
      const auto it = b.slots_.find(type);
      if (it == b.slots_.end() || !slot->Equals(*it->second)) return false;
    }
    return true;
  }
  friend bool operator!=(const ViewSettings& a, const ViewSettings& b) { return !(a == b); }

  // True when `*this` is `before` with entries added and none changed: a view
  // opening with its defaults, which is not an edit.
  bool OnlyAddsTo(const ViewSettings& before) const {
    for (const auto& [type, slot] : before.slots_) {
      const auto it = slots_.find(type);
      if (it == slots_.end() || !slot->Equals(*it->second)) return false;
    }
    return true;
  }

 private:
  struct Slot {
    virtual ~Slot() = default;
    virtual std::unique_ptr<Slot> Clone() const = 0;
    virtual bool Equals(const Slot& other) const = 0;  // `other` holds the same type
  };
  template <typename T>
  struct Holder final : Slot {
    explicit Holder(T v) : value(std::move(v)) {}
    std::unique_ptr<Slot> Clone() const override { return std::make_unique<Holder>(value); }
    bool Equals(const Slot& other) const override { return value == static_cast<const Holder&>(other).value; }
    T value;
  };
  std::map<std::type_index, std::unique_ptr<Slot>> slots_;
};

}  // namespace attnlab
