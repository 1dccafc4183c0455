// attnlab core: practice mode's checking (issue 17). The student types each
// cell of a result; attnlab marks it, names a common mistake when the wrong
// cells fit one, and, as a fair examiner, also checks a later stage against
// what follows from the student's own earlier answers.
//
// Answers (ParseAnswer):
//   numbers      3, -0.4547, 1.2e-3, .5
//   fractions    1/3, -2/7
//   expressions  exp(3)/(2exp(3)+4), e^3/(2e^3 + 4), 1/(2e^{9/7}+2e^{6/7}+2),
//                sqrt(2)/2, -ln(0.4547), 3*pi, with + - * / ^ ( ) { },
//                implied multiplication (2exp(3), 2e^3, (1)(2), 3pi), the
//                constants e and pi, the functions exp, ln = log (natural),
//                sqrt; -inf for a masked score; the symbols − × · √ π ∞;
//                LaTeX as a solution writes it: \frac{e^{3}}{2e^{3} + 4}, \cdot, \infty.
//   ^ binds tighter than a leading minus (-2^2 = -4) and is right-associative.
// Marking (MarkAnswer), with t the true value:
//   a fraction, integer or expression is exact: right when |a - t| <= 1e-9 max(1, |t|);
//   a decimal is right when it rounds to t at the digits given
//     (|a - t| <= half a unit of its last digit) and has at least 3
//     significant digits; with fewer it is "too few digits to tell" when it
//     could be right and wrong when it cannot; a decimal equal to t (0.25 for
//     1/4) is right at any length;
//   infinities are right only when equal.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "attnlab/matrix.hpp"
#include "attnlab/report.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

struct Scenario;
struct Result;

struct Answer {
  enum class Kind { kExact, kDecimal };
  Kind kind = Kind::kExact;
  double value = 0;
  double half_unit = 0;  // kDecimal: half a unit of the last digit typed (0.00005 for 0.4547)
  int significant = 0;   // kDecimal: significant digits typed (4 for 0.4547, 2 for 0.045)
};

inline constexpr size_t kMaxAnswerLength = 1000;  // characters of one cell's answer
inline constexpr int kMaxPracticeColumns = 63;     // columns of one sheet (a table of 64 with its row numbers)

// Fails (field "") with what is wrong and where: "unknown name \"foo\"", "a ( is
// never closed", "division by zero"; `*out` is unchanged then. Empty text fails.
Status ParseAnswer(const std::string& text, Answer* out);

enum class Mark { kBlank, kRight, kWrong, kTooFewDigits };

Mark MarkAnswer(const Answer& answer, double truth);
// The same from text: kBlank for empty (or only spaces) text, kWrong for text
// that does not parse (the caller shows ParseAnswer's message).
Mark MarkAnswerText(const std::string& text, double truth);

// ---- A stage of the attention pipeline -----------------------------------
// Stages, in the pipeline's order, and what each is computed from:
//   Q, K, V                 (the inputs and weights)
//   scores = s Q K^T, -inf where masked           (Q, K)
//   weights = softmax(scores / T)                 (scores)
//   output = weights V                            (weights, V)
//   R = output W_O (+ b_O), or output             (output)
//   logits = R E^T (tied) or R U                  (R)
//   probs = softmax(logits) per row               (logits)
//   target_probs = probs at each loss term, 1 x terms   (probs)
//   loss = sum of the terms                       (target_probs, and logits under label smoothing)
// One head; with several heads a stage is checked against the truth only.
const std::vector<std::string>& AttentionPracticeStages();

struct StageMarks {
  int rows = 0, cols = 0;
  std::vector<Mark> marks;            // row-major, against the true values
  std::vector<Mark> marks_given_yours;  // against what follows from the earlier answers; empty when none apply
  std::string given;                  // those earlier answers' stages, "Q" or "scores"; "" when none apply
  std::vector<std::string> errors;    // per cell: ParseAnswer's message, "" when it parsed or is blank
  int right = 0, wrong = 0, too_few = 0, blank = 0;
  int right_given_yours = 0;          // wrong against the truth, right against the carried values
  std::string mistake;                // a common mistake the wrong cells fit, "" when none does

  // The next cell's mark (against the truth) and ParseAnswer's message, counted.
  void Add(Mark mark, std::string error);
};

// Checks `cells` (rows x cols, row-major; "" = blank) as the stage `stage` of
// scenario `s` (already evaluated into `r`). `earlier` holds the student's own
// answers to earlier stages (as numbers, by stage name); each later value is
// recomputed from them when their shapes fit. Fails naming "stage" for an
// unknown stage or a shape that is not the stage's.
Status CheckAttentionStage(const Scenario& s, const Result& r, const std::string& stage,
                           const std::vector<std::string>& cells, int rows, int cols,
                           const std::map<std::string, Matrix>& earlier, StageMarks* out);

// The stage's true values (what CheckAttentionStage marks against).
Status AttentionStageValues(const Scenario& s, const Result& r, const std::string& stage, Matrix* out);

// A convolution output size typed as text: right, or wrong with the mistake
// named when it is one off (truth - 1: "forgot the + 1"; truth + 1: one too many).
struct SizeMark {
  Mark mark = Mark::kBlank;
  std::string mistake;
};
SizeMark CheckOutputSize(const std::string& text, long long truth);

// ---- Practice on any view (the window's practice sheet) --------------------
// What a view offers to practise: the attention pipeline's stages for the
// Attention view, else the view's practice targets (views.hpp), each an entry
// of its eval output; a target that is a stack of matrices (one per head) is
// offered one matrix at a time ("weights.1": head 1).
struct PracticeItem {
  std::string target;                // "weights", "cursor_weights", "weights.1"
  std::string what;                  // its formula: the first hint
  std::vector<std::string> givens;   // eval entries the sheet shows as the question's data
  double tolerance = 0;              // relative: also right within tolerance * |t| (long sums by hand)
  bool stage = false;                // an attention stage: errors do not carry (CheckAttentionStage)
  int rows = 0, cols = 0;            // its answer's shape
  std::string unavailable;           // why it cannot be practised in this scenario; "" = it can
};

// The scenario, its result and its view's eval output, computed once: the
// functions below read the view's numbers from it (a Monte-Carlo view's eval
// takes half a second; typing an answer must not redo it).
struct PracticeContext {
  const Scenario* scenario = nullptr;
  const Result* result = nullptr;  // already evaluated without error
  Report report;                   // views.<key>; empty for the Attention view (its stages are computed)
};
// Fails only when the view's eval fails (its message); the pointers must
// outlive the context.
Status MakePracticeContext(const Scenario& s, const Result& r, PracticeContext* out);

// The items of the scenario's view, in the order the view lists them.
Status PracticeItems(const PracticeContext& ctx, std::vector<PracticeItem>* out);

// One of the data the sheet shows beside the blank cells.
struct PracticeGiven {
  std::string name;  // "X", "W_Q", "your scores", "T"
  Matrix values;     // a number is 1 x 1; NaN = a cell of the student's that does not parse
  std::vector<std::string> row_labels, col_labels;  // may be empty
  std::string text;  // instead of values: "position 1 (A), predicted by row 0"
};

// The data of `item`: for a stage, the scenario's inputs and the stages before
// it (the student's own answers where `earlier` holds them, else the truth);
// for a view's target, its givens from eval. Never the item's own value or a
// later stage's.
Status PracticeGivens(const PracticeContext& ctx, const PracticeItem& item,
                      const std::map<std::string, Matrix>& earlier, std::vector<PracticeGiven>* out);

// The true values of `item` (rows x cols); NaN marks a cell that has none
// (the sheet does not ask for it).
Status PracticeTruth(const PracticeContext& ctx, const PracticeItem& item, Matrix* out);

// Marks the answers: a stage with CheckAttentionStage; a view's target against
// its truth with the item's tolerance, and for a convolution's sizes the
// off-by-one mistakes named. Fails naming "stage" when the shape is not the item's.
Status CheckPractice(const PracticeContext& ctx, const PracticeItem& item, const std::vector<std::string>& cells,
                     int rows, int cols, const std::map<std::string, Matrix>& earlier, StageMarks* out);

// A hint for cell (i, j), never the answer before level 3:
//   1  the formula;
//   2  the formula with the numbers filled in (the student's own earlier
//      answers where `earlier` holds them), stopping short of the result;
//   3  the value, exactly where it is a simple fraction.
std::string PracticeHint(const PracticeContext& ctx, const PracticeItem& item, int i, int j, int level,
                         const std::map<std::string, Matrix>& earlier);

}  // namespace attnlab
