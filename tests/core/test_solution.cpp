// Worked solutions (issue 17): the Markdown and LaTeX that `attnlab solve`
// writes are well formed, checked strictly, and their numbers are eval's (the
// matrices are read back from the text and compared with Evaluate's) and the
// exercises' own (EXERCISES.md).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "attnlab/conv_shape.hpp"
#include "attnlab/matrix_text.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/solution.hpp"
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

TEST(Solution, AViewWithoutADerivationSaysSoNamingTheView) {
  Scenario s = Preset("e1-scaling.json");
  std::string text = "untouched";
  const Status st = WriteSolution(s, SolutionFormat::kMarkdown, &text);
  EXPECT_EQ(st.field(), "view");
  EXPECT_NE(st.message().find("Scaling view has no written solution"), std::string::npos) << st.ToString();
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
