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
//   Temperature (E7):  the row z and the cursor T -> m, each e^{(z_j - m)/T},
//     their sum, the weights (at T = 0 the argmax and its ties) -> the entropy
//     -sum w ln w term by term -> the limits T -> 0 (argmax) and T -> inf (uniform).
//   RNN gradient (E10):  z_1, h_1, z_2, h_2, L = 1/2 (h_2 - y)^2 -> each factor
//     of dL/dw = (h_2 - y) g'(z_2) (h_1 + w g'(z_1) h_0) -> the exam's
//     (h_2 - y) g'(z_2) h_1 and when it is exact (h_0 = 0) -> w - eta dL/dw.
//   Logistic regression (E10):  L(w0) term by term -> separability, w* and its
//     margins -> L(alpha w*) at a few alpha (no minimum) -> with lambda > 0 the
//     penalised loss along alpha w* and its minimum on the grid -> the descent.
//   Scaling (E1):  E[q.k] = ||mu||^2, Var[q.k] = d sigma^4 + 2 sigma^2 ||mu||^2
//     and Var[q.k / sqrt(d)] = Var / d with the numbers in (the samples only
//     as estimates).
//   Selection (E6):  the scores, exponentials and alpha_a = alpha_b =
//     t / (2t + n - 2); two heads' average; with noisy keys, estimates only.
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
// attention, multihead (the pipeline), conv (the layer chain), temperature,
// rnn, logistic, scaling, selection, kernel, decoding and gradients (their
// labs' settings). Fails with field "view" for a view it does not know, or
// with the pipeline's or the view's own message when the scenario does not
// evaluate (gradients: no loss).
Status WriteSolution(const Scenario& scenario, SolutionFormat format, std::string* out);

}  // namespace attnlab
