// attnlab core: the worked solution of a scenario, written out for a
// student's notes (`attnlab solve`, the window's "Write out the solution").
//
// The solution follows the pipeline in the order it computes, each stage with
// its formula, the numbers substituted and the result:
//   Attention (and Multi-head):  inputs -> Q, K, V -> scores -> weights
//     (per row: the allowed scores, the row maximum m, the exponentials
//     e^{(s_j - m)/T} and their sum; under argmax the maximum and its ties)
//     -> Z = P V -> R = Z W_O -> logits -> the targets' probabilities (as
//     e^{l_t} / sum_j e^{l_j}, written with exponents when the logits are
//     simple rationals: e^3 / (2e^3 + 4)) -> each -log p -> the loss.
//   Convolution:  each layer's output size, the formula with the numbers
//     filled in, its parameters, and the chain's mismatch with its fix.
// Matrices are LaTeX bmatrix, with exact fractions where the values are
// simple rationals (format.hpp), otherwise 4 decimals. Numbers are those
// `attnlab eval` prints (the same Evaluate / ApplyChain). The exercise's text
// opens the solution and the course's own answer, with its errata, closes it.
//
// Formats:
//   kMarkdown  CommonMark with $...$ inline and $$ ... $$ display math (the
//              dialect GitHub, Obsidian, Typora and markdown-it + KaTeX read)
//   kLatex     a whole document (article, amsmath); pdflatex compiles it
//              (text is ASCII: the few symbols the notes use are mapped)
#pragma once

#include <string>

#include "attnlab/status.hpp"

namespace attnlab {

struct Scenario;

enum class SolutionFormat { kMarkdown, kLatex };

// "md" / "markdown" and "tex" / "latex"; false otherwise.
bool SolutionFormatFromName(const std::string& name, SolutionFormat* out);

// Rows of a weight matrix worked out one by one; the rest are summarised.
inline constexpr int kSolutionDetailRows = 8;
// Heads worked out one by one (each with its Q, K, V, scores and P).
inline constexpr int kSolutionDetailHeads = 4;
// Past this many cells a matrix is described by its shape, not printed.
inline constexpr int kSolutionMaxCells = 400;

// The worked solution of `scenario` for its view. Views with a derivation:
// attention, multihead (the pipeline) and conv (the layer chain). Fails with
// field "view" for the others (their numbers are in `eval`), or with the
// pipeline's own message when the scenario does not evaluate.
Status WriteSolution(const Scenario& scenario, SolutionFormat format, std::string* out);

}  // namespace attnlab
