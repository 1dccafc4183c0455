// Worked solutions (issue 17): the Markdown and LaTeX that `attnlab solve`
// writes are well formed, checked strictly, and their numbers are eval's (the
// matrices are read back from the text and compared with Evaluate's) and the
// exercises' own (EXERCISES.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "attnlab/conv_shape.hpp"
#include "attnlab/e10_lab.hpp"
#include "attnlab/gradients_view.hpp"
#include "attnlab/kernel_attention.hpp"
#include "attnlab/matrix_text.hpp"
#include "attnlab/scaling.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/selection.hpp"
#include "attnlab/solution.hpp"
#include "attnlab/temperature.hpp"
#include "attnlab/views.hpp"
#include "latex_check.hpp"

namespace attnlab {
namespace {

using testing::CheckLatexSolution;
using testing::CheckMarkdownSolution;

const std::string kPresets = ATTNLAB_PRESETS_DIR;

Scenario Preset(const std::string& file) {
  Scenario s;
  const Status st = LoadScenarioFile(kPresets + "/" + file, &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return s;
}

std::string Solve(const Scenario& s, SolutionFormat format) {
  std::string text;
  const Status st = WriteSolution(s, format, &text);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return text;
}

bool Has(const std::string& text, const std::string& piece) { return text.find(piece) != std::string::npos; }

// The matrix written right after `lead` ("P = "), read back with the paste parser.
Matrix MatrixAfter(const std::string& text, const std::string& lead) {
  const size_t at = text.find(lead + "\\begin{bmatrix}");
  if (at == std::string::npos) {
    ADD_FAILURE() << "no \"" << lead << "\\begin{bmatrix}\" in the solution";
    return Matrix();
  }
  const size_t begin = at + lead.size();
  const size_t end = text.find("\\end{bmatrix}", begin);
  Matrix m;
  // A masked score is written -\infty, which a paste refuses: read it as -1e308.
  std::string body = text.substr(begin, end + 13 - begin);
  for (size_t at = body.find("-\\infty"); at != std::string::npos; at = body.find("-\\infty")) {
    body.replace(at, 7, "-1e308");
  }
  const Status st = ParseMatrixText(body, &m);
  EXPECT_TRUE(st.ok()) << lead << ": " << st.ToString();
  return m;
}

// Read back at the 4 decimals the solution prints (fractions exactly).
void ExpectSameMatrix(const Matrix& written, const Matrix& expected, const std::string& what) {
  ASSERT_EQ(written.rows(), expected.rows()) << what;
  ASSERT_EQ(written.cols(), expected.cols()) << what;
  for (Eigen::Index i = 0; i < written.rows(); ++i) {
    for (Eigen::Index j = 0; j < written.cols(); ++j) {
      if (std::isinf(expected(i, j))) {
        EXPECT_EQ(written(i, j), -1e308) << what << "(" << i << ", " << j << ") is masked";
      } else {
        EXPECT_NEAR(written(i, j), expected(i, j), 5e-5) << what << "(" << i << ", " << j << ")";
      }
    }
  }
}

// One number as the solution writes it (format.hpp's LatexNumber): an
// integer or decimal, \frac{p}{q}, 10^{k} or m \times 10^{k}, with a sign.
// Reads from *pos and moves past it; NaN when there is no number there.
double ReadNumber(const std::string& text, size_t* pos) {
  size_t i = *pos;
  while (i < text.size() && text[i] == ' ') ++i;
  double sign = 1;
  if (i < text.size() && text[i] == '-') {
    sign = -1;
    ++i;
  }
  double value = NAN;
  const auto braced = [&](size_t at, size_t* end) {  // the integer inside {...} at `at`
    if (at >= text.size() || text[at] != '{') return static_cast<double>(NAN);
    char* stop = nullptr;
    const double v = std::strtod(text.c_str() + at + 1, &stop);
    const size_t close = static_cast<size_t>(stop - text.c_str());
    if (close >= text.size() || text[close] != '}') return static_cast<double>(NAN);
    *end = close + 1;
    return v;
  };
  if (text.compare(i, 6, "\\frac{") == 0) {
    size_t end = 0;
    const double p = braced(i + 5, &end);
    const double q = braced(end, &end);
    value = p / q;
    i = end;
  } else if (text.compare(i, 4, "10^{") == 0) {
    size_t end = 0;
    value = std::pow(10.0, braced(i + 3, &end));
    i = end;
  } else if (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    size_t end = i;
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) ++end;
    value = std::strtod(text.substr(i, end - i).c_str(), nullptr);
    i = end;
    if (text.compare(i, 12, " \\times 10^{") == 0) {
      size_t e = 0;
      value *= std::pow(10.0, braced(i + 11, &e));
      i = e;
    }
  }
  *pos = i;
  return sign * value;
}

// The result of the maths that starts at `lead`: the number after its last
// "= " (up to the closing $ or the end of the line).
double ResultAfter(const std::string& text, const std::string& lead) {
  const size_t at = text.find(lead);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no \"" << lead << "\" in the solution";
    return NAN;
  }
  size_t end = std::min(text.find('$', at + lead.size()), text.find('\n', at + lead.size()));
  if (end == std::string::npos) end = text.size();
  const size_t eq = text.rfind("= ", end);
  if (eq == std::string::npos || eq < at) {
    ADD_FAILURE() << "no \"= \" after \"" << lead << "\"";
    return NAN;
  }
  size_t pos = eq + 2;
  const double v = ReadNumber(text, &pos);
  EXPECT_FALSE(std::isnan(v)) << "no number after \"" << lead << "\": " << text.substr(eq, 40);
  return v;
}

// The tuple (a,\ b,\ ...) written right after `lead`.
std::vector<double> TupleAfter(const std::string& text, const std::string& lead) {
  const size_t at = text.find(lead + "(");
  if (at == std::string::npos) {
    ADD_FAILURE() << "no \"" << lead << "(\" in the solution";
    return {};
  }
  std::vector<double> out;
  size_t pos = at + lead.size() + 1;
  while (pos < text.size()) {
    const double v = ReadNumber(text, &pos);
    if (std::isnan(v)) {
      ADD_FAILURE() << "not a number in the tuple after \"" << lead << "\": " << text.substr(pos, 30);
      break;
    }
    out.push_back(v);
    if (text.compare(pos, 3, ",\\ ") == 0) {
      pos += 3;
    } else {
      if (pos >= text.size() || text[pos] != ')') ADD_FAILURE() << "the tuple after \"" << lead << "\" does not close";
      break;
    }
  }
  return out;
}

// Written to 4 decimals (or 4 significant digits), fractions exactly.
void ExpectWritten(double written, double expected, const std::string& what) {
  EXPECT_NEAR(written, expected, 5e-5 + 5e-4 * std::abs(expected)) << what;
}
void ExpectSameTuple(const std::vector<double>& written, const std::vector<double>& expected, const std::string& what) {
  ASSERT_EQ(written.size(), expected.size()) << what;
  for (size_t j = 0; j < written.size(); ++j) ExpectWritten(written[j], expected[j], what + "[" + std::to_string(j) + "]");
}

// The view's own eval numbers (views.<key>), from the same Evaluate as `attnlab eval`.
Report ViewEval(const Scenario& s) {
  Result r;
  EXPECT_TRUE(Evaluate(s, &r).ok());
  Report out;
  const Status st = EvaluateView(s, r, "", &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}
double EvalNumber(const Report& report, const std::string& path) {
  const Report::Entry* e = report.Find(path);
  if (!e) {
    ADD_FAILURE() << "eval has no " << path;
    return NAN;
  }
  return e->kind == Report::Kind::kInteger ? static_cast<double>(e->integer) : e->number;
}
std::vector<double> EvalNumbers(const Report& report, const std::string& path) {
  const Report::Entry* e = report.Find(path);
  if (!e) {
    ADD_FAILURE() << "eval has no " << path;
    return {};
  }
  return e->numbers;
}

// Both formats, well formed; returns {markdown, latex}.
std::vector<std::string> SolveBoth(const Scenario& s) {
  const std::string md = Solve(s, SolutionFormat::kMarkdown), tex = Solve(s, SolutionFormat::kLatex);
  EXPECT_EQ(CheckMarkdownSolution(md), "");
  EXPECT_EQ(CheckLatexSolution(tex), "");
  for (unsigned char c : tex) {
    if (c >= 0x80) {
      ADD_FAILURE() << "pdflatex reads ASCII";
      break;
    }
  }
  return {md, tex};
}

TEST(Solution, E9ReadsLikeTheModelAnswerWithTheExamsFractionsAndLoss) {
  const Scenario s = Preset("e9-dedupe-sort.json");
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  for (SolutionFormat f : {SolutionFormat::kMarkdown, SolutionFormat::kLatex}) {
    const std::string text = Solve(s, f);
    SCOPED_TRACE(f == SolutionFormat::kMarkdown ? "markdown" : "latex");
    EXPECT_EQ(f == SolutionFormat::kMarkdown ? CheckMarkdownSolution(text) : CheckLatexSolution(text), "");
    // The matrices are eval's, P and Z with the exam's exact fractions.
    ExpectSameMatrix(MatrixAfter(text, "Q = X W_Q = "), r.heads[0].Q, "Q");
    ExpectSameMatrix(MatrixAfter(text, "S = "), r.heads[0].scores, "S");
    const Matrix P = MatrixAfter(text, "P = ");
    ExpectSameMatrix(P, r.heads[0].weights, "P");
    EXPECT_DOUBLE_EQ(P(4, 1), 1.0 / 3) << "the exam's 1/3, exactly";
    EXPECT_DOUBLE_EQ(P(6, 0), 1.0 / 7);
    EXPECT_TRUE(Has(text, "\\frac{1}{7}"));
    const Matrix Z = MatrixAfter(text, "Z = P V = ");
    ExpectSameMatrix(Z, r.Z, "Z");
    EXPECT_DOUBLE_EQ(Z(3, 0), 3.0 / 4);
    EXPECT_DOUBLE_EQ(Z(6, 1), 9.0 / 7);
    ExpectSameMatrix(MatrixAfter(text, "R = Z W_O = "), r.R, "R");
    ExpectSameMatrix(MatrixAfter(text, "\\text{logits} = R E^\\top = "), r.logits, "logits");
    // The probabilities as the exam writes them (EXERCISES.md, E9), and the loss.
    EXPECT_TRUE(Has(text, "P(\\text{A}) = \\frac{e^{3}}{2e^{3} + 4} = 0.4547")) << text;
    EXPECT_TRUE(Has(text, "P(\\text{D}) = \\frac{e^{3}}{2e^{3} + 4} = 0.4547"));
    EXPECT_TRUE(Has(text, "P(\\langle\\text{STOP}\\rangle) = \\frac{1}{2e^{9/7} + 2e^{6/7} + 2} = 0.0717"));
    EXPECT_TRUE(Has(text, "L = 0.7881 + 0.7881 + 2.6353 = 4.2114"));
    EXPECT_TRUE(Has(text, "1.4038")) << "the mean";
    // Argmax's ties, row by row: row 4 shares its maximum among keys 1, 2, 4.
    EXPECT_TRUE(Has(text, "shared by keys $1, 2, 4$")) << "row 4's ties";
    // The course's answer with its errata closes it.
    EXPECT_TRUE(Has(text, "7x8")) << "the exam's shape erratum";
    EXPECT_TRUE(Has(text, "W_Q and W_K get exactly zero gradient") || Has(text, "W\\_Q and W\\_K get exactly zero gradient"));
  }
}

TEST(Solution, E9NextTokenConventionIsWorkedOutWithItsOwnRows) {
  Scenario s = Preset("e9-dedupe-sort.json");
  s.loss.convention = LossConvention::kNextToken;
  s.loss.positions = {4, 5, 6};
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  const std::string md = Solve(s, SolutionFormat::kMarkdown);
  EXPECT_EQ(CheckMarkdownSolution(md), "");
  EXPECT_TRUE(Has(md, "Next-token convention"));
  EXPECT_TRUE(Has(md, "position $4$, row $3$")) << "row t - 1 predicts position t";
  // EXERCISES.md: 0.2949, 0.0226, 0.0226 and the loss 8.7973.
  EXPECT_TRUE(Has(md, "= 0.2949"));
  EXPECT_TRUE(Has(md, "= 8.7973")) << md;
}

TEST(Solution, E2SelectsTheSecondKeyAndWritesItsOutput) {
  const Scenario s = Preset("e2-argmax-attention.json");
  const std::string md = Solve(s, SolutionFormat::kMarkdown);
  EXPECT_EQ(CheckMarkdownSolution(md), "");
  EXPECT_EQ(CheckLatexSolution(Solve(s, SolutionFormat::kLatex)), "");
  // EXERCISES.md E2: scores [3, 11, 5, 2], argmax key 2 (1 counting from 0), output v2.
  ExpectSameMatrix(MatrixAfter(md, "S = "), (Matrix(1, 4) << 3, 11, 5, 2).finished(), "scores");
  ExpectSameMatrix(MatrixAfter(md, "Z = P V = "), (Matrix(1, 3) << 1, 4, 3).finished(), "output");
  EXPECT_TRUE(Has(md, "maximum $11$ at key $1$"));
  EXPECT_TRUE(Has(md, "$Z_{0} = (1,\\ 4,\\ 3)$ (it selects key $1$"));
}

TEST(Solution, SoftmaxRowsShowTheMaximumTheExponentialsAndTheirSum) {
  // E2 at T = 1: row 0's scores (3, 11, 5, 2), maximum 11, exponentials
  // e^{-8}, 1, e^{-6}, e^{-9}, their sum, and the weights eval computes.
  Scenario s = Preset("e2-argmax-attention.json");
  s.attention.temperature = 1.0;
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  const std::string md = Solve(s, SolutionFormat::kMarkdown);
  EXPECT_EQ(CheckMarkdownSolution(md), "");
  EXPECT_TRUE(Has(md, "$m = 11$"));
  EXPECT_TRUE(Has(md, "e^{(s_j - m)/T} = (e^{-8},\\ 1,\\ e^{-6},\\ e^{-9})")) << md;
  // e^{-8} + 1 + e^{-6} + e^{-9} = 1.002937
  EXPECT_TRUE(Has(md, "\\sum = 1.0029")) << md;
  ExpectSameMatrix(MatrixAfter(md, "P = "), r.heads[0].weights, "P");
}

TEST(Solution, E7TemperatureLimitsHaveTheExamsWeights) {
  const Scenario s = Preset("e7-temperature.json");
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  const std::string md = Solve(s, SolutionFormat::kMarkdown);
  EXPECT_EQ(CheckMarkdownSolution(md), "");
  EXPECT_EQ(CheckLatexSolution(Solve(s, SolutionFormat::kLatex)), "");
  const Matrix P = MatrixAfter(md, "P = ");
  ExpectSameMatrix(P, r.heads[0].weights, "P");
  // EXERCISES.md E7: (4, 3, 2, 1) -> (1, 0, 0, 0); [5, -2, 5, 0] -> [1/2, 0, 1/2, 0].
  ASSERT_GE(P.rows(), 3);
  EXPECT_EQ(P(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(P(2, 0), 0.5);
  EXPECT_DOUBLE_EQ(P(2, 2), 0.5);
}

TEST(Solution, TwoHeadsAreWorkedOutEachThenConcatenated) {
  const Scenario s = Preset("e9-two-heads.json");
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  const std::string md = Solve(s, SolutionFormat::kMarkdown);
  EXPECT_EQ(CheckMarkdownSolution(md), "");
  ExpectSameMatrix(MatrixAfter(md, "P_{1} = "), r.heads[1].weights, "P_1");
  ExpectSameMatrix(MatrixAfter(md, "Z = \\operatorname{concat}(Z_{0},\\ Z_{1}) = "), r.Z, "Z");
  EXPECT_TRUE(Has(md, "= " + std::string("10.2114"))) << "the literal two-head loss of EXERCISES.md";
}

TEST(Solution, E8ChainHasEachLayersFormulaFilledInAndTheMismatch) {
  const Scenario s = Preset("e8-svhn-bug.json");
  const std::string md = Solve(s, SolutionFormat::kMarkdown);
  EXPECT_EQ(CheckMarkdownSolution(md), "");
  EXPECT_EQ(CheckLatexSolution(Solve(s, SolutionFormat::kLatex)), "");
  // EXERCISES.md E8: 28x28x8, 7x7x8, 6x6x16, 3x3x16, 144; parameters 208, 2064.
  EXPECT_TRUE(Has(md, "\\frac{32 + 2\\cdot 0 - 1\\cdot(5 - 1) - 1}{1}\\right\\rfloor + 1 = 28"));
  EXPECT_TRUE(Has(md, "\\frac{28 + 2\\cdot 0 - 1\\cdot(4 - 1) - 1}{4}\\right\\rfloor + 1 = 7"));
  EXPECT_TRUE(Has(md, "\\frac{7 + 2\\cdot 1 - 1\\cdot(4 - 1) - 1}{1}\\right\\rfloor + 1 = 6"));
  EXPECT_TRUE(Has(md, "(28x28x8)"));
  EXPECT_TRUE(Has(md, "(3x3x16)"));
  EXPECT_TRUE(Has(md, "$16\\cdot 3\\cdot 3 = 144$"));
  EXPECT_TRUE(Has(md, "8\\cdot(5\\cdot 5\\cdot 1 + 1) = 208"));
  EXPECT_TRUE(Has(md, "16\\cdot(4\\cdot 4\\cdot 8 + 1) = 2064"));
  EXPECT_TRUE(Has(md, "144")) << "the mismatch names the true in_features";
  // Fixed: 208 + 2064 + 1450 = 3722 parameters.
  EXPECT_TRUE(Has(md, "$3722$ trainable parameters"));
}

TEST(Solution, E8FilterHasTheExamsSize) {
  const Scenario s = Preset("e8-filter-3x5.json");
  const std::string md = Solve(s, SolutionFormat::kMarkdown);
  EXPECT_EQ(CheckMarkdownSolution(md), "");
  EXPECT_TRUE(Has(md, "\\frac{128 + 2\\cdot 0 - 1\\cdot(5 - 1) - 1}{3}\\right\\rfloor + 1 = 42"));
  EXPECT_TRUE(Has(md, "(126x42x1)"));
}

TEST(Solution, EveryAttentionAndConvPresetIsWellFormedInBothFormats) {
  for (const char* file : {"e2-argmax-attention.json", "e3-cross-attention.json", "e3-gqa.json",
                           "e3-multihead-shapes.json", "e6-projection-design.json", "e7-temperature.json",
                           "e9-dedupe-sort.json", "e9-two-heads.json", "e8-dilated.json", "e8-svhn.json",
                           "e8-svhn-conv1x1.json", "e8-svhn-conv3x3.json", "e8-transposed.json"}) {
    const Scenario s = Preset(file);
    EXPECT_EQ(CheckMarkdownSolution(Solve(s, SolutionFormat::kMarkdown)), "") << file;
    EXPECT_EQ(CheckLatexSolution(Solve(s, SolutionFormat::kLatex)), "") << file;
  }
}

// ---- The one-row and scalar views ------------------------------------------

TEST(Solution, TemperatureWorksOutE7sRowAtTheCursorWithEvalsWeights) {
  const Scenario s = Preset("e7-temperature-sweep.json");  // row 0: z = (4, 3, 2, 1), cursor T = 1/2
  const Report eval = ViewEval(s);
  const std::vector<std::string> both = SolveBoth(s);
  for (const std::string& text : both) {
    ExpectSameTuple(TupleAfter(text, "z = "), EvalNumbers(eval, "z"), "z");
    ExpectSameTuple(TupleAfter(text, "w = "), EvalNumbers(eval, "cursor_weights"), "w at the cursor");
    ExpectWritten(ResultAfter(text, ", $H = "), EvalNumber(eval, "cursor_entropy"), "H at the cursor");
    ExpectSameTuple(TupleAfter(text, "w \\to "), EvalNumbers(eval, "cold_limit"), "T -> 0");
    ExpectSameTuple(TupleAfter(text, "As $T \\to 0^+$: $"), EvalNumbers(eval, "cold_limit"), "the answer's T -> 0");
    ExpectWritten(ResultAfter(text, "\\ln n = \\ln 4"), std::log(4.0), "H at T -> infinity");
  }
  const std::string& md = both[0];
  // By hand: at T = 1/2, m = 4 and w_j = e^{2(z_j - 4)} / sum_k e^{2(z_k - 4)}.
  EXPECT_TRUE(Has(md, "$m = 4$")) << md;
  EXPECT_TRUE(Has(md, "e^{(z_j - m)/T} = (1,\\ e^{-2},\\ e^{-4},\\ e^{-6})")) << md;
  const double sum = 1 + std::exp(-2.0) + std::exp(-4.0) + std::exp(-6.0);
  ExpectWritten(ResultAfter(md, "\\sum_k e^{(z_k - m)/T} = "), sum, "the sum");
  ExpectSameTuple(TupleAfter(md, "w = "), {1 / sum, std::exp(-2.0) / sum, std::exp(-4.0) / sum, std::exp(-6.0) / sum},
                  "the hand-computed weights");
  ExpectSameTuple(TupleAfter(md, "w \\to "), {1, 0, 0, 0}, "argmax of (4, 3, 2, 1)");
  ExpectSameTuple(TupleAfter(md, "softmax tends to uniform: $w \\to "), {0.25, 0.25, 0.25, 0.25}, "uniform");
  EXPECT_TRUE(Has(md, "$T \\to \\infty$")) << "the hot limit";
  EXPECT_TRUE(Has(md, "(subtracting")) << md;
  EXPECT_TRUE(Has(md, "The course's answer")) << "the course's answer closes it";
}

TEST(Solution, TemperatureAtCursorZeroWritesTheArgmaxWithItsTies) {
  Scenario s = Preset("e7-temperature-sweep.json");
  TemperatureLabSettings& lab = s.views.Get<TemperatureLabSettings>();
  lab.row = 2;  // [5, -2, 5, 0]: the exam's tie
  lab.cursor = 0;
  const Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    ExpectSameTuple(TupleAfter(text, "w = "), EvalNumbers(eval, "cursor_weights"), "w at T = 0");
    EXPECT_TRUE(Has(text, "w = (\\frac{1}{2},\\ 0,\\ \\frac{1}{2},\\ 0)")) << "EXERCISES.md E7: [1/2, 0, 1/2, 0]";
    EXPECT_TRUE(Has(text, "shared by keys")) << text;
    EXPECT_TRUE(Has(text, "\\text{k0},\\ \\text{k2}")) << "the tied keys, by name";
    EXPECT_FALSE(Has(text, "e^{(z_j - m)/T} = (")) << "no exponentials at T = 0";
    ExpectWritten(ResultAfter(text, ", $H = "), std::log(2.0), "two keys tied: ln 2");
  }
}

TEST(Solution, TemperatureLeavesMaskedKeysOutAndTypedScoresAreWorkedOutToo) {
  Scenario s = Preset("e7-temperature-sweep.json");
  s.attention.mask.kind = MaskKind::kCausal;
  s.views.Get<TemperatureLabSettings>().row = 1;  // (1, -2, 5, 0), causal: keys 0 and 1 only
  Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    ExpectSameTuple(TupleAfter(text, "z = "), {1, -2}, "row 1 with its masked keys left out");
    ExpectSameTuple(TupleAfter(text, "w = "), EvalNumbers(eval, "cursor_weights"), "w");
  }
  s.views.Get<TemperatureLabSettings>().scores = {0.5, -1, 2, 2, 0, 3.25};
  s.views.Get<TemperatureLabSettings>().cursor = 3;
  s.views.Get<TemperatureLabSettings>().whole_matrix = true;
  eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    EXPECT_TRUE(Has(text, "typed in")) << text;
    ExpectSameTuple(TupleAfter(text, "z = "), EvalNumbers(eval, "z"), "typed z");
    ExpectSameTuple(TupleAfter(text, "w = "), EvalNumbers(eval, "cursor_weights"), "w");
    ExpectWritten(ResultAfter(text, ", $H = "), EvalNumber(eval, "cursor_entropy"), "H");
  }
}

TEST(Solution, RnnWritesEveryFactorOfTheGradientAndTheExamsStep) {
  const Scenario s = Preset("e10-rnn-sgd.json");
  const Report eval = ViewEval(s);
  const std::vector<std::string> both = SolveBoth(s);
  for (const std::string& text : both) {
    ExpectWritten(ResultAfter(text, "h_1 = g(z_1)"), EvalNumber(eval, "h1"), "h1");
    ExpectWritten(ResultAfter(text, "z_2 = w h_1 + a x_2"), EvalNumber(eval, "z2"), "z2");
    ExpectWritten(ResultAfter(text, "h_2 = g(z_2)"), EvalNumber(eval, "h2"), "h2");
    ExpectWritten(ResultAfter(text, "L = \\tfrac{1}{2}(h_2 - y)^2 = "), EvalNumber(eval, "loss"), "loss");
    ExpectWritten(ResultAfter(text, "g'(z_2) = "), EvalNumber(eval, "g_prime_z2"), "g'(z2)");
    ExpectWritten(ResultAfter(text, "\\partial L / \\partial w = "), EvalNumber(eval, "dL_dw"), "dL/dw");
    ExpectWritten(ResultAfter(text, "(h_2 - y)\\, g'(z_2)\\, h_1 = "), EvalNumber(eval, "dL_dw_exam"), "the exam's");
    ExpectWritten(ResultAfter(text, "one SGD step gives $w = "), EvalNumber(eval, "w_after"), "w after");
    ExpectWritten(ResultAfter(text, "w \\leftarrow w - \\eta"), EvalNumber(eval, "w_after"), "the step");
  }
  const std::string& md = both[0];
  // By hand (EXERCISES.md E10): z_1 = 1, h_1 = tanh 1, dL/dw = 0.26937387299491805, w -> 0.4731.
  EXPECT_TRUE(Has(md, "z_1 = w h_0 + a x_1 = \\frac{1}{2}\\cdot 0 + 1\\cdot 1 = 1")) << md;
  ExpectWritten(ResultAfter(md, "h_1 = g(z_1)"), std::tanh(1.0), "tanh 1");
  ExpectWritten(ResultAfter(md, "\\partial L / \\partial w = "), 0.26937387299491805, "dL/dw by hand");
  ExpectWritten(ResultAfter(md, "one SGD step gives $w = "), 0.5 - 0.1 * 0.26937387299491805, "w after by hand");
  EXPECT_TRUE(Has(md, "the exam's formula is the whole derivative")) << "h_0 = 0";
  EXPECT_TRUE(Has(md, "L = \\tfrac{1}{2}(h_2 - y)^2")) << "the code's loss, with its 1/2";
}

TEST(Solution, RnnWithReluAndH0ShowsTheTermTheExamDrops) {
  const Scenario s = Preset("e10-rnn-relu-h0.json");
  const Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    // By hand: z_1 = h_1 = 3/2, z_2 = h_2 = 5/4, both ReLUs active; exam 15/8, whole 5/2, w -> 1/4.
    EXPECT_TRUE(Has(text, "g'(z_2) = 1 \\quad (z_2 = \\frac{5}{4} > 0)")) << text;
    EXPECT_EQ(ResultAfter(text, "\\partial L / \\partial w = "), 2.5);
    EXPECT_EQ(ResultAfter(text, "(h_2 - y)\\, g'(z_2)\\, h_1 = "), 15.0 / 8);
    EXPECT_EQ(ResultAfter(text, "one SGD step gives $w = "), 0.25);
    ExpectWritten(ResultAfter(text, "\\partial L / \\partial w = "), EvalNumber(eval, "dL_dw"), "dL/dw");
    ExpectWritten(ResultAfter(text, "one SGD step gives $w = "), EvalNumber(eval, "w_after"), "w after");
    EXPECT_TRUE(Has(text, "misses the term")) << text;
    ExpectWritten(ResultAfter(text, "The exam's formula would step to $"), EvalNumber(eval, "w_after_exam"), "the exam's w");
  }
}

TEST(Solution, LogisticHasTheLossAtW0TermByTermAndNoMinimum) {
  const Scenario s = Preset("e10-logistic-separable.json");
  const Report eval = ViewEval(s);
  const std::vector<std::string> both = SolveBoth(s);
  for (const std::string& text : both) {
    ExpectWritten(ResultAfter(text, "L(w_0) = "), EvalNumber(eval, "loss_at_w0"), "L(w0)");
    ExpectSameTuple(TupleAfter(text, "w^\\star = "), EvalNumbers(eval, "w_star"), "w*");
    const std::vector<double> alphas = EvalNumbers(eval, "alphas"), along = EvalNumbers(eval, "loss_along");
    ASSERT_EQ(alphas.size(), 101u);
    ExpectWritten(ResultAfter(text, "L(10\\, w^\\star) = "), along[100], "L(10 w*)");
    ExpectWritten(ResultAfter(text, "L(1\\, w^\\star) = "), along[10], "L(1 w*)");
    ExpectWritten(ResultAfter(text, "at $\\alpha = "), EvalNumber(eval, "alpha_min_l2"), "the L2 minimum's alpha");
    ExpectWritten(ResultAfter(text, "\\alpha = 10:\\ "), EvalNumbers(eval, "loss_along_l2")[100], "the penalised L(10 w*)");
    ExpectWritten(ResultAfter(text, "\\|w\\| = "), EvalNumber(eval, "descent.final_norm"), "||w|| after descent");
    EXPECT_TRUE(Has(text, "no minimum")) << text;
  }
  // By hand: w0 = 0 makes every term log(1 + e^0) = log 2.
  EXPECT_TRUE(Has(both[0], "\\log(1 + 1) = 0.6931"));
  ExpectWritten(ResultAfter(both[0], "L(w_0) = "), std::log(2.0), "log 2");
  ExpectWritten(ResultAfter(both[0], "L(0\\, w^\\star) = "), std::log(2.0), "L(0 w*) = log 2");
}

TEST(Solution, LogisticLossAtAnotherW0MatchesTheHandSum) {
  Scenario s = Preset("e10-logistic-separable.json");
  s.views.Find<LogisticLabSettings>()->w0 = {1.0, 0.0};
  const Report eval = ViewEval(s);
  // y_i w0.x_i = the points' signed first coordinates: 1, 2, 1.5, 1, 2, 0.5.
  double hand = 0;
  for (double m : {1.0, 2.0, 1.5, 1.0, 2.0, 0.5}) hand += std::log(1 + std::exp(-m));
  hand /= 6;
  for (const std::string& text : SolveBoth(s)) {
    EXPECT_TRUE(Has(text, "y_{5}\\, w_0 \\cdot x_{5} = \\frac{1}{2}")) << text;
    EXPECT_TRUE(Has(text, "\\log(1 + e^{-1/2})")) << text;
    ExpectWritten(ResultAfter(text, "L(w_0) = "), hand, "L(w0) by hand");
    ExpectWritten(ResultAfter(text, "L(w_0) = "), EvalNumber(eval, "loss_at_w0"), "L(w0)");
  }
}

TEST(Solution, LogisticOnPointsThatAreNotSeparableHasAMinimum) {
  const Scenario s = Preset("e10-logistic-not-separable.json");
  const Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    ExpectWritten(ResultAfter(text, "L(w_0) = "), EvalNumber(eval, "loss_at_w0"), "L(w0)");
    EXPECT_TRUE(Has(text, "finite minimum")) << text;
    EXPECT_FALSE(Has(text, "w^\\star")) << "no separating direction to name";
    EXPECT_FALSE(Has(text, "With an L2 penalty")) << "lambda = 0";
  }
}

TEST(Solution, ScalingWritesTheClosedFormsWithTheNumbersIn) {
  const Scenario s = Preset("e1-scaling.json");
  const Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    ExpectWritten(ResultAfter(text, "E[q \\cdot k] = \\|\\mu\\|^2"), EvalNumber(eval, "closed_form.mean"), "mean");
    ExpectWritten(ResultAfter(text, "\\operatorname{Var}[q \\cdot k] = d\\sigma^4"), EvalNumber(eval, "closed_form.variance"),
                  "variance");
    ExpectWritten(ResultAfter(text, "\\operatorname{Var}[q \\cdot k / \\sqrt{d}] = "),
                  EvalNumber(eval, "closed_form.scaled_variance"), "scaled variance");
    // By hand (EXERCISES.md E1): mu = 0, sigma = 1, d = 64: Var = 64, scaled 1, s = sqrt(64) = 8.
    EXPECT_TRUE(Has(text, "d\\sigma^4 + 2\\sigma^2\\|\\mu\\|^2 = 64\\cdot 1^4 + 2\\cdot 1^2\\cdot 0 = 64")) << text;
    EXPECT_EQ(ResultAfter(text, "\\operatorname{Var}[q \\cdot k / \\sqrt{d}] = "), 1.0);
    EXPECT_EQ(ResultAfter(text, "s = \\sqrt{\\operatorname{Var}[q \\cdot k]}"), 8.0);
    EXPECT_TRUE(Has(text, "only estimate")) << "the samples are not passed off as exact";
  }
}

TEST(Solution, ScalingWithAMeanAndSigmaTwoMatchesTheHandFormula) {
  Scenario s = Preset("e1-scaling.json");
  ScalingLabSettings& lab = s.views.Get<ScalingLabSettings>();
  lab.d = 4;
  lab.mu = 0.5;
  lab.sigma = 2;
  const Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    // ||mu||^2 = 4 (1/2)^2 = 1; Var = 4 * 16 + 2 * 4 * 1 = 72; scaled 72 / 4 = 18; mean / sqrt(4) = 1/2.
    EXPECT_TRUE(Has(text, "d\\mu^2 = 4\\cdot (\\frac{1}{2})^2 = 1")) << text;
    EXPECT_EQ(ResultAfter(text, "\\operatorname{Var}[q \\cdot k] = d\\sigma^4"), 72.0);
    EXPECT_EQ(ResultAfter(text, "\\operatorname{Var}[q \\cdot k / \\sqrt{d}] = "), 18.0);
    EXPECT_EQ(ResultAfter(text, "\\frac{\\|\\mu\\|^2}{\\sqrt{d}}"), 0.5);
    ExpectWritten(ResultAfter(text, "\\operatorname{Var}[q \\cdot k] = d\\sigma^4"), EvalNumber(eval, "closed_form.variance"),
                  "variance");
    ExpectWritten(ResultAfter(text, "\\frac{\\|\\mu\\|^2}{\\sqrt{d}}"), EvalNumber(eval, "closed_form.scaled_mean"),
                  "scaled mean");
  }
}

TEST(Solution, SelectionWritesThePairWeightWithTheNumbers) {
  const Scenario s = Preset("e6-selection.json");  // n = 8, t = 100
  const Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    ExpectWritten(ResultAfter(text, "\\alpha_a = \\alpha_b = t / (2t + n - 2) = "), EvalNumber(eval, "closed_form_pair_weight"),
                  "alpha_a");
    ExpectWritten(ResultAfter(text, "\\alpha_a = \\alpha_b = t / (2t + n - 2) = "), EvalNumber(eval, "one_head.alpha_a_at_mean"),
                  "alpha_a at the keys' means");
    // By hand: 100 / (200 + 6) = 0.4854, the others 1/206.
    EXPECT_TRUE(Has(text, "2t + n - 2 = 2\\cdot 100 + 8 - 2 = 206")) << text;
    ExpectWritten(ResultAfter(text, "\\alpha_a = \\alpha_b = t / (2t + n - 2) = "), 100.0 / 206, "100/206");
    ExpectWritten(ResultAfter(text, "every other $\\alpha_i = 1 / (2t + n - 2) = "), 1.0 / 206, "1/206");
    EXPECT_TRUE(Has(text, "an estimate")) << "the noisy draws are estimates";
  }
}

TEST(Solution, SelectionWithTwoHeadsAndSmallNumbersIsExact) {
  Scenario s = Preset("e6-selection.json");
  SelectionLabSettings& lab = s.views.Get<SelectionLabSettings>();
  lab.n = 4;
  lab.t = 3;
  lab.s = 5;
  lab.two_heads = true;
  lab.alpha = lab.c_a = 0;  // noiseless
  const Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    EXPECT_EQ(ResultAfter(text, "\\alpha_a = \\alpha_b = t / (2t + n - 2) = "), 3.0 / 8);  // 3 / (6 + 2)
    EXPECT_TRUE(Has(text, "\\alpha_a = \\alpha_b = t / (2t + n - 2) = \\frac{3}{8}"));
    // Two heads: o.v_a = (5/8 + 1/6) / 2 = 19/48.
    EXPECT_EQ(ResultAfter(text, "o \\cdot v_a = \\tfrac{1}{2}"), 19.0 / 48);
    ExpectWritten(ResultAfter(text, "o \\cdot v_a = \\tfrac{1}{2}"), EvalNumber(eval, "two_heads.alpha_a_at_mean"), "o.v_a");
    ExpectWritten(ResultAfter(text, "o \\cdot v_b = \\tfrac{1}{2}"), EvalNumber(eval, "two_heads.alpha_b_at_mean"), "o.v_b");
    EXPECT_FALSE(Has(text, "has a standard deviation of about")) << "noiseless keys: no drift";
  }
}

TEST(Solution, KernelWorksOutE5sQuadraticKernelBothFormsAndTheCrossover) {
  const Scenario s = Preset("e5-quadratic-kernel.json");
  const Report eval = ViewEval(s);
  const Report::Entry* sim = eval.Find("sim");
  const Report::Entry* weights = eval.Find("weights");
  const Report::Entry* phi_Q = eval.Find("phi_Q");
  ASSERT_NE(sim, nullptr);
  ASSERT_NE(weights, nullptr);
  ASSERT_NE(phi_Q, nullptr);
  auto row = [](const Matrix& m, int i) { return std::vector<double>(m.row(i).data(), m.row(i).data() + m.cols()); };
  const std::vector<std::string> both = SolveBoth(s);
  for (const std::string& text : both) {
    ExpectSameTuple(TupleAfter(text, "(q_0 \\cdot k_j + 1)^{2} = "), row(sim->matrix, 0), "sim(q_0, k_j)");
    ExpectSameTuple(TupleAfter(text, "(q_1 \\cdot k_j + 1)^{2} = "), row(sim->matrix, 1), "sim(q_1, k_j)");
    ExpectSameTuple(TupleAfter(text, "w_0 = "), row(weights->matrix, 0), "row 0's weights");
    ExpectWritten(ResultAfter(text, "\\textstyle\\sum_j = "), EvalNumbers(eval, "denominators")[0], "den_0");
    ExpectSameMatrix(MatrixAfter(text, "V' = "), eval.Find("output")->matrix, "V'");
    ExpectSameTuple(TupleAfter(text, "\\varphi(q_0) = "), row(phi_Q->matrix, 0), "phi(q_0)");
    ExpectSameMatrix(MatrixAfter(text, "S = "), eval.Find("S")->matrix, "S");
    ExpectSameTuple(TupleAfter(text, "z = "), EvalNumbers(eval, "z"), "z");
    ExpectWritten(ResultAfter(text, "\\max|V'_{\\text{quad}} - V'_{\\text{lin}}| = "), EvalNumber(eval, "max_abs_diff"),
                  "the forms' difference");
    EXPECT_TRUE(Has(text, "(2 + 1)(2 + 2)/2 = 6")) << "D_phi";
    EXPECT_EQ(ResultAfter(text, "N_{\\text{cross}} = "), 8) << "the E5 preset's crossover";
    EXPECT_EQ(EvalNumber(eval, "cost.crossover_n_flops"), 8);
    EXPECT_TRUE(Has(text, "98 N < 13 N^2")) << "13 N^2 against 98 N FLOPs";
    // By hand, kernel_attention.hpp's terms at D = M = 2, p = 2, D_phi = 6, C_phi = p D_phi = 12.
    EXPECT_TRUE(Has(text, "(2\\cdot 2 + 2 + 2 + 1 + 2\\cdot 2) N^2 = 13 N^2")) << text;
    EXPECT_TRUE(Has(text, "(2\\cdot 12 + 2\\cdot 6\\cdot 2 + 2\\cdot 6 + 2\\cdot 6\\cdot 2 + 2\\cdot 6 + 2) N = 98 N")) << text;
    EXPECT_TRUE(Has(text, "round-off")) << text;
  }
  // By hand: q_0 = (0.2, 0.5), k_1 = (0.8, -0.8): q.k = -0.24, (q.k + 1)^2 = 0.76^2 = 0.5776;
  // row 0's sims (1.33^2, 0.76^2, 0.73^2, 1.07^2) sum to 4.0243.
  const std::string& md = both[0];
  EXPECT_EQ(TupleAfter(md, "q_0 \\cdot k_j = ").at(1), -0.24);
  EXPECT_EQ(TupleAfter(md, "(q_0 \\cdot k_j + 1)^{2} = ").at(1), 0.5776);
  ExpectWritten(ResultAfter(md, "\\textstyle\\sum_j = "), 1.33 * 1.33 + 0.76 * 0.76 + 0.73 * 0.73 + 1.07 * 1.07, "den_0 by hand");
  EXPECT_TRUE(Has(md, "The course's answer")) << "the course's answer closes it";
}

TEST(Solution, KernelCausalShowsThePrefixStateAndRandomFeaturesSayTheyEstimate) {
  Scenario s = Preset("e5-quadratic-kernel.json");
  s.views.Get<KernelLabSettings>().causal = true;
  s.views.Get<KernelLabSettings>().step = 1;
  Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    EXPECT_TRUE(Has(text, "S_i = S_{i-1} + \\varphi(k_i) v_i^\\top")) << text;
    ExpectSameMatrix(MatrixAfter(text, "S_{1} = "), eval.Find("S_step")->matrix, "S_1");
    ExpectSameTuple(TupleAfter(text, "z_{1} = "), EvalNumbers(eval, "z_step"), "z_1");
    ExpectSameTuple(TupleAfter(text, "(q_1 \\cdot k_j + 1)^{2} = "),
                    {eval.Find("sim")->matrix(1, 0), eval.Find("sim")->matrix(1, 1)}, "row 1 sees keys 0 and 1");
    const Matrix& out = eval.Find("output_linear")->matrix;
    ExpectSameTuple(TupleAfter(text, "so $V'_2 = "), {out(2, 0), out(2, 1)}, "the linear form's row 2");
  }
  for (const char* file : {"e5-random-features.json", "e5-elu-vs-softmax.json", "e5-causal-linear.json"}) {
    const Scenario p = Preset(file);
    const std::vector<std::string> both = SolveBoth(p);
    if (p.views.Find<KernelLabSettings>() && p.views.Find<KernelLabSettings>()->sim == KernelSim::kSoftmax) {
      EXPECT_TRUE(Has(both[0], "an estimate")) << file;
    }
  }
}

// The text from the first `lead` on (a layout's section of the cost table).
std::string From(const std::string& text, const std::string& lead) {
  const size_t at = text.find(lead);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no \"" << lead << "\" in the solution";
    return "";
  }
  return text.substr(at);
}

// Decoding's weights of (sequence b, head i) at step t over the m + t + 1 positions, from eval.
std::vector<double> DecodeWeights(const Report& eval, int b, int i, int t) {
  const Report::Entry* w = eval.Find("weights");
  const Report::Entry* prior = eval.Find("prior");
  if (!w || !prior) {
    ADD_FAILURE() << "eval has no weights";
    return {};
  }
  const Matrix& P = w->slices.at(static_cast<size_t>(b * w->inner + i));
  const int n = static_cast<int>(prior->integer) + t + 1;
  return std::vector<double>(P.row(t).data(), P.row(t).data() + n);
}

TEST(Solution, DecodingWorksOutTheShownStepOfE4sGqaAndItsCosts) {
  const Scenario s = Preset("e4-decoding-gqa.json");  // step 0 of sequence 1, a previous cache of 2 positions
  const Report eval = ViewEval(s);
  const std::vector<std::string> both = SolveBoth(s);
  for (const std::string& text : both) {
    ExpectSameTuple(TupleAfter(text, "p = "), DecodeWeights(eval, 1, 0, 0), "head 0's weights over the 3 positions");
    const Report::Entry* Y = eval.Find("Y");
    ASSERT_NE(Y, nullptr);
    ExpectSameTuple(TupleAfter(text, "y = "), std::vector<double>(Y->slices[1].row(0).data(), Y->slices[1].row(0).data() + 8),
                    "y of the step");
    for (const char* layout : {"MHA", "GQA", "MQA"}) {
      const std::string part = From(text, std::string(layout) + " (g = ");
      ExpectWritten(ResultAfter(part, std::string("F_{\\text{") + layout + "}} = "),
                    EvalNumber(eval, std::string("cost.") + layout + ".flops"), std::string(layout) + " FLOPs");
      ExpectWritten(ResultAfter(part, std::string("B_{\\text{") + layout + "}} = "),
                    EvalNumber(eval, std::string("cost.") + layout + ".bytes"), std::string(layout) + " bytes");
      ExpectWritten(ResultAfter(part, "w g (d_k + d_v) = "),
                    EvalNumber(eval, std::string("cost.") + layout + ".cache_bytes_per_token"), "cache per token");
      ExpectWritten(ResultAfter(part, "passes the weights' bytes from $n = "),
                    EvalNumber(eval, std::string("cost.") + layout + ".crossover_n"), "crossover");
    }
    // By hand (EXERCISES.md's course answer): GQA's cache read at b 8, g 4, n 2048, d_k = d_v = 64,
    // w = 8: 8 x 8 x 4 x 2048 x 128 = 67108864 bytes; the model's own cache per token 8 x 2 x (2 + 2) = 64.
    EXPECT_EQ(ResultAfter(From(text, "GQA (g = "), "w\\cdot b\\cdot g\\cdot n\\cdot (d_k + d_v) = "), 67108864);
    EXPECT_EQ(ResultAfter(text, "the model's cache holds $w g (d_k + d_v) = "), 64);
    EXPECT_TRUE(Has(text, "round-off")) << "the steps equal the one-shot pass";
  }
  // By hand: the weights are softmax of the scores the text writes.
  const std::vector<double> sc = TupleAfter(both[0], "s = ");
  ASSERT_EQ(sc.size(), 3u);
  double sum = 0;
  for (double v : sc) sum += std::exp(v);
  ExpectSameTuple(TupleAfter(both[0], "p = "), {std::exp(sc[0]) / sum, std::exp(sc[1]) / sum, std::exp(sc[2]) / sum},
                  "softmax of the written scores");
  EXPECT_TRUE(Has(both[0], "The course's answer"));
}

TEST(Solution, DecodingMhaVsMqaShowsItsStepOverTheGrowingCache) {
  const Scenario s = Preset("e4-decoding-mha-vs-mqa.json");  // step 2 of sequence 0, no previous cache
  const Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    ExpectSameTuple(TupleAfter(text, "p = "), DecodeWeights(eval, 0, 0, 2), "step 2 attends over 3 positions");
    EXPECT_TRUE(Has(text, "grows from $[2, 1, 2, 2]$ to $[2, 1, 3, 2]$")) << text;
    ExpectWritten(ResultAfter(From(text, "MQA (g = "), "F_{\\text{MQA}} = "), EvalNumber(eval, "cost.MQA.flops"), "MQA FLOPs");
  }
}

Matrix GradMatrix(const Report& eval, const std::string& key) {
  const Report::Entry* heads = eval.Find("heads");
  if (!heads || heads->items.empty()) {
    ADD_FAILURE() << "eval has no heads";
    return Matrix();
  }
  const Report::Entry* e = heads->items[0]->Find(key);
  if (!e) {
    ADD_FAILURE() << "eval has no heads[0]." << key;
    return Matrix();
  }
  return e->matrix;
}

TEST(Solution, GradientsUnderSoftmaxAtRoot2HaveEvalsMatricesAndTheRatio) {
  const Scenario s = Preset("e9-gradients-softmax.json");
  const Report eval = ViewEval(s);
  const std::vector<std::string> both = SolveBoth(s);
  for (const std::string& text : both) {
    ExpectSameMatrix(MatrixAfter(text, "\\partial L/\\partial \\text{logits} = "), eval.Find("grad_logits")->matrix, "dL/dlogits");
    ExpectSameMatrix(MatrixAfter(text, "\\partial L/\\partial P = \\partial L/\\partial Z\\, V^\\top = "),
                     GradMatrix(eval, "grad_weights"), "dL/dP");
    // dL/dscores and dL/dW_Q are of order 1e-4 and 1e-3 (the softmax saturates): 4 decimals would round them to
    // 0.0001 or 0, so they are written, and compared, to 4 significant digits below 1e-2.
    const auto same_relative = [](const Matrix& written, const Matrix& expected, const std::string& what) {
      ASSERT_EQ(written.rows(), expected.rows()) << what;
      ASSERT_EQ(written.cols(), expected.cols()) << what;
      for (Eigen::Index i = 0; i < written.rows(); ++i)
        for (Eigen::Index j = 0; j < written.cols(); ++j)
          EXPECT_NEAR(written(i, j), expected(i, j),
                      std::abs(expected(i, j)) >= 1e-2 ? 5e-5 : 5e-4 * std::abs(expected(i, j)) + 1e-12)
              << what << "(" << i << ", " << j << ")";
    };
    same_relative(MatrixAfter(text, "\\partial L/\\partial \\text{scores} = "), GradMatrix(eval, "grad_scores"), "dL/dscores");
    same_relative(MatrixAfter(text, "\\partial L/\\partial W_Q = X^\\top \\partial L/\\partial Q = "),
                  GradMatrix(eval, "grad_W_Q"), "dL/dW_Q");
    ExpectSameMatrix(MatrixAfter(text, "\\partial L/\\partial W_V = X^\\top \\partial L/\\partial V = "),
                     GradMatrix(eval, "grad_W_V"), "dL/dW_V");
    // |dW_Q| is about 4e-3: written to 4 significant digits, compared relatively.
    const double wq = EvalNumber(eval, "norms.W_Q");
    EXPECT_NEAR(ResultAfter(text, "\\|\\partial L/\\partial W_Q\\|_F = "), wq, 5e-4 * wq) << "|dW_Q|";
    ExpectWritten(ResultAfter(text, "\\|\\partial L/\\partial W_V\\|_F = "), EvalNumber(eval, "norms.W_V"), "|dW_V|");
    ExpectWritten(ResultAfter(text, "\\|\\partial L/\\partial W_O\\|_F = "), EvalNumber(eval, "norms.W_O"), "|dW_O|");
    const double ratio = ResultAfter(text, "\\|\\partial L/\\partial W_V\\|_F / \\|\\partial L/\\partial W_Q\\|_F = ");
    ExpectWritten(ratio, EvalNumber(eval, "norms.W_V") / EvalNumber(eval, "norms.W_Q"), "the ratio");
    EXPECT_GT(ratio, 75);
    EXPECT_LT(ratio, 90) << "about 82";
    EXPECT_NEAR(ResultAfter(text, "(the largest entries: $"), 70.58, 0.01) << "EXERCISES.md's 'about 70'";
  }
  // By hand: dL/dW_Q = X^T (dL/dscores K) (no scaling), with X = E[tokens], K = X W_K, from the written dL/dscores.
  const Matrix d_scores = MatrixAfter(both[0], "\\partial L/\\partial \\text{scores} = ");
  Matrix X(static_cast<Eigen::Index>(s.tokens.size()), s.E.cols());
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    const size_t id = static_cast<size_t>(std::find(s.vocab.begin(), s.vocab.end(), s.tokens[i]) - s.vocab.begin());
    X.row(static_cast<Eigen::Index>(i)) = s.E.row(static_cast<Eigen::Index>(id));
  }
  const Matrix K = X * s.heads[0].W_K;
  const Matrix by_hand = X.transpose() * (d_scores * K);
  // The written dL/dscores has 4 significant digits: the bound of the error each term carries.
  const Matrix bound = 1e-3 * (X.cwiseAbs().transpose() * (d_scores.cwiseAbs() * K.cwiseAbs()));
  const Matrix written = MatrixAfter(both[0], "\\partial L/\\partial W_Q = X^\\top \\partial L/\\partial Q = ");
  ASSERT_EQ(written.rows(), by_hand.rows());
  for (Eigen::Index i = 0; i < by_hand.rows(); ++i)
    for (Eigen::Index j = 0; j < by_hand.cols(); ++j)
      EXPECT_NEAR(written(i, j), by_hand(i, j), bound(i, j) + 5e-4 * std::abs(by_hand(i, j)) + 1e-12) << "dW_Q(" << i << ", " << j << ")";
  for (Eigen::Index i = 0; i < d_scores.rows(); ++i) EXPECT_NEAR(d_scores.row(i).sum(), 0, 1e-3) << "a softmax row's gradient sums to 0";
}

TEST(Solution, GradientsUnderArgmaxAreExactlyZeroForWQAndWK) {
  const Scenario s = Preset("e9-gradients-argmax.json");
  const Report eval = ViewEval(s);
  for (const std::string& text : SolveBoth(s)) {
    const Matrix dWQ = MatrixAfter(text, "\\partial L/\\partial W_Q = X^\\top \\partial L/\\partial Q = ");
    ExpectSameMatrix(dWQ, GradMatrix(eval, "grad_W_Q"), "dL/dW_Q");
    EXPECT_EQ(dWQ.cwiseAbs().maxCoeff(), 0.0) << "exactly 0";
    EXPECT_EQ(MatrixAfter(text, "\\partial L/\\partial \\text{scores} = ").cwiseAbs().maxCoeff(), 0.0);
    EXPECT_EQ(ResultAfter(text, "\\|\\partial L/\\partial W_Q\\|_F = "), 0.0);
    EXPECT_EQ(EvalNumber(eval, "norms.W_Q"), 0.0);
    ExpectWritten(ResultAfter(text, "\\|\\partial L/\\partial W_V\\|_F = "), EvalNumber(eval, "norms.W_V"), "|dW_V|");
    EXPECT_GT(EvalNumber(eval, "norms.W_V"), 0);
    EXPECT_TRUE(Has(text, "piecewise constant in the scores")) << text;
    EXPECT_TRUE(Has(text, "L = 4.2114")) << "the exam's loss";
    // By hand: row 4 scores A with P(A) = e^3 / (2e^3 + 4), so dL/dlogits(4, A) = P(A) - 1.
    const Matrix d_logits = MatrixAfter(text, "\\partial L/\\partial \\text{logits} = ");
    ExpectWritten(d_logits(4, 0), std::exp(3.0) / (2 * std::exp(3.0) + 4) - 1, "dL/dlogits(4, A)");
  }
}

TEST(Solution, EveryKernelDecodingAndGradientsPresetIsWellFormed) {
  for (const char* file : {"e5-causal-linear.json", "e5-elu-vs-softmax.json", "e5-quadratic-kernel.json",
                           "e5-random-features.json", "e4-decoding-gqa.json", "e4-decoding-mha-vs-mqa.json",
                           "e2-gradients.json", "e9-gradients-argmax.json", "e9-gradients-gumbel.json",
                           "e9-gradients-softmax.json", "e9-gradients-ste.json", "e9-gradients-training.json"}) {
    SCOPED_TRACE(file);
    const std::vector<std::string> both = SolveBoth(Preset(file));
    EXPECT_TRUE(Has(both[0], "## Answer")) << both[0];
  }
}

TEST(Solution, KernelDecodingAndGradientsStayWellFormedOnEdgeCases) {
  {  // the plain dot product: denominators that vanish or cancel are named, not divided by
    Scenario s = Preset("e5-quadratic-kernel.json");
    s.views.Get<KernelLabSettings>().sim = KernelSim::kDot;
    const Report eval = ViewEval(s);
    for (const std::string& text : SolveBoth(s)) {
      const std::vector<double> bad = EvalNumbers(eval, "bad_rows");
      if (!bad.empty()) EXPECT_TRUE(Has(text, "undefined")) << text;
      EXPECT_TRUE(Has(text, "\\varphi(x) = x")) << text;
    }
  }
  {  // argmax decoding (T = 0): the weights are eval's, no exponentials
    Scenario s = Preset("e4-decoding-gqa.json");
    s.attention.temperature = 0;
    const Report eval = ViewEval(s);
    for (const std::string& text : SolveBoth(s)) {
      ExpectSameTuple(TupleAfter(text, "p = "), DecodeWeights(eval, 1, 0, 0), "argmax weights");
      EXPECT_FALSE(Has(text, "e^{(s_j - m)/T} = (")) << text;
    }
  }
  {  // Q, K, V given directly: nothing to decode, the costs are still worked out
    Scenario s = Preset("e4-decoding-gqa.json");
    s.input = InputMode::kQKV;
    s.Q = Matrix::Ones(3, 2);
    s.K = Matrix::Ones(3, 2);
    s.V = Matrix::Ones(3, 2);
    std::string text;
    const Status st = WriteSolution(s, SolutionFormat::kMarkdown, &text);
    if (st.ok()) {
      EXPECT_EQ(CheckMarkdownSolution(text), "");
      EXPECT_TRUE(Has(text, "## Cost of one step")) << text;
    } else {
      EXPECT_FALSE(st.field().empty()) << st.ToString();
    }
  }
  {  // straight-through: the backward pass differentiates S = softmax(scores / T_b)
    Scenario s = Preset("e9-gradients-softmax.json");
    s.views.Get<GradientsLabSettings>().estimator = Estimator::kStraightThrough;
    const Report eval = ViewEval(s);
    for (const std::string& text : SolveBoth(s)) {
      EXPECT_TRUE(Has(text, "Straight-through")) << text;
      ExpectSameMatrix(MatrixAfter(text, "\\partial L/\\partial W_V = X^\\top \\partial L/\\partial V = "),
                       GradMatrix(eval, "grad_W_V"), "dL/dW_V");
    }
  }
}

TEST(Solution, TheNewViewsStayWellFormedOnLongRowsNegativesAndEdgeCases) {
  {  // a typed row of 20 scores: the first 16 written out, then \ldots
    Scenario s = Preset("e7-temperature-sweep.json");
    std::vector<double> z;
    for (int j = 0; j < 20; ++j) z.push_back(std::sin(j) * 3);
    s.views.Get<TemperatureLabSettings>().scores = z;
    const Report eval = ViewEval(s);
    for (const std::string& text : SolveBoth(s)) {
      EXPECT_TRUE(Has(text, ",\\ \\ldots)")) << text;
      EXPECT_TRUE(Has(text, " + \\ldots) = ")) << "the entropy's terms, summarised";
      ExpectWritten(ResultAfter(text, ", $H = "), EvalNumber(eval, "cursor_entropy"), "H over 20 keys");
    }
  }
  {  // sigmoid, negative inputs, h0 != 0
    Scenario s = Preset("e10-rnn-sgd.json");
    RnnInput& in = s.views.Find<RnnLabSettings>()->in;
    in.g = Activation::kSigmoid;
    in.w = -0.75;
    in.a = -2;
    in.h0 = -1;
    in.y = 1;
    const Report eval = ViewEval(s);
    for (const std::string& text : SolveBoth(s)) {
      EXPECT_TRUE(Has(text, "z_1 = w h_0 + a x_1 = -\\frac{3}{4}\\cdot (-1) + (-2)\\cdot 1 = -\\frac{5}{4}")) << text;
      EXPECT_TRUE(Has(text, "\\sigma(z_2)(1 - \\sigma(z_2))")) << text;
      ExpectWritten(ResultAfter(text, "\\partial L / \\partial w = "), EvalNumber(eval, "dL_dw"), "dL/dw");
      ExpectWritten(ResultAfter(text, "one SGD step gives $w = "), EvalNumber(eval, "w_after"), "w after");
      EXPECT_TRUE(Has(text, "misses the term")) << "h0 = -1";
    }
  }
  {  // ten points (two summarised), one of them at the origin: separable only weakly
    Scenario s = Preset("e10-logistic-separable.json");
    LogisticLabSettings& lab = *s.views.Find<LogisticLabSettings>();
    for (const Point2& p : {Point2{3, 1}, Point2{1, 3}, Point2{2, 2}}) {
      lab.data.points.push_back(p);
      lab.data.labels.push_back(1);
    }
    lab.data.points.push_back({0, 0});
    lab.data.labels.push_back(-1);
    lab.w0 = {0.25, -0.5};
    const Report eval = ViewEval(s);
    for (const std::string& text : SolveBoth(s)) {
      EXPECT_TRUE(Has(text, "only weakly")) << text;
      EXPECT_TRUE(Has(text, "points $8\\ldots9$")) << text;
      ExpectWritten(ResultAfter(text, "L(w_0) = "), EvalNumber(eval, "loss_at_w0"), "L(w0) over 10 points");
    }
  }
  {  // a mean given per component: ||mu||^2 = 1 + 4 + 0 + 4 = 9
    Scenario s = Preset("e1-scaling.json");
    ScalingLabSettings& lab = s.views.Get<ScalingLabSettings>();
    lab.d = 4;
    lab.mu_components = {1, -2, 0, 2};
    const Report eval = ViewEval(s);
    for (const std::string& text : SolveBoth(s)) {
      EXPECT_TRUE(Has(text, "\\sum_i \\mu_i^2 = 9")) << text;
      EXPECT_EQ(ResultAfter(text, "\\operatorname{Var}[q \\cdot k] = d\\sigma^4"), 4.0 + 2 * 9);
      ExpectWritten(ResultAfter(text, "E[q \\cdot k] = \\|\\mu\\|^2"), EvalNumber(eval, "closed_form.mean"), "mean");
    }
  }
  {  // a typed query: its weights at the keys' means are eval's
    Scenario s = Preset("e6-selection.json");
    s.views.Get<SelectionLabSettings>().query = {1, 0, 2, 0, 0, 0, 0, -1};
    const Report eval = ViewEval(s);
    const Report::Entry* w = eval.Find("one_head.weights_at_mean");
    ASSERT_NE(w, nullptr);
    const std::vector<double> row(w->matrix.row(0).data(), w->matrix.row(0).data() + w->matrix.cols());
    for (const std::string& text : SolveBoth(s)) {
      EXPECT_TRUE(Has(text, "types its own query")) << text;
      ExpectSameTuple(TupleAfter(text, "\\operatorname{softmax}(q) = "), row, "the typed query's weights");
    }
  }
}

TEST(Solution, TextIsEscapedForEachFormat) {
  Scenario s = Preset("e9-dedupe-sort.json");
  s.title = "50% of {tokens} & #1 in $ terms_x ~ ^ \\ <b>";
  s.notes = "a_b * [c] <d> `e` \u2192 \u221Ad \u00B7 \u03B5";
  const std::string md = Solve(s, SolutionFormat::kMarkdown);
  const std::string tex = Solve(s, SolutionFormat::kLatex);
  EXPECT_EQ(CheckMarkdownSolution(md), "");
  EXPECT_EQ(CheckLatexSolution(tex), "");
  EXPECT_TRUE(Has(md, "\\<b\\>")) << "a bare <b> would be HTML";
  EXPECT_TRUE(Has(tex, "50\\% of \\{tokens\\} \\& \\#1 in \\$ terms\\_x"));
  EXPECT_TRUE(Has(tex, "$\\to$"));
  for (unsigned char c : tex) EXPECT_LT(c, 0x80) << "pdflatex reads ASCII";
}

TEST(Solution, ALongSequenceIsSummarisedNotPrintedWhole) {
  Scenario s;
  s.input = InputMode::kQKV;
  s.Q = Matrix::NullaryExpr(64, 4, [](Eigen::Index i, Eigen::Index j) { return std::sin(4.0 * i + j); });
  s.K = Matrix::NullaryExpr(64, 4, [](Eigen::Index i, Eigen::Index j) { return std::cos(3.0 * i - j); });
  s.V = s.K;
  s.attention.mask.kind = MaskKind::kCausal;
  const std::string md = Solve(s, SolutionFormat::kMarkdown);
  EXPECT_EQ(CheckMarkdownSolution(md), "");
  EXPECT_TRUE(Has(md, "P = \\text{(64\\times64, too large to print)}"));
  EXPECT_TRUE(Has(md, "rows $8\\ldots63$ the same way"));
  EXPECT_LT(md.size(), 40000u);
}

// Every view the files name has a solution now: a view WriteSolution does not
// know (a scenario built in code, or a view added without one) is refused by
// name, and a gradients scenario without a loss fails with the loss's field.
TEST(Solution, AViewWithoutADerivationSaysSoNamingTheView) {
  Scenario s = Preset("e9-gradients-softmax.json");
  s.view = "nosuch";
  std::string text = "untouched";
  Status st = WriteSolution(s, SolutionFormat::kMarkdown, &text);
  EXPECT_EQ(st.field(), "view");
  EXPECT_NE(st.message().find("the nosuch view has no written solution"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("selection, kernel, decoding and gradients views"), std::string::npos) << st.ToString();
  EXPECT_EQ(text, "untouched");
  s = Preset("e9-gradients-softmax.json");
  s.loss.enabled = false;
  s.loss.positions.clear();
  s.loss.targets.clear();
  st = WriteSolution(s, SolutionFormat::kMarkdown, &text);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "loss") << st.ToString();
  EXPECT_EQ(text, "untouched");
}

TEST(Solution, AScenarioThatDoesNotEvaluateFailsWithItsField) {
  Scenario s = Preset("e9-dedupe-sort.json");
  s.heads[0].W_Q = Matrix::Ones(3, 2);  // X is 7x4
  std::string text;
  const Status st = WriteSolution(s, SolutionFormat::kMarkdown, &text);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.field().find("W_Q"), std::string::npos) << st.ToString();
}

TEST(SolutionCheck, TheCheckerCatchesWhatItMust) {
  EXPECT_NE(CheckMarkdownSolution("# t\n\nan $x unclosed\n"), "");
  EXPECT_NE(CheckMarkdownSolution("# t\n\n$ x$\n"), "");
  EXPECT_NE(CheckMarkdownSolution("# t\n\n$$\n\\frac{1}{2\n$$\n"), "");
  EXPECT_NE(CheckMarkdownSolution("# t\n\n$$\n\\begin{bmatrix} 1 \\end{pmatrix}\n$$\n"), "");
  EXPECT_NE(CheckMarkdownSolution("# t\n\n$$\nx\n"), "");
  EXPECT_NE(CheckMarkdownSolution("# t\n\n$\\left( x$\n"), "");
  EXPECT_EQ(CheckMarkdownSolution("# t\n\n$x_{1}$ and `$` and \\$\n\n$$\n\\left\\lfloor x \\right\\rfloor\n$$\n"), "");
  EXPECT_NE(CheckLatexSolution("\\documentclass{article}\n\\begin{document}\n\\[\nx\n\\end{document}\n"), "");
  EXPECT_NE(CheckLatexSolution("\\documentclass{article}\n\\begin{document}\nx}\n\\end{document}\n"), "");
  EXPECT_EQ(CheckLatexSolution("\\documentclass{article}\n\\begin{document}\n$x$ \\$ \\{\n\n\\[\nx\n\\]\n\\end{document}\n"), "");
}

TEST(SolutionFormatName, ReadsTheTwoSpellingsOfEach) {
  SolutionFormat f = SolutionFormat::kLatex;
  EXPECT_TRUE(SolutionFormatFromName("md", &f));
  EXPECT_EQ(f, SolutionFormat::kMarkdown);
  EXPECT_TRUE(SolutionFormatFromName("latex", &f));
  EXPECT_EQ(f, SolutionFormat::kLatex);
  EXPECT_FALSE(SolutionFormatFromName("pdf", &f));
}

}  // namespace
}  // namespace attnlab
