// attnlab core, private: sample moments as the Monte-Carlo views print them.
#pragma once

#include "attnlab/dot_product_stats.hpp"
#include "attnlab/report.hpp"

namespace attnlab {

// {n, mean, mean_se, variance, variance_se} under `name`.
inline void AddMoments(Report& r, const char* name, const SampleMoments& m) {
  Report& s = r.AddSection(name);
  s.AddInteger("n", m.n);
  s.AddNumber("mean", m.mean);
  s.AddNumber("mean_se", m.mean_se);
  s.AddNumber("variance", m.variance);
  s.AddNumber("variance_se", m.variance_se);
}

}  // namespace attnlab
