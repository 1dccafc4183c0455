// libFuzzer: pasted matrix text -> parse -> format in every format -> parse.
//
// CSV, NumPy and full-precision LaTeX must read back bit for bit; 4-digit
// LaTeX to its precision (half a unit of the 4th decimal, or of the 4th
// significant digit in scientific notation); Markdown, which is for reading,
// must at least be written.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "attnlab/matrix_text.hpp"

namespace {

void Fail(const char* what, const std::string& text) {
  std::fprintf(stderr, "fuzz_matrix_text: %s\n%s\n", what, text.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace attnlab;
  Matrix m;
  if (!ParseMatrixText(std::string(reinterpret_cast<const char*>(data), size), &m).ok()) return 0;
  for (MatrixTextFormat f : {MatrixTextFormat::kCsv, MatrixTextFormat::kNumpy, MatrixTextFormat::kLatex}) {
    const std::string text = FormatMatrixText(m, f, kFullPrecision);
    Matrix back;
    const Status st = ParseMatrixText(text, &back);
    if (!st.ok()) Fail(("cannot read back: " + st.ToString()).c_str(), text);
    if (back.rows() != m.rows() || back.cols() != m.cols() || !(back.array() == m.array()).all())
      Fail("does not read back to the same doubles", text);
  }
  const std::string latex = FormatMatrixText(m, MatrixTextFormat::kLatex);
  Matrix back;
  const Status st = ParseMatrixText(latex, &back);
  if (!st.ok()) Fail(("cannot read back 4-digit LaTeX: " + st.ToString()).c_str(), latex);
  if (back.rows() != m.rows() || back.cols() != m.cols()) Fail("4-digit LaTeX changed the shape", latex);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    const double a = m.data()[i], b = back.data()[i];
    if (!(std::abs(a - b) <= 5e-5 + 5e-4 * std::abs(a))) Fail("4-digit LaTeX is off by more than its precision", latex);
  }
  if (FormatMatrixText(m, MatrixTextFormat::kMarkdown).empty()) Fail("no Markdown", "");
  return 0;
}
