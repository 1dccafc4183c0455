// attnlab core: scenario files (JSON) and the `attnlab eval` output.
//
// A scenario is one JSON object; matrices are arrays of rows. Unknown keys,
// wrong types and ragged rows are errors naming the JSON path
// ("heads[1].W_K[2]: expected 2 numbers (like row 0), got 3"). This file is the
// only place in core that knows JSON or touches the disk.
#pragma once

#include <string>

#include "attnlab/scenario.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

// Largest scenario file read: far beyond any real preset, small enough that a
// mistaken path to a huge file fails at once.
inline constexpr long long kMaxScenarioBytes = 64ll << 20;

Status ParseScenario(const std::string& json_text, Scenario* scenario);
Status LoadScenarioFile(const std::string& path, Scenario* scenario);

// Pretty JSON that ParseScenario reads back to the same scenario.
std::string ScenarioToJson(const Scenario& scenario);

// Writes `text` to `path` atomically: a temporary file in the same folder,
// flushed, then renamed over the target, so a crash leaves the old file whole.
Status WriteFileAtomic(const std::string& path, const std::string& text);

// The `attnlab eval` object: Q, K, V, scores (masked entries null), weights,
// output, R, logits, probs, loss, token_losses, argmax, heads (when several),
// diagnostics. Non-finite numbers are written as null.
std::string ResultToJson(const Scenario& scenario, const Result& result, int indent = 2);

// `attnlab eval`: ResultToJson's object with "views": {"<key>": {...}}, the
// numbers of the scenario's view (or of `view` when not empty) as that view
// computes them (views.hpp). Fails naming "view" for an unknown key, or with
// the view's own message.
Status EvalToJson(const Scenario& scenario, const Result& result, const std::string& view, std::string* out,
                  int indent = 2);

}  // namespace attnlab
