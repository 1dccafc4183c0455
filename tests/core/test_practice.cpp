// Practice mode's checking (issue 17): answers parse as numbers, fractions
// and expressions; each is marked exactly or at the digits typed; each kind
// of common mistake is named; a later stage is also checked against the
// student's own earlier answers ("errors do not carry").
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "attnlab/practice.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/softmax.hpp"

namespace attnlab {
namespace {

const std::string kPresets = ATTNLAB_PRESETS_DIR;

double Value(const std::string& text) {
  Answer a;
  const Status st = ParseAnswer(text, &a);
  EXPECT_TRUE(st.ok()) << text << ": " << st.ToString();
  return a.value;
}

std::string ParseError(const std::string& text) {
  Answer a;
  a.value = 42;
  const Status st = ParseAnswer(text, &a);
  EXPECT_FALSE(st.ok()) << text << " parsed to " << a.value;
  EXPECT_EQ(a.value, 42) << "a failed parse leaves the answer as it was";
  return st.message();
}

TEST(PracticeAnswer, NumbersFractionsAndExpressionsParse) {
  const double e = std::exp(1.0);
  EXPECT_DOUBLE_EQ(Value("3"), 3);
  EXPECT_DOUBLE_EQ(Value("-0.4547"), -0.4547);
  EXPECT_DOUBLE_EQ(Value(".5"), 0.5);
  EXPECT_DOUBLE_EQ(Value("1.2e-3"), 1.2e-3);
  EXPECT_DOUBLE_EQ(Value("1/3"), 1.0 / 3);
  EXPECT_DOUBLE_EQ(Value(" -2/7 "), -2.0 / 7);
  // E9's probabilities as the exam writes them, in every spelling a student uses.
  const double pA = std::exp(3.0) / (2 * std::exp(3.0) + 4);
  EXPECT_DOUBLE_EQ(Value("exp(3)/(2exp(3)+4)"), pA);
  EXPECT_DOUBLE_EQ(Value("e^3/(2e^3+4)"), pA);
  EXPECT_DOUBLE_EQ(Value("e^3 / (2 e^3 + 4)"), pA);
  EXPECT_DOUBLE_EQ(Value("e**3/(2*e**3+4)"), pA);
  EXPECT_DOUBLE_EQ(Value("1/(2e^{9/7}+2e^{6/7}+2)"), 1 / (2 * std::exp(9.0 / 7) + 2 * std::exp(6.0 / 7) + 2));
  EXPECT_DOUBLE_EQ(Value("\\frac{1}{2}"), 0.5) << "LaTeX, as copied from a solution";
  EXPECT_DOUBLE_EQ(Value("\\frac{e^{3}}{2e^{3} + 4}"), pA);
  EXPECT_DOUBLE_EQ(Value("-\\tfrac{3}{4}"), -0.75);
}

TEST(PracticeAnswer, ImpliedMultiplicationPrecedenceAndFunctions) {
  const double e = std::exp(1.0);
  EXPECT_DOUBLE_EQ(Value("2e"), 2 * e);
  EXPECT_DOUBLE_EQ(Value("2e3"), 2000) << "scientific notation wins when digits follow the e";
  EXPECT_DOUBLE_EQ(Value("2e^3"), 2 * std::pow(e, 3));
  EXPECT_DOUBLE_EQ(Value("(1+1)(2+1)"), 6);
  EXPECT_DOUBLE_EQ(Value("3pi"), 3 * 3.14159265358979323846);
  EXPECT_DOUBLE_EQ(Value("-2^2"), -4) << "^ binds tighter than a leading minus";
  EXPECT_DOUBLE_EQ(Value("2^3^2"), 512) << "^ is right-associative";
  EXPECT_DOUBLE_EQ(Value("1/2/2"), 0.25) << "/ is left-associative";
  EXPECT_DOUBLE_EQ(Value("sqrt(2)/2"), std::sqrt(2.0) / 2);
  EXPECT_DOUBLE_EQ(Value("\u221A2"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(Value("-ln(0.4547)"), -std::log(0.4547));
  EXPECT_DOUBLE_EQ(Value("log(e)"), 1) << "log is the natural log, as in the course";
  EXPECT_DOUBLE_EQ(Value("2\u00B73 \u2212 1"), 5);
  EXPECT_EQ(Value("-inf"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Value("\u2212\u221E"), -std::numeric_limits<double>::infinity());
}

TEST(PracticeAnswer, MistypedAnswersSayWhatIsWrong) {
  EXPECT_NE(ParseError("").find("empty"), std::string::npos);
  EXPECT_NE(ParseError("foo(3)").find("unknown name \"foo\""), std::string::npos);
  EXPECT_NE(ParseError("(1+2").find("never closed"), std::string::npos);
  EXPECT_NE(ParseError("1+2)").find("closes nothing"), std::string::npos);
  EXPECT_NE(ParseError("1/0").find("division by zero"), std::string::npos);
  EXPECT_NE(ParseError("sqrt(-1)").find("negative"), std::string::npos);
  EXPECT_NE(ParseError("ln(0)").find("not positive"), std::string::npos);
  EXPECT_NE(ParseError("1..2").find("not a number"), std::string::npos);
  EXPECT_NE(ParseError("3 +").find("expected"), std::string::npos);
  EXPECT_NE(ParseError("2 $ 3").find("unexpected"), std::string::npos);
  // Bounded: no answer exhausts the stack or the time.
  EXPECT_NE(ParseError(std::string(400, '(') + "1" + std::string(400, ')')).find("nests too deeply"), std::string::npos);
  EXPECT_NE(ParseError(std::string(900, '-') + "1").find("nests too deeply"), std::string::npos);
  EXPECT_NE(ParseError(std::string(5000, '1')).find("at most 1000"), std::string::npos);
  EXPECT_DOUBLE_EQ(Value(std::string(100, '(') + "2" + std::string(100, ')')), 2);
}

TEST(PracticeMark, ExactAnswersAndDecimalsAtTheirDigits) {
  const double third = 1.0 / 3, pA = 0.45474941;
  EXPECT_EQ(MarkAnswerText("1/3", third), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("2/6", third), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("1/4", third), Mark::kWrong);
  EXPECT_EQ(MarkAnswerText("0.333", third), Mark::kRight) << "rounds to 1/3 at 3 digits";
  EXPECT_EQ(MarkAnswerText("0.3333", third), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("0.334", third), Mark::kWrong) << "1/3 rounds to 0.333";
  EXPECT_EQ(MarkAnswerText("0.4547", pA), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("0.4546", pA), Mark::kWrong) << "truncated, not rounded";
  EXPECT_EQ(MarkAnswerText("0.45", pA), Mark::kTooFewDigits) << "2 significant digits cannot tell";
  EXPECT_EQ(MarkAnswerText("0.5", pA), Mark::kTooFewDigits);
  EXPECT_EQ(MarkAnswerText("0.47", pA), Mark::kWrong) << "wrong even at 2 digits";
  EXPECT_EQ(MarkAnswerText("0.25", 0.25), Mark::kRight) << "exactly the value, at any length";
  EXPECT_EQ(MarkAnswerText("0.0717", 0.071706), Mark::kRight) << "3 significant digits after the zeros";
  EXPECT_EQ(MarkAnswerText("0.07", 0.071706), Mark::kTooFewDigits);
  EXPECT_EQ(MarkAnswerText("7.17e-2", 0.071706), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("4.2114", 4.21141), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("4.211", 4.21141), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("4.21", 4.21141), Mark::kRight) << "3 significant digits";
  EXPECT_EQ(MarkAnswerText("0.000", 0.0), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("0", 0.0), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("exp(3)/(2exp(3)+4)", std::exp(3.0) / (2 * std::exp(3.0) + 4)), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("exp(3)/(2exp(3)+3)", std::exp(3.0) / (2 * std::exp(3.0) + 4)), Mark::kWrong);
  EXPECT_EQ(MarkAnswerText("-inf", -std::numeric_limits<double>::infinity()), Mark::kRight);
  EXPECT_EQ(MarkAnswerText("0", -std::numeric_limits<double>::infinity()), Mark::kWrong);
  EXPECT_EQ(MarkAnswerText("   ", 1.0), Mark::kBlank);
  EXPECT_EQ(MarkAnswerText("abc", 1.0), Mark::kWrong);
}

// ---------------------------------------------------------------------------
// Stages of E9 (the exam's numbers) and of a scaled, masked softmax case

Scenario Preset(const std::string& file) {
  Scenario s;
  EXPECT_TRUE(LoadScenarioFile(kPresets + "/" + file, &s).ok());
  return s;
}

std::vector<std::string> Cells(const Matrix& m) {
  std::vector<std::string> out;
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      const double v = m(i, j);
      if (std::isinf(v)) {
        out.push_back(v < 0 ? "-inf" : "inf");
      } else {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        out.push_back(buf);
      }
    }
  }
  return out;
}

StageMarks Check(const Scenario& s, const std::string& stage, const std::vector<std::string>& cells, int rows, int cols,
                 const std::map<std::string, Matrix>& earlier = {}) {
  Result r;
  EXPECT_TRUE(Evaluate(s, &r).ok());
  StageMarks m;
  const Status st = CheckAttentionStage(s, r, stage, cells, rows, cols, earlier, &m);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return m;
}

TEST(PracticeStage, E9sWeightsTypedAsTheExamsFractionsAreAllRight) {
  const Scenario s = Preset("e9-dedupe-sort.json");
  std::vector<std::string> cells = {
      "1",   "0",   "0",   "0",   "0",   "0",   "0",    //
      "0",   "1",   "0",   "0",   "0",   "0",   "0",    //
      "0",   "1/2", "1/2", "0",   "0",   "0",   "0",    //
      "1/4", "1/4", "1/4", "1/4", "0",   "0",   "0",    //
      "0",   "1/3", "1/3", "0",   "1/3", "0",   "0",    //
      "1/2", "0",   "0",   "0",   "0",   "1/2", "0",    //
      "1/7", "1/7", "1/7", "1/7", "1/7", "1/7", "1/7"};
  StageMarks m = Check(s, "weights", cells, 7, 7);
  EXPECT_EQ(m.right, 49);
  EXPECT_EQ(m.wrong, 0);
  cells[4 * 7 + 1] = "0.333";  // 1/3 at three digits: right
  cells[6 * 7 + 0] = "0.14";   // 1/7 at two digits: too few to tell
  cells[2 * 7 + 1] = "1/3";    // wrong
  cells[0] = "";               // blank
  m = Check(s, "weights", cells, 7, 7);
  EXPECT_EQ(m.right, 46);
  EXPECT_EQ(m.too_few, 1);
  EXPECT_EQ(m.wrong, 1);
  EXPECT_EQ(m.blank, 1);
  EXPECT_EQ(m.marks[2 * 7 + 1], Mark::kWrong);
  EXPECT_EQ(m.marks[6 * 7 + 0], Mark::kTooFewDigits);
}

TEST(PracticeStage, TheLossAndItsProbabilitiesInTheExamsForm) {
  const Scenario s = Preset("e9-dedupe-sort.json");
  StageMarks m = Check(s, "target_probs", {"e^3/(2e^3+4)", "0.4547", "1/(2e^{9/7}+2e^{6/7}+2)"}, 1, 3);
  EXPECT_EQ(m.right, 3);
  m = Check(s, "loss", {"4.2114"}, 1, 1);
  EXPECT_EQ(m.right, 1);
  // Averaged the three terms instead of summing them: 1.4038.
  m = Check(s, "loss", {"1.4038"}, 1, 1);
  EXPECT_EQ(m.wrong, 1);
  EXPECT_EQ(m.mistake, "averaged instead of summed the loss terms");
}

TEST(PracticeStage, OneBasedPositionsAreNamed) {
  // E9's loss rows are 4, 5, 6 (0-based); a student who reads "positions 5, 6,
  // 7" as rows takes rows 5, 6 and ... 7 does not exist: use a preset shape
  // where the next row exists by moving the loss one position earlier.
  Scenario s = Preset("e9-dedupe-sort.json");
  s.loss.positions = {3, 4, 5};
  s.loss.targets = {0, 0, 3};
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  std::vector<std::string> cells;
  for (const LossTerm& t : r.loss_terms) cells.push_back(std::to_string(r.probs(t.row + 1, t.target)));
  const StageMarks m = Check(s, "target_probs", cells, 1, 3);
  EXPECT_EQ(m.mistake, "used 1-based positions (the row after the right one)");
}

// A softmax case with a causal mask and 1/sqrt(d_k) scaling, where every
// mistake gives different numbers.
Scenario Scaled() {
  Scenario s;
  s.input = InputMode::kQKV;
  s.Q = (Matrix(3, 4) << 1, 0, 2, 1, 0, 1, 1, 2, 2, 1, 0, 1).finished();
  s.K = (Matrix(3, 4) << 1, 1, 0, 0, 0, 2, 1, 0, 1, 0, 1, 1).finished();
  s.V = (Matrix(3, 2) << 1, 0, 0, 1, 1, 1).finished();
  s.attention.scale.kind = ScaleKind::kInvSqrtDk;
  s.attention.mask.kind = MaskKind::kCausal;
  s.attention.temperature = 1.0;
  return s;
}

TEST(PracticeStage, EachCommonMistakeOfTheWeightsIsNamed) {
  Scenario s = Scaled();
  const Matrix raw = s.Q * s.K.transpose();
  SoftmaxOptions o;
  AllowedKeys causal = AllowedKeys::FromRuns(3, {0, 0, 0}, {1, 2, 3});
  // Forgot the mask: softmax over every key of scores / 2.
  StageMarks m = Check(s, "weights", Cells(RowSoftmax(raw / 2.0, AllowedKeys(), o)), 3, 3);
  EXPECT_GT(m.wrong, 0);
  EXPECT_EQ(m.mistake, "forgot the mask");
  // Divided by d = 4 instead of sqrt(d) = 2.
  m = Check(s, "weights", Cells(RowSoftmax(raw / 4.0, causal, o)), 3, 3);
  EXPECT_EQ(m.mistake, "divided by d instead of sqrt(d)");
  // No scale at all.
  m = Check(s, "weights", Cells(RowSoftmax(raw, causal, o)), 3, 3);
  EXPECT_EQ(m.mistake, "forgot the scale");
  // Normalised down the columns.
  Matrix masked = raw / 2.0;
  for (int i = 0; i < 3; ++i)
    for (int j = i + 1; j < 3; ++j) masked(i, j) = -std::numeric_limits<double>::infinity();
  m = Check(s, "weights", Cells(RowSoftmax(masked.transpose(), AllowedKeys(), o).transpose()), 3, 3);
  EXPECT_EQ(m.mistake, "took the softmax over columns instead of rows");
  // Right: no mistake named.
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  m = Check(s, "weights", Cells(r.heads[0].weights), 3, 3);
  EXPECT_EQ(m.right, 9);
  EXPECT_EQ(m.mistake, "");
  // Forgot the temperature at T = 3.
  s.attention.temperature = 3.0;
  m = Check(s, "weights", Cells(r.heads[0].weights), 3, 3);
  EXPECT_EQ(m.mistake, "forgot the temperature (divide the scores by T)");
}

TEST(PracticeStage, ScoresMistakesAreNamed) {
  const Scenario s = Scaled();
  const Matrix raw = s.Q * s.K.transpose();
  StageMarks m = Check(s, "scores", Cells(raw / 2.0), 3, 3);
  EXPECT_EQ(m.mistake, "forgot the mask (a masked score is -inf)");
  Matrix by_d = raw / 4.0;
  for (int i = 0; i < 3; ++i)
    for (int j = i + 1; j < 3; ++j) by_d(i, j) = -std::numeric_limits<double>::infinity();
  m = Check(s, "scores", Cells(by_d), 3, 3);
  EXPECT_EQ(m.mistake, "divided by d instead of sqrt(d)");
}

TEST(PracticeStage, ALaterStageIsRightGivenTheStudentsOwnEarlierAnswer) {
  const Scenario s = Scaled();
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  // The student got Q's cell (1, 1) wrong (3 instead of 1) ...
  Matrix myQ = s.Q;
  myQ(1, 1) = 3;
  // ... and then computed the scores correctly from their Q.
  Matrix myScores = 0.5 * myQ * s.K.transpose();
  for (int i = 0; i < 3; ++i)
    for (int j = i + 1; j < 3; ++j) myScores(i, j) = -std::numeric_limits<double>::infinity();
  StageMarks m = Check(s, "scores", Cells(myScores), 3, 3, {{"Q", myQ}});
  EXPECT_GT(m.wrong, 0) << "against the truth, row 1 is wrong";
  EXPECT_EQ(m.given, "Q");
  ASSERT_EQ(m.marks_given_yours.size(), 9u);
  for (Mark g : m.marks_given_yours) EXPECT_EQ(g, Mark::kRight) << "right given your Q";
  EXPECT_EQ(m.right_given_yours, m.wrong);
  // The weights from the student's scores carry on the same way, two stages on.
  SoftmaxOptions o;
  const Matrix myP = RowSoftmax(myScores, AllowedKeys::FromRuns(3, {0, 0, 0}, {1, 2, 3}), o);
  m = Check(s, "weights", Cells(myP), 3, 3, {{"Q", myQ}, {"scores", myScores}});
  EXPECT_EQ(m.given, "scores");
  EXPECT_EQ(m.right_given_yours, m.wrong);
  EXPECT_GT(m.wrong, 0);
  // And from Q alone (the scores stage skipped), the weights still follow.
  m = Check(s, "weights", Cells(myP), 3, 3, {{"Q", myQ}});
  EXPECT_EQ(m.given, "Q");
  EXPECT_EQ(m.right_given_yours, m.wrong);
  // A right answer from a wrong Q is not "right given your Q" when it does not follow from it.
  m = Check(s, "weights", Cells(r.heads[0].weights), 3, 3, {{"Q", myQ}});
  EXPECT_EQ(m.wrong, 0);
  EXPECT_EQ(m.right_given_yours, 0);
}

TEST(PracticeStage, E9LossFollowsFromTheStudentsOwnProbabilities) {
  const Scenario s = Preset("e9-dedupe-sort.json");
  // The student's P(<STOP>) was 0.1 instead of 0.0717; their loss from it:
  const Matrix mine = (Matrix(1, 3) << 0.4547, 0.4547, 0.1).finished();
  const double loss = -2 * std::log(0.4547) - std::log(0.1);
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", loss);
  const StageMarks m = Check(s, "loss", {text}, 1, 1, {{"target_probs", mine}});
  EXPECT_EQ(m.wrong, 1);
  EXPECT_EQ(m.given, "target_probs");
  EXPECT_EQ(m.right_given_yours, 1);
}

TEST(PracticeStage, WrongShapesUnknownStagesAndTypingErrorsAreReported) {
  const Scenario s = Preset("e9-dedupe-sort.json");
  Result r;
  ASSERT_TRUE(Evaluate(s, &r).ok());
  StageMarks m;
  Status st = CheckAttentionStage(s, r, "weights", {"1"}, 1, 1, {}, &m);
  EXPECT_EQ(st.field(), "stage");
  EXPECT_NE(st.message().find("7x7"), std::string::npos);
  st = CheckAttentionStage(s, r, "bogus", {"1"}, 1, 1, {}, &m);
  EXPECT_EQ(st.field(), "stage");
  st = CheckAttentionStage(s, r, "loss", {"4.2114 +"}, 1, 1, {}, &m);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(m.wrong, 1);
  EXPECT_NE(m.errors[0].find("expected"), std::string::npos) << m.errors[0];
}

TEST(PracticeSize, ConvOutputSizesAndTheOffByOne) {
  // E8: floor((32 - 5) / 1) + 1 = 28.
  EXPECT_EQ(CheckOutputSize("28", 28).mark, Mark::kRight);
  EXPECT_EQ(CheckOutputSize("27", 28).mistake, "off by one: forgot the + 1 after the division");
  EXPECT_EQ(CheckOutputSize("29", 28).mistake, "off by one: one too many (the + 1 counted twice?)");
  EXPECT_EQ(CheckOutputSize("30", 28).mistake, "");
  EXPECT_EQ(CheckOutputSize("", 28).mark, Mark::kBlank);
}

}  // namespace
}  // namespace attnlab
