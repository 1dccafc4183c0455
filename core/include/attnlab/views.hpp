// attnlab core: the table of views, the part of each view that needs no screen.
//
// A view is its maths (attnlab/NAME.hpp), its settings type and codec, and
// what `attnlab eval` prints of it, under "views.<key>":
//
//   core/include/attnlab/NAME.hpp, core/src/NAME.cpp   maths, settings, Compute...()
//   core/src/views/NAME_view.cpp                       codec (JSON), Report, the ViewModel
//   core/src/views/registry.cpp                        one line: &kNAMEView
//
// The app's table (app/ui/views.hpp) adds the screen: one line per ViewModel.
// Every loop over views (the scenario reader and writer, eval, render
// --list-all, --help, the sidebar, the tests) walks these tables.
#pragma once

#include <string>
#include <vector>

#include "attnlab/report.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

struct Scenario;
struct Result;
struct SettingsCodec;  // core/src/views/json_io.hpp: JSON stays inside core

// A computed quantity a student can be asked to work out by hand: the name of
// an entry of the view's eval output (top level for the Attention view, else
// under views.<key>) and what it is. Practice mode (practice.hpp) asks for
// it, showing `givens` beside the blank cells.
struct PracticeTarget {
  const char* name;   // "weights", "cursor_weights", "closed_form.variance"
  const char* what;   // "P = softmax(scores / T)"
  // The eval entries the practice sheet shows as the question's data ("z",
  // "cursor"): what a student needs, never the answer or what follows from it.
  std::vector<const char*> givens = {};
  // Relative slack for a long computation by hand whose intermediate rounding
  // moves the last digits (a descent of many steps); 0 = the digits rule alone.
  double tolerance = 0;
};

struct ViewModel {
  const char* key;      // "temperature": the scenario's "view", eval's views.<key>
  const char* title;    // "Temperature"
  const char* summary;  // one line for --help and the sidebar's tooltip
  // The settings object in a scenario file ("temperature_lab"), read and
  // written by `codec`; both null for a view with no settings of its own.
  const char* settings_key;
  const SettingsCodec* codec;
  // What the view computes, from the same functions its screen draws. `result`
  // is the attention pipeline's, already evaluated without error.
  Status (*evaluate)(const Scenario& scenario, const Result& result, Report* out);
  // The bounds on the counts the view adds (samples, keys, grid sizes), checked
  // when a scenario is read; null = its codec's per-field checks are all.
  Status (*check_limits)(const Scenario& scenario);
  std::vector<PracticeTarget> practice;
};

// Every view, in the order the sidebar shows them; the first is the default.
const std::vector<const ViewModel*>& ViewModels();
// The view with this key, or null.
const ViewModel* FindViewModel(const std::string& key);
// "attention, temperature, scaling, selection": for messages.
std::string ViewKeyList();

// views.<key> of `scenario.view` (or of `view` when given): fails naming
// "view" for an unknown key, or with the view's own message.
Status EvaluateView(const Scenario& scenario, const Result& result, const std::string& view, Report* out);

}  // namespace attnlab
