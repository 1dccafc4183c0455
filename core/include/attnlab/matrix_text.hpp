// attnlab core: matrices as text, for pasting into the window, copying out of
// it, and the command line's `--format`.
//
//   ParseMatrixText:  text -> Matrix (n, m), the format guessed from the text
//   FormatMatrixText: Matrix (n, m) -> LaTeX | CSV | NumPy | Markdown
//
// Pasted text comes from anywhere (a spreadsheet, a Python session, a LaTeX
// source), so the parser guesses the format instead of asking. Messages count
// rows and columns from 1, as a person counts the lines of the text they
// pasted ("row 2, column 1: \"abc\" is not a number"). Input must be finite:
// a masked score is made by the mask, never typed, so inf and NaN are refused
// with the cell that holds them.
#pragma once

#include <string>
#include <vector>

#include "attnlab/matrix.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

// A paste past these is a mistake (the wrong file, a whole log), and its
// matrix could not be drawn anyway; refused before any work is done.
inline constexpr long long kMaxMatrixTextBytes = 4ll << 20;
inline constexpr int kMaxMatrixTextSide = 4096;  // rows and columns alike

// Reads a matrix from text in any of these forms (surrounding blank lines and
// spaces are ignored):
//   CSV            1, 2\n3, 4       (also `;` as the separator, quoted cells)
//   rows of text   1 2\n3 4         (spaces or tabs, e.g. pasted from a spreadsheet)
//   NumPy/Python   array([[1., 2.], [3., 4.]]), np.array(..., dtype=float64),
//                  [[1, 2], [3, 4]], print() output [[1 2]\n [3 4]], tensor(...)
//   LaTeX          \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}; pmatrix, matrix,
//                  Bmatrix, vmatrix, smallmatrix, array{cc}; cells may be
//                  \frac{1}{3}, -\tfrac{1}{2}, \dfrac{..}{..}
//   one number     -1/3   (a 1x1 matrix)
// Every number may be a decimal, scientific (1e-3) or a fraction (-2/7).
// Lines starting with '#' (CSV, rows) and '%' comments (LaTeX) are skipped, so
// the blocks `attnlab eval --format csv|latex` prints paste back.
// On failure `*out` is unchanged and the Status (field "") says what and where.
Status ParseMatrixText(const std::string& text, Matrix* out);

// One number as typed into a cell: decimal, scientific, fraction (1/3), a
// leading + or -, spaces around. Rejects empty text, division by zero, NaN,
// infinity and anything after the number. On failure `*out` is unchanged.
Status ParseNumberText(const std::string& text, double* out);

enum class MatrixTextFormat {
  kLatex,     // \begin{bmatrix} 1 & \frac{1}{2} \\ ... \end{bmatrix}; exact fractions where simple
  kCsv,       // 1,0.5 per row; every number the shortest text that reads back to the same double
  kNumpy,     // np.array([[1.0, 0.5], ...]); numbers as in CSV
  kMarkdown,  // a table, columns and rows headed by their index (or the labels given)
};

// Text ending in a newline. Masked (-inf) and other non-finite entries are
// written -\infty, -inf, -np.inf, −∞ (and NaN as \mathrm{NaN}, nan, np.nan, NaN).
// `digits`: decimals for the entries that are not simple rationals, in LaTeX
// and Markdown (CSV and NumPy are always exact); kFullPrecision makes LaTeX
// exact too. Numbers fixed notation cannot show are scientific (1e+100,
// 10^{100}), never a run of digits or a misleading 0.
// ParseMatrixText reads CSV, NumPy and full-precision LaTeX back to the same
// matrix, bit for bit, and LaTeX to within `digits` (exactly where every entry
// is a simple rational). Markdown is for reading, not for pasting back.
// Returns "" only when memory runs out.
inline constexpr int kFullPrecision = -1;
std::string FormatMatrixText(const Matrix& m, MatrixTextFormat format, int digits = 4);

// The same, with Markdown's rows and columns headed by labels (e.g. tokens)
// instead of indices; a label list of the wrong length falls back to indices.
// The other formats have no place for labels and ignore them.
std::string FormatMatrixText(const Matrix& m, MatrixTextFormat format, const std::vector<std::string>& row_labels,
                             const std::vector<std::string>& col_labels, int digits = 4);

// "latex", "csv", "numpy", "markdown" (exactly these, lower case).
bool MatrixTextFormatFromName(const std::string& name, MatrixTextFormat* out);
const char* MatrixTextFormatName(MatrixTextFormat format);

}  // namespace attnlab
