#include "app_state.hpp"

#include "attnlab/scenario_io.hpp"

namespace attnlab::ui {

bool AppState::Recompute() {
  if (!dirty) return false;
  dirty = false;
  Result fresh;
  status = Evaluate(scenario, &fresh);
  if (status.ok()) {
    derived = std::move(fresh);
    has_result = true;
  }
  return true;
}

Status AppState::LoadScenario(const std::string& path) {
  Scenario loaded;
  Status st = LoadScenarioFile(path, &loaded);
  if (!st.ok()) return st;
  scenario = std::move(loaded);
  scenario_path = path;
  if (scenario.attention.temperature > 0) ui.remembered_temperature = scenario.attention.temperature;
  has_result = false;
  MarkDirty();
  Recompute();
  return Status::Ok();
}

}  // namespace attnlab::ui
