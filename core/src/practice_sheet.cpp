// Practice on any view (practice.hpp): what a view offers to practise, the
// data shown with it, its truth, the marking and the hints.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "attnlab/format.hpp"
#include "attnlab/limits.hpp"
#include "attnlab/practice.hpp"
#include "attnlab/report.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/softmax.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

constexpr int kMaxTerms = 8;        // terms of a sum written out in a hint, then "…"
constexpr int kMaxExpandedItems = 16;  // matrices of a stack offered one by one

// "?" for a cell of the student's that does not parse (yet).
std::string Num(double v) { return std::isnan(v) ? "?" : FormatNumber(v, NumberStyle::kAuto, 4); }
std::string Idx(int i, int j) { return "[" + std::to_string(i) + "][" + std::to_string(j) + "]"; }

// ---- The attention stages ---------------------------------------------------

std::string StageWhat(const Scenario& s, const std::string& stage) {
  const bool cross = !s.kv_tokens.empty() || s.X_kv.size() > 0;
  const std::string src = cross ? "X_kv" : "X";
  if (stage == "Q") return "Q = X W_Q (+ b_Q): query i is row i of X times W_Q";
  if (stage == "K") return "K = " + src + " W_K (+ b_K): key j is row j of " + src + " times W_K";
  if (stage == "V") return "V = " + src + " W_V (+ b_V): value j is row j of " + src + " times W_V";
  if (stage == "scores")
    return "scores = scale \u00B7 Q K\u1D40: s[i][j] = scale \u00B7 (q_i \u00B7 k_j), \u2212\u221E where the mask forbids key j "
           "(scale = 1/\u221Ad_k unless the scenario sets it)";
  if (stage == "weights")
    return "P = softmax(scores / T) along each row: P[i][j] = exp((s_ij \u2212 m_i)/T) / \u2211_k exp((s_ik \u2212 m_i)/T), "
           "m_i the row maximum (T = 0: the row's maxima share the weight equally)";
  if (stage == "output") return "Z = P V: Z[i][c] = \u2211_j P[i][j] V[j][c]";
  if (stage == "R") return s.W_O.size() ? "R = Z W_O (+ b_O)" : "R = Z (this scenario has no W_O)";
  if (stage == "logits")
    return s.unembedding == Unembedding::kMatrix ? "logits = R U: logits[i][t] = \u2211_c R[i][c] U[c][t]"
                                                 : "logits = R E\u1D40 (tied): logits[i][t] = R row i \u00B7 E row t";
  if (stage == "probs")
    return "probs = softmax(logits) along each row: p[i][t] = exp(l_it \u2212 m_i) / \u2211_u exp(l_iu \u2212 m_i)";
  if (stage == "target_probs")
    return "for each loss term, the probability the model gives its target: probs[row][target]";
  if (stage == "loss")
    return s.loss.label_smoothing > 0
               ? "L = \u2211 over the terms of \u2212(1 \u2212 \u03B5) ln p_target \u2212 (\u03B5/V) \u2211_t ln p_t (natural log, a sum)"
               : "L = \u2211 over the terms of \u2212ln p_target (natural log; a sum, not a mean)";
  return "";
}

// A stage's value from the stages before it, the student's answers in
// `earlier` standing in for the truth (CheckAttentionStage's rule, for hints).
Matrix StageValue(const Scenario& s, const Result& r, const std::string& stage, const std::map<std::string, Matrix>& earlier) {
  auto it = earlier.find(stage);
  Matrix truth;
  AttentionStageValues(s, r, stage, &truth);
  if (it != earlier.end() && it->second.rows() == truth.rows() && it->second.cols() == truth.cols()) return it->second;
  return truth;
}

bool IsYours(const std::string& stage, const Matrix& truth, const std::map<std::string, Matrix>& earlier) {
  auto it = earlier.find(stage);
  return it != earlier.end() && it->second.rows() == truth.rows() && it->second.cols() == truth.cols();
}

// "1·2 + 0·1 + 3·(−1)" for row i of A against column c of B.
std::string ProductTerms(const Matrix& A, const Matrix& B, int i, int c) {
  if (A.cols() != B.rows() || i >= A.rows() || c >= B.cols()) return "";
  std::string t;
  for (Eigen::Index m = 0; m < A.cols(); ++m) {
    if (m == kMaxTerms) {
      t += " + \u2026";
      break;
    }
    const double b = B(m, c);
    t += (m ? " + " : "") + Num(A(i, m)) + "\u00B7" + (b < 0 ? "(" + Num(b) + ")" : Num(b));
  }
  return t;
}

std::string RowList(const Matrix& M, int i, const std::vector<bool>* keep = nullptr) {
  std::string t = "(";
  int shown = 0;
  for (Eigen::Index j = 0; j < M.cols(); ++j) {
    if (keep && !(*keep)[j]) {
      t += std::string(shown++ ? ", " : "") + "\u2212\u221E";
      continue;
    }
    if (shown == 12) {
      t += ", \u2026";
      break;
    }
    t += (shown++ ? ", " : "") + Num(M(i, j));
  }
  return t + ")";
}

Matrix Identity(const Matrix& W, Eigen::Index n) { return W.size() ? W : Matrix::Identity(n, n); }

std::string StageHint2(const Scenario& s, const Result& r, const std::string& stage, int i, int j,
                       const std::map<std::string, Matrix>& earlier) {
  const HeadResult& h = r.heads[0];
  const HeadWeights& w = s.heads[0];
  auto yours = [&](const std::string& name) {
    Matrix t;
    AttentionStageValues(s, r, name, &t);
    return IsYours(name, t, earlier) ? "your " + name : name;
  };
  if (stage == "Q" || stage == "K" || stage == "V") {
    const Matrix& X = stage == "Q" || r.X_kv.size() == 0 ? r.X : r.X_kv;
    const Matrix& W0 = stage == "Q" ? w.W_Q : stage == "K" ? w.W_K : w.W_V;
    const RowVector& b = stage == "Q" ? w.b_Q : stage == "K" ? w.b_K : w.b_V;
    const Matrix W = Identity(W0, X.cols());
    std::string t = stage + Idx(i, j) + " = \u2211_m X[" + std::to_string(i) + "][m] \u00B7 W_" + stage + "[m][" +
                    std::to_string(j) + "]" + (b.size() ? " + b_" + stage + "[" + std::to_string(j) + "]" : "") + "\n= " +
                    ProductTerms(X, W, i, j);
    if (b.size() > j) t += " + " + Num(b(j));
    return t;
  }
  if (stage == "scores") {
    if (!h.allowed(i, j)) return "s" + Idx(i, j) + ": the mask does not let query " + std::to_string(i) + " see key " +
                                 std::to_string(j) + ", so the score is \u2212\u221E (its weight will be exactly 0)";
    const Matrix Q = StageValue(s, r, "Q", earlier), K = StageValue(s, r, "K", earlier);
    return "s" + Idx(i, j) + " = scale \u00B7 (q_" + std::to_string(i) + " \u00B7 k_" + std::to_string(j) + "), with " +
           yours("Q") + " and " + yours("K") + ", scale = " + Num(h.scale) + "\n= " + Num(h.scale) + " \u00B7 (" +
           ProductTerms(Q, K.transpose(), i, j) + ")";
  }
  if (stage == "weights") {
    const Matrix S = StageValue(s, r, "scores", earlier);
    // Masked keys are the mask's (never a blank or a -inf the student typed).
    std::vector<bool> keep(static_cast<size_t>(S.cols()));
    for (Eigen::Index k = 0; k < S.cols(); ++k) keep[k] = h.allowed(i, static_cast<int>(k));
    const double T = s.attention.temperature;
    double m = -std::numeric_limits<double>::infinity();
    for (Eigen::Index k = 0; k < S.cols(); ++k)
      if (keep[k] && !std::isnan(S(i, k))) m = std::max(m, S(i, k));
    std::string t = "row " + std::to_string(i) + " of " + yours("scores") + ": " + RowList(S, i, &keep) + "\n";
    if (!keep[j]) return t + "key " + std::to_string(j) + " is masked: exp(\u2212\u221E) = 0";
    if (T == 0.0) return t + "T = 0 (argmax): the keys whose score equals the row maximum m = " + Num(m) +
                         " share the weight equally; the others get 0";
    t += "row maximum m = " + Num(m) + ", T = " + Num(T) + "\nP" + Idx(i, j) + " = exp((" + Num(S(i, j)) + " \u2212 " +
         Num(m) + ")/" + Num(T) + ") / [";
    int shown = 0;
    for (Eigen::Index k = 0; k < S.cols(); ++k) {
      if (!keep[k]) continue;
      if (shown == kMaxTerms) {
        t += " + \u2026";
        break;
      }
      t += (shown++ ? " + " : "") + std::string("exp((") + Num(S(i, k)) + " \u2212 " + Num(m) + ")/" + Num(T) + ")";
    }
    return t + "]";
  }
  if (stage == "output") {
    const Matrix P = StageValue(s, r, "weights", earlier), V = StageValue(s, r, "V", earlier);
    return "Z" + Idx(i, j) + " = \u2211_k P[" + std::to_string(i) + "][k] \u00B7 V[k][" + std::to_string(j) + "], with " +
           yours("weights") + " and " + yours("V") + "\n= " + ProductTerms(P, V, i, j);
  }
  if (stage == "R") {
    const Matrix Z = StageValue(s, r, "output", earlier);
    if (s.W_O.size() == 0) return "no W_O: R is " + yours("output") + " itself, R" + Idx(i, j) + " = Z" + Idx(i, j);
    std::string t = "R" + Idx(i, j) + " = \u2211_c Z[" + std::to_string(i) + "][c] \u00B7 W_O[c][" + std::to_string(j) +
                    "]" + (s.b_O.size() ? " + b_O[" + std::to_string(j) + "]" : "") + ", with " + yours("output") +
                    "\n= " + ProductTerms(Z, s.W_O, i, j);
    if (s.b_O.size() > j) t += " + " + Num(s.b_O(j));
    return t;
  }
  if (stage == "logits") {
    const Matrix R = StageValue(s, r, "R", earlier);
    const Matrix U = s.unembedding == Unembedding::kMatrix ? s.U : Matrix(s.E.transpose());
    const std::string col = j < static_cast<int>(s.vocab.size()) ? " (" + s.vocab[j] + ")" : "";
    return "logits" + Idx(i, j) + col + " = R row " + std::to_string(i) + " \u00B7 " +
           (s.unembedding == Unembedding::kMatrix ? "U column " : "E row ") + std::to_string(j) + ", with " + yours("R") +
           "\n= " + ProductTerms(R, U, i, j);
  }
  if (stage == "probs") {
    const Matrix L = StageValue(s, r, "logits", earlier);
    double m = L.row(i).maxCoeff();
    std::string t = "row " + std::to_string(i) + " of " + yours("logits") + ": " + RowList(L, i) + "\nrow maximum m = " +
                    Num(m) + "\np" + Idx(i, j) + " = exp(" + Num(L(i, j)) + " \u2212 " + Num(m) + ") / [";
    for (Eigen::Index k = 0; k < L.cols(); ++k) {
      if (k == kMaxTerms) {
        t += " + \u2026";
        break;
      }
      t += (k ? " + " : "") + std::string("exp(") + Num(L(i, k)) + " \u2212 " + Num(m) + ")";
    }
    return t + "]";
  }
  if (stage == "target_probs") {
    const LossTerm& lt = r.loss_terms[static_cast<size_t>(j)];
    const std::string token = lt.target < static_cast<int>(s.vocab.size()) ? s.vocab[lt.target] : std::to_string(lt.target);
    return "term " + std::to_string(j) + ": position " + std::to_string(lt.position) + "'s token " + token +
           ", predicted by row " + std::to_string(lt.row) + " (0-based)\np = " + yours("probs") + "[" +
           std::to_string(lt.row) + "][" + token + "], column " + std::to_string(lt.target) + " of row " +
           std::to_string(lt.row);
  }
  if (stage == "loss") {
    const Matrix p = StageValue(s, r, "target_probs", earlier);
    std::string t = "with " + yours("target_probs") + ":\nL = ";
    for (Eigen::Index k = 0; k < p.cols(); ++k) {
      if (k == kMaxTerms) {
        t += " \u2212 \u2026";
        break;
      }
      t += std::string(k ? " " : "") + "\u2212 ln(" + Num(p(0, k)) + ")";
    }
    if (s.loss.label_smoothing > 0) t += "\n(each term weighted 1 \u2212 \u03B5, plus \u03B5/V times the row's \u2212ln p_t)";
    return t;
  }
  return "";
}

// ---- A view's targets, from its eval output ---------------------------------

// The entry at `path` ("weights.0.1", "layers.2.out_shape", "cost.MHA.flops")
// as a matrix: a number 1 x 1, a list 1 x n, a matrix; indices pick a slice, a
// row or a cell. `stack` is set (and `out` left alone) when the path ends at a
// stack of matrices: its count.
Status Resolve(const Report& report, const std::string& path, Matrix* out, int* stack) {
  *stack = 0;
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  auto index = [&](size_t k, long long n, long long* at) {
    if (k >= parts.size()) return false;
    const std::string& p = parts[k];
    if (p.empty() || p.size() > 9 || p.find_first_not_of("0123456789") != std::string::npos) return false;
    *at = std::stoll(p);
    return *at < n;
  };
  const Report* scope = &report;
  for (size_t k = 0; k < parts.size();) {
    const Report::Entry* e = nullptr;
    for (const Report::Entry& x : scope->entries())
      if (x.name == parts[k]) e = &x;
    if (!e) return Status::Error("target", "\"" + path + "\" is not in the view's output");
    ++k;
    long long a = 0, b = 0;
    const size_t left = parts.size() - k;
    switch (e->kind) {
      case Report::Kind::kSection:
        scope = e->section.get();
        continue;
      case Report::Kind::kList:
        if (!index(k, static_cast<long long>(e->items.size()), &a)) return Status::Error("target", "\"" + path + "\": no such item");
        scope = e->items[static_cast<size_t>(a)].get();
        ++k;
        continue;
      case Report::Kind::kNumber:
      case Report::Kind::kInteger:
      case Report::Kind::kBool:
        if (left) break;
        *out = Matrix::Constant(1, 1, e->kind == Report::Kind::kNumber ? e->number : static_cast<double>(e->integer));
        return Status::Ok();
      case Report::Kind::kNumbers: {
        const long long n = static_cast<long long>(e->numbers.size());
        if (left == 0) {
          out->resize(1, n);
          for (long long c = 0; c < n; ++c) (*out)(0, c) = e->numbers[static_cast<size_t>(c)];
          return Status::Ok();
        }
        if (left == 1 && index(k, n, &a)) {
          *out = Matrix::Constant(1, 1, e->numbers[static_cast<size_t>(a)]);
          return Status::Ok();
        }
        break;
      }
      case Report::Kind::kMatrix:
      case Report::Kind::kTensor: {
        Matrix m;
        if (e->kind == Report::Kind::kTensor) {
          const long long lead = e->inner ? static_cast<long long>(e->slices.size()) / e->inner : static_cast<long long>(e->slices.size());
          if (left == 0 || (e->inner && left == 1)) {
            *stack = static_cast<int>(e->inner && left == 1 ? e->inner : lead);
            return Status::Ok();
          }
          if (!index(k, lead, &a)) break;
          ++k;
          if (e->inner) {
            if (!index(k, e->inner, &b)) break;
            ++k;
            a = a * e->inner + b;
          }
          m = e->slices[static_cast<size_t>(a)];
        } else {
          m = e->matrix;
        }
        const size_t rest = parts.size() - k;
        if (rest == 0) {
          *out = m;
          return Status::Ok();
        }
        if (!index(k, m.rows(), &a)) break;
        if (rest == 1) {
          *out = m.row(a);
          return Status::Ok();
        }
        if (rest == 2 && index(k + 1, m.cols(), &b)) {
          *out = Matrix::Constant(1, 1, m(a, b));
          return Status::Ok();
        }
        break;
      }
      default:
        return Status::Error("target", "\"" + path + "\" is text, not a number");
    }
    return Status::Error("target", "\"" + path + "\": no such entry (an index past the end?)");
  }
  return Status::Error("target", "\"" + path + "\" is a section, not a number");
}

// Past what the sheet can lay out or a student would do by hand: the reason, or "".
std::string TooLarge(int rows, int cols) {
  if (static_cast<long long>(rows) * cols > kMaxPracticeCells)
    return std::to_string(rows) + " x " + std::to_string(cols) + " cells: too many to work by hand (at most " +
           std::to_string(kMaxPracticeCells) + ")";
  if (cols > kMaxPracticeColumns)
    return std::to_string(cols) + " columns: the sheet holds at most " + std::to_string(kMaxPracticeColumns);
  return "";
}

bool ReportFlag(const Report& report, const std::string& name, bool* value) {
  const Report::Entry* e = report.Find(name);
  if (!e || e->kind != Report::Kind::kBool) return false;
  *value = e->integer != 0;
  return true;
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// A view's target this scenario cannot fairly ask for, and why ("" = it can):
// its data do not determine it, or its formula is not this scenario's.
std::string NotAskedHere(const Scenario& s, const Report& report, const std::string& target) {
  bool flag = false;
  if (s.view == "conv") {
    if ((ReportFlag(report, "ok", &flag) || ReportFlag(report, "valid", &flag)) && !flag) {
      const Report::Entry* e = report.Find("error");
      return "the network has an error" + (e && e->kind == Report::Kind::kText ? ": " + e->text : std::string(" (the view shows it)"));
    }
  }
  if (s.view == "kernel") {
    const Report::Entry* kind = report.Find("sim_kind");
    const bool explicit_map = kind && kind->kind == Report::Kind::kText && kind->text == "polynomial";
    if ((StartsWith(target, "phi_dim") || StartsWith(target, "phi_Q")) && !explicit_map)
      return "the explicit feature map is the polynomial kernel's; this scenario's is another";
    if (StartsWith(target, "output_linear") && ReportFlag(report, "causal", &flag) && flag)
      return "causal: S and z are prefix sums, one per row (the view's step shows them)";
  }
  if (s.view == "decoding" && StartsWith(target, "Y.")) {
    const Report::Entry* prior = report.Find("prior");
    if (prior && prior->kind == Report::Kind::kInteger && prior->integer > 0)
      return "with a previous cache, y needs every cached key and value (practise the weights)";
  }
  if (s.view == "gradients" && target.find("grad_scores") != std::string::npos &&
      ReportFlag(report, "scores_gradient_zero", &flag) && flag)
    return "argmax: dL/dscores is exactly 0 here (the view says why)";
  return "";
}

bool IsConvSize(const Scenario& s, const std::string& target) {
  return s.view == "conv" && (target.rfind("output_size", 0) == 0 || target.rfind("output_shape", 0) == 0 ||
                              target.find("out_shape") != std::string::npos);
}

std::string Short(const Matrix& m) {
  if (m.size() == 1) return Num(m(0, 0));
  std::string t = "(";
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      if (i * m.cols() + j == 24) return t + " \u2026)";
      t += (j ? ", " : i ? "; " : "") + Num(m(i, j));
    }
  }
  return t + ")";
}

// A given of a view's target (PracticeTarget::givens), for the sheet and the
// second hint: an entry of the view's eval ("z", "cost.b", "K.0.0"), its text
// ("sim_formula"), a field of every item of a list ("layers[].layer"), or,
// with "^", the pipeline's own values ("^Q", "^heads.Q" = every head's,
// "^weights", "^W_O", "^T", "^scale", "^loss_terms"). False when the scenario
// has none (a missing b_O, a layer field in a chain).
bool ResolveOneGiven(const PracticeContext& ctx, const std::string& name, PracticeGiven* out);

// The givens `name` stands for, appended to `out`: one, or one per head for
// "^heads.X" (as matrices, each whole). False when the scenario has none.
bool ResolveGiven(const PracticeContext& ctx, const std::string& name, std::vector<PracticeGiven>* out) {
  const Result& r = *ctx.result;
  if (name.rfind("^heads.", 0) == 0) {
    const std::string what = name.substr(7);
    const size_t before = out->size();
    for (size_t h = 0; h < r.heads.size() && h < static_cast<size_t>(kMaxExpandedItems); ++h) {
      const HeadResult& x = r.heads[h];
      const Matrix* m = what == "Q" ? &x.Q : what == "K" ? &x.K : what == "V" ? &x.V : what == "weights" ? &x.weights
                      : what == "output" ? &x.output : nullptr;
      if (!m) return false;
      PracticeGiven g;
      g.name = what + " (head " + std::to_string(h) + ")";
      g.values = *m;
      out->push_back(std::move(g));
    }
    return out->size() > before;
  }
  PracticeGiven g;
  if (!ResolveOneGiven(ctx, name, &g)) return false;
  out->push_back(std::move(g));
  return true;
}

bool ResolveOneGiven(const PracticeContext& ctx, const std::string& name, PracticeGiven* out) {
  const Scenario& s = *ctx.scenario;
  const Result& r = *ctx.result;
  out->name = name;
  if (name[0] == '^') {
    const std::string k = name.substr(1);
    out->name = k;
    auto head = [&](size_t h, const std::string& what) -> const Matrix* {
      if (h >= r.heads.size()) return nullptr;
      const HeadResult& x = r.heads[h];
      return what == "Q" ? &x.Q : what == "K" ? &x.K : what == "V" ? &x.V : what == "scores" ? &x.scores
           : what == "weights" ? &x.weights : what == "output" ? &x.output : nullptr;
    };
    const Matrix* m = head(0, k);
    if (m) out->values = *m;
    else if (k == "X") out->values = r.X;
    else if (k == "R") out->values = r.R;
    else if (k == "logits") out->values = r.logits;
    else if (k == "probs") out->values = r.probs;
    else if (k == "W_O") out->values = s.W_O;
    else if (k == "b_O") out->values = s.b_O;
    else if (k == "T") out->values = Matrix::Constant(1, 1, s.attention.temperature);
    else if (k == "scale" && !r.heads.empty()) out->values = Matrix::Constant(1, 1, r.heads[0].scale);
    else if (k == "loss_terms") {
      std::string t;
      for (size_t i = 0; i < r.loss_terms.size(); ++i) {
        const LossTerm& lt = r.loss_terms[i];
        const std::string token = lt.target < static_cast<int>(s.vocab.size()) ? s.vocab[lt.target] : std::to_string(lt.target);
        t += (i ? "\n" : "") + std::string("row ") + std::to_string(lt.row) + " predicts " + token + " (column " +
             std::to_string(lt.target) + ")";
      }
      out->text = t;
      return !t.empty();
    }
    return out->values.size() > 0;
  }
  const size_t list = name.find("[].");
  if (list != std::string::npos) {
    const Report::Entry* e = ctx.report.Find(name.substr(0, list));
    if (!e || e->kind != Report::Kind::kList) return false;
    const std::string field = name.substr(list + 3);
    std::string t;
    for (size_t i = 0; i < e->items.size(); ++i) {
      const Report::Entry* f = e->items[i]->Find(field);
      if (f && f->kind == Report::Kind::kText) t += (t.empty() ? "" : "\n") + std::to_string(i) + ": " + f->text;
    }
    out->name = name.substr(0, list);
    out->text = t;
    return !t.empty();
  }
  const Report::Entry* e = ctx.report.Find(name);
  if (e && e->kind == Report::Kind::kBool) {  // "causal": yes or no, not 1 or 0
    out->text = e->integer ? "yes" : "no";
    return true;
  }
  int stack = 0;
  if (Resolve(ctx.report, name, &out->values, &stack).ok() && stack == 0) return true;
  if (e && e->kind == Report::Kind::kText) out->text = e->text;
  if (e && e->kind == Report::Kind::kLabels)
    for (const std::string& l : e->labels) out->text += (out->text.empty() ? "" : ", ") + l;
  return !out->text.empty();
}

}  // namespace

Status MakePracticeContext(const Scenario& s, const Result& r, PracticeContext* out) {
  out->scenario = &s;
  out->result = &r;
  out->report = Report();
  return s.view == "attention" ? Status::Ok() : EvaluateView(s, r, s.view, &out->report);
}

Status PracticeItems(const PracticeContext& ctx, std::vector<PracticeItem>* out) {
  const Scenario& s = *ctx.scenario;
  const Result& r = *ctx.result;
  out->clear();
  if (s.view == "attention") {
    for (const std::string& stage : AttentionPracticeStages()) {
      PracticeItem it;
      it.target = stage;
      it.what = StageWhat(s, stage);
      it.stage = true;
      Matrix truth;
      const Status st = AttentionStageValues(s, r, stage, &truth);
      if (!st.ok()) {
        it.unavailable = st.message();
      } else if (s.input == InputMode::kQKV && (stage == "Q" || stage == "K" || stage == "V")) {
        it.unavailable = stage + " is given in this scenario";
      } else if (stage == "R" && s.W_O.size() == 0) {
        it.unavailable = "no W_O in this scenario: R is Z itself";
      } else {
        it.unavailable = TooLarge(static_cast<int>(truth.rows()), static_cast<int>(truth.cols()));
      }
      it.rows = static_cast<int>(truth.rows());
      it.cols = static_cast<int>(truth.cols());
      out->push_back(std::move(it));
    }
    return Status::Ok();
  }
  const ViewModel* v = FindViewModel(s.view);
  if (!v) return Status::Error("view", "unknown view \"" + s.view + "\"");
  const Report& report = ctx.report;
  for (const PracticeTarget& t : v->practice) {
    PracticeItem base;
    base.target = t.name;
    base.what = t.what;
    for (const char* g : t.givens) base.givens.push_back(g);
    base.tolerance = t.tolerance;
    std::vector<PracticeItem> items;
    const std::string name = t.name;
    const size_t list = name.find("[].");
    if (list != std::string::npos) {  // "layers[].out_shape": one item per layer
      const Report::Entry* e = report.Find(name.substr(0, list));
      const size_t n = e && e->kind == Report::Kind::kList ? e->items.size() : 0;
      for (size_t k = 0; k < n && k < static_cast<size_t>(kMaxExpandedItems); ++k) {
        PracticeItem it = base;
        it.target = name.substr(0, list) + "." + std::to_string(k) + "." + name.substr(list + 3);
        Matrix cell;
        int inner = 0;
        if (Resolve(report, it.target, &cell, &inner).ok() && inner == 0) {
          it.rows = static_cast<int>(cell.rows());
          it.cols = static_cast<int>(cell.cols());
        } else {
          it.unavailable = "not computed for this layer";
        }
        items.push_back(std::move(it));
      }
      if (n == 0) {
        base.unavailable = "not computed for this scenario";
        items.push_back(base);
      }
    }
    Matrix m;
    int stack = 0;
    const Status found = list != std::string::npos ? Status::Ok() : Resolve(report, t.name, &m, &stack);
    if (list != std::string::npos) {
    } else if (!found.ok()) {
      base.unavailable = "not computed for this scenario";
      items.push_back(base);
    } else if (stack > 0) {
      for (int k = 0; k < std::min(stack, kMaxExpandedItems); ++k) {
        PracticeItem it = base;
        it.target = std::string(t.name) + "." + std::to_string(k);
        Matrix slice;
        int inner = 0;
        if (Resolve(report, it.target, &slice, &inner).ok() && inner == 0) {
          it.rows = static_cast<int>(slice.rows());
          it.cols = static_cast<int>(slice.cols());
        } else {
          it.unavailable = "a stack of stacks: choose it in eval";
        }
        items.push_back(std::move(it));
      }
    } else {
      base.rows = static_cast<int>(m.rows());
      base.cols = static_cast<int>(m.cols());
      if (m.size() > 0 && m.array().isNaN().all()) base.unavailable = "not defined in this scenario (masked, or no value)";
      items.push_back(base);
    }
    for (PracticeItem& it : items) {
      if (it.unavailable.empty() && it.rows * it.cols == 0) it.unavailable = "nothing to compute in this scenario";
      if (it.unavailable.empty()) it.unavailable = TooLarge(it.rows, it.cols);
      if (it.unavailable.empty()) it.unavailable = NotAskedHere(s, report, it.target);
      out->push_back(std::move(it));
    }
  }
  return Status::Ok();
}

Status PracticeTruth(const PracticeContext& ctx, const PracticeItem& item, Matrix* out) {
  if (!item.unavailable.empty()) return Status::Error("target", item.unavailable);
  if (item.stage) return AttentionStageValues(*ctx.scenario, *ctx.result, item.target, out);
  int stack = 0;
  Status st = Resolve(ctx.report, item.target, out, &stack);
  if (!st.ok()) return st;
  if (stack) return Status::Error("target", "\"" + item.target + "\" is a stack of matrices: practise one at a time");
  return Status::Ok();
}

Status PracticeGivens(const PracticeContext& ctx, const PracticeItem& item,
                      const std::map<std::string, Matrix>& earlier, std::vector<PracticeGiven>* out) {
  const Scenario& s = *ctx.scenario;
  const Result& r = *ctx.result;
  out->clear();
  auto add = [&](const std::string& name, const Matrix& m) {
    PracticeGiven g;
    g.name = name;
    g.values = m;
    out->push_back(std::move(g));
  };
  auto text = [&](const std::string& name, const std::string& t) {
    PracticeGiven g;
    g.name = name;
    g.text = t;
    out->push_back(std::move(g));
  };
  if (!item.stage) {
    for (const std::string& name : item.givens) ResolveGiven(ctx, name, out);
    return Status::Ok();
  }
  const std::string& stage = item.target;
  const std::vector<std::string>& stages = AttentionPracticeStages();
  const auto at = std::find(stages.begin(), stages.end(), stage) - stages.begin();
  auto before = [&](const char* name) { return std::find(stages.begin(), stages.end(), name) - stages.begin() < at; };
  const HeadResult& h = r.heads[0];
  const HeadWeights& w = s.heads[0];
  if (s.input != InputMode::kQKV) {
    if (!s.tokens.empty()) {
      std::string t;
      for (size_t k = 0; k < s.tokens.size(); ++k) t += (k ? " " : "") + std::to_string(k) + ":" + s.tokens[k];
      text("tokens", t);
    }
    add("X", r.X);
    if (r.X_kv.size()) add("X_kv", r.X_kv);
    if (stage == "Q" && w.W_Q.size()) add("W_Q", w.W_Q);
    if (stage == "K" && w.W_K.size()) add("W_K", w.W_K);
    if (stage == "V" && w.W_V.size()) add("W_V", w.W_V);
    if (stage == "Q" && w.b_Q.size()) add("b_Q", w.b_Q);
    if (stage == "K" && w.b_K.size()) add("b_K", w.b_K);
    if (stage == "V" && w.b_V.size()) add("b_V", w.b_V);
  }
  // The stages before this one the student needs: theirs where they answered
  // them, else the truth (never a stage at or after this one).
  auto stage_given = [&](const char* name) {
    if (!before(name)) return;
    Matrix truth;
    if (!AttentionStageValues(s, r, name, &truth).ok()) return;
    const bool yours = IsYours(name, truth, earlier);
    add(yours ? std::string("your ") + name : std::string(name), yours ? earlier.at(name) : truth);
  };
  static const std::map<std::string, std::vector<const char*>> kNeeds = {
      {"Q", {}}, {"K", {}}, {"V", {}}, {"scores", {"Q", "K"}}, {"weights", {"scores"}}, {"output", {"weights", "V"}},
      {"R", {"output"}}, {"logits", {"R"}}, {"probs", {"logits"}}, {"target_probs", {"probs"}}, {"loss", {"target_probs"}}};
  for (const char* need : kNeeds.at(stage)) stage_given(need);
  if (stage == "scores") {
    add("scale", Matrix::Constant(1, 1, h.scale));
    if (!h.allowed.Unrestricted()) {
      Matrix m(h.scores.rows(), h.scores.cols());
      for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j) m(i, j) = h.allowed(static_cast<int>(i), static_cast<int>(j)) ? 1 : 0;
      add("mask (1 = may attend)", m);
    }
  }
  if (stage == "weights") add("T", Matrix::Constant(1, 1, s.attention.temperature));
  if (stage == "R" && s.W_O.size()) add("W_O", s.W_O);
  if (stage == "R" && s.b_O.size()) add("b_O", s.b_O);
  if (stage == "logits") {
    if (s.unembedding == Unembedding::kMatrix) add("U", s.U);
    else add("E (tied: logits = R E\u1D40)", s.E);
    if (!out->empty() && !s.vocab.empty()) out->back().row_labels = s.unembedding == Unembedding::kMatrix ? std::vector<std::string>{} : s.vocab;
  }
  if ((stage == "target_probs" || stage == "loss") && r.has_loss()) {
    std::string t;
    for (size_t k = 0; k < r.loss_terms.size(); ++k) {
      const LossTerm& lt = r.loss_terms[k];
      const std::string token = lt.target < static_cast<int>(s.vocab.size()) ? s.vocab[lt.target] : std::to_string(lt.target);
      t += (k ? "\n" : "") + std::string("term ") + std::to_string(k) + ": position " + std::to_string(lt.position) +
           " (" + token + "), predicted by row " + std::to_string(lt.row);
    }
    text("loss terms", t);
    if (stage == "loss" && s.loss.label_smoothing > 0) add("label smoothing \u03B5", Matrix::Constant(1, 1, s.loss.label_smoothing));
  }
  if (stage == "probs" || stage == "logits" || stage == "target_probs") {
    for (PracticeGiven& g : *out)
      if ((g.name == "logits" || g.name == "your logits" || g.name == "probs" || g.name == "your probs") && !s.vocab.empty() &&
          static_cast<size_t>(g.values.cols()) == s.vocab.size())
        g.col_labels = s.vocab;
  }
  return Status::Ok();
}

Status CheckPractice(const PracticeContext& ctx, const PracticeItem& item, const std::vector<std::string>& cells,
                     int rows, int cols, const std::map<std::string, Matrix>& earlier, StageMarks* out) {
  const Scenario& s = *ctx.scenario;
  if (item.stage) return CheckAttentionStage(s, *ctx.result, item.target, cells, rows, cols, earlier, out);
  Matrix truth;
  Status st = PracticeTruth(ctx, item, &truth);
  if (!st.ok()) return st;
  if (rows != truth.rows() || cols != truth.cols() || cells.size() != static_cast<size_t>(rows) * cols) {
    return Status::Error("stage", item.target + " is " + std::to_string(truth.rows()) + "x" + std::to_string(truth.cols()) +
                                      ", the answers are " + std::to_string(rows) + "x" + std::to_string(cols));
  }
  StageMarks m;
  m.rows = rows;
  m.cols = cols;
  int one_short = 0, one_over = 0;
  for (size_t k = 0; k < cells.size(); ++k) {
    const double t = truth(static_cast<Eigen::Index>(k) / cols, static_cast<Eigen::Index>(k) % cols);
    Mark mark = Mark::kBlank;
    std::string error;
    if (!std::isnan(t) && cells[k].find_first_not_of(" \t") != std::string::npos) {
      Answer a;
      const Status p = ParseAnswer(cells[k], &a);
      if (!p.ok()) {
        mark = Mark::kWrong;
        error = p.message();
      } else {
        mark = MarkAnswer(a, t);
        if (mark != Mark::kRight && item.tolerance > 0 && std::isfinite(t) &&
            std::abs(a.value - t) <= item.tolerance * std::max(std::abs(t), 1e-12) &&
            (a.kind == Answer::Kind::kExact || a.significant >= 3))
          mark = Mark::kRight;
        if (mark == Mark::kWrong && IsConvSize(s, item.target)) {
          one_short += a.value == t - 1;
          one_over += a.value == t + 1;
        }
      }
    }
    m.Add(mark, std::move(error));
  }
  if (m.wrong > 0 && 2 * one_short >= m.wrong && one_short > 0)
    m.mistake = "off by one: forgot the + 1 after the division, floor((N + 2P \u2212 D(F \u2212 1) \u2212 1)/S) + 1";
  else if (m.wrong > 0 && 2 * one_over >= m.wrong && one_over > 0)
    m.mistake = "off by one: one too many (floor((N + 2P \u2212 D(F \u2212 1) \u2212 1)/S) + 1 has a single + 1)";
  *out = std::move(m);
  return Status::Ok();
}

std::string PracticeHint(const PracticeContext& ctx, const PracticeItem& item, int i, int j, int level,
                         const std::map<std::string, Matrix>& earlier) {
  const Scenario& s = *ctx.scenario;
  const Result& r = *ctx.result;
  if (level <= 0 || !item.unavailable.empty() || i < 0 || j < 0 || i >= item.rows || j >= item.cols) return "";
  if (level == 1) return item.what;
  if (level == 2) {
    if (item.stage) return StageHint2(s, r, item.target, i, j, earlier);
    std::string with;
    std::vector<PracticeGiven> givens;
    for (const std::string& name : item.givens) ResolveGiven(ctx, name, &givens);
    for (const PracticeGiven& g : givens) with += "\n" + g.name + (g.text.empty() ? " = " + Short(g.values) : ": " + g.text);
    return with.empty() ? item.what : item.what + "\nwith" + with;
  }
  Matrix truth;
  if (!PracticeTruth(ctx, item, &truth).ok() || i >= truth.rows() || j >= truth.cols()) return "";
  const double v = truth(i, j);
  if (std::isnan(v)) return "this cell has no value here";
  Rational q;
  std::string exact;
  if (std::isfinite(v) && v != std::round(v) && SimpleRational(v, &q)) exact = std::to_string(q.num) + "/" + std::to_string(q.den) + " = ";
  return "the value: " + exact + FormatNumber(v, NumberStyle::kDecimal, 6);
}

}  // namespace attnlab
