// attnlab core: a scenario (what the user edits) and everything derived from it.
//
//   X       = E[tokens]   or given                      (n, d_model)
//   X_kv    = E[kv_tokens] or X_kv given (cross-attention), else X    (n_k, d_model)
//   head h:   Q_h = X W_Q,h + b_Q,h   K_h = X_kv W_K,g + b_K,g   V_h = X_kv W_V,g + b_V,g
//             (a missing W is the identity, a missing b is 0; g = the K/V
//             head of h: h itself, or with n_kv_heads < H the first head of
//             h's group, multihead.hpp)
//             P_h = softmax(scale * Q_h K_h^T + mask) / T),   Z_h = P_h V_h
//             (or Q, K, V given directly: one head, no projections)
//   Z       = [Z_1 ... Z_H]                              (n, sum d_v)
//   R       = Z W_O + b_O   (Z when there is no W_O)     (n, d_r)
//   logits  = R U,  U = E^T ("tied") or given             (n, vocab)
//   probs   = softmax(logits) row-wise                   (n, vocab)
//   loss    = sum over chosen positions p of  -log probs(row(p), target(p))
//             row(p) = p ("same_position") or p - 1 ("next_token")
//             with label smoothing eps: -(1 - eps) log p_target - eps/V sum_j log p_j
//
// Evaluate() is a pure function: the window and the command line both call it.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include "attnlab/attention.hpp"
#include "attnlab/matrix.hpp"
#include "attnlab/status.hpp"
#include "attnlab/view_settings.hpp"

namespace attnlab {

// The largest sequence attnlab evaluates: the weight matrix of 2048 positions
// is 32 MiB; far past that the picture is unreadable and memory runs out.
inline constexpr int kMaxPositions = 2048;
inline constexpr int kMaxWidth = 4096;  // d_model, d_k, d_v, vocabulary size

enum class InputMode {
  kTokens,  // vocab + tokens + E
  kX,       // X given, one row per position
  kQKV,     // Q, K, V given directly
};

struct HeadWeights {
  Matrix W_Q, W_K, W_V;     // (d_model, d_k), (d_model, d_k), (d_model, d_v); empty = identity
  RowVector b_Q, b_K, b_V;  // (1, d_k), (1, d_k), (1, d_v); empty = no bias
  // With n_kv_heads < the number of heads, only the first head of each K/V
  // group holds W_K, W_V, b_K, b_V; the group's other heads leave them empty.
};

enum class LossConvention { kSamePosition, kNextToken };
enum class Unembedding { kNone, kTied, kMatrix };

struct LossSpec {
  bool enabled = false;
  LossConvention convention = LossConvention::kSamePosition;
  // Positions (0-based) whose token is predicted, and the predicted token (a
  // column of the logits). Empty positions = every position that has a row to
  // predict it from; empty targets = the sequence's own tokens at `positions`.
  std::vector<int> positions;
  std::vector<int> targets;
  double label_smoothing = 0.0;  // in [0, 1)
};

// Practice mode (practice.hpp): the student's own answers to one computed
// quantity of a view, kept with the scenario so that they are saved,
// restored with the session and undone like any edit.
struct PracticeSheet {
  int rows = 0, cols = 0;
  std::vector<std::string> cells;    // row-major, as typed; "" = blank
  std::vector<std::string> checked;  // the cells as they were at the last Check; empty = never checked
  std::vector<int> hints;            // per cell, the hints shown: 0 to 3 (3 shows the value)
  bool revealed = false;             // checked right, then shown exactly: later stages start from the truth
  friend bool operator==(const PracticeSheet& a, const PracticeSheet& b) {
    return a.rows == b.rows && a.cols == b.cols && a.cells == b.cells && a.checked == b.checked &&
           a.hints == b.hints && a.revealed == b.revealed;
  }
};

struct PracticeState {
  bool on = false;                               // the window shows the practice sheet instead of the view
  std::map<std::string, std::string> target;     // view key -> what is practised there ("weights")
  std::map<std::string, PracticeSheet> sheets;   // "view:target" -> the student's work
  friend bool operator==(const PracticeState& a, const PracticeState& b) {
    return a.on == b.on && a.target == b.target && a.sheets == b.sheets;
  }
};

struct Scenario {
  std::string title;     // the exercise's whole title
  std::string name;      // a short name for lists ("E7 sweep"); "" = the title
  std::string notes;     // the exercise's text (what is asked)
  std::string solution;  // the course's own answer in words, with the errata; step mode
                         // shows it only once the last stage is revealed
  std::string view = "attention";  // the key of a view in ViewModels()

  InputMode input = InputMode::kTokens;
  std::vector<std::string> vocab;
  std::vector<std::string> tokens;
  Matrix E;        // (vocab, d_model)
  Matrix X;        // (n, d_model)
  Matrix Q, K, V;  // kQKV only
  // Cross-attention: keys and values from another sequence (kTokens: its
  // tokens through E; kX: its rows). Both empty = self-attention.
  std::vector<std::string> kv_tokens;
  Matrix X_kv;     // (n_k, d_model)

  std::vector<HeadWeights> heads{HeadWeights{}};  // at least one: the query heads
  int n_kv_heads = 0;  // K/V heads, dividing heads.size(); 0 = one per head (multi-head)
  Matrix W_O;                                     // (sum d_v, d_model); empty = none
  RowVector b_O;                                  // (1, d_r); empty = no bias
  // How the file writes the heads: false = the "heads" list, true = packed
  // top-level W_Q, W_K, W_V with "num_heads" (multihead.hpp). Spelling only:
  // not part of operator==.
  bool packed_heads = false;

  AttentionOptions attention;

  Unembedding unembedding = Unembedding::kTied;  // kTied needs E; falls back to kNone without it
  Matrix U;                                      // kMatrix: (d_r, vocab)

  LossSpec loss;

  // Settings that one view alone uses (TemperatureLabSettings, ...), each
  // declared beside that view's maths; see view_settings.hpp and views.hpp.
  ViewSettings views;

  // What presentation mode shows, per view key: the chosen panels in order
  // ("P", "probs", "loss", "exercise", a lab's plots). A view absent here
  // shows its default choice.
  std::map<std::string, std::vector<std::string>> presentation;

  PracticeState practice;  // "practice" in the file; empty = never practised
};

struct LossTerm {
  int position = 0;  // the predicted token's position
  int row = 0;       // the logits row that predicts it
  int target = 0;    // column of the logits
  double prob = 0;   // probs(row, target)
  double loss = 0;   // its term of the loss
};

struct Result {
  Matrix X;                       // the model input (empty in QKV mode)
  Matrix X_kv;                    // cross-attention's key/value input; empty for self-attention
  std::vector<HeadResult> heads;  // one per head
  Matrix Q, K, V;                 // heads side by side (one head: that head's)
  // Several heads: the mean of their scores and weights. Empty with one head,
  // whose own matrices Scores() and Weights() return (never a copy: at 2048
  // positions each is 32 MiB).
  Matrix mean_scores, mean_weights;
  Matrix Z;                       // heads' outputs side by side
  Matrix R;                       // Z W_O, or Z
  Matrix logits, probs;           // empty when there is no unembedding
  std::vector<LossTerm> loss_terms;
  double loss = std::numeric_limits<double>::quiet_NaN();  // sum of the terms
  double mean_loss = std::numeric_limits<double>::quiet_NaN();
  double perplexity = std::numeric_limits<double>::quiet_NaN();  // exp(mean_loss)
  std::vector<std::string> diagnostics;  // true facts worth a look, e.g. a fully masked row

  // One head's scores and weights; several heads' mean.
  const Matrix& Scores() const { return heads.size() == 1 ? heads.front().scores : mean_scores; }
  const Matrix& Weights() const { return heads.size() == 1 ? heads.front().weights : mean_weights; }
  bool has_logits() const { return logits.size() > 0; }
  bool has_loss() const { return !loss_terms.empty(); }
};

// Field by field (matrices by shape and value, masks by their spec): a
// scenario saved and read back equals the one written.
bool operator==(const Scenario& a, const Scenario& b);
inline bool operator!=(const Scenario& a, const Scenario& b) { return !(a == b); }

// Every vocabulary entry must be distinct (each names one row of E and one
// column of the logits); fails naming "vocab[i]" for a repeat.
Status CheckVocabulary(const std::vector<std::string>& vocab);

// Tokens -> vocabulary ids; fails naming "tokens[i]" for an unknown token.
Status TokenIds(const Scenario& scenario, std::vector<int>* ids);

// Fails naming the input ("tokens", "X", "Q" or "K") when it has more than
// kMaxPositions positions.
Status CheckPositions(const Scenario& scenario);

// The sequence length n of a scenario (tokens, rows of X, or rows of Q).
int SequenceLength(const Scenario& scenario);
// The number of keys n_k: the cross-attention input's length, else n.
int KeyLength(const Scenario& scenario);
// The number of K/V heads (n_kv_heads, or one per head when it is 0).
int KvHeadCount(const Scenario& scenario);
// The head whose W_K, W_V, b_K, b_V query head `head` uses.
int KvLeader(const Scenario& scenario, int head);

// Evaluates the whole pipeline. On failure `result` is left unspecified and the
// status names the field and, for shapes, the expected shape and why.
Status Evaluate(const Scenario& scenario, Result* result);

// True when a and b give the same Result up to the logits and probabilities:
// they may differ only in what Evaluate reads after them (the loss) or not at
// all (title, notes, view, the labs' settings).
bool SameLogits(const Scenario& a, const Scenario& b);

// Recomputes only the loss (terms, sum, mean, perplexity) of `result`, which
// Evaluate filled from a scenario `before` with SameLogits(before, scenario):
// an edit of the loss targets or positions costs no attention. The same
// numbers as Evaluate(scenario); on failure `result` is unchanged.
Status EvaluateLoss(const Scenario& scenario, Result* result);

}  // namespace attnlab
