// The labs' objects in scenario files: read, checked, written back.
#include <gtest/gtest.h>

#include <string>

#include "attnlab/scenario.hpp"
#include "attnlab/scaling.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/selection.hpp"
#include "attnlab/temperature.hpp"

namespace attnlab {
namespace {

const std::string kInput = R"("Q": [[1, 0]], "K": [[1, 0]], "V": [[1, 0]])";

Status ParseWith(const std::string& extra, Scenario* s) { return ParseScenario("{" + kInput + ", " + extra + "}", s); }

TEST(LabSettingsIo, AbsentObjectsStayAbsent) {
  Scenario s;
  ASSERT_TRUE(ParseScenario("{" + kInput + "}", &s).ok());
  EXPECT_EQ(s.views.Find<TemperatureLabSettings>(), nullptr);
  EXPECT_EQ(s.views.Find<ScalingLabSettings>(), nullptr);
  EXPECT_EQ(s.views.Find<SelectionLabSettings>(), nullptr);
  EXPECT_EQ(ScenarioToJson(s).find("_lab"), std::string::npos);
}

TEST(LabSettingsIo, EveryFieldSurvivesARoundTrip) {
  Scenario s;
  const Status st = ParseWith(
      R"("temperature_lab": {"row": 2, "scores": [1, -2, 5, 0], "t_min": 0.01, "t_max": 50, "cursor": 0.5,
                              "whole_matrix": true},
         "scaling_lab": {"d": 4, "mu": 0.5, "mu_components": [1, 2, 3, 4], "sigma": 2, "samples": 300,
                         "max_d": 64, "keys": 8, "seed": 9},
         "selection_lab": {"n": 5, "a": 1, "b": 3, "t": 20, "s": 30, "two_heads": true, "alpha": 0.01,
                           "c_a": 0.5, "c_b": 0.25, "c_other": 0.125, "query": [1, 2, 3, 4, 5],
                           "samples": 700, "seed": 12})",
      &s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  Scenario back;
  ASSERT_TRUE(ParseScenario(ScenarioToJson(s), &back).ok()) << ScenarioToJson(s);
  for (const Scenario* x : {&s, &back}) {
    ASSERT_TRUE(x->views.Find<TemperatureLabSettings>() && x->views.Find<ScalingLabSettings>() &&
                x->views.Find<SelectionLabSettings>());
    const TemperatureLabSettings& t = *x->views.Find<TemperatureLabSettings>();
    EXPECT_EQ(t.row, 2);
    EXPECT_EQ(t.scores, (std::vector<double>{1, -2, 5, 0}));
    EXPECT_EQ(t.t_min, 0.01);
    EXPECT_EQ(t.t_max, 50);
    EXPECT_EQ(t.cursor, 0.5);
    EXPECT_TRUE(t.whole_matrix);
    const ScalingLabSettings& c = *x->views.Find<ScalingLabSettings>();
    EXPECT_EQ(c.d, 4);
    EXPECT_EQ(c.mu, 0.5);
    EXPECT_EQ(c.mu_components, (std::vector<double>{1, 2, 3, 4}));
    EXPECT_EQ(c.sigma, 2);
    EXPECT_EQ(c.samples, 300);
    EXPECT_EQ(c.max_d, 64);
    EXPECT_EQ(c.keys, 8);
    EXPECT_EQ(c.seed, 9u);
    const SelectionLabSettings& e = *x->views.Find<SelectionLabSettings>();
    EXPECT_EQ(e.n, 5);
    EXPECT_EQ(e.a, 1);
    EXPECT_EQ(e.b, 3);
    EXPECT_EQ(e.t, 20);
    EXPECT_EQ(e.s, 30);
    EXPECT_TRUE(e.two_heads);
    EXPECT_EQ(e.alpha, 0.01);
    EXPECT_EQ(e.c_a, 0.5);
    EXPECT_EQ(e.c_b, 0.25);
    EXPECT_EQ(e.c_other, 0.125);
    EXPECT_EQ(e.query, (std::vector<double>{1, 2, 3, 4, 5}));
    EXPECT_EQ(e.samples, 700);
    EXPECT_EQ(e.seed, 12u);
  }
}

TEST(LabSettingsIo, AnEmptyObjectMeansTheDefaults) {
  Scenario s;
  ASSERT_TRUE(ParseWith(R"("scaling_lab": {})", &s).ok());
  ASSERT_TRUE(s.views.Find<ScalingLabSettings>());
  EXPECT_EQ(s.views.Find<ScalingLabSettings>()->d, ScalingLabSettings().d);
}

TEST(LabSettingsIo, UnknownKeysAndBadValuesNameTheirPath) {
  Scenario s;
  EXPECT_EQ(ParseWith(R"("scaling_lab": {"dim": 3})", &s).field(), "scaling_lab.dim");
  EXPECT_EQ(ParseWith(R"("temperature_lab": {"tmin": 3})", &s).field(), "temperature_lab.tmin");
  EXPECT_EQ(ParseWith(R"("selection_lab": {"u": 3})", &s).field(), "selection_lab.u");
  EXPECT_EQ(ParseWith(R"("scaling_lab": {"d": 0})", &s).field(), "scaling_lab.d");
  EXPECT_EQ(ParseWith(R"("scaling_lab": {"sigma": "big"})", &s).field(), "scaling_lab.sigma");
  EXPECT_EQ(ParseWith(R"("scaling_lab": {"d": 3, "mu_components": [1, 2]})", &s).field(), "scaling_lab.mu_components");
  EXPECT_EQ(ParseWith(R"("temperature_lab": {"t_min": 10, "t_max": 1})", &s).field(), "temperature_lab.t_max");
  EXPECT_EQ(ParseWith(R"("temperature_lab": {"scores": [1, "x"]})", &s).field(), "temperature_lab.scores[1]");
  EXPECT_EQ(ParseWith(R"("selection_lab": {"a": 2, "b": 2})", &s).field(), "selection_lab.b");
  EXPECT_EQ(ParseWith(R"("selection_lab": {"n": 4, "a": 5})", &s).field(), "selection_lab.a");
  EXPECT_EQ(ParseWith(R"("selection_lab": {"c_a": -1})", &s).field(), "selection_lab.c_a");
  EXPECT_EQ(ParseWith(R"("selection_lab": {"seed": -1})", &s).field(), "selection_lab.seed");
  EXPECT_EQ(ParseWith(R"("selection_lab": 3)", &s).field(), "selection_lab");
}

}  // namespace
}  // namespace attnlab
