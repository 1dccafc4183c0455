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
#include <map>
#include <string>
#include <vector>

#include "attnlab/scaling.hpp"
#include "attnlab/limits.hpp"
#include "attnlab/practice.hpp"
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
  // Practice on the scenario's view, with whatever sheets the file holds:
  // every item's truth, givens, marks and hints (practice.hpp).
  attnlab::PracticeContext ctx;
  std::vector<attnlab::PracticeItem> items;
  if (!attnlab::MakePracticeContext(s, r, &ctx).ok() || !attnlab::PracticeItems(ctx, &items).ok()) return 0;
  std::map<std::string, attnlab::Matrix> earlier;
  for (const attnlab::PracticeItem& it : items) {
    if (!it.unavailable.empty()) continue;
    attnlab::Matrix truth;
    if (!attnlab::PracticeTruth(ctx, it, &truth).ok() || truth.rows() != it.rows || truth.cols() != it.cols)
      Fail("an available practice item has no truth of its shape", s.view + ": " + it.target);
    if (it.cols > attnlab::kMaxPracticeColumns || it.rows * it.cols > attnlab::kMaxPracticeCells)
      Fail("an available practice item is larger than a sheet", s.view + ": " + it.target);
    std::vector<attnlab::PracticeGiven> givens;
    (void)attnlab::PracticeGivens(ctx, it, earlier, &givens);
    auto sheet = s.practice.sheets.find(s.view + ":" + it.target);
    if (sheet != s.practice.sheets.end() && sheet->second.rows == it.rows && sheet->second.cols == it.cols) {
      attnlab::StageMarks marks;
      if (attnlab::CheckPractice(ctx, it, sheet->second.cells, it.rows, it.cols, earlier, &marks).ok() && it.stage) {
        attnlab::Matrix mine(it.rows, it.cols);
        for (int k = 0; k < it.rows * it.cols; ++k) {
          attnlab::Answer a;
          mine(k / it.cols, k % it.cols) = attnlab::ParseAnswer(sheet->second.cells[k], &a).ok() ? a.value : 0.0;
        }
        earlier[it.target] = mine;  // the later stages checked against these
      }
    }
    for (int level = 1; level <= 3; ++level) (void)attnlab::PracticeHint(ctx, it, it.rows - 1, it.cols - 1, level, earlier);
  }
  return 0;
}
