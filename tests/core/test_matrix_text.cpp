// Matrices as text: every paste format, the errors a careless paste makes
// (each naming its place and leaving the matrix alone), the exact LaTeX of
// E9's weight matrix, and round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "attnlab/matrix_text.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "matrix_near.hpp"

namespace attnlab {
namespace {

using testing::M;

const double kInf = std::numeric_limits<double>::infinity();

Matrix ParseOk(const std::string& text) {
  Matrix out;
  const Status st = ParseMatrixText(text, &out);
  EXPECT_TRUE(st.ok()) << "text: " << text << "\n" << st.ToString();
  return out;
}

// Parses text that must fail; checks the field is "" and the matrix kept
// what it held, and returns the message.
std::string FailureOf(const std::string& text) {
  const Matrix before = M({{7, 8}, {9, 10}});
  Matrix out = before;
  const Status st = ParseMatrixText(text, &out);
  EXPECT_FALSE(st.ok()) << "accepted: " << text.substr(0, 200);
  EXPECT_EQ(st.field(), "");
  EXPECT_TRUE(out.rows() == 2 && out.cols() == 2 && out == before) << "the matrix changed on a failed parse";
  return st.message();
}

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// ------------------------------------------------------------ the paste formats

TEST(MatrixText, ParsesCsvWithSpacesAndATrailingNewline) {
  const Matrix expected = M({{1, 2}, {3, 4}});
  EXPECT_MATRIX_NEAR(ParseOk("1, 2\n3, 4\n"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("1,2\r\n3,4\r\n"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("\n  1 ,2\n\n3,  4\n\n"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("\"1\",\"2\"\n\"3\",\"4\""), expected, 0);  // quoted cells
  EXPECT_MATRIX_NEAR(ParseOk("1;2\n3;4"), expected, 0);                  // CSV where the comma is a decimal mark
}

TEST(MatrixText, ParsesRowsSeparatedByTabsOrSpaces) {
  EXPECT_MATRIX_NEAR(ParseOk("0.5\t-1\t2\n3\t4e-3\t1/4\n"), M({{0.5, -1, 2}, {3, 0.004, 0.25}}), 0);
  EXPECT_MATRIX_NEAR(ParseOk("  1   2\n 3 4  "), M({{1, 2}, {3, 4}}), 0);
  EXPECT_MATRIX_NEAR(ParseOk("1 2 3"), M({{1, 2, 3}}), 0);
  EXPECT_MATRIX_NEAR(ParseOk("1\n2\n3"), M({{1}, {2}, {3}}), 0);
}

TEST(MatrixText, ParsesANumpyRepr) {
  const Matrix expected = M({{1, 2}, {3, 4}});
  EXPECT_MATRIX_NEAR(ParseOk("array([[1, 2], [3, 4]])"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("np.array([[1, 2], [3, 4]])"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("[[1, 2], [3, 4]]"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("array([[1., 2.], [3., 4.]])"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("array([[1., 2.],\n       [3., 4.]], dtype=float64)"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("[[1 2]\n [3 4]]"), expected, 0);  // print(a)
  EXPECT_MATRIX_NEAR(ParseOk("[[1, 2,], [3, 4],]"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("[(1, 2), (3, 4)]"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("tensor([[1., 2.], [3., 4.]], dtype=torch.float64)"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("[1 2; 3 4]"), expected, 0);  // MATLAB
  EXPECT_MATRIX_NEAR(ParseOk("array([[ 1.e-03, -2.e+00]])"), M({{0.001, -2}}), 0);
  EXPECT_MATRIX_NEAR(ParseOk("[1, 2, 3]"), M({{1, 2, 3}}), 0);  // a 1-D array is one row
  EXPECT_MATRIX_NEAR(ParseOk("array(5.)"), M({{5}}), 0);
  EXPECT_MATRIX_NEAR(ParseOk("((1, 2), (3, 4))"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("P = np.array([[1, 2], [3, 4]])"), expected, 0);  // a line of a notebook
}

TEST(MatrixText, ParsesALatexMatrix) {
  const Matrix expected = M({{1, 2}, {3, 4}});
  EXPECT_MATRIX_NEAR(ParseOk("\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("\\begin{matrix}\n1 & 2 \\\\\n3 & 4 \\\\\n\\end{matrix}"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("\\left[\\begin{array}{cc} 1 & 2 \\\\ \\hline 3 & 4 \\end{array}\\right]"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("$$P = \\begin{bmatrix} 1 & 2 \\\\[2pt] 3 & 4 \\end{bmatrix}$$  % from my notes"),
                     expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("\\begin{array}{cc}\n1 & 2 \\\\\n3 & 4\n\\end{array}\n  "), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("1 & 2 \\\\ 3 & 4"), expected, 0);  // the body alone
  EXPECT_MATRIX_NEAR(ParseOk("\\begin{bmatrix} \\phantom{-}1 & \\,2 \\\\ 3~ & \\quad 4 \\end{bmatrix}"), expected,
                     0);  // spacing
}

TEST(MatrixText, ParsesLatexFractions) {
  const Matrix m = ParseOk(
      "\\begin{bmatrix}\n"
      "\\frac{1}{3} & -\\frac{1}{2} \\\\\n"
      "\\tfrac{2}{7} & \\dfrac{-3}{4} \\\\\n"
      "- \\frac12 & {-5}\n"
      "\\end{bmatrix}");
  EXPECT_MATRIX_NEAR(m, M({{1.0 / 3, -0.5}, {2.0 / 7, -0.75}, {-0.5, -5}}), 0);
}

TEST(MatrixText, ParsesASingleNumberAsOneByOne) {
  EXPECT_MATRIX_NEAR(ParseOk("42"), M({{42}}), 0);
  EXPECT_MATRIX_NEAR(ParseOk("  -1/3 \n"), M({{-1.0 / 3}}), 0);
  EXPECT_MATRIX_NEAR(ParseOk("\\frac{1}{3}"), M({{1.0 / 3}}), 0);
  EXPECT_MATRIX_NEAR(ParseOk("2.5e-3"), M({{0.0025}}), 0);
}

TEST(MatrixText, ParsesFractionsInEveryFormat) {
  const Matrix expected = M({{1.0 / 3, -2.0 / 7}});
  EXPECT_MATRIX_NEAR(ParseOk("1/3, -2/7"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("1/3\t-2/7"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("[[1/3, -2/7]]"), expected, 0);
  EXPECT_MATRIX_NEAR(ParseOk("\\begin{bmatrix} 1/3 & -\\frac{2}{7} \\end{bmatrix}"), expected, 0);
}

TEST(MatrixText, ReadsTheBlocksTheCommandLinePrints) {
  EXPECT_MATRIX_NEAR(ParseOk("# weights 2x2\n1,0\n0.5,0.5\n"), M({{1, 0}, {0.5, 0.5}}), 0);
  EXPECT_MATRIX_NEAR(ParseOk("% weights (P) 2x2\n\\begin{bmatrix}\n1 & 0 \\\\\n\\frac{1}{2} & \\frac{1}{2}\n"
                             "\\end{bmatrix}\n"),
                     M({{1, 0}, {0.5, 0.5}}), 0);
}

TEST(MatrixText, ReadsUnicodeMinusAndTooSmallNumbersAsZero) {
  const std::string minus = "\xE2\x88\x92";  // U+2212
  EXPECT_MATRIX_NEAR(ParseOk(minus + "2, 1e-400"), M({{-2, 0}}), 0);
}

// ------------------------------------------------------------ malformed text

TEST(MatrixText, RejectsEmptyText) {
  EXPECT_EQ(FailureOf(""), "empty text");
  EXPECT_EQ(FailureOf("  \n\t\n"), "empty text");
  EXPECT_EQ(FailureOf("[]"), "no numbers in the text");
}

TEST(MatrixText, RejectsATruncatedNumpyRepr) {
  const std::string why = FailureOf("array([[1, 2], [3");
  EXPECT_TRUE(Contains(why, "unbalanced brackets")) << why;
  EXPECT_TRUE(Contains(why, "\"[\" at line 1, character 16 is never closed")) << why;
  // Places count from the start of the paste, the name in front included.
  EXPECT_EQ(FailureOf("P = [[1, 2], [3"),
            "unbalanced brackets: \"[\" at line 1, character 14 is never closed (is the text cut short?)");
}

TEST(MatrixText, RejectsATruncatedLatexMatrix) {
  const std::string why = FailureOf("\\begin{bmatrix} 1 & 2 \\\\ 3");
  EXPECT_TRUE(Contains(why, "\\begin{bmatrix} has no \\end{bmatrix}")) << why;
  EXPECT_TRUE(Contains(FailureOf("\\begin{bmatrix} \\frac{1}{3 & 2 \\end{bmatrix}"), "unbalanced brackets"));
}

TEST(MatrixText, RejectsUnbalancedBrackets) {
  EXPECT_EQ(FailureOf("[[1, 2], [3, 4]]]"),
            "unbalanced brackets: \"]\" at line 1, character 17 has no \"[\" before it");
  const std::string why = FailureOf("array([[1, 2)]");
  EXPECT_TRUE(Contains(why, "unbalanced brackets: \")\" at line 1, character 13 closes \"[\"")) << why;
}

TEST(MatrixText, RejectsTextOverFourMebibytes) {
  std::string text(static_cast<size_t>(kMaxMatrixTextBytes) + 1, ' ');
  text[0] = '1';
  const std::string why = FailureOf(text);
  EXPECT_TRUE(Contains(why, "4194305 bytes")) << why;
  EXPECT_TRUE(Contains(why, "limit of 4 MiB")) << why;
}

TEST(MatrixText, RejectsMoreThan4096RowsOrColumnsWithTheLimit) {
  std::string rows;
  for (int i = 0; i < 4097; ++i) rows += "1\n";
  EXPECT_EQ(FailureOf(rows), "too many rows, the limit is 4096");
  std::string cols = "1";
  for (int i = 1; i < 4097; ++i) cols += ",1";
  EXPECT_EQ(FailureOf(cols), "row 1: too many columns, the limit is 4096");
  // The limit itself is allowed.
  rows.resize(4096 * 2);
  EXPECT_EQ(ParseOk(rows).rows(), 4096);
}

TEST(MatrixText, RejectsANonNumericCellNamingRowAndColumn) {
  EXPECT_EQ(FailureOf("1, 2\n3, abc"), "row 2, column 2: \"abc\" is not a number");
  EXPECT_EQ(FailureOf("[[1, 2], [3, x]]"), "row 2, column 2: \"x\" is not a number");
  EXPECT_EQ(FailureOf("\\begin{bmatrix} 1 & a \\end{bmatrix}"), "row 1, column 2: \"a\" is not a number");
  EXPECT_EQ(FailureOf("1,,2"), "row 1, column 2: empty cell");
  EXPECT_EQ(FailureOf("0,5\t1"), "row 1, column 1: \"0,5\" is not a number (write decimals with a point, e.g. 0.5)");
  EXPECT_EQ(FailureOf("1, 1e400"), "row 1, column 2: \"1e400\" is too large for a double");
}

TEST(MatrixText, RejectsRaggedRows) {
  EXPECT_EQ(FailureOf("1, 2\n3, 4, 5"), "row 2 has 3 numbers, row 1 has 2");
  EXPECT_EQ(FailureOf("[[1, 2], [3]]"), "row 2 has 1 number, row 1 has 2");
  EXPECT_EQ(FailureOf("\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 & 5 \\end{bmatrix}"), "row 2 has 3 numbers, row 1 has 2");
}

TEST(MatrixText, RejectsDivisionByZero) {
  EXPECT_EQ(FailureOf("1, 1/0"), "row 1, column 2: \"1/0\" divides by zero");
  EXPECT_EQ(FailureOf("\\begin{bmatrix} 1 \\\\ \\frac{1}{0} \\end{bmatrix}"),
            "row 2, column 1: \"\\frac{1}{0}\" divides by zero");
}

TEST(MatrixText, RejectsNanAndInfinityNamingTheCell) {
  EXPECT_EQ(FailureOf("1, nan\n2, 3"), "row 1, column 2: \"nan\" is not a finite number");
  EXPECT_EQ(FailureOf("1 2\n3 -inf"), "row 2, column 2: \"-inf\" is not a finite number");
  EXPECT_EQ(FailureOf("array([[1., -inf]])"), "row 1, column 2: \"-inf\" is not a finite number");
  EXPECT_EQ(FailureOf("[[np.nan, 1]]"), "row 1, column 1: \"np.nan\" is not a finite number");
  EXPECT_EQ(FailureOf("\\begin{bmatrix} -\\infty \\end{bmatrix}"),
            "row 1, column 1: \"-\\infty\" is not a finite number");
}

TEST(MatrixText, RejectsWhatIsNotAMatrix) {
  EXPECT_TRUE(Contains(FailureOf("[[[1]]]"), "3-dimensional"));
  EXPECT_TRUE(Contains(FailureOf("array([[0., 0., ..., 0.]])"), "abbreviated"));
  EXPECT_TRUE(Contains(FailureOf("[1, [2]]"), "mixes numbers and lists"));
  EXPECT_TRUE(Contains(FailureOf("foo([[1]])"), "\"foo\" is not a matrix"));
  EXPECT_TRUE(Contains(FailureOf("[[1, 2]] extra"), "after the matrix"));
  EXPECT_TRUE(Contains(FailureOf("\\begin{equation} 1 \\end{equation}"), "is not a matrix"));
  EXPECT_TRUE(Contains(FailureOf("\\begin{bmatrix} 1 \\end{bmatrix} \\begin{bmatrix} 2 \\end{bmatrix}"),
                       "more than one matrix"));
}

// ------------------------------------------------------------ one cell

TEST(MatrixTextCell, ReadsWhatAUserTypes) {
  const struct {
    const char* text;
    double value;
  } cases[] = {{"0.5", 0.5},          {" -1/3 ", -1.0 / 3}, {"+2", 2}, {"1e-3", 0.001}, {"2.5E2", 250},
               {"-2/7", -2.0 / 7},    {".25", 0.25},        {"3.", 3}, {"0", 0},        {"1.5/0.5", 3},
               {"\\frac{1}{4}", 0.25}};
  for (const auto& c : cases) {
    double v = -99;
    const Status st = ParseNumberText(c.text, &v);
    EXPECT_TRUE(st.ok()) << c.text << ": " << st.ToString();
    EXPECT_EQ(v, c.value) << c.text;
  }
}

TEST(MatrixTextCell, RejectsAndLeavesTheValueAlone) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {{"", "empty: type a number"},
               {"   ", "empty: type a number"},
               {"1/0", "\"1/0\" divides by zero"},
               {"nan", "\"nan\" is not a finite number"},
               {"NaN", "\"NaN\" is not a finite number"},
               {"inf", "\"inf\" is not a finite number"},
               {"-inf", "\"-inf\" is not a finite number"},
               {"1.5x", "\"1.5x\" is not a number"},
               {"1 2", "\"1 2\" is not a number"},
               {"--1", "\"--1\" is not a number"},
               {"1/2/3", "\"1/2/3\" is not a number"},
               {"0x10", "\"0x10\" is not a number"},
               {"1e", "\"1e\" is not a number"}};
  for (const auto& c : cases) {
    double v = 7;
    const Status st = ParseNumberText(c.text, &v);
    EXPECT_FALSE(st.ok()) << c.text;
    EXPECT_EQ(st.message(), c.message) << c.text;
    EXPECT_EQ(st.field(), "");
    EXPECT_EQ(v, 7) << c.text;
  }
}

// ------------------------------------------------------------ writing

TEST(FormatMatrixText, WritesE9WeightsAsExactLatexFractions) {
  Scenario s;
  ASSERT_TRUE(LoadScenarioFile(std::string(ATTNLAB_PRESETS_DIR) + "/e9-dedupe-sort.json", &s).ok());
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  const std::string expected =
      "\\begin{bmatrix}\n"
      "1 & 0 & 0 & 0 & 0 & 0 & 0 \\\\\n"
      "0 & 1 & 0 & 0 & 0 & 0 & 0 \\\\\n"
      "0 & \\frac{1}{2} & \\frac{1}{2} & 0 & 0 & 0 & 0 \\\\\n"
      "\\frac{1}{4} & \\frac{1}{4} & \\frac{1}{4} & \\frac{1}{4} & 0 & 0 & 0 \\\\\n"
      "0 & \\frac{1}{3} & \\frac{1}{3} & 0 & \\frac{1}{3} & 0 & 0 \\\\\n"
      "\\frac{1}{2} & 0 & 0 & 0 & 0 & \\frac{1}{2} & 0 \\\\\n"
      "\\frac{1}{7} & \\frac{1}{7} & \\frac{1}{7} & \\frac{1}{7} & \\frac{1}{7} & \\frac{1}{7} & \\frac{1}{7}\n"
      "\\end{bmatrix}\n";
  EXPECT_EQ(FormatMatrixText(r.Weights(), MatrixTextFormat::kLatex), expected);
}

TEST(FormatMatrixText, CsvWritesTheShortestExactNumbers) {
  EXPECT_EQ(FormatMatrixText(M({{1, 0.5}, {1.0 / 3, -2}}), MatrixTextFormat::kCsv), "1,0.5\n0.3333333333333333,-2\n");
  EXPECT_EQ(FormatMatrixText(M({{0.1, 1e-5, 2.5e300}}), MatrixTextFormat::kCsv), "0.1,1e-05,2.5e+300\n");
}

TEST(FormatMatrixText, NumpyWritesFloatLiteralsOneRowPerLine) {
  EXPECT_EQ(FormatMatrixText(M({{1, 0.5}, {1.0 / 3, -2}}), MatrixTextFormat::kNumpy),
            "np.array([[1.0, 0.5],\n          [0.3333333333333333, -2.0]])\n");
  EXPECT_EQ(FormatMatrixText(Matrix(0, 3), MatrixTextFormat::kNumpy), "np.zeros((0, 3))\n");
}

TEST(FormatMatrixText, LatexWritesDecimalsToDigitsWhereNotRational) {
  EXPECT_EQ(FormatMatrixText(M({{std::sqrt(2.0), -0.75}}), MatrixTextFormat::kLatex, 3),
            "\\begin{bmatrix}\n1.414 & -\\frac{3}{4}\n\\end{bmatrix}\n");
}

TEST(FormatMatrixText, MarkdownHasAHeaderOfColumnIndices) {
  EXPECT_EQ(FormatMatrixText(M({{1, 0.5}, {0, 0.4547214992}}), MatrixTextFormat::kMarkdown),
            "| | 0 | 1 |\n"
            "|---|---|---|\n"
            "| 0 | 1 | 1/2 |\n"
            "| 1 | 0 | 0.4547 |\n");
}

TEST(FormatMatrixText, MarkdownUsesLabelsEscapedForMarkdown) {
  EXPECT_EQ(FormatMatrixText(M({{1, 0}, {0.5, 0.5}}), MatrixTextFormat::kMarkdown, {"<START>", "a|b"}, {"x", "y"}),
            "| | x | y |\n"
            "|---|---|---|\n"
            "| \\<START\\> | 1 | 0 |\n"
            "| a\\|b | 1/2 | 1/2 |\n");
  // Labels of the wrong length fall back to indices.
  EXPECT_EQ(FormatMatrixText(M({{1}}), MatrixTextFormat::kMarkdown, {"a", "b"}, {}), "| | 0 |\n|---|---|\n| 0 | 1 |\n");
}

TEST(FormatMatrixText, MaskedEntriesInEachFormat) {
  const Matrix m = M({{0.5, -kInf}});
  EXPECT_EQ(FormatMatrixText(m, MatrixTextFormat::kLatex),
            "\\begin{bmatrix}\n\\frac{1}{2} & -\\infty\n\\end{bmatrix}\n");
  EXPECT_EQ(FormatMatrixText(m, MatrixTextFormat::kCsv), "0.5,-inf\n");
  EXPECT_EQ(FormatMatrixText(m, MatrixTextFormat::kNumpy), "np.array([[0.5, -np.inf]])\n");
  EXPECT_EQ(FormatMatrixText(m, MatrixTextFormat::kMarkdown),
            "| | 0 | 1 |\n|---|---|---|\n| 0 | 1/2 | \xE2\x88\x92\xE2\x88\x9E |\n");
  EXPECT_EQ(FormatMatrixText(M({{std::nan("")}}), MatrixTextFormat::kCsv), "nan\n");
}

// ------------------------------------------------------------ round trips

Matrix AwkwardMatrix() {
  std::mt19937 rng(20240607);
  std::uniform_real_distribution<double> mantissa(-1, 1);
  std::uniform_int_distribution<int> exponent(-300, 300);
  Matrix m(9, 7);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = mantissa(rng) * std::pow(10.0, exponent(rng));
  m(0, 0) = 0;
  m(0, 1) = 1.0 / 3;
  m(0, 2) = std::numeric_limits<double>::max();
  m(0, 3) = std::numeric_limits<double>::denorm_min();
  m(0, 4) = -std::numeric_limits<double>::min();
  m(0, 5) = 0.1 + 0.2;
  m(0, 6) = 1e16 + 2;
  return m;
}

TEST(MatrixText, CsvAndNumpyRoundTripBitForBit) {
  const Matrix m = AwkwardMatrix();
  for (MatrixTextFormat f : {MatrixTextFormat::kCsv, MatrixTextFormat::kNumpy}) {
    const std::string text = FormatMatrixText(m, f);
    const Matrix back = ParseOk(text);
    ASSERT_EQ(back.rows(), m.rows()) << MatrixTextFormatName(f);
    ASSERT_EQ(back.cols(), m.cols()) << MatrixTextFormatName(f);
    for (Eigen::Index i = 0; i < m.size(); ++i)
      EXPECT_EQ(back.data()[i], m.data()[i]) << MatrixTextFormatName(f) << " " << i;
  }
}

TEST(MatrixText, LatexRoundTripsSimpleRationalsExactlyAndTheRestToDigits) {
  const Matrix rational = M({{1.0 / 3, -2.0 / 7, 5}, {0.125, 0, -64.0 / 63}});
  EXPECT_MATRIX_NEAR(ParseOk(FormatMatrixText(rational, MatrixTextFormat::kLatex)), rational, 0);

  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-10, 10);
  Matrix m(6, 5);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = u(rng);
  EXPECT_MATRIX_NEAR(ParseOk(FormatMatrixText(m, MatrixTextFormat::kLatex, 4)), m, 0.5e-4 + 1e-12);
  EXPECT_MATRIX_NEAR(ParseOk(FormatMatrixText(m, MatrixTextFormat::kLatex, 7)), m, 0.5e-7 + 1e-12);
}

TEST(MatrixTextFormat, NamesMapToFormats) {
  MatrixTextFormat f = MatrixTextFormat::kCsv;
  ASSERT_TRUE(MatrixTextFormatFromName("latex", &f));
  EXPECT_EQ(f, MatrixTextFormat::kLatex);
  ASSERT_TRUE(MatrixTextFormatFromName("numpy", &f));
  EXPECT_EQ(f, MatrixTextFormat::kNumpy);
  ASSERT_TRUE(MatrixTextFormatFromName("markdown", &f));
  EXPECT_EQ(f, MatrixTextFormat::kMarkdown);
  ASSERT_TRUE(MatrixTextFormatFromName("csv", &f));
  EXPECT_EQ(f, MatrixTextFormat::kCsv);
  EXPECT_FALSE(MatrixTextFormatFromName("json", &f));
  EXPECT_FALSE(MatrixTextFormatFromName("LaTeX", &f));
  EXPECT_FALSE(MatrixTextFormatFromName("", &f));
  EXPECT_EQ(f, MatrixTextFormat::kCsv);
}

}  // namespace
}  // namespace attnlab
