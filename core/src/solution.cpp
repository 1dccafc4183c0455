#include "attnlab/solution.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "attnlab/conv_shape.hpp"
#include "attnlab/format.hpp"
#include "attnlab/mask.hpp"
#include "attnlab/matrix_text.hpp"
#include "attnlab/multihead.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

std::string Str(long long v) { return std::to_string(v); }

// A number in math: an exact fraction where it is a simple rational, else 4
// decimals, and 4 significant digits (a x 10^{k}) for what 4 decimals would
// round away.
std::string Num(double v) {
  Rational r;
  if (!std::isfinite(v) || SimpleRational(v, &r)) return LatexNumber(v, 4);
  if (std::abs(v) >= 1e-2 && std::abs(v) < 1e6) return LatexNumber(v, 4);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3e", v);
  const std::string d = buf;
  const size_t e = d.find('e');
  std::string mantissa = d.substr(0, e);
  while (mantissa.back() == '0') mantissa.pop_back();
  if (mantissa.back() == '.') mantissa.pop_back();
  const int exponent = std::atoi(d.c_str() + e + 1);
  return (mantissa == "1" ? "" : mantissa + " \\times ") + "10^{" + std::to_string(exponent) + "}";
}

// An exponent written as the exam writes it: 3, -9, 9/7.
std::string Exponent(double v) {
  Rational r;
  if (SimpleRational(v, &r)) return r.den == 1 ? Str(r.num) : Str(r.num) + "/" + Str(r.den);
  return LatexNumber(v, 4);
}

// e^{x}, with e^{0} = 1 and e^{1} = e.
std::string ExpOf(double x) {
  const std::string k = Exponent(x);
  if (k == "0") return "1";
  if (k == "1") return "e";
  return "e^{" + k + "}";
}

class Doc {
 public:
  explicit Doc(SolutionFormat format) : tex_(format == SolutionFormat::kLatex) {}

  // Plain text, escaped for the format.
  std::string Text(const std::string& s) const {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (tex_) {
        const std::string rest = s.substr(i);
        if (Mapped(rest, &out, &i)) continue;
        switch (c) {
          case '\\': out += "\\textbackslash{}"; break;
          case '{': case '}': case '$': case '&': case '#': case '%': case '_':
            out += '\\';
            out += c;
            break;
          case '~': out += "\\textasciitilde{}"; break;
          case '^': out += "\\textasciicircum{}"; break;
          case '<': out += "\\textless{}"; break;
          case '>': out += "\\textgreater{}"; break;
          case '|': out += "\\textbar{}"; break;
          default: out += c;
        }
      } else {
        if (std::string("\\`*_[]<>$|#{}").find(c) != std::string::npos) out += '\\';
        out += c;
      }
    }
    return out;
  }
  // A token sequence or a piece of code.
  std::string Code(const std::string& s) const {
    if (tex_) return "\\texttt{" + Text(s) + "}";
    const std::string fence = s.find('`') == std::string::npos ? "`" : "`` ";
    return fence + s + (fence == "`" ? "`" : " ``");
  }
  static std::string Math(const std::string& m) { return "$" + m + "$"; }

  void Title(const std::string& title) {
    if (tex_) {
      out_ += "\\section*{" + Text(title) + "}\n\n";
    } else {
      out_ += "# " + Text(title) + "\n\n";
    }
  }
  void Section(const std::string& title) {
    out_ += tex_ ? "\\subsection*{" + Text(title) + "}\n\n" : "## " + Text(title) + "\n\n";
  }
  void Subsection(const std::string& title) {
    out_ += tex_ ? "\\subsubsection*{" + Text(title) + "}\n\n" : "### " + Text(title) + "\n\n";
  }
  // A paragraph already composed of Text, Code and Math pieces.
  void Para(const std::string& composed) { out_ += composed + "\n\n"; }
  // Plain text in paragraphs (blank lines in it start new ones).
  void Prose(const std::string& text) {
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find("\n\n", start);
      if (end == std::string::npos) end = text.size();
      std::string para = text.substr(start, end - start);
      std::replace(para.begin(), para.end(), '\n', ' ');
      if (para.find_first_not_of(' ') != std::string::npos) Para(Text(para));
      start = end + 2;
    }
  }
  void Display(const std::string& latex) {
    out_ += tex_ ? "\\[\n" + latex + "\n\\]\n\n" : "$$\n" + latex + "\n$$\n\n";
  }
  void Bullets(const std::vector<std::string>& items) {
    if (items.empty()) return;
    if (tex_) out_ += "\\begin{itemize}\n";
    for (const std::string& item : items) out_ += (tex_ ? "  \\item " : "- ") + item + "\n";
    if (tex_) out_ += "\\end{itemize}\n";
    out_ += "\n";
  }

  std::string Finish(const std::string& title) const {
    if (!tex_) return out_;
    return "% attnlab solve: " + title +
           "\n\\documentclass[11pt]{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{amsmath}\n"
           "\\usepackage[margin=2cm]{geometry}\n\\setcounter{MaxMatrixCols}{64}\n\\begin{document}\n\n" +
           out_ + "\\end{document}\n";
  }

 private:
  // The few non-ASCII symbols the presets' text uses, as pdflatex text.
  static bool Mapped(const std::string& rest, std::string* out, size_t* i) {
    static const std::pair<const char*, const char*> kMap[] = {
        {"\u2192", "$\\to$"},       {"\u2190", "$\\leftarrow$"}, {"\u221A", "$\\surd$"},
        {"\u00B7", "$\\cdot$"},     {"\u00D7", "$\\times$"},     {"\u2212", "-"},
        {"\u2264", "$\\leq$"},      {"\u2265", "$\\geq$"},       {"\u2026", "\\ldots{}"},
        {"\u03B5", "$\\varepsilon$"}, {"\u03C4", "$\\tau$"},      {"\u03B1", "$\\alpha$"},
        {"\u03B2", "$\\beta$"},     {"\u03C3", "$\\sigma$"},     {"\u03BC", "$\\mu$"},
        {"\u03C6", "$\\varphi$"},   {"\u221E", "$\\infty$"},     {"\u2248", "$\\approx$"},
        {"\u2260", "$\\neq$"},      {"\u2014", "---"},           {"\u2013", "--"},
        {"\u1D40", "$^\\top$"},     {"\u2080", "$_0$"},          {"\u2081", "$_1$"},
        {"\u00B2", "$^2$"},
    };
    for (const auto& [from, to] : kMap) {
      const size_t n = std::char_traits<char>::length(from);
      if (rest.compare(0, n, from) == 0) {
        *out += to;
        *i += n - 1;
        return true;
      }
    }
    if (static_cast<unsigned char>(rest[0]) >= 0x80) {  // anything else non-ASCII: skipped whole
      size_t n = 1;
      while (n < rest.size() && (static_cast<unsigned char>(rest[n]) & 0xC0) == 0x80) ++n;
      *out += "?";
      *i += n - 1;
      return true;
    }
    return false;
  }

  bool tex_;
  std::string out_;
};

// ---------------------------------------------------------------------------
// The attention pipeline

// A token as math: <START> -> \langle\text{START}\rangle (a bare < would be
// read as HTML by some Markdown renderers).
std::string TokenMath(const std::string& token) {
  std::string t = token;
  bool angled = t.size() > 2 && t.front() == '<' && t.back() == '>';
  if (angled) t = t.substr(1, t.size() - 2);
  std::string safe;
  for (char c : t) {
    if (std::string("\\{}$&#%_^~<>").find(c) != std::string::npos) {
      safe += "\\";
      if (c == '\\' || c == '~' || c == '^' || c == '<' || c == '>') {
        safe.back() = ' ';  // dropped: not worth a package
        continue;
      }
    }
    safe += c;
  }
  const std::string text = "\\text{" + safe + "}";
  return angled ? "\\langle" + text + "\\rangle" : text;
}

// "Q = \begin{bmatrix}...\end{bmatrix}", or its shape when too large to print.
std::string MatrixEq(const std::string& lhs, const std::string& rhs, const Matrix& m) {
  std::string s = lhs + (rhs.empty() ? "" : " = " + rhs) + " = ";
  if (m.size() > kSolutionMaxCells) {
    return s + "\\text{(" + Str(m.rows()) + "\\times" + Str(m.cols()) + ", too large to print)}";
  }
  std::string body = FormatMatrixText(m, MatrixTextFormat::kLatex, 4);
  while (!body.empty() && body.back() == '\n') body.pop_back();
  return s + body;
}

std::string RowOf(const std::vector<double>& values) {
  std::string s = "(";
  for (size_t k = 0; k < values.size(); ++k) s += (k ? ",\\ " : "") + Num(values[k]);
  return s + ")";
}

std::string Label(const std::vector<std::string>& labels, int i) {
  return i >= 0 && static_cast<size_t>(i) < labels.size() ? labels[static_cast<size_t>(i)] : "";
}

// One row of P worked out: the allowed scores, their maximum, the
// exponentials and their sum (softmax), or the maximum and its ties (argmax).
std::string WeightRow(const Doc& doc, const HeadResult& h, int i, double T, const std::vector<std::string>& rows) {
  const std::string token = Label(rows, i);
  std::string item = "row " + doc.Math(Str(i)) + (token.empty() ? "" : " (" + doc.Math(TokenMath(token)) + ")") + ": ";
  std::vector<int> cols;
  std::vector<double> s;
  for (int j = 0; j < h.scores.cols(); ++j) {
    if (h.allowed(i, j) && std::isfinite(h.scores(i, j))) {
      cols.push_back(j);
      s.push_back(h.scores(i, j));
    }
  }
  if (cols.empty()) return item + doc.Text("every key is masked, so the row is all zeros (attnlab's rule).");
  std::string keys;
  if (static_cast<int>(cols.size()) < h.scores.cols()) {
    keys = cols.size() == 1 ? " over key " + doc.Math(Str(cols[0]))
                            : " over keys " + doc.Math(Str(cols.front())) + " to " + doc.Math(Str(cols.back()));
    if (cols.back() - cols.front() + 1 != static_cast<int>(cols.size())) {
      keys = " over the " + Str(static_cast<long long>(cols.size())) + " allowed keys";
    }
  }
  const double m = *std::max_element(s.begin(), s.end());
  if (T == 0.0) {
    std::vector<int> ties(h.argmax[static_cast<size_t>(i)].begin(), h.argmax[static_cast<size_t>(i)].end());
    std::string at;
    for (size_t k = 0; k < ties.size(); ++k) at += (k ? ", " : "") + Str(ties[k]);
    return item + doc.Text("scores") + keys + " " + doc.Math(RowOf(s)) + doc.Text(", maximum ") + doc.Math(Num(m)) +
           doc.Text(ties.size() == 1 ? " at key " : " shared by keys ") + doc.Math(at) +
           doc.Text(ties.size() == 1 ? ", so it gets weight 1." : ", so each gets ") +
           (ties.size() == 1 ? "" : doc.Math(Num(1.0 / static_cast<double>(ties.size()))) + doc.Text("."));
  }
  std::vector<std::string> exps;
  std::vector<double> e;
  double sum = 0;
  for (double v : s) {
    const double x = (v - m) / T;
    exps.push_back(ExpOf(x));
    e.push_back(std::exp(x));
    sum += e.back();
  }
  std::string sym = "(";
  for (size_t k = 0; k < exps.size(); ++k) sym += (k ? ",\\ " : "") + exps[k];
  sym += ")";
  std::vector<double> w;
  for (int j : cols) w.push_back(h.weights(i, j));
  std::string line = item + doc.Text("scores") + keys + " " + doc.Math("s = " + RowOf(s)) + ", " +
                     doc.Math("m = " + Num(m)) + ", " + doc.Math("e^{(s_j - m)/T} = " + sym);
  if (sym != RowOf(e)) line += " " + doc.Math("\\approx " + RowOf(e));
  return line + ", " + doc.Math("\\textstyle\\sum = " + Num(sum)) + doc.Text(", weights ") + doc.Math(RowOf(w)) +
         doc.Text(".");
}

std::string ScaleText(const Doc& doc, const HeadResult& h, const Scenario& s) {
  switch (s.attention.scale.kind) {
    case ScaleKind::kNone: return doc.Text("no scaling (") + doc.Math("s = 1") + doc.Text(")");
    case ScaleKind::kInvSqrtDk:
      return doc.Math("s = 1/\\sqrt{d_k} = 1/\\sqrt{" + Str(h.Q.cols()) + "} = " + Num(h.scale));
    case ScaleKind::kCustom: return doc.Math("s = " + Num(h.scale)) + doc.Text(" (the scenario's own)");
  }
  return "";
}

std::string MaskText(const Doc& doc, const MaskSpec& mask) {
  switch (mask.kind) {
    case MaskKind::kNone: return doc.Text("no mask");
    case MaskKind::kCausal: return doc.Text("a causal mask (query ") + doc.Math("i") + doc.Text(" sees keys ") +
                                   doc.Math("j \\le i") + doc.Text(")");
    case MaskKind::kCustom: return doc.Text("the scenario's own mask");
    default:
      return doc.Text(std::string("a ") + MaskKindName(mask.kind) + " mask (" + MaskParamName(mask.kind) + " " +
                      Str(mask.param) + ")");
  }
}

// p_t = e^{l_t} / sum_j e^{l_j}, with exponents when every logit of the row is
// a simple rational (grouped: 2e^{3} + 4), else empty.
std::string SymbolicProbability(const RowVector& logits, int target) {
  std::map<std::pair<long long, long long>, int> count;  // exponent p/q -> how many
  for (Eigen::Index j = 0; j < logits.size(); ++j) {
    Rational r;
    if (!SimpleRational(logits(j), &r)) return "";
    ++count[{r.num, r.den}];
  }
  std::vector<std::pair<double, int>> terms;
  for (const auto& [pq, c] : count) terms.push_back({static_cast<double>(pq.first) / static_cast<double>(pq.second), c});
  std::sort(terms.begin(), terms.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string den;
  for (const auto& [x, c] : terms) {
    const std::string e = ExpOf(x);
    std::string term = e == "1" ? Str(c) : (c == 1 ? e : Str(c) + e);
    den += (den.empty() ? "" : " + ") + term;
  }
  const std::string num = ExpOf(logits(target));
  return terms.size() == 1 && terms[0].second == 1 ? "" : "\\frac{" + num + "}{" + den + "}";
}

void WriteAttention(const Scenario& s, const Result& r, Doc* doc) {
  const bool tokens = s.input == InputMode::kTokens;
  std::vector<int> ids;
  if (tokens) TokenIds(s, &ids);
  std::vector<std::string> row_tokens = tokens ? s.tokens : std::vector<std::string>{};
  const double T = s.attention.temperature;
  const int h = static_cast<int>(r.heads.size());

  doc->Section("Inputs");
  std::vector<std::string> inputs;
  if (tokens) {
    std::string vocab;
    for (size_t k = 0; k < s.vocab.size(); ++k) vocab += (k ? " " : "") + s.vocab[k];
    inputs.push_back(doc->Text("vocabulary ") + doc->Code(vocab) + doc->Text(" (rows of E and columns of the logits, counted from 0)"));
    std::string seq;
    for (size_t k = 0; k < s.tokens.size(); ++k) seq += (k ? " " : "") + s.tokens[k];
    inputs.push_back(doc->Text("the sequence ") + doc->Code(seq) + doc->Text(", positions ") + doc->Math("0") + doc->Text(" to ") +
                     doc->Math(Str(static_cast<long long>(s.tokens.size()) - 1)));
  }
  inputs.push_back(doc->Text("temperature ") +
                   (T == 0.0 ? doc->Math("T \\to 0^+") + doc->Text(": argmax, ties split equally")
                             : doc->Math("T = " + Num(T))) +
                   doc->Text("; ") + MaskText(*doc, s.attention.mask) + doc->Text("; ") +
                   (h > 0 ? ScaleText(*doc, r.heads[0], s) : std::string()));
  doc->Bullets(inputs);
  if (tokens) doc->Display(MatrixEq("E", "", s.E));
  if (tokens || s.input == InputMode::kX) {
    doc->Para(tokens ? doc->Text("X holds the embedding of each token, one row per position (row ") +
                           doc->Math("i") + doc->Text(" of X is the row of E of token ") + doc->Math("i") +
                           doc->Text(").")
                     : doc->Text("X is given, one row per position."));
    doc->Display(MatrixEq("X", "", r.X));
  }
  if (r.X_kv.size() > 0) {
    doc->Para(doc->Text("Cross-attention: the keys and values come from a second sequence."));
    doc->Display(MatrixEq("X_{kv}", "", r.X_kv));
  }

  const int shown = std::min(h, kSolutionDetailHeads);
  for (int k = 0; k < shown; ++k) {
    const HeadResult& head = r.heads[static_cast<size_t>(k)];
    const std::string sub = h > 1 ? "_{" + Str(k) + "}" : "";
    doc->Section(h > 1 ? "Head " + Str(k) : "Queries, keys and values");
    if (s.input == InputMode::kQKV) {
      doc->Para(doc->Text("Q, K and V are given."));
    } else {
      const HeadWeights& w = s.heads[static_cast<size_t>(k)];
      const std::string xk = r.X_kv.size() > 0 ? "X_{kv}" : "X";
      doc->Para(doc->Text("Each projection multiplies the rows of the input by a weight matrix") +
                (w.b_Q.size() || w.b_K.size() || w.b_V.size() ? doc->Text(" and adds its bias") : "") +
                doc->Text(":"));
      if (w.W_Q.size()) doc->Display(MatrixEq("W_Q" + sub, "", w.W_Q));
      const int lead = KvLeader(s, k);
      const HeadWeights& kv = s.heads[static_cast<size_t>(lead)];
      if (lead != k) {
        doc->Para(doc->Text("This head shares head ") + doc->Math(Str(lead)) + doc->Text("'s keys and values."));
      } else {
        if (kv.W_K.size()) doc->Display(MatrixEq("W_K" + sub, "", kv.W_K));
        if (kv.W_V.size()) doc->Display(MatrixEq("W_V" + sub, "", kv.W_V));
      }
      doc->Display(MatrixEq("Q" + sub, "X W_Q" + sub, head.Q));
      doc->Display(MatrixEq("K" + sub, xk + " W_K" + sub, head.K));
      doc->Display(MatrixEq("V" + sub, xk + " W_V" + sub, head.V));
    }
    if (s.input == InputMode::kQKV) {
      doc->Display(MatrixEq("Q", "", head.Q));
      doc->Display(MatrixEq("K", "", head.K));
      doc->Display(MatrixEq("V", "", head.V));
    }
    doc->Subsection(h > 1 ? "Scores and weights of head " + Str(k) : "Scores");
    doc->Para(doc->Text("The scores are ") + doc->Math("S = s\\,QK^\\top") + doc->Text(" with ") +
              ScaleText(*doc, head, s) + doc->Text(", and ") + MaskText(*doc, s.attention.mask) +
              (s.attention.mask.kind == MaskKind::kNone ? doc->Text(".")
                                                        : doc->Text(": a masked score is ") + doc->Math("-\\infty") +
                                                              doc->Text(", so its weight is 0.")));
    doc->Display(MatrixEq("S" + sub, "", head.scores));
    if (h == 1) doc->Subsection("Weights");
    doc->Para(T == 0.0 ? doc->Text("Argmax attention (") + doc->Math("T \\to 0^+") +
                             doc->Text("): each row puts all its weight on its largest score, split equally "
                                       "among ties.")
                       : doc->Math("P = \\operatorname{softmax}(S/T)") +
                             doc->Text(" row by row: subtract the row's maximum ") + doc->Math("m") +
                             doc->Text(", exponentiate, divide by the sum."));
    std::vector<std::string> rows;
    const int n = static_cast<int>(head.scores.rows());
    for (int i = 0; i < std::min(n, kSolutionDetailRows); ++i) rows.push_back(WeightRow(*doc, head, i, T, row_tokens));
    if (n > kSolutionDetailRows) {
      rows.push_back(doc->Text("rows ") + doc->Math(Str(kSolutionDetailRows) + "\\ldots" + Str(n - 1)) +
                     doc->Text(" the same way."));
    }
    doc->Bullets(rows);
    doc->Display(MatrixEq("P" + sub, "", head.weights));
    doc->Subsection(h > 1 ? "Output of head " + Str(k) : "Output");
    doc->Display(MatrixEq("Z" + sub, "P" + sub + " V" + sub, head.output));
  }
  if (h > shown) {
    doc->Para(doc->Text("Heads ") + doc->Math(Str(shown) + "\\ldots" + Str(h - 1)) +
              doc->Text(" are computed the same way (attnlab eval prints each)."));
  }
  if (h > 1) {
    doc->Section("Heads combined");
    std::string cat;
    for (int k = 0; k < h; ++k) cat += (k ? ",\\ " : "") + std::string("Z_{") + Str(k) + "}";
    doc->Display(MatrixEq("Z", "\\operatorname{concat}(" + cat + ")", r.Z));
  }
  if (s.W_O.size() > 0) {
    doc->Section("Output projection");
    doc->Display(MatrixEq("W_O", "", s.W_O));
    doc->Display(MatrixEq("R", s.b_O.size() ? "Z W_O + b_O" : "Z W_O", r.R));
  }
  if (!r.has_logits()) {
    doc->Section("Answer");
    const Matrix& out = s.W_O.size() ? r.R : r.Z;
    const std::string name = s.W_O.size() ? "R" : "Z";
    std::vector<std::string> rows;
    for (int i = 0; i < std::min<int>(static_cast<int>(out.rows()), kSolutionDetailRows); ++i) {
      std::vector<double> v(out.row(i).data(), out.row(i).data() + out.cols());
      std::string picked;
      if (T == 0.0 && h == 1 && r.heads[0].argmax.size() > static_cast<size_t>(i)) {
        const auto ties = r.heads[0].argmax[static_cast<size_t>(i)];
        for (size_t k = 0; k < ties.size(); ++k) picked += (k ? ", " : "") + Str(ties[k]);
        picked = doc->Text(ties.size() == 1 ? " (it selects key " : " (it averages keys ") + doc->Math(picked) +
                 doc->Text(", counting from 0)");
      }
      rows.push_back(doc->Text("query ") + doc->Math(Str(i)) + doc->Text(": ") +
                     doc->Math(name + "_{" + Str(i) + "} = " + RowOf(v)) + picked);
    }
    doc->Bullets(rows);
    return;
  }
  doc->Section("Logits and probabilities");
  const bool tied = s.unembedding == Unembedding::kTied;
  doc->Display(MatrixEq("\\text{logits}", tied ? "R E^\\top" : "R U", r.logits));
  if (!r.has_loss()) return;

  const bool next = s.loss.convention == LossConvention::kNextToken;
  doc->Para(next ? doc->Text("Next-token convention: row ") + doc->Math("t - 1") + doc->Text(" predicts the token at position ") +
                       doc->Math("t") + doc->Text(".")
                 : doc->Text("Same-position convention (the exam's): row ") + doc->Math("t") +
                       doc->Text(" scores the token at position ") + doc->Math("t") + doc->Text("."));
  doc->Para(doc->Text("Each probability is ") + doc->Math("p_t = e^{\\ell_t} / \\sum_j e^{\\ell_j}") +
            doc->Text(" over that row's logits:"));
  std::vector<std::string> probs;
  for (const LossTerm& term : r.loss_terms) {
    const std::string target = Label(s.vocab, term.target);
    const std::string name = target.empty() ? "p_{" + Str(term.target) + "}" : "P(" + TokenMath(target) + ")";
    const std::string sym = SymbolicProbability(r.logits.row(term.row), term.target);
    probs.push_back(doc->Text("position ") + doc->Math(Str(term.position)) + doc->Text(", row ") +
                    doc->Math(Str(term.row)) + ": " +
                    doc->Math(name + " = " + (sym.empty() ? "" : sym + " = ") + LatexNumber(term.prob, 4)));
  }
  doc->Bullets(probs);

  doc->Section("Loss");
  const double eps = s.loss.label_smoothing;
  if (eps > 0) {
    doc->Para(doc->Text("With label smoothing ") + doc->Math("\\varepsilon = " + Num(eps)) + doc->Text(" each term is ") +
              doc->Math("-(1 - \\varepsilon)\\log p_t - \\frac{\\varepsilon}{V}\\sum_j \\log p_j") +
              doc->Text(" over the ") + doc->Math("V = " + Str(r.logits.cols())) + doc->Text(" columns:"));
  } else {
    doc->Para(doc->Text("Each term is ") + doc->Math("-\\log p_t") + doc->Text(":"));
  }
  std::vector<std::string> terms;
  std::string sum;
  for (const LossTerm& term : r.loss_terms) {
    terms.push_back(doc->Text("position ") + doc->Math(Str(term.position)) + ": " +
                    doc->Math((eps > 0 ? "\\ell" : "-\\log " + LatexNumber(term.prob, 4)) + " = " + LatexNumber(term.loss, 4)));
    sum += (sum.empty() ? "" : " + ") + LatexNumber(term.loss, 4);
  }
  doc->Bullets(terms);
  doc->Display("L = " + sum + " = " + LatexNumber(r.loss, 4));
  doc->Para(doc->Text("The loss is the sum over the ") + doc->Math(Str(static_cast<long long>(r.loss_terms.size()))) +
            doc->Text(" terms; their mean is ") + doc->Math(LatexNumber(r.mean_loss, 4)) +
            doc->Text(" and the perplexity ") + doc->Math("e^{" + LatexNumber(r.mean_loss, 4) + "} = " + LatexNumber(r.perplexity, 4)) +
            doc->Text("."));
  doc->Section("Answer");
  std::string answer;
  for (const LossTerm& term : r.loss_terms) {
    const std::string target = Label(s.vocab, term.target);
    answer += (answer.empty() ? "" : ",\\ ") +
              (target.empty() ? "p_{" + Str(term.target) + "}" : "P(" + TokenMath(target) + ")") + " = " +
              LatexNumber(term.prob, 4);
  }
  doc->Para(doc->Math(answer) + doc->Text("; the loss is ") + doc->Math("L = " + LatexNumber(r.loss, 4)) + doc->Text("."));
}

// ---------------------------------------------------------------------------
// The convolution chain

// A message as a sentence: ends with a full stop.
std::string Sentence(std::string text) {
  if (!text.empty() && text.back() != '.') text += '.';
  return text;
}

std::string DimFormula(const Layer& layer, const DimResult& d, int k) {
  const std::string N = Str(d.in), F = Str(layer.kernel[static_cast<size_t>(k)]);
  const std::string S = Str(layer.stride[static_cast<size_t>(k)]), D = Str(layer.dilation[static_cast<size_t>(k)]);
  const std::string pads =
      d.pad_left == d.pad_right ? "2\\cdot " + Str(d.pad_left) : Str(d.pad_left) + " + " + Str(d.pad_right);
  switch (layer.kind) {
    case LayerKind::kConvTranspose:
      return "(" + N + " - 1)\\cdot " + S + " - 2\\cdot " + Str(layer.padding[static_cast<size_t>(k)]) + " + " + D +
             "\\cdot(" + F + " - 1) + " + Str(layer.output_padding[static_cast<size_t>(k)]) + " + 1 = " + Str(d.out);
    case LayerKind::kAdaptiveAvgPool: return "\\text{the given size} = " + Str(d.out);
    default: {
      const std::string inner = "\\frac{" + N + " + " + pads + " - " + D + "\\cdot(" + F + " - 1) - 1}{" + S + "}";
      if (layer.ceil_mode) {
        return "\\left\\lceil " + inner + "\\right\\rceil + 1" + (d.ceil_dropped ? " - 1" : "") + " = " + Str(d.out);
      }
      return "\\left\\lfloor " + inner + "\\right\\rfloor + 1 = " + Str(d.out);
    }
  }
}

std::string ParamFormula(const Layer& layer, const LayerResult& lr) {
  long long kernel = 1;
  std::string ks;
  for (int k = 0; k < layer.dims; ++k) {
    kernel *= layer.kernel[static_cast<size_t>(k)];
    ks += (k ? "\\cdot " : "") + Str(layer.kernel[static_cast<size_t>(k)]);
  }
  const std::string bias = layer.bias ? " + 1" : "";
  switch (layer.kind) {
    case LayerKind::kConv:
      return Str(layer.out_channels) + "\\cdot(" + ks + "\\cdot " + Str(layer.in_channels / layer.groups) + bias +
             ") = " + Str(lr.params);
    case LayerKind::kConvTranspose:
      return Str(layer.in_channels) + "\\cdot " + Str(layer.out_channels / layer.groups) + "\\cdot " + ks +
             (layer.bias ? " + " + Str(layer.out_channels) : "") + " = " + Str(lr.params);
    case LayerKind::kLinear:
      return Str(layer.in_channels) + "\\cdot " + Str(layer.out_channels) +
             (layer.bias ? " + " + Str(layer.out_channels) : "") + " = " + Str(lr.params);
    case LayerKind::kBatchNorm: return "2\\cdot " + Str(layer.num_features) + " = " + Str(lr.params);
    default: return "0";
  }
}

Status WriteConv(const Scenario& s, Doc* doc) {
  const ConvLabSettings* found = s.views.Find<ConvLabSettings>();
  const ConvLabSettings settings = found ? *found : DefaultConvLab();
  ConvView view;
  Status st = ComputeConvView(settings, &view);
  if (!st.ok()) return st;
  const ChainResult& chain = view.chain;
  doc->Section("The formula");
  doc->Para(doc->Text("Per spatial dimension, with input size N, kernel F, stride S, padding P on each side and "
                      "dilation D:"));
  doc->Display("\\text{out} = \\left\\lfloor \\frac{N + 2P - D(F - 1) - 1}{S} \\right\\rfloor + 1");
  doc->Para(doc->Text("Shapes are written [channels, spatial...] without the batch. The input is ") +
            doc->Code(ShapeText(settings.input)) + doc->Text("."));
  doc->Section("Layer by layer");
  std::vector<std::string> items;
  for (size_t i = 0; i < chain.layers.size() && i < settings.layers.size(); ++i) {
    const Layer& layer = settings.layers[i];
    const LayerResult& lr = chain.layers[i];
    std::string item = doc->Text("layer " + Str(static_cast<long long>(i)) + ", ") + doc->Code(WriteLayer(layer)) +
                       doc->Text(": ");
    static const char* kAxes[3][3] = {{"L", "", ""}, {"H", "W", ""}, {"D", "H", "W"}};
    for (size_t k = 0; k < lr.dim.size(); ++k) {
      const int dims = static_cast<int>(lr.dim.size());
      const char* axis = dims <= 3 ? kAxes[dims - 1][k] : "N";
      item += (k ? "; " : "") + doc->Math(std::string(axis) + ":\\ " + DimFormula(layer, lr.dim[k], static_cast<int>(k)));
    }
    if (!lr.dim.empty()) item += doc->Text("; ");
    if (!lr.out_shape.empty()) {
      item += doc->Text("output ") + doc->Code(ShapeText(lr.out_shape));
      if (lr.out_shape.size() >= 3) item += doc->Text(" (" + ExamShapeText(lr.out_shape) + ")");
      if (layer.kind == LayerKind::kFlatten) {
        std::string prod;
        for (size_t k = 0; k < lr.in_shape.size(); ++k) prod += (k ? "\\cdot " : "") + Str(lr.in_shape[k]);
        item += doc->Text(" (") + doc->Math(prod + " = " + Str(lr.out_shape.back())) + doc->Text(")");
      }
    }
    if (lr.params > 0) item += doc->Text(", parameters ") + doc->Math(ParamFormula(layer, lr));
    if (!lr.note.empty()) item += doc->Text(" (" + lr.note + ")");
    item += doc->Text(".");
    if (!lr.error.empty()) item += doc->Text(" " + Sentence(lr.error));
    items.push_back(item);
  }
  doc->Bullets(items);
  doc->Section("Answer");
  if (chain.ok()) {
    doc->Para(doc->Text("The output is ") + doc->Code(ShapeText(chain.output_shape)) + doc->Text(", with ") +
              doc->Math(Str(chain.total_params)) + doc->Text(" trainable parameters in all."));
  } else {
    for (const ChainError& e : chain.errors) doc->Para(doc->Text(Sentence(e.message)));
    std::vector<Layer> fixed = settings.layers;
    bool all_fixed = true;
    for (const ChainError& e : chain.errors) all_fixed = all_fixed && e.fixable && FixChainError(e, &fixed);
    const ChainResult after = ApplyChain(settings.input, fixed);
    if (all_fixed && after.ok()) {
      doc->Para(doc->Text("Fixed, the network's output is ") + doc->Code(ShapeText(after.output_shape)) +
                doc->Text(", with ") + doc->Math(Str(after.total_params)) + doc->Text(" trainable parameters in all."));
    }
  }
  return Status::Ok();
}

}  // namespace

bool SolutionFormatFromName(const std::string& name, SolutionFormat* out) {
  if (name == "md" || name == "markdown") {
    *out = SolutionFormat::kMarkdown;
  } else if (name == "tex" || name == "latex") {
    *out = SolutionFormat::kLatex;
  } else {
    return false;
  }
  return true;
}

Status WriteSolution(const Scenario& scenario, SolutionFormat format, std::string* out) {
  const std::string& view = scenario.view;
  if (view != "attention" && view != "multihead" && view != "conv") {
    const ViewModel* model = FindViewModel(view);
    return Status::Error("view", std::string("the ") + (model ? model->title : view.c_str()) +
                                     " view has no written solution yet (its numbers: attnlab eval); "
                                     "solutions are written for the attention, multihead and conv views");
  }
  Doc doc(format);
  doc.Title(scenario.title.empty() ? "Worked solution" : scenario.title);
  if (!scenario.notes.empty()) {
    doc.Section("The exercise");
    doc.Prose(scenario.notes);
  }
  if (view == "conv") {
    Status st = WriteConv(scenario, &doc);
    if (!st.ok()) return st;
  } else {
    Result result;
    Status st = Evaluate(scenario, &result);
    if (!st.ok()) return st;
    WriteAttention(scenario, result, &doc);
  }
  if (!scenario.solution.empty()) {
    doc.Section("The course's answer");
    doc.Prose(scenario.solution);
  }
  *out = doc.Finish(scenario.title);
  return Status::Ok();
}

}  // namespace attnlab
