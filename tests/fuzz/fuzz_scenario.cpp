// libFuzzer: scenario text -> load -> evaluate every view -> save -> load: equal.
//
// Any text: a crash, a sanitizer report, an exception escaping or a scenario
// that does not come back equal from its own file is a finding. The views'
// Monte-Carlo counts are cut down before evaluating (the paths are the same;
// 5000 samples per input would only slow the search).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "attnlab/scaling.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/selection.hpp"
#include "attnlab/temperature.hpp"
#include "attnlab/views.hpp"

namespace {

void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_scenario: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void CutMonteCarlo(attnlab::Scenario* s) {
  {  // absent settings mean the defaults, which are as costly: cut those too
    attnlab::ScalingLabSettings* c = &s->views.Get<attnlab::ScalingLabSettings>();
    c->samples = std::min(c->samples, 64);
    c->d = std::min(c->d, 64);
    c->max_d = std::min(c->max_d, 16);
    c->keys = std::min(c->keys, 4);
    if (static_cast<int>(c->mu_components.size()) != c->d) c->mu_components.clear();
  }
  {
    attnlab::SelectionLabSettings* c = &s->views.Get<attnlab::SelectionLabSettings>();
    c->samples = std::min(c->samples, 32);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  attnlab::Scenario s;
  if (!attnlab::ParseScenario(text, &s).ok()) return 0;

  const std::string saved = attnlab::ScenarioToJson(s);
  attnlab::Scenario back;
  const attnlab::Status st = attnlab::ParseScenario(saved, &back);
  if (!st.ok()) Fail("a loaded scenario does not load from its own file", st.ToString() + "\n" + saved);
  if (!(back == s)) Fail("a scenario does not come back equal from its own file", saved);
  if (attnlab::ScenarioToJson(back) != saved) Fail("saving twice gives two texts", saved);

  CutMonteCarlo(&s);
  attnlab::Result r;
  if (!attnlab::Evaluate(s, &r).ok()) return 0;
  for (const attnlab::ViewModel* v : attnlab::ViewModels()) {
    std::string out;
    (void)attnlab::EvalToJson(s, r, v->key, &out);
  }
  return 0;
}
