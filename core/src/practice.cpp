#include "attnlab/practice.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "attnlab/scenario.hpp"
#include "attnlab/softmax.hpp"

namespace attnlab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// \frac{a}{b} (and \dfrac, \tfrac) as ((a)/(b)), brace groups matched; the
// text unchanged where a \frac is not followed by two groups.
std::string Fractions(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t name = 0;
    for (const char* f : {"\\frac", "\\dfrac", "\\tfrac"}) {
      if (text.compare(i, std::char_traits<char>::length(f), f) == 0) name = std::char_traits<char>::length(f);
    }
    if (name == 0) {
      out += text[i++];
      continue;
    }
    // Two brace groups: {a}{b}.
    std::string groups[2];
    size_t k = i + name;
    bool ok = true;
    for (std::string& g : groups) {
      while (k < text.size() && text[k] == ' ') ++k;
      if (k >= text.size() || text[k] != '{') {
        ok = false;
        break;
      }
      int depth = 0;
      const size_t start = k + 1;
      for (; k < text.size(); ++k) {
        if (text[k] == '{') ++depth;
        if (text[k] == '}' && --depth == 0) break;
      }
      if (k >= text.size()) {
        ok = false;
        break;
      }
      g = text.substr(start, k - start);
      ++k;
    }
    if (!ok) {
      out += text[i++];
      continue;
    }
    out += "((" + Fractions(groups[0]) + ")/(" + Fractions(groups[1]) + "))";
    i = k;
  }
  return out;
}

// The symbols a student may paste, as the ASCII the parser reads.
std::string Normalise(const std::string& raw) {
  const std::string text = Fractions(raw);
  static const std::pair<const char*, const char*> kMap[] = {
      {"\u2212", "-"}, {"\u00D7", "*"}, {"\u00B7", "*"}, {"\u22C5", "*"}, {"\u221A", "sqrt"},
      {"\u03C0", "pi"}, {"\u221E", "inf"}, {"\u2013", "-"}, {"{", "("}, {"}", ")"}, {"\\infty", "inf"},
      {"\\cdot", "*"}, {"\\times", "*"}, {"\\pi", "pi"}, {"\\exp", "exp"}, {"\\ln", "ln"}, {"\\log", "log"},
      {"\\sqrt", "sqrt"}, {"**", "^"},
  };
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool mapped = false;
    for (const auto& [from, to] : kMap) {
      const size_t n = std::char_traits<char>::length(from);
      if (text.compare(i, n, from) == 0) {
        out += to;
        i += n;
        mapped = true;
        break;
      }
    }
    if (!mapped) out += text[i++];
  }
  return out;
}

// Recursive descent over the normalised text:
//   sum     := product (('+' | '-') product)*
//   product := unary (('*' | '/' | implied) unary)*
//   unary   := ('-' | '+') unary | power
//   power   := atom ('^' unary)?            (right-associative: 2^3^2 = 2^9)
//   atom    := number | 'e' | 'pi' | 'inf' | name '(' sum ')' | '(' sum ')'
class Parser {
 public:
  explicit Parser(std::string text) : t_(std::move(text)) {}

  Status Parse(double* out) {
    SkipSpaces();
    if (pos_ == t_.size()) return Status::Error("", "the answer is empty");
    double v = 0;
    Status st = Sum(&v);
    if (!st.ok()) return st;
    SkipSpaces();
    if (pos_ != t_.size()) {
      if (t_[pos_] == ')') return Status::Error("", "a ) at position " + std::to_string(pos_ + 1) + " closes nothing");
      return Status::Error("", "unexpected \"" + t_.substr(pos_, 8) + "\" at position " + std::to_string(pos_ + 1));
    }
    if (std::isnan(v)) return Status::Error("", "the expression has no value (0/0, or the log or root of a negative)");
    *out = v;
    return Status::Ok();
  }

 private:
  void SkipSpaces() {
    while (pos_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    SkipSpaces();
    if (pos_ < t_.size() && t_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // Whether an atom starts here (for implied multiplication).
  bool AtomStarts() {
    SkipSpaces();
    if (pos_ >= t_.size()) return false;
    const char c = t_[pos_];
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '(' ||
           std::isalpha(static_cast<unsigned char>(c));
  }

  Status Sum(double* out) {
    double v = 0;
    Status st = Product(&v);
    if (!st.ok()) return st;
    for (;;) {
      if (Eat('+')) {
        double r = 0;
        if (!(st = Product(&r)).ok()) return st;
        v += r;
      } else if (Eat('-')) {
        double r = 0;
        if (!(st = Product(&r)).ok()) return st;
        v -= r;
      } else {
        break;
      }
    }
    *out = v;
    return Status::Ok();
  }

  Status Product(double* out) {
    double v = 0;
    Status st = Unary(&v);
    if (!st.ok()) return st;
    for (;;) {
      double r = 0;
      if (Eat('*')) {
        if (!(st = Unary(&r)).ok()) return st;
        v *= r;
      } else if (Eat('/')) {
        if (!(st = Unary(&r)).ok()) return st;
        if (r == 0) return Status::Error("", "division by zero");
        v /= r;
      } else if (AtomStarts()) {  // implied: 2exp(3), 2e^3, (1)(2)
        if (!(st = Power(&r)).ok()) return st;
        v *= r;
      } else {
        break;
      }
    }
    *out = v;
    return Status::Ok();
  }

  // Nesting ("((((1))))", "----1") is bounded so that no answer exhausts the stack.
  struct Depth {
    explicit Depth(int* d) : d_(d) { ++*d_; }
    ~Depth() { --*d_; }
    int* d_;
  };
  static constexpr int kMaxDepth = 200;

  Status Unary(double* out) {
    Depth guard(&depth_);
    if (depth_ > kMaxDepth) return Status::Error("", "the answer nests too deeply");
    if (Eat('-')) {
      Status st = Unary(out);
      *out = -*out;
      return st;
    }
    if (Eat('+')) return Unary(out);
    return Power(out);
  }

  Status Power(double* out) {
    double base = 0;
    Status st = Atom(&base);
    if (!st.ok()) return st;
    if (Eat('^')) {
      double e = 0;
      if (!(st = Unary(&e)).ok()) return st;
      base = std::pow(base, e);
    }
    *out = base;
    return Status::Ok();
  }

  Status Atom(double* out) {
    SkipSpaces();
    if (pos_ >= t_.size()) return Status::Error("", "the answer ends where a number was expected");
    const char c = t_[pos_];
    if (c == '(') {
      ++pos_;
      const size_t open = pos_;
      Status st = Sum(out);
      if (!st.ok()) return st;
      if (!Eat(')')) return Status::Error("", "the ( at position " + std::to_string(open) + " is never closed");
      return Status::Ok();
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return Number(out);
    if (std::isalpha(static_cast<unsigned char>(c))) {
      size_t end = pos_;
      while (end < t_.size() && std::isalpha(static_cast<unsigned char>(t_[end]))) ++end;
      std::string name = t_.substr(pos_, end - pos_);
      // "epi", "pie": a run of letters may be several constants side by side;
      // take the longest known name at the start.
      static const char* kNames[] = {"sqrt", "exp", "inf", "log", "ln", "pi", "e"};
      std::string known;
      for (const char* k : kNames) {
        if (name.rfind(k, 0) == 0) {
          known = k;
          break;
        }
      }
      if (known.empty()) return Status::Error("", "unknown name \"" + name + "\" (known: e, pi, exp, ln, log, sqrt)");
      pos_ += known.size();
      if (known == "e") {
        *out = std::exp(1.0);
      } else if (known == "pi") {
        *out = 3.14159265358979323846;
      } else if (known == "inf") {
        *out = kInf;
      } else {
        SkipSpaces();
        double arg = 0;
        if (pos_ < t_.size() && t_[pos_] == '(') {
          Status st = Atom(&arg);
          if (!st.ok()) return st;
        } else {
          // exp 3, sqrt 2: a function of the next power, as people write it
          Status st = Power(&arg);
          if (!st.ok()) return Status::Error("", known + " needs an argument, e.g. " + known + "(2)");
        }
        if (known == "exp") {
          *out = std::exp(arg);
        } else if (known == "sqrt") {
          if (arg < 0) return Status::Error("", "sqrt of a negative number");
          *out = std::sqrt(arg);
        } else {
          if (arg <= 0) return Status::Error("", known + " of a number that is not positive");
          *out = std::log(arg);
        }
      }
      return Status::Ok();
    }
    return Status::Error("", "unexpected \"" + std::string(1, c) + "\" at position " + std::to_string(pos_ + 1));
  }

  Status Number(double* out) {
    const size_t start = pos_;
    while (pos_ < t_.size() && (std::isdigit(static_cast<unsigned char>(t_[pos_])) || t_[pos_] == '.')) ++pos_;
    // An exponent only when digits follow: 1e-3 is a number, 2e^3 is 2 times e cubed.
    if (pos_ < t_.size() && (t_[pos_] == 'e' || t_[pos_] == 'E')) {
      size_t k = pos_ + 1;
      if (k < t_.size() && (t_[k] == '+' || t_[k] == '-')) ++k;
      if (k < t_.size() && std::isdigit(static_cast<unsigned char>(t_[k]))) {
        pos_ = k;
        while (pos_ < t_.size() && std::isdigit(static_cast<unsigned char>(t_[pos_]))) ++pos_;
      }
    }
    const std::string lit = t_.substr(start, pos_ - start);
    if (std::count(lit.begin(), lit.end(), '.') > 1 || lit == ".") {
      return Status::Error("", "\"" + lit + "\" is not a number");
    }
    *out = std::strtod(lit.c_str(), nullptr);
    return Status::Ok();
  }

  std::string t_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// A plain decimal literal (-0.4547, 1.2e-3, 12.50): its value and what it says
// about precision. False for integers, fractions and expressions.
bool DecimalLiteral(const std::string& text, Answer* out) {
  size_t a = text.find_first_not_of(" \t");
  size_t b = text.find_last_not_of(" \t");
  if (a == std::string::npos) return false;
  std::string t = text.substr(a, b - a + 1);
  if (t.compare(0, 3, "\u2212") == 0) t = "-" + t.substr(3);
  size_t i = 0;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) ++i;
  std::string mantissa_digits;  // every digit of the mantissa, in order
  int decimals = 0;
  bool point = false;
  for (; i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.'); ++i) {
    if (t[i] == '.') {
      if (point) return false;
      point = true;
    } else {
      mantissa_digits += t[i];
      if (point) ++decimals;
    }
  }
  if (mantissa_digits.empty()) return false;
  int exponent = 0;
  bool has_exponent = false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    size_t k = i + 1;
    if (k < t.size() && (t[k] == '+' || t[k] == '-')) ++k;
    if (k >= t.size() || !std::isdigit(static_cast<unsigned char>(t[k]))) return false;
    // Clamped: past 10^+-400 a double is 0 or inf anyway, and the precision
    // below must not overflow an int (1e-2147483648).
    const long e = std::strtol(t.c_str() + i + 1, nullptr, 10);
    exponent = static_cast<int>(std::clamp(e, -400L, 400L));
    has_exponent = true;
    i = t.size();
    for (size_t m = k; m < t.size(); ++m) {
      if (!std::isdigit(static_cast<unsigned char>(t[m]))) return false;
    }
  }
  if (i != t.size() || (!point && !has_exponent)) return false;
  const size_t first = mantissa_digits.find_first_not_of('0');
  out->kind = Answer::Kind::kDecimal;
  out->value = std::strtod(t.c_str(), nullptr);
  out->half_unit = 0.5 * std::pow(10.0, -(decimals - exponent));
  // Significant digits: from the first non-zero digit. A zero has none: "0.00"
  // cannot tell 0.0021 from 0 (it is right only where the truth is 0 exactly).
  out->significant = first == std::string::npos ? 0 : static_cast<int>(mantissa_digits.size() - first);
  return true;
}

}  // namespace

Status ParseAnswer(const std::string& text, Answer* out) {
  if (text.size() > kMaxAnswerLength) {
    return Status::Error("", "the answer is " + std::to_string(text.size()) + " characters long; at most " +
                                 std::to_string(kMaxAnswerLength));
  }
  Answer a;
  if (DecimalLiteral(text, &a)) {
    *out = a;
    return Status::Ok();
  }
  double v = 0;
  Status st = Parser(Normalise(text)).Parse(&v);
  if (!st.ok()) return st;
  a.kind = Answer::Kind::kExact;
  a.value = v;
  *out = a;
  return Status::Ok();
}

Mark MarkAnswer(const Answer& a, double truth) {
  if (std::isinf(truth) || std::isinf(a.value)) return a.value == truth ? Mark::kRight : Mark::kWrong;
  if (std::isnan(truth)) return Mark::kWrong;
  const double exact_tol = 1e-9 * std::max(1.0, std::abs(truth));
  if (std::abs(a.value - truth) <= exact_tol) return Mark::kRight;
  if (a.kind == Answer::Kind::kExact) return Mark::kWrong;
  // Rounds to the truth at the digits given (a hair of slack for the binary
  // representation of both: 0.45475 typed against 0.454749999...).
  const bool rounds = std::abs(a.value - truth) <= a.half_unit * (1 + 1e-9) + 1e-15 * std::abs(truth);
  if (!rounds) return Mark::kWrong;
  return a.significant >= 3 ? Mark::kRight : Mark::kTooFewDigits;
}

Mark MarkAnswerText(const std::string& text, double truth) {
  if (text.find_first_not_of(" \t") == std::string::npos) return Mark::kBlank;
  Answer a;
  if (!ParseAnswer(text, &a).ok()) return Mark::kWrong;
  return MarkAnswer(a, truth);
}

// ---------------------------------------------------------------------------
// The attention pipeline, one stage at a time

namespace {

// Every stage's value, each computed from the values before it, with the
// student's own answers (`given`) standing in for the stages they answered.
// Mirrors Evaluate's single-head forward pass (scenario.cpp), stage by stage.
struct Forward {
  std::map<std::string, Matrix> v;
};

Matrix Masked(const Matrix& raw, const AllowedKeys& allowed) {
  Matrix m = raw;
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      if (!allowed(static_cast<int>(i), static_cast<int>(j))) m(i, j) = -kInf;
    }
  }
  return m;
}

// The stage `stage` from its parents' values in `v`; false when it cannot be
// (a parent of the wrong shape).
bool Compute(const Scenario& s, const Result& r, const std::string& stage, const std::map<std::string, Matrix>& v,
             Matrix* out) {
  const HeadResult& h = r.heads[0];
  if (stage == "scores") {
    const Matrix& Q = v.at("Q");
    const Matrix& K = v.at("K");
    if (Q.cols() != K.cols() || Q.rows() != h.Q.rows() || K.rows() != h.K.rows()) return false;
    *out = Masked(h.scale * Q * K.transpose(), h.allowed);
    return true;
  }
  if (stage == "weights") {
    const Matrix& S = v.at("scores");
    if (S.rows() != h.scores.rows() || S.cols() != h.scores.cols()) return false;
    SoftmaxOptions o;
    o.temperature = s.attention.temperature;
    *out = RowSoftmax(Masked(S, h.allowed), h.allowed, o);
    return true;
  }
  if (stage == "output") {
    const Matrix& P = v.at("weights");
    const Matrix& V = v.at("V");
    if (P.cols() != V.rows() || P.rows() != h.weights.rows()) return false;
    *out = P * V;
    return true;
  }
  if (stage == "R") {
    const Matrix& Z = v.at("output");
    if (s.W_O.size() == 0) {
      *out = Z;
      return true;
    }
    if (Z.cols() != s.W_O.rows()) return false;
    *out = Z * s.W_O;
    if (s.b_O.size()) out->rowwise() += s.b_O;
    return true;
  }
  if (stage == "logits") {
    const Matrix& R = v.at("R");
    if (R.rows() != r.R.rows() || R.cols() != r.R.cols()) return false;
    // The unembedding is what maps the true R to the true logits.
    if (s.unembedding == Unembedding::kMatrix) {
      *out = R * s.U;
    } else {
      *out = R * s.E.transpose();
    }
    return true;
  }
  if (stage == "probs") {
    const Matrix& L = v.at("logits");
    if (L.rows() != r.logits.rows() || L.cols() != r.logits.cols()) return false;
    *out = RowSoftmax(L, AllowedKeys(), SoftmaxOptions{});
    return true;
  }
  if (stage == "target_probs") {
    const Matrix& p = v.at("probs");
    if (p.rows() != r.probs.rows() || p.cols() != r.probs.cols()) return false;
    out->resize(1, static_cast<Eigen::Index>(r.loss_terms.size()));
    for (size_t k = 0; k < r.loss_terms.size(); ++k) (*out)(0, k) = p(r.loss_terms[k].row, r.loss_terms[k].target);
    return true;
  }
  if (stage == "loss") {
    const Matrix& tp = v.at("target_probs");
    if (tp.size() != static_cast<Eigen::Index>(r.loss_terms.size())) return false;
    const double eps = s.loss.label_smoothing;
    double sum = 0;
    for (size_t k = 0; k < r.loss_terms.size(); ++k) {
      const double p = tp(0, static_cast<Eigen::Index>(k));
      if (!(p > 0)) return false;
      double term = -std::log(p);
      if (eps > 0) {  // the smoothing part from the true logits' log-probabilities (log-sum-exp)
        const RowVector l = r.logits.row(r.loss_terms[k].row);
        const double mx = l.maxCoeff();
        const double lse = mx + std::log((l.array() - mx).exp().sum());
        const double sum_logp = (l.array() - lse).sum();
        term = (1 - eps) * term - eps / static_cast<double>(l.size()) * sum_logp;
      }
      sum += term;
    }
    *out = Matrix::Constant(1, 1, sum);
    return true;
  }
  return false;
}

const std::map<std::string, std::vector<std::string>>& Parents() {
  static const std::map<std::string, std::vector<std::string>> kParents = {
      {"Q", {}},           {"K", {}},          {"V", {}},
      {"scores", {"Q", "K"}}, {"weights", {"scores"}}, {"output", {"weights", "V"}},
      {"R", {"output"}},   {"logits", {"R"}},  {"probs", {"logits"}},
      {"target_probs", {"probs"}}, {"loss", {"target_probs"}},
  };
  return kParents;
}

// The stages the student's answers in `given` reach `stage` through.
void GivenAncestors(const std::string& stage, const std::map<std::string, Matrix>& given, std::vector<std::string>* out) {
  for (const std::string& p : Parents().at(stage)) {
    if (given.count(p)) {
      if (std::find(out->begin(), out->end(), p) == out->end()) out->push_back(p);
    } else {
      GivenAncestors(p, given, out);
    }
  }
}

bool Available(const Scenario& s, const Result& r, const std::string& stage, std::string* why) {
  if (r.heads.size() != 1) {
    *why = "practice checks one head's stages; this scenario has " + std::to_string(r.heads.size()) +
           " heads (the Multi-head view asks for each head's P)";
    return false;
  }
  const bool needs_logits = stage == "logits" || stage == "probs" || stage == "target_probs" || stage == "loss";
  if (needs_logits && !r.has_logits()) {
    *why = "this scenario has no logits (no unembedding)";
    return false;
  }
  if ((stage == "target_probs" || stage == "loss") && !r.has_loss()) {
    *why = "this scenario has no loss";
    return false;
  }
  (void)s;
  return true;
}

}  // namespace

const std::vector<std::string>& AttentionPracticeStages() {
  static const std::vector<std::string> kStages = {"Q",      "K", "V",      "scores", "weights",     "output",
                                                   "R",      "logits", "probs", "target_probs", "loss"};
  return kStages;
}

Status AttentionStageValues(const Scenario& s, const Result& r, const std::string& stage, Matrix* out) {
  if (!Parents().count(stage)) return Status::Error("stage", "unknown stage \"" + stage + "\"");
  std::string why;
  if (!Available(s, r, stage, &why)) return Status::Error("stage", why);
  const HeadResult& h = r.heads[0];
  if (stage == "Q") *out = h.Q;
  else if (stage == "K") *out = h.K;
  else if (stage == "V") *out = h.V;
  else if (stage == "scores") *out = h.scores;
  else if (stage == "weights") *out = h.weights;
  else if (stage == "output") *out = h.output;
  else if (stage == "R") *out = r.R;
  else if (stage == "logits") *out = r.logits;
  else if (stage == "probs") *out = r.probs;
  else if (stage == "target_probs") {
    out->resize(1, static_cast<Eigen::Index>(r.loss_terms.size()));
    for (size_t k = 0; k < r.loss_terms.size(); ++k) (*out)(0, k) = r.loss_terms[k].prob;
  } else {
    *out = Matrix::Constant(1, 1, r.loss);
  }
  return Status::Ok();
}

namespace {

// The values the stage would have under each common mistake (name -> values),
// where it is cheap to know them.
std::vector<std::pair<std::string, Matrix>> Mistakes(const Scenario& s, const Result& r, const std::string& stage) {
  std::vector<std::pair<std::string, Matrix>> out;
  const HeadResult& h = r.heads[0];
  const double T = s.attention.temperature;
  const bool masked = !h.allowed.Unrestricted();
  const Matrix raw = h.scale * h.Q * h.K.transpose();
  const double d = static_cast<double>(h.Q.cols());
  const bool sqrt_scale = s.attention.scale.kind == ScaleKind::kInvSqrtDk && d > 1;
  SoftmaxOptions o;
  o.temperature = T;
  if (stage == "scores") {
    if (masked) out.push_back({"forgot the mask (a masked score is -inf)", raw});
    if (sqrt_scale) out.push_back({"divided by d instead of sqrt(d)", Masked(raw / std::sqrt(d), h.allowed)});
    if (h.scale != 1.0) out.push_back({"forgot the scale", Masked(h.Q * h.K.transpose(), h.allowed)});
  } else if (stage == "weights") {
    if (masked) out.push_back({"forgot the mask", RowSoftmax(raw, AllowedKeys(), o)});
    // Softmax down each column (over the queries) instead of along each row.
    const Matrix by_columns = RowSoftmax(Masked(raw, h.allowed).transpose(), AllowedKeys(), o).transpose();
    out.push_back({"took the softmax over columns instead of rows", by_columns});
    if (sqrt_scale) {
      out.push_back({"divided by d instead of sqrt(d)", RowSoftmax(Masked(raw / std::sqrt(d), h.allowed), h.allowed, o)});
    }
    if (h.scale != 1.0) {
      out.push_back({"forgot the scale", RowSoftmax(Masked(h.Q * h.K.transpose(), h.allowed), h.allowed, o)});
    }
    if (T > 0 && T != 1.0) {
      SoftmaxOptions one;
      out.push_back({"forgot the temperature (divide the scores by T)", RowSoftmax(h.scores, h.allowed, one)});
    }
  } else if (stage == "target_probs" && r.has_loss()) {
    // Used the 1-based positions of the exercise's text as rows.
    Matrix shifted(1, static_cast<Eigen::Index>(r.loss_terms.size()));
    bool ok = true;
    for (size_t k = 0; k < r.loss_terms.size(); ++k) {
      const int row = r.loss_terms[k].row + 1;
      if (row >= r.probs.rows()) ok = false;
      else shifted(0, static_cast<Eigen::Index>(k)) = r.probs(row, r.loss_terms[k].target);
    }
    if (ok) out.push_back({"used 1-based positions (the row after the right one)", shifted});
  } else if (stage == "loss" && r.has_loss() && r.loss_terms.size() > 1) {
    out.push_back({"averaged instead of summed the loss terms", Matrix::Constant(1, 1, r.mean_loss)});
    double log10sum = 0;
    for (const LossTerm& t : r.loss_terms) log10sum += -std::log10(t.prob);
    out.push_back({"used log base 10 instead of the natural log", Matrix::Constant(1, 1, log10sum)});
  }
  return out;
}

}  // namespace

void StageMarks::Add(Mark mark, std::string error) {
  marks.push_back(mark);
  errors.push_back(std::move(error));
  right += mark == Mark::kRight;
  wrong += mark == Mark::kWrong;
  too_few += mark == Mark::kTooFewDigits;
  blank += mark == Mark::kBlank;
}

Status CheckAttentionStage(const Scenario& s, const Result& r, const std::string& stage,
                           const std::vector<std::string>& cells, int rows, int cols,
                           const std::map<std::string, Matrix>& earlier, StageMarks* out) {
  Matrix truth;
  Status st = AttentionStageValues(s, r, stage, &truth);
  if (!st.ok()) return st;
  if (rows != truth.rows() || cols != truth.cols() || cells.size() != static_cast<size_t>(rows) * cols) {
    return Status::Error("stage", stage + " is " + std::to_string(truth.rows()) + "x" + std::to_string(truth.cols()) +
                                      ", the answers are " + std::to_string(rows) + "x" + std::to_string(cols));
  }
  StageMarks m;
  m.rows = rows;
  m.cols = cols;
  std::vector<Answer> answers(cells.size());
  std::vector<bool> parsed(cells.size(), false);
  for (size_t k = 0; k < cells.size(); ++k) {
    const int i = static_cast<int>(k) / cols, j = static_cast<int>(k) % cols;
    std::string error;
    Mark mark = Mark::kBlank;
    if (cells[k].find_first_not_of(" \t") != std::string::npos) {
      const Status p = ParseAnswer(cells[k], &answers[k]);
      if (p.ok()) {
        parsed[k] = true;
        mark = MarkAnswer(answers[k], truth(i, j));
      } else {
        mark = Mark::kWrong;
        error = p.message();
      }
    }
    m.Add(mark, std::move(error));
  }

  // Errors do not carry: the stage recomputed from the student's own earlier answers.
  std::vector<std::string> given;
  GivenAncestors(stage, earlier, &given);
  if (!given.empty()) {
    std::map<std::string, Matrix> v;
    for (const std::string& name : AttentionPracticeStages()) {
      if (name == stage) break;
      Matrix value;
      if (earlier.count(name)) {
        value = earlier.at(name);
      } else if (Parents().at(name).empty() || !Compute(s, r, name, v, &value)) {
        AttentionStageValues(s, r, name, &value);  // inputs, or a parent that did not fit: the truth
      }
      v[name] = value;
    }
    Matrix carried;
    if (Compute(s, r, stage, v, &carried) && carried.rows() == rows && carried.cols() == cols) {
      for (const std::string& g : given) m.given += (m.given.empty() ? "" : ", ") + g;
      for (size_t k = 0; k < cells.size(); ++k) {
        const int i = static_cast<int>(k) / cols, j = static_cast<int>(k) % cols;
        const Mark g = parsed[k] ? MarkAnswer(answers[k], carried(i, j)) : m.marks[k];
        m.marks_given_yours.push_back(g);
        m.right_given_yours += m.marks[k] == Mark::kWrong && g == Mark::kRight;
      }
    }
  }

  // A common mistake: the one that explains the most wrong cells, at least half.
  if (m.wrong > 0) {
    int best = 0;
    for (const auto& [name, values] : Mistakes(s, r, stage)) {
      if (values.rows() != rows || values.cols() != cols) continue;
      int explained = 0;
      for (size_t k = 0; k < cells.size(); ++k) {
        const int i = static_cast<int>(k) / cols, j = static_cast<int>(k) % cols;
        if (m.marks[k] != Mark::kWrong || !parsed[k]) continue;
        const Mark under = MarkAnswer(answers[k], values(i, j));
        explained += under == Mark::kRight || under == Mark::kTooFewDigits;
      }
      if (explained > best && 2 * explained >= m.wrong) {
        best = explained;
        m.mistake = name;
      }
    }
  }
  *out = std::move(m);
  return Status::Ok();
}

SizeMark CheckOutputSize(const std::string& text, long long truth) {
  SizeMark out;
  out.mark = MarkAnswerText(text, static_cast<double>(truth));
  if (out.mark != Mark::kWrong) return out;
  Answer a;
  if (!ParseAnswer(text, &a).ok()) return out;
  if (a.value == static_cast<double>(truth - 1)) out.mistake = "off by one: forgot the + 1 after the division";
  if (a.value == static_cast<double>(truth + 1)) out.mistake = "off by one: one too many (the + 1 counted twice?)";
  return out;
}

}  // namespace attnlab
