// attnlab app: "read the maths" - how a result cell was computed, written out
// with the actual numbers of the scenario (for tooltips and the side panel).
#pragma once

#include <string>

#include "attnlab/format.hpp"
#include "attnlab/matrix.hpp"
#include "attnlab/scenario.hpp"

namespace attnlab::ui {

// C[i][k] = sum_m A[i][m] B[m][k], with every term (up to a handful, then "...").
std::string ExplainProduct(const std::string& c, const std::string& a, const std::string& b, const Matrix& A,
                           const Matrix& B, int i, int k, NumberStyle style);

// A weight P[i][j]: the score, the row maximum, the exponentials and their sum
// (or, at T = 0, the tied maxima).
std::string ExplainWeight(const HeadResult& head, double temperature, int i, int j, NumberStyle style);

// A score s[i][j] = scale * q_i . k_j, term by term.
std::string ExplainScore(const HeadResult& head, int i, int j, NumberStyle style);

// probs[i][j] = exp(logit_j - max) / sum over the row.
std::string ExplainProb(const Result& r, int i, int j, NumberStyle style);

// One loss term: -log p (and the label-smoothing part).
std::string ExplainLossTerm(const Scenario& s, const LossTerm& t, NumberStyle style);

}  // namespace attnlab::ui
