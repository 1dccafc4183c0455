#include "app_state.hpp"

#include "attnlab/scenario_io.hpp"

namespace attnlab::ui {

bool AppState::Recompute() {
  if (!dirty) return false;
  dirty = false;
  ++revision;
  if (has_result && SameLogits(evaluated, scenario)) {
    // Only the loss (or nothing Evaluate reads) changed: keep the attention.
    status = EvaluateLoss(scenario, &derived);
    return true;
  }
  Result fresh;
  status = Evaluate(scenario, &fresh);
  if (status.ok()) {
    derived = std::move(fresh);
    evaluated = scenario;
    has_result = true;
  }
  return true;
}

Scenario& AppState::Edit() {
  if (!gesture_open) {
    gesture_before = scenario;
    gesture_open = true;
  }
  edited = true;
  dirty = true;
  return scenario;
}

void AppState::EndGesture() {
  if (!gesture_open) return;
  gesture_open = false;
  undo.push_back(std::move(gesture_before));
  if (undo.size() > kUndoDepth) undo.erase(undo.begin());
  redo.clear();
  autosave_pending = true;
  edited = scenario != saved;  // an edit undone by hand (typed back) leaves no mark
}

void AppState::Undo() {
  EndGesture();
  if (undo.empty()) return;
  redo.push_back(std::move(scenario));
  scenario = std::move(undo.back());
  undo.pop_back();
  ui.tokens_text_valid = false;  // the typed sequence follows the scenario back
  edited = scenario != saved;
  dirty = true;
  autosave_pending = true;
}

void AppState::Redo() {
  EndGesture();
  if (redo.empty()) return;
  undo.push_back(std::move(scenario));
  scenario = std::move(redo.back());
  redo.pop_back();
  ui.tokens_text_valid = false;
  edited = scenario != saved;
  dirty = true;
  autosave_pending = true;
}

Status AppState::SaveScenario(const std::string& path) {
  const Status st = WriteFileAtomic(path, ScenarioToJson(scenario));
  if (st.ok()) {
    scenario_path = path;
    saved = scenario;
    edited = false;
  }
  return st;
}

void AppState::Autosave(double now, bool force) {
  if (autosave_path.empty() || !autosave_pending) return;
  if (autosave_due == 0) autosave_due = now + 1.0;  // at most one write a second
  if (!force && now < autosave_due) return;
  autosave_pending = false;
  autosave_due = 0;
  WriteFileAtomic(autosave_path, ScenarioToJson(scenario));  // best effort: never in the way
}

Status AppState::LoadScenario(const std::string& path) {
  Scenario loaded;
  Status st = LoadScenarioFile(path, &loaded);
  if (!st.ok()) return st;
  EndGesture();
  if (edited) {
    // Never lose edits silently: the edited scenario stays one undo away.
    undo.push_back(scenario);
    if (undo.size() > kUndoDepth) undo.erase(undo.begin());
    redo.clear();
    ui.message = "Your edits to \"" + scenario.title + "\" are kept: Ctrl+Z brings them back.";
  }
  const bool practising = scenario.practice.on;
  scenario = std::move(loaded);
  // A student going through the exercises keeps practising: the next one
  // opens on its sheet (as if the file said so; not an edit).
  if (practising && scenario.practice == PracticeState()) scenario.practice.on = true;
  saved = scenario;
  edited = false;
  ui.tokens_text_valid = false;
  ui.editors.clear();
  scenario_path = path;
  if (scenario.attention.temperature > 0) ui.remembered_temperature = scenario.attention.temperature;
  has_result = false;
  MarkDirty();
  Recompute();
  autosave_pending = true;
  return Status::Ok();
}

}  // namespace attnlab::ui
