#include "attnlab/solution.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "attnlab/conv_shape.hpp"
#include "attnlab/decoding.hpp"
#include "attnlab/e10_lab.hpp"
#include "attnlab/format.hpp"
#include "attnlab/gradients.hpp"
#include "attnlab/gradients_view.hpp"
#include "attnlab/kernel_attention.hpp"
#include "attnlab/mask.hpp"
#include "attnlab/matrix_text.hpp"
#include "attnlab/multihead.hpp"
#include "attnlab/scaling.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/selection.hpp"
#include "attnlab/temperature.hpp"
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

// ---------------------------------------------------------------------------
// The views with one row or a few scalars: each step's formula, the numbers
// substituted and the result, from the same Compute... the view's eval calls.

// Entries of a row written out one by one; the rest are summarised.
constexpr int kDetailEntries = 16;

// (v_0, v_1, ...) with at most kDetailEntries entries, then \ldots.
std::string ShortRow(const std::vector<double>& values) {
  if (static_cast<int>(values.size()) <= kDetailEntries) return RowOf(values);
  const std::vector<double> head(values.begin(), values.begin() + kDetailEntries);
  std::string s = RowOf(head);
  s.pop_back();
  return s + ",\\ \\ldots)";
}
std::vector<double> Values(const RowVector& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

// A factor in a product: negative numbers in parentheses.
std::string Factor(double v) { return v < 0 ? "(" + Num(v) + ")" : Num(v); }
// The base of a power: anything but a plain non-negative number in parentheses.
std::string Base(double v) {
  const std::string x = Num(v);
  return v < 0 || x.find('\\') != std::string::npos ? "(" + x + ")" : x;
}
// The keys with the largest weight of the T -> 0 limit (ties split equally).
std::vector<int> TiedMaxima(const RowVector& cold) {
  std::vector<int> at;
  for (Eigen::Index j = 0; j < cold.size(); ++j)
    if (cold(j) > 0) at.push_back(static_cast<int>(j));
  return at;
}

// The keys' names as maths: \text{k0},\ \text{k2}.
std::string KeyList(const std::vector<int>& keys, const std::vector<std::string>& labels) {
  std::string s;
  for (size_t k = 0; k < keys.size(); ++k) {
    const std::string name = Label(labels, keys[k]);
    s += (k ? ",\\ " : "") + (name.empty() ? Str(keys[k]) : "\\text{" + name + "}");
  }
  return s;
}

// ---- Temperature (E7) -----------------------------------------------------

Status WriteTemperature(const Scenario& s, const Result& r, Doc* doc) {
  const TemperatureLabSettings* found = s.views.Find<TemperatureLabSettings>();
  const TemperatureLabSettings lab = found ? *found : TemperatureLabSettings();
  const Matrix* scores = r.heads.empty() ? nullptr : &r.heads[0].scores;
  TemperatureView v;
  Status st = ComputeTemperatureView(lab, scores, &v);
  if (!st.ok()) return st;
  const std::vector<double> z = Values(v.row.z);
  const int n = static_cast<int>(z.size());
  const double T = lab.cursor;

  doc->Section("The row");
  if (v.row.typed) {
    doc->Para(doc->Text("The swept scores are typed in: ") + doc->Math("z = " + ShortRow(z)) + doc->Text(", ") +
              doc->Math("n = " + Str(n)) + doc->Text(" keys."));
  } else {
    const bool masked = scores && n < scores->cols();
    const std::string token = Label(s.tokens, v.row.row);
    std::vector<int> all_keys;
    for (int j = 0; j < n; ++j) all_keys.push_back(j);
    doc->Para(doc->Text("The swept scores are row ") + doc->Math(Str(v.row.row)) +
              (token.empty() ? "" : doc->Text(" (") + doc->Math(TokenMath(token)) + doc->Text(")")) +
              doc->Text(" of the scenario's scores ") + doc->Math("S = s\\,QK^\\top") +
              doc->Text(masked ? " (head 0), its masked keys left out: " : " (head 0): ") + doc->Math("z = " + ShortRow(z)) +
              doc->Text(", ") + doc->Math("n = " + Str(n)) + doc->Text(" keys") +
              (masked ? doc->Text(" (") + doc->Math(KeyList(all_keys, v.row.key_labels)) + doc->Text(")") : "") +
              doc->Text("."));
  }
  doc->Para(doc->Text("The weights at temperature ") + doc->Math("T") + doc->Text(" are ") +
            doc->Math("w = \\operatorname{softmax}(z/T)") + doc->Text(", i.e. ") +
            doc->Math("w_j = e^{(z_j - m)/T} / \\sum_k e^{(z_k - m)/T}") + doc->Text(" with ") +
            doc->Math("m = \\max_j z_j") + doc->Text(" (subtracting ") + doc->Math("m") +
            doc->Text(" changes nothing but keeps every exponent at most 0). The cursor is at ") +
            doc->Math(T == 0.0 ? "T = 0" : "T = " + Num(T)) +
            doc->Text(T == 0.0 ? ", the argmax limit." : "."));

  const double m = *std::max_element(z.begin(), z.end());
  const std::vector<int> ties = TiedMaxima(v.sweep.cold_limit);
  const std::vector<double> w = Values(v.cursor_weights);
  doc->Section(T == 0.0 ? "Weights at T = 0 (argmax)" : "Weights at the cursor");
  if (T == 0.0) {
    doc->Para(doc->Text("The maximum is ") + doc->Math("m = " + Num(m)) +
              doc->Text(ties.size() == 1 ? " at key " : ", shared by keys ") + doc->Math(KeyList(ties, v.row.key_labels)) +
              (ties.size() == 1 ? doc->Text(": it gets all the weight.")
                                : doc->Text(": they split the weight equally, ") +
                                      doc->Math("1/" + Str(static_cast<long long>(ties.size()))) + doc->Text(" each.")));
  } else {
    std::vector<std::string> exps;
    std::vector<double> e;
    double sum = 0;
    for (double zj : z) {
      const double x = (zj - m) / T;
      exps.push_back(ExpOf(x));
      e.push_back(std::exp(x));
      sum += e.back();
    }
    std::string sym = "(";
    for (size_t k = 0; k < exps.size() && static_cast<int>(k) < kDetailEntries; ++k) sym += (k ? ",\\ " : "") + exps[k];
    sym += exps.size() > static_cast<size_t>(kDetailEntries) ? ",\\ \\ldots)" : ")";
    doc->Bullets({doc->Text("the maximum: ") + doc->Math("m = " + Num(m)),
                  doc->Text("the exponentials: ") + doc->Math("e^{(z_j - m)/T} = " + sym) +
                      (sym != ShortRow(e) ? " " + doc->Math("\\approx " + ShortRow(e)) : ""),
                  doc->Text("their sum: ") + doc->Math("\\textstyle\\sum_k e^{(z_k - m)/T} = " + Num(sum)),
                  doc->Text("each divided by the sum:")});
  }
  doc->Display("w = " + ShortRow(w));

  doc->Section("Entropy");
  const double H = Entropy(v.cursor_weights);
  // -(w_0 ln w_0 + ...): the nonzero weights, the first kDetailEntries of them.
  std::string terms;
  int zeros = 0, shown = 0;
  for (double wj : w) {
    if (wj <= 0) {
      ++zeros;
    } else if (shown < kDetailEntries) {
      const std::string x = Num(wj), arg = x.find("\\times") == std::string::npos ? x : "(" + x + ")";
      terms += (shown++ ? " + " : "") + arg + "\\ln " + arg;
    } else if (shown++ == kDetailEntries) {
      terms += " + \\ldots";
    }
  }
  doc->Para(doc->Math("H = -\\sum_j w_j \\ln w_j") + doc->Text(" in nats, between ") + doc->Math("0") +
            doc->Text(" (one key takes everything) and ") + doc->Math("\\ln n = \\ln " + Str(n) + " = " + Num(v.sweep.hot_entropy)) +
            doc->Text(" (uniform)") +
            (zeros ? doc->Text("; a zero weight adds nothing (") + doc->Math("0 \\ln 0 = 0") + doc->Text(")") : "") +
            doc->Text(":"));
  doc->Display("H = -(" + terms + ") = " + Num(H));

  doc->Section("The limits");
  doc->Para(doc->Math("T \\to 0^+") + doc->Text(": every exponent ") + doc->Math("(z_j - m)/T") +
            doc->Text(" below the maximum goes to ") + doc->Math("-\\infty") +
            doc->Text(", so softmax tends to argmax, the tied maxima sharing equally: ") +
            doc->Math("w \\to " + ShortRow(Values(v.sweep.cold_limit))) + doc->Text(", entropy ") +
            doc->Math("\\ln " + Str(static_cast<long long>(ties.size())) + " = " + Num(v.sweep.cold_entropy)) +
            doc->Text("."));
  doc->Para(doc->Math("T \\to \\infty") + doc->Text(": every exponent goes to ") + doc->Math("0") +
            doc->Text(", every exponential to ") + doc->Math("1") + doc->Text(", so softmax tends to uniform: ") +
            doc->Math("w \\to " + ShortRow(Values(v.sweep.hot_limit))) + doc->Text(", entropy ") +
            doc->Math("\\ln " + Str(n) + " = " + Num(v.sweep.hot_entropy)) +
            doc->Text(". For every finite ") + doc->Math("T > 0") + doc->Text(" no weight is exactly 0."));

  if (lab.whole_matrix && v.cursor_matrix.size()) {
    doc->Section("Every row at the cursor");
    doc->Para(doc->Text("Whole-matrix mode: each row of the scores worked out the same way (masked keys get 0)."));
    doc->Display(MatrixEq("P", "\\operatorname{softmax}(S/T)", v.cursor_matrix));
  }

  doc->Section("Answer");
  doc->Para(doc->Text("At ") + doc->Math("T = " + Num(T)) + doc->Text(": ") + doc->Math("w = " + ShortRow(w)) +
            doc->Text(", ") + doc->Math("H = " + Num(H)) + doc->Text(". As ") + doc->Math("T \\to 0^+") +
            doc->Text(": ") + doc->Math(ShortRow(Values(v.sweep.cold_limit))) + doc->Text("; as ") +
            doc->Math("T \\to \\infty") + doc->Text(": ") + doc->Math(ShortRow(Values(v.sweep.hot_limit))) +
            doc->Text("."));
  return Status::Ok();
}

// ---- RNN gradient (E10) ---------------------------------------------------

// g(z) as LaTeX: \tanh(z), \sigma(z), \operatorname{ReLU}(z).
std::string ActivationOf(Activation g, const std::string& z) {
  switch (g) {
    case Activation::kTanh: return "\\tanh(" + z + ")";
    case Activation::kSigmoid: return "\\sigma(" + z + ")";
    case Activation::kRelu: return "\\operatorname{ReLU}(" + z + ")";
  }
  return "g(" + z + ")";
}

// g'(z_t) = ... = value, from g(z_t) = h_t.
std::string DerivativeLine(Activation g, int t, double z, double h, double value) {
  const std::string zt = "z_" + Str(t), head = "g'(" + zt + ") = ";
  switch (g) {
    case Activation::kTanh:
      return head + "1 - \\tanh^2(" + zt + ") = 1 - h_" + Str(t) + "^2 = 1 - " + Base(h) + "^2 = " + Num(value);
    case Activation::kSigmoid:
      return head + "\\sigma(" + zt + ")(1 - \\sigma(" + zt + ")) = h_" + Str(t) + "(1 - h_" + Str(t) + ") = " + Num(h) +
             "\\cdot(1 - " + Num(h) + ") = " + Num(value);
    case Activation::kRelu:
      return head + (z > 0 ? "1 \\quad (" + zt + " = " + Num(z) + " > 0)" : "0 \\quad (" + zt + " = " + Num(z) + " \\le 0)");
  }
  return head + Num(value);
}

Status WriteRnn(const Scenario& s, Doc* doc) {
  const RnnLabSettings* found = s.views.Find<RnnLabSettings>();
  const RnnLabSettings lab = found ? *found : RnnLabSettings();
  RnnLabView v;
  Status st = ComputeRnnLab(lab, &v);
  if (!st.ok()) return st;
  const RnnInput& in = lab.in;
  const RnnStep& r = v.step;
  const Activation g = in.g;

  doc->Section("The inputs");
  doc->Para(doc->Text("A scalar RNN ") + doc->Math("z_t = w h_{t-1} + a x_t") + doc->Text(", ") +
            doc->Math("h_t = g(z_t)") + doc->Text(" for ") + doc->Math("t = 1, 2") + doc->Text(", with ") +
            doc->Math("g = " + std::string(g == Activation::kTanh      ? "\\tanh"
                                           : g == Activation::kSigmoid ? "\\sigma"
                                                                       : "\\operatorname{ReLU}")) +
            doc->Text(" and the loss ") + doc->Math("L = \\tfrac{1}{2}(h_2 - y)^2") + doc->Text(". The numbers:"));
  doc->Display("w = " + Num(in.w) + ",\\quad a = " + Num(in.a) + ",\\quad x_1 = " + Num(in.x1) + ",\\quad x_2 = " +
               Num(in.x2) + ",\\quad h_0 = " + Num(in.h0) + ",\\quad y = " + Num(in.y) + ",\\quad \\eta = " +
               Num(in.learning_rate));

  doc->Section("Forward pass");
  doc->Display("z_1 = w h_0 + a x_1 = " + Num(in.w) + "\\cdot " + Factor(in.h0) + " + " + Factor(in.a) + "\\cdot " +
               Factor(in.x1) + " = " + Num(r.z1));
  doc->Display("h_1 = g(z_1) = " + ActivationOf(g, Num(r.z1)) + " = " + Num(r.h1));
  doc->Display("z_2 = w h_1 + a x_2 = " + Num(in.w) + "\\cdot " + Factor(r.h1) + " + " + Factor(in.a) + "\\cdot " +
               Factor(in.x2) + " = " + Num(r.z2));
  doc->Display("h_2 = g(z_2) = " + ActivationOf(g, Num(r.z2)) + " = " + Num(r.h2));
  doc->Display("L = \\tfrac{1}{2}(h_2 - y)^2 = \\tfrac{1}{2}(" + Num(r.h2) + " - " + Factor(in.y) + ")^2 = " + Num(r.loss));

  doc->Section("The gradient");
  doc->Para(doc->Text("By the chain rule, ") + doc->Math("w") + doc->Text(" enters ") + doc->Math("z_2") +
            doc->Text(" directly and through ") + doc->Math("h_1") + doc->Text(" (which depends on ") + doc->Math("w") +
            doc->Text(" through ") + doc->Math("z_1 = w h_0 + a x_1") + doc->Text("):"));
  doc->Display("\\frac{\\partial L}{\\partial w} = (h_2 - y)\\, g'(z_2)\\, \\frac{\\partial z_2}{\\partial w}, \\qquad "
               "\\frac{\\partial z_2}{\\partial w} = h_1 + w\\,\\frac{\\partial h_1}{\\partial w} = h_1 + w\\, g'(z_1)\\, h_0");
  doc->Para(doc->Text("Each factor:"));
  doc->Bullets({doc->Math("h_2 - y = " + Num(r.h2) + " - " + Factor(in.y) + " = " + Num(r.dL_dh2)),
                doc->Math(DerivativeLine(g, 2, r.z2, r.h2, r.g_prime_z2)),
                doc->Math(DerivativeLine(g, 1, r.z1, r.h1, r.g_prime_z1)),
                doc->Math("w\\, g'(z_1)\\, h_0 = " + Num(in.w) + "\\cdot " + Factor(r.g_prime_z1) + "\\cdot " +
                          Factor(in.h0) + " = " + Num(r.dz2_dw_through_h1)),
                doc->Math("\\frac{\\partial z_2}{\\partial w} = h_1 + w\\, g'(z_1)\\, h_0 = " + Num(r.dz2_dw_direct) +
                          " + " + Factor(r.dz2_dw_through_h1) + " = " +
                          Num(r.dz2_dw_direct + r.dz2_dw_through_h1))});
  doc->Display("\\frac{\\partial L}{\\partial w} = " + Factor(r.dL_dh2) + "\\cdot " + Factor(r.g_prime_z2) + "\\cdot " +
               Factor(r.dz2_dw_direct + r.dz2_dw_through_h1) + " = " + Num(r.dL_dw));
  doc->Para(doc->Text("A central finite difference of ") + doc->Math("L") + doc->Text(" in ") + doc->Math("w") +
            doc->Text(" agrees: ") + doc->Math("\\approx " + Num(r.finite_difference)) + doc->Text("."));

  doc->Section("The exam's formula");
  doc->Para(doc->Text("The exam's step keeps only the direct term: ") +
            doc->Math("(h_2 - y)\\, g'(z_2)\\, h_1 = " + Factor(r.dL_dh2) + "\\cdot " + Factor(r.g_prime_z2) + "\\cdot " +
                      Factor(r.h1) + " = " + Num(r.dL_dw_exam)) +
            doc->Text("."));
  if (v.exam_exact) {
    doc->Para(doc->Text("Here ") + doc->Math("h_0 = 0") + doc->Text(", so ") +
              doc->Math("\\partial h_1 / \\partial w = g'(z_1)\\, h_0 = 0") +
              doc->Text(": the term through ") + doc->Math("h_1") +
              doc->Text(" vanishes and the exam's formula is the whole derivative."));
  } else if (r.dz2_dw_through_h1 == 0.0) {
    doc->Para(doc->Math("h_0 = " + Num(in.h0) + " \\ne 0") + doc->Text(", so the exam's formula is exact only by luck here: ") +
              doc->Math("w\\, g'(z_1)\\, h_0 = 0") + doc->Text(" (a zero factor). In general it drops that term."));
  } else {
    doc->Para(doc->Math("h_0 = " + Num(in.h0) + " \\ne 0") + doc->Text(", so the exam's formula misses the term ") +
              doc->Math("(h_2 - y)\\, g'(z_2)\\, w\\, g'(z_1)\\, h_0 = " +
                        Num(r.dL_dh2 * r.g_prime_z2 * r.dz2_dw_through_h1)) +
              doc->Text(": it gives ") + doc->Math(Num(r.dL_dw_exam)) + doc->Text(" where the derivative is ") +
              doc->Math(Num(r.dL_dw)) + doc->Text(". It is exact only when ") + doc->Math("h_0 = 0") + doc->Text("."));
  }

  doc->Section("The SGD step");
  doc->Display("w \\leftarrow w - \\eta\\, \\frac{\\partial L}{\\partial w} = " + Num(in.w) + " - " + Num(in.learning_rate) +
               "\\cdot " + Factor(r.dL_dw) + " = " + Num(r.w_after));
  doc->Para(doc->Text("The loss goes from ") + doc->Math(Num(r.loss)) + doc->Text(" to ") +
            doc->Math("L(" + Num(r.w_after) + ") = " + Num(r.loss_after)) + doc->Text(".") +
            (v.exam_exact ? ""
                          : doc->Text(" The exam's formula would step to ") +
                                doc->Math(Num(in.w) + " - " + Num(in.learning_rate) + "\\cdot " + Factor(r.dL_dw_exam) +
                                          " = " + Num(in.w - in.learning_rate * r.dL_dw_exam)) +
                                doc->Text(".")));

  doc->Section("Answer");
  doc->Para(doc->Math("\\partial L / \\partial w = " + Num(r.dL_dw)) + doc->Text(", and one SGD step gives ") +
            doc->Math("w = " + Num(r.w_after)) + doc->Text(" (") + doc->Math("L") + doc->Text(" from ") +
            doc->Math(Num(r.loss)) + doc->Text(" to ") + doc->Math(Num(r.loss_after)) + doc->Text(")."));
  return Status::Ok();
}

// ---- Logistic regression (E10) --------------------------------------------

std::string PointOf(Point2 p) { return "(" + Num(p.x) + ",\\ " + Num(p.y) + ")"; }
double DotOf(Point2 a, Point2 b) { return a.x * b.x + a.y * b.y; }
std::string Sign(int label) { return label > 0 ? "+1" : "-1"; }

Status WriteLogistic(const Scenario& s, Doc* doc) {
  const LogisticLabSettings* found = s.views.Find<LogisticLabSettings>();
  const LogisticLabSettings lab = found ? *found : DefaultLogisticLab();
  LogisticLabView v;
  Status st = ComputeLogisticLab(lab, &v);
  if (!st.ok()) return st;
  const LogisticData& d = lab.data;
  const int m = static_cast<int>(d.points.size());
  const int detailed = std::min(m, kSolutionDetailRows);
  const auto rest = [&](const std::string& what) {
    return m > detailed ? doc->Text("points ") + doc->Math(Str(detailed) + "\\ldots" + Str(m - 1)) + doc->Text(" " + what)
                        : std::string();
  };

  doc->Section("The data");
  doc->Para(doc->Math("m = " + Str(m)) + doc->Text(" points ") + doc->Math("x_i \\in \\mathbf{R}^2") +
            doc->Text(" with labels ") + doc->Math("y_i = \\pm 1") + doc->Text(", no bias (the line ") +
            doc->Math("w \\cdot x = 0") + doc->Text(" passes through the origin), and the loss"));
  doc->Display("L(w) = \\frac{1}{m}\\sum_{i} \\log\\left(1 + e^{-y_i\\, w \\cdot x_i}\\right)");
  std::vector<std::string> items;
  for (int i = 0; i < detailed; ++i) {
    items.push_back(doc->Math("x_{" + Str(i) + "} = " + PointOf(d.points[static_cast<size_t>(i)]) + ",\\ y_{" + Str(i) +
                              "} = " + Sign(d.labels[static_cast<size_t>(i)])));
  }
  if (m > detailed) items.push_back(rest("as the scenario gives them."));
  doc->Bullets(items);

  doc->Section("The loss at w0");
  const double loss0 = LogisticLoss(d, lab.w0, 0.0);
  doc->Para(doc->Text("At ") + doc->Math("w_0 = " + PointOf(lab.w0)) + doc->Text(", term by term (") +
            doc->Math("\\log") + doc->Text(" is the natural logarithm):"));
  items.clear();
  std::string sum;
  for (int i = 0; i < m; ++i) {
    const size_t k = static_cast<size_t>(i);
    const double margin = d.labels[k] * DotOf(lab.w0, d.points[k]);
    const double term = LogisticLoss(LogisticData{{d.points[k]}, {d.labels[k]}}, lab.w0, 0.0);
    if (i < detailed) {
      items.push_back(doc->Math("i = " + Str(i)) + doc->Text(": ") +
                      doc->Math("y_{" + Str(i) + "}\\, w_0 \\cdot x_{" + Str(i) + "} = " + Num(margin)) + doc->Text(", ") +
                      doc->Math("\\log(1 + " + ExpOf(-margin) + ") = " + Num(term)));
      sum += (i ? " + " : "") + Num(term);
    } else if (i == detailed) {
      sum += " + \\ldots";
    }
  }
  if (m > detailed) items.push_back(rest("the same way."));
  doc->Bullets(items);
  doc->Display("L(w_0) = \\frac{1}{" + Str(m) + "}\\left(" + (sum.empty() ? "0" : sum) + "\\right) = " + Num(loss0));

  doc->Section("Separability");
  Point2 dir{1.0, 0.0};
  if (v.no_minimum) {
    dir = v.w_star;
    doc->Para(doc->Text(v.separable ? "The points are separable through the origin: the unit vector "
                                    : "The points are separable only weakly: the unit vector ") +
              doc->Math("w^\\star = " + PointOf(v.w_star)) + doc->Text(" has these margins ") +
              doc->Math("y_i\\, w^\\star \\cdot x_i") + doc->Text(":"));
    items.clear();
    double smallest = INFINITY;
    for (int i = 0; i < m; ++i) {
      const size_t k = static_cast<size_t>(i);
      const double margin = d.labels[k] * DotOf(v.w_star, d.points[k]);
      smallest = std::min(smallest, margin);
      if (i < detailed) items.push_back(doc->Math("i = " + Str(i) + ":\\ " + Num(margin)));
    }
    if (m > detailed) items.push_back(rest("likewise."));
    doc->Bullets(items);
    doc->Para(v.separable ? doc->Text("Every margin is positive (the smallest is ") + doc->Math(Num(smallest)) +
                                doc->Text("): ") + doc->Math("w^\\star") + doc->Text(" separates the data.")
                          : doc->Text("Every margin is at least 0 and one is positive, but some are 0 (points on the "
                                      "line, or at the origin): the data are separable only weakly. A term with margin 0 "
                                      "stays at ") +
                                doc->Math("\\log 2") + doc->Text(", so ") + doc->Math("L(\\alpha w^\\star)") +
                                doc->Text(" falls towards a positive limit, and still has no minimum."));
  } else if (m > 0 && !v.descent.empty()) {
    doc->Para(doc->Text(v.note + ". ") +
              doc->Text("Along every direction some term grows linearly in ") + doc->Math("\\|w\\|") +
              doc->Text(", so ") + doc->Math("L \\to \\infty") + doc->Text(" far out and ") + doc->Math("L") +
              doc->Text(" has a finite minimum."));
    const Point2 last = v.descent.back().w;
    const double norm = std::hypot(last.x, last.y);
    if (norm > 0 && std::isfinite(norm)) dir = {last.x / norm, last.y / norm};
  } else {
    doc->Para(doc->Text(Sentence(v.note)));
  }

  const std::string u = v.no_minimum ? "w^\\star" : "u";
  doc->Section(v.no_minimum ? "Along alpha w*: no minimum" : "Along a direction");
  if (v.no_minimum) {
    doc->Para(doc->Text("Along ") + doc->Math("\\alpha w^\\star") + doc->Text(", each term ") +
              doc->Math("\\log(1 + e^{-\\alpha\\, y_i w^\\star \\cdot x_i})") +
              doc->Text(v.separable ? " has a positive margin in its exponent, so it decreases strictly to 0 as "
                                    : " with a positive margin decreases strictly to 0 (one with margin 0 stays ") +
              (v.separable ? doc->Math("\\alpha") + doc->Text(" grows. So ")
                           : doc->Math("\\log 2") + doc->Text(") as ") + doc->Math("\\alpha") + doc->Text(" grows. So ")) +
              doc->Math("L(\\alpha w^\\star)") + doc->Text(" keeps falling towards its infimum, yet every term of every finite ") +
              doc->Math("w") + doc->Text(" is positive: no ") + doc->Math("w") +
              doc->Text(" reaches it, and L has no minimum."));
  } else {
    doc->Para(doc->Text("Along the direction gradient descent ends in, ") + doc->Math("u = " + PointOf(dir)) +
              doc->Text(", the loss first falls, then rises again:"));
  }
  items.clear();
  for (size_t k : {static_cast<size_t>(0), static_cast<size_t>(10), static_cast<size_t>(20), static_cast<size_t>(50),
                   static_cast<size_t>(kAlphaSamples - 1)}) {
    if (k >= v.alphas.size()) continue;
    items.push_back(doc->Math("L(" + Num(v.alphas[k]) + "\\, " + u + ") = " + Num(v.loss_along[k])));
  }
  doc->Bullets(items);

  if (lab.lambda > 0 && !v.loss_along_l2.empty()) {
    doc->Section("With an L2 penalty");
    doc->Para(doc->Text("With ") + doc->Math("\\lambda = " + Num(lab.lambda)) + doc->Text(" the loss is ") +
              doc->Math("L(w) + \\tfrac{\\lambda}{2}\\|w\\|^2") + doc->Text(", strongly convex: it grows like ") +
              doc->Math("\\tfrac{\\lambda}{2}\\|w\\|^2") + doc->Text(" far out and has one finite minimum. Along ") +
              doc->Math("\\alpha " + u) + doc->Text(" (a unit vector) it is ") +
              doc->Math("L(\\alpha " + u + ") + \\tfrac{\\lambda}{2}\\alpha^2") + doc->Text(":"));
    items.clear();
    for (size_t k : {static_cast<size_t>(0), static_cast<size_t>(10), static_cast<size_t>(20), static_cast<size_t>(50),
                     static_cast<size_t>(kAlphaSamples - 1)}) {
      if (k >= v.alphas.size()) continue;
      items.push_back(doc->Math("\\alpha = " + Num(v.alphas[k]) + ":\\ " + Num(v.loss_along[k]) + " + " +
                                Num(0.5 * lab.lambda * v.alphas[k] * v.alphas[k]) + " = " + Num(v.loss_along_l2[k])));
    }
    doc->Bullets(items);
    doc->Para(doc->Text("Its smallest value on the view's grid of ") + doc->Math("\\alpha") + doc->Text(" (steps of ") +
              doc->Math(Num(lab.alpha_max / (kAlphaSamples - 1))) + doc->Text(") is ") +
              doc->Math(Num(v.loss_min_l2)) + doc->Text(" at ") + doc->Math("\\alpha = " + Num(v.alpha_min_l2)) +
              doc->Text("."));
  }

  doc->Section("Gradient descent");
  const LogisticStep& last = v.descent.back();
  std::string gd = doc->Text("From ") + doc->Math("w_0") + doc->Text(", ") + doc->Math(Str(lab.steps)) +
                   doc->Text(" steps of ") + doc->Math("w \\leftarrow w - \\eta \\nabla L(w)") + doc->Text(" with ") +
                   doc->Math("\\eta = " + Num(lab.learning_rate)) + doc->Text(" end at ") +
                   doc->Math("w = " + PointOf(last.w)) + doc->Text(", ") + doc->Math("\\|w\\| = " + Num(last.norm)) +
                   doc->Text(", ") + doc->Math("L = " + Num(last.loss)) +
                   doc->Text(v.no_minimum ? ": the norm keeps growing (like the log of the step count)." : ".");
  if (!v.descent_l2.empty()) {
    const LogisticStep& l2 = v.descent_l2.back();
    gd += doc->Text(" With ") + doc->Math("\\lambda") + doc->Text(": ") + doc->Math("\\|w\\| = " + Num(l2.norm)) +
          (v.l2_diverged ? doc->Text(", diverging, since ") + doc->Math("\\eta\\lambda \\ge 2") + doc->Text(".")
                         : doc->Text(", levelling off at the minimum."));
  }
  doc->Para(gd);

  doc->Section("Answer");
  doc->Para(doc->Math("L(w_0) = " + Num(loss0)) + doc->Text(". ") +
            (v.no_minimum ? doc->Text("The loss has no minimum: ") + doc->Math("L(\\alpha w^\\star)") +
                                doc->Text(" falls strictly as ") + doc->Math("\\alpha") +
                                doc->Text(" grows and never reaches its infimum")
                          : doc->Text("The points are not separable: the loss has a finite minimum")) +
            (lab.lambda > 0 ? doc->Text("; with ") + doc->Math("\\lambda = " + Num(lab.lambda)) +
                                  doc->Text(" the penalised loss has one finite minimum.")
                            : doc->Text(".")));
  return Status::Ok();
}

// ---- Scaling (E1) ---------------------------------------------------------

Status WriteScaling(const Scenario& s, Doc* doc) {
  const ScalingLabSettings* found = s.views.Find<ScalingLabSettings>();
  const ScalingLabSettings lab = found ? *found : ScalingLabSettings();
  ScalingView v;
  const Status st = ComputeScalingSamples(lab, &v);
  if (!st.ok()) return st.field().empty() ? st : Status::Error("scaling_lab." + st.field(), st.message());
  const DotProductSpec spec = ScalingSpec(lab);
  const double mu2 = MeanVector(spec).squaredNorm();
  const DotProductClosedForm& cf = v.samples.closed_form;
  const std::string d = Str(lab.d), sigma = Base(lab.sigma), mu2s = Num(mu2);

  doc->Section("The inputs");
  doc->Para(doc->Math("q, k \\in \\mathbf{R}^{" + d + "}") + doc->Text(" independent, each ") +
            doc->Math("\\sim N(\\mu, \\sigma^2 I)") + doc->Text(" with ") + doc->Math("d = " + d) + doc->Text(", ") +
            doc->Math("\\sigma = " + Num(lab.sigma)) + doc->Text(" and ") +
            (lab.mu_components.empty() ? doc->Math("\\mu_i = " + Num(lab.mu)) + doc->Text(" for every ") + doc->Math("i") +
                                             doc->Text(", so ") +
                                             doc->Math("\\|\\mu\\|^2 = d\\mu^2 = " + d + "\\cdot " + Base(lab.mu) +
                                                       "^2 = " + mu2s)
                                       : doc->Math("\\mu = " + ShortRow(lab.mu_components)) + doc->Text(", so ") +
                                             doc->Math("\\|\\mu\\|^2 = \\sum_i \\mu_i^2 = " + mu2s)) +
            doc->Text("."));

  doc->Section("One coordinate");
  doc->Para(doc->Text("Write ") + doc->Math("q_i = \\mu_i + \\sigma a_i") + doc->Text(", ") +
            doc->Math("k_i = \\mu_i + \\sigma b_i") + doc->Text(" with ") + doc->Math("a_i, b_i") +
            doc->Text(" independent standard normals. Then"));
  doc->Display("q_i k_i = \\mu_i^2 + \\sigma\\mu_i (a_i + b_i) + \\sigma^2 a_i b_i");
  doc->Para(doc->Text("three uncorrelated terms of means ") + doc->Math("\\mu_i^2, 0, 0") + doc->Text(" and variances ") +
            doc->Math("0,\\ 2\\sigma^2\\mu_i^2,\\ \\sigma^4") + doc->Text(". The ") + doc->Math("d") +
            doc->Text(" coordinates are independent, so means and variances add up over ") + doc->Math("i") +
            doc->Text("."));

  doc->Section("Mean and variance of q.k");
  doc->Display("E[q \\cdot k] = \\|\\mu\\|^2 = " + Num(cf.mean));
  doc->Display("\\operatorname{Var}[q \\cdot k] = d\\sigma^4 + 2\\sigma^2\\|\\mu\\|^2 = " + d + "\\cdot " + sigma +
               "^4 + 2\\cdot " + sigma + "^2\\cdot " + Factor(mu2) + " = " + Num(cf.variance));

  doc->Section("Scaled by 1/sqrt(d)");
  const std::string root = "\\sqrt{" + d + "}";
  doc->Display("E\\left[\\frac{q \\cdot k}{\\sqrt{d}}\\right] = \\frac{\\|\\mu\\|^2}{\\sqrt{d}} = \\frac{" + Num(cf.mean) +
               "}{" + root + "} = " + Num(cf.scaled_mean));
  doc->Display("\\operatorname{Var}\\left[\\frac{q \\cdot k}{\\sqrt{d}}\\right] = \\frac{\\operatorname{Var}[q \\cdot k]}{d} = "
               "\\frac{" + Num(cf.variance) + "}{" + d + "} = " + Num(cf.scaled_variance));
  if (cf.variance > 0) {
    doc->Para(doc->Text("The scale that makes ") + doc->Math("\\operatorname{Var}[q \\cdot k / s] = 1") +
              doc->Text(" is ") + doc->Math("s = \\sqrt{\\operatorname{Var}[q \\cdot k]} = \\sqrt{" + Num(cf.variance) +
                                            "} = " + Num(std::sqrt(cf.variance))) +
              doc->Text("; with ") + doc->Math("\\mu = 0") + doc->Text(" and ") + doc->Math("\\sigma = 1") +
              doc->Text(" the variance is ") + doc->Math("d") + doc->Text(" and the scale is ") +
              doc->Math("\\sqrt{d}") + doc->Text(": the scores keep unit spread at every ") + doc->Math("d") +
              doc->Text("."));
  }
  const SampleMoments& raw = v.samples.raw_moments;
  doc->Para(doc->Text("The view's ") + doc->Math(Str(raw.n)) + doc->Text(" sampled pairs (seed ") +
            doc->Math(Str(static_cast<long long>(lab.seed))) + doc->Text(") only estimate these: mean ") +
            doc->Math("\\approx " + Num(raw.mean) + " \\pm " + Num(raw.mean_se)) + doc->Text(", variance ") +
            doc->Math("\\approx " + Num(raw.variance) + " \\pm " + Num(raw.variance_se)) +
            doc->Text(" (one standard error); the closed forms above are exact."));

  doc->Section("Answer");
  doc->Para(doc->Math("E[q \\cdot k] = " + Num(cf.mean)) + doc->Text(", ") +
            doc->Math("\\operatorname{Var}[q \\cdot k] = " + Num(cf.variance)) + doc->Text(", ") +
            doc->Math("\\operatorname{Var}[q \\cdot k / \\sqrt{d}] = " + Num(cf.scaled_variance)) + doc->Text("."));
  return Status::Ok();
}

// ---- Selection (E6) -------------------------------------------------------

Status WriteSelection(const Scenario& s, Doc* doc) {
  const SelectionLabSettings* found = s.views.Find<SelectionLabSettings>();
  const SelectionLabSettings lab = found ? *found : SelectionLabSettings();
  SelectionSpec spec = SelectionSpecOf(lab);
  spec.two_heads = false;
  SelectionRun one;
  Status st = SimulateSelection(spec, &one);
  if (!st.ok()) return Status::Error("selection_lab." + st.field(), st.message());
  const int n = lab.n;
  const std::string a = Str(lab.a), b = Str(lab.b), N = Str(n);
  const double pair = OrthonormalPairWeight(lab.t, n);
  const double other = 1.0 / (2.0 * lab.t + n - 2.0);

  doc->Section("The setting");
  doc->Para(doc->Math(N) + doc->Text(" orthonormal keys ") + doc->Math("k_i = u_i = e_i") + doc->Text(" (their means), values ") +
            doc->Math("v_i = e_i") + doc->Text(" (so the output's coordinates are the weights), the query ") +
            doc->Math("q = \\log(t)(u_a + u_b)") + doc->Text(" with ") + doc->Math("t = " + Num(lab.t)) + doc->Text(", ") +
            doc->Math("a = " + a) + doc->Text(", ") + doc->Math("b = " + b) + doc->Text(" (0-based), raw dot products and ") +
            doc->Math("T = 1") + doc->Text("."));

  doc->Section("Scores, exponentials, weights");
  doc->Para(doc->Text("The scores are ") + doc->Math("k_i \\cdot q = \\log t = " + Num(std::log(lab.t))) +
            doc->Text(" for ") + doc->Math("i = a, b") + doc->Text(" and ") + doc->Math("0") +
            doc->Text(" for the other ") + doc->Math(Str(n - 2)) + doc->Text(" keys. Their exponentials are ") +
            doc->Math("e^{\\log t} = t = " + Num(lab.t)) + doc->Text(" and ") + doc->Math("e^0 = 1") +
            doc->Text(", with the sum"));
  doc->Display("2t + n - 2 = 2\\cdot " + Factor(lab.t) + " + " + N + " - 2 = " + Num(2.0 * lab.t + n - 2.0));
  doc->Display("\\alpha_a = \\alpha_b = \\frac{t}{2t + n - 2} = \\frac{" + Num(lab.t) + "}{" + Num(2.0 * lab.t + n - 2.0) +
               "} = " + Num(pair) + ", \\qquad \\alpha_i = \\frac{1}{2t + n - 2} = " + Num(other) + "\\ (i \\ne a, b)");
  doc->Para(doc->Text("So the output is ") + doc->Math("o = \\sum_i \\alpha_i v_i") + doc->Text(", with ") +
            doc->Math("o \\cdot v_a = o \\cdot v_b = " + Num(pair)) + doc->Text(": it is about ") +
            doc->Math("(v_a + v_b)/2") + doc->Text(" when ") + doc->Math("t \\gg n") +
            doc->Text(" (the other keys' share, ") + doc->Math("(n - 2)/(2t + n - 2) = " + Num((n - 2.0) * other)) +
            doc->Text(", is then small)."));
  if (!lab.query.empty()) {
    doc->Para(doc->Text("The scenario types its own query instead: at the keys' means its weights are ") +
              doc->Math("\\operatorname{softmax}(q) = " + ShortRow(Values(one.at_mean.weights.row(0)))) +
              doc->Text("; the closed form above is for ") + doc->Math("q = \\log(t)(u_a + u_b)") + doc->Text("."));
  }

  if (lab.two_heads) {
    SelectionSpec two = spec;
    two.two_heads = true;
    SelectionRun run;
    st = SimulateSelection(two, &run);
    if (!st.ok()) return Status::Error("selection_lab." + st.field(), st.message());
    const double w1 = lab.s / (lab.s + n - 1.0), w2 = lab.t / (lab.t + n - 1.0);
    doc->Section("Two heads");
    doc->Para(doc->Text("Head 1 has ") + doc->Math("q_1 = \\log(s)\\, u_a") + doc->Text(" with ") +
              doc->Math("s = " + Num(lab.s)) + doc->Text(", head 2 ") + doc->Math("q_2 = \\log(t)\\, u_b") +
              doc->Text(", each selecting one key, and the outputs are averaged:"));
    doc->Display("\\frac{s}{s + n - 1} = " + Num(w1) + ",\\qquad \\frac{t}{t + n - 1} = " + Num(w2));
    doc->Display("o \\cdot v_a = \\tfrac{1}{2}\\left(\\frac{s}{s + n - 1} + \\frac{1}{t + n - 1}\\right) = \\tfrac{1}{2}\\left(" +
                 Num(w1) + " + " + Num(1.0 / (lab.t + n - 1.0)) + "\\right) = " + Num(run.at_mean.output(lab.a)));
    doc->Display("o \\cdot v_b = \\tfrac{1}{2}\\left(\\frac{1}{s + n - 1} + \\frac{t}{t + n - 1}\\right) = \\tfrac{1}{2}\\left(" +
                 Num(1.0 / (lab.s + n - 1.0)) + " + " + Num(w2) + "\\right) = " + Num(run.at_mean.output(lab.b)));
  }
  if (!spec.noise.empty()) {
    doc->Section("Noisy keys");
    const double sd = std::sqrt(one.drift_moments.variance);
    doc->Para(doc->Text("With noise on the keys (") + doc->Math("\\Sigma_i = " + Num(lab.alpha) + " I + c_i u_i u_i^\\top") +
              doc->Text(", ") + doc->Math("c_a = " + Num(lab.c_a)) + doc->Text(", ") + doc->Math("c_b = " + Num(lab.c_b)) +
              doc->Text(", the others ") + doc->Math(Num(lab.c_other)) + doc->Text(") the weights change from draw to draw. Over the view's ") +
              doc->Math(Str(lab.samples)) + doc->Text(" draws (seed ") + doc->Math(Str(static_cast<long long>(lab.seed))) +
              doc->Text("), one head's drift ") + doc->Math("o \\cdot v_a - o \\cdot v_b") +
              doc->Text(" has a standard deviation of about ") + doc->Math(Num(sd)) +
              doc->Text(" (an estimate; 0 would be a fair average every time)."));
  }

  doc->Section("Answer");
  doc->Para(doc->Math("\\alpha_a = \\alpha_b = t / (2t + n - 2) = " + Num(pair)) + doc->Text(", every other ") +
            doc->Math("\\alpha_i = 1 / (2t + n - 2) = " + Num(other)) + doc->Text("."));
  return Status::Ok();
}

// ---- Kernel attention (E5) ------------------------------------------------

// The similarity as LaTeX, with q and k named (q_0, k_j).
std::string KernelSimMath(const KernelSpec& spec, const std::string& q, const std::string& k) {
  switch (spec.sim) {
    case KernelSim::kSoftmax: return "e^{" + q + " \\cdot " + k + " / \\sqrt{D}}";
    case KernelSim::kDot: return q + " \\cdot " + k;
    case KernelSim::kPolynomial:
      return "(" + q + " \\cdot " + k + (spec.c < 0 ? " - " + Num(-spec.c) : " + " + Num(spec.c)) + ")^{" +
             Str(spec.p) + "}";
    case KernelSim::kElu:
    case KernelSim::kRelu: return "\\varphi(" + q + ") \\cdot \\varphi(" + k + ")";
  }
  return "";
}

// The FLOPs of one form as a N^2 + b N (N_k = N), read off the view's own count.
void KernelCostCoefficients(const KernelSpec& spec, int D, int M, bool quadratic, double* a, double* b) {
  const KernelCost c1 = CountKernelCost(spec, 1, D, M), c2 = CountKernelCost(spec, 2, D, M);
  const double f1 = quadratic ? c1.quadratic_flops : c1.linear_flops;
  const double f2 = quadratic ? c2.quadratic_flops : c2.linear_flops;
  *a = (f2 - 2 * f1) / 2;
  *b = f1 - *a;
}
std::string Polynomial(double a, double b) {
  std::string s;
  if (a != 0) s = Num(a) + " N^2";
  if (b != 0) s += (s.empty() ? "" : " + ") + Num(b) + " N";
  return s.empty() ? "0" : s;
}

Status WriteKernel(const Scenario& s, const Result& r, Doc* doc) {
  KernelView v;
  const Status st = ComputeKernelView(s, r, &v);
  if (!st.ok()) return st;
  const KernelAttention& k = v.forms;
  const KernelSpec& spec = v.spec;
  const HeadResult& h = r.heads[static_cast<size_t>(v.head)];
  const std::string D = Str(k.D), M = Str(k.M);
  const bool causal = spec.causal;

  doc->Section("The similarity");
  doc->Para(doc->Text("Generalized attention replaces softmax's weights by a similarity: ") +
            doc->Math("V'_i = \\sum_j \\operatorname{sim}(q_i, k_j) v_j / \\sum_j \\operatorname{sim}(q_i, k_j)") +
            doc->Text(causal ? ", over the keys " : ", over every key") + (causal ? doc->Math("j \\le i") : "") +
            doc->Text(", here with ") + doc->Math("\\operatorname{sim}(q, k) = " + KernelSimMath(spec, "q", "k")) +
            (spec.sim == KernelSim::kElu ? doc->Text(", ") + doc->Math("\\varphi(x) = \\operatorname{elu}(x) + 1")
             : spec.sim == KernelSim::kRelu ? doc->Text(", ") + doc->Math("\\varphi(x) = \\max(x, 0)")
                                            : "") +
            doc->Text(". The rows of Q, K and V are ") + doc->Math("q_i, k_j, v_j") + doc->Text(" (head ") +
            doc->Math(Str(v.head)) + doc->Text(", counted from 0): ") + doc->Math("N = " + Str(k.N)) +
            doc->Text(" queries, ") + doc->Math("N_k = " + Str(k.N_k)) + doc->Text(" keys, ") +
            doc->Math("D = " + D) + doc->Text(", ") + doc->Math("M = " + M) + doc->Text("."));
  doc->Display(MatrixEq("Q", "", h.Q));
  doc->Display(MatrixEq("K", "", h.K));
  doc->Display(MatrixEq("V", "", h.V));

  doc->Section("The quadratic form");
  if (spec.sim == KernelSim::kSoftmax) {
    doc->Para(doc->Text("Each row's similarities are written ") + doc->Math("e^{s_j - m}") + doc->Text(" with ") +
              doc->Math("s_j = q_i \\cdot k_j / \\sqrt{D}") + doc->Text(" and ") + doc->Math("m = \\max_j s_j") +
              doc->Text(": the factor ") + doc->Math("e^{-m}") + doc->Text(" cancels in the ratio."));
  }
  std::vector<std::string> rows;
  const double scale = 1.0 / std::sqrt(static_cast<double>(k.D));
  for (int i = 0; i < std::min(k.N, kSolutionDetailRows); ++i) {
    const std::string is = Str(i);
    const int keys = causal ? std::min(i + 1, k.N_k) : k.N_k;
    std::vector<double> dots, sims, w;
    for (int j = 0; j < keys; ++j) {
      dots.push_back(h.Q.row(i).dot(h.K.row(j)));
      sims.push_back(k.sim(i, j));
      w.push_back(k.weights(i, j));
    }
    std::string item = doc->Text("row ") + doc->Math(is) + doc->Text(": ");
    if (spec.sim == KernelSim::kSoftmax) {
      std::vector<double> sc;
      for (double d : dots) sc.push_back(d * scale);
      item += doc->Math("s_j = q_" + is + " \\cdot k_j / \\sqrt{" + D + "} = " + ShortRow(sc)) + doc->Text(", ") +
              doc->Math("\\operatorname{sim}(q_" + is + ", k_j) = e^{s_j - m} = " + ShortRow(sims));
    } else if (spec.sim == KernelSim::kElu || spec.sim == KernelSim::kRelu) {
      item += doc->Math(KernelSimMath(spec, "q_" + is, "k_j") + " = " + ShortRow(sims));
    } else {
      item += doc->Math("q_" + is + " \\cdot k_j = " + ShortRow(dots));
      if (spec.sim == KernelSim::kPolynomial) item += doc->Text(", ") + doc->Math(KernelSimMath(spec, "q_" + is, "k_j") + " = " + ShortRow(sims));
    }
    std::string sum;
    for (int j = 0; j < std::min(keys, kDetailEntries); ++j) sum += (j ? " + " : "") + Factor(sims[static_cast<size_t>(j)]);
    if (keys > kDetailEntries) sum += " + \\ldots";
    item += doc->Text(causal ? " (keys " : "") + (causal ? doc->Math("j \\le " + is) + doc->Text(")") : "") +
            doc->Text(", denominator ") + doc->Math("\\textstyle\\sum_j = " + sum + " = " + Num(k.den(i)));
    const bool bad = std::find(k.bad_rows.begin(), k.bad_rows.end(), i) != k.bad_rows.end();
    if (bad) {
      item += doc->Text(": it vanishes (or cancels), so the row is undefined.");
    } else {
      item += doc->Text(", weights ") + doc->Math("w_" + is + " = " + ShortRow(w)) + doc->Text(", output ") +
              doc->Math("V'_" + is + " = \\textstyle\\sum_j w_{" + is + "j} v_j = " + ShortRow(Values(k.output.row(i)))) +
              doc->Text(".");
    }
    rows.push_back(item);
  }
  if (k.N > kSolutionDetailRows) {
    rows.push_back(doc->Text("rows ") + doc->Math(Str(kSolutionDetailRows) + "\\ldots" + Str(k.N - 1)) +
                   doc->Text(" the same way."));
  }
  doc->Bullets(rows);
  if (!causal) {
    doc->Display(MatrixEq("A", "[\\operatorname{sim}(q_i, k_j)]", k.sim));
    doc->Display(MatrixEq("V'", "", k.output));
  } else {
    doc->Display(MatrixEq("V'", "", k.output));
  }
  for (const std::string& d : k.diagnostics) doc->Para(doc->Text(Sentence(d)));

  doc->Section("The linear form");
  const int dphi = static_cast<int>(PhiDim(spec, k.D));
  if (!k.has_linear) {
    doc->Para(doc->Text(Sentence(k.linear_note.empty() ? "This similarity has no feature map, so there is no linear form"
                                                       : k.linear_note)));
  } else {
    switch (spec.sim) {
      case KernelSim::kPolynomial:
        if (spec.p == 2) {
          doc->Para(doc->Text("Expanding ") + doc->Math("(q \\cdot k + c)^2 = (q \\cdot k)^2 + 2c\\, q \\cdot k + c^2") +
                    doc->Text(" gives the explicit map, in the exam's order:"));
          doc->Display("\\varphi(x) = [x_1^2, \\ldots, x_D^2,\\ \\sqrt{2}\\, x_i x_j\\ (i < j),\\ \\sqrt{2c}\\, x_1, \\ldots, "
                       "\\sqrt{2c}\\, x_D,\\ c]");
          doc->Para(doc->Text("with ") + doc->Math("c = " + Num(spec.c)) + doc->Text(" and ") +
                    doc->Math("D_\\varphi = (D + 1)(D + 2)/2 = (" + D + " + 1)(" + D + " + 2)/2 = " + Str(dphi)) +
                    doc->Text(" features, so that ") + doc->Math("\\varphi(q) \\cdot \\varphi(k) = (q \\cdot k + c)^2") + doc->Text("."));
        } else {
          doc->Para(doc->Text("The map has one feature per multi-index ") + doc->Math("a") + doc->Text(" of the ") +
                    doc->Math("D + 1") + doc->Text(" variables ") + doc->Math("(x_1, \\ldots, x_D, \\sqrt{c})") +
                    doc->Text(" with ") + doc->Math("|a| = p") + doc->Text(": ") +
                    doc->Math("\\varphi(x)_a = \\sqrt{\\binom{p}{a}} \\prod \\tilde{x}^a") + doc->Text(", ") +
                    doc->Math("D_\\varphi = \\binom{D + p}{p} = " + Str(dphi)) + doc->Text("."));
        }
        break;
      case KernelSim::kDot:
        doc->Para(doc->Math("\\varphi(x) = x") + doc->Text(", ") + doc->Math("D_\\varphi = D = " + D) + doc->Text("."));
        break;
      case KernelSim::kElu:
      case KernelSim::kRelu:
        doc->Para(doc->Text("The map is ") + doc->Math("\\varphi") + doc->Text(" itself, entry by entry, ") +
                  doc->Math("D_\\varphi = D = " + D) + doc->Text("."));
        break;
      case KernelSim::kSoftmax:
        doc->Para(doc->Math("e^{q \\cdot k / \\sqrt{D}}") + doc->Text(" has no finite feature map. The view uses ") +
                  doc->Math("m = " + Str(spec.features)) + doc->Text(" positive random features (FAVOR+, seed ") +
                  doc->Math(Str(static_cast<long long>(spec.seed))) + doc->Text("): ") +
                  doc->Math("x' = x / D^{1/4}") + doc->Text(", ") + doc->Math("w_r \\sim N(0, I_D)") + doc->Text(", ") +
                  doc->Math("\\varphi(x)_r = e^{w_r \\cdot x' - \\|x'\\|^2/2} / \\sqrt{m}") + doc->Text(", so that ") +
                  doc->Math("E[\\varphi(q) \\cdot \\varphi(k)] = e^{q \\cdot k / \\sqrt{D}}") +
                  doc->Text(". The linear form is then an estimate, not the same numbers: its error shrinks like ") +
                  doc->Math("1/\\sqrt{m}") + doc->Text("."));
        break;
    }
    if (k.N > 0) {
      doc->Para(doc->Text("For the first query: ") + doc->Math("\\varphi(q_0) = " + ShortRow(Values(k.phi_Q.row(0)))) +
                doc->Text("."));
    }
    doc->Display(MatrixEq("\\varphi(K)", "", k.phi_K));
    doc->Para(doc->Text("Summed once over the keys: ") + doc->Math("S = \\sum_j \\varphi(k_j) v_j^\\top = \\varphi(K)^\\top V") +
              doc->Text(" (") + doc->Math(Str(dphi) + " \\times " + M) + doc->Text(") and ") +
              doc->Math("z = \\sum_j \\varphi(k_j) = \\varphi(K)^\\top \\mathbf{1}") + doc->Text(":"));
    doc->Display(MatrixEq("S", "", k.S));
    doc->Display("z = " + ShortRow(Values(k.z)));
    if (causal) {
      doc->Para(doc->Text("Causal: each query uses the prefix sums only, as an RNN with state ") +
                doc->Math("(S_i, z_i)") + doc->Text(": ") +
                doc->Math("S_i = S_{i-1} + \\varphi(k_i) v_i^\\top") + doc->Text(", ") +
                doc->Math("z_i = z_{i-1} + \\varphi(k_i)") + doc->Text(", ") + doc->Math("S_{-1} = 0, z_{-1} = 0") +
                doc->Text(". At the view's step ") + doc->Math("i = " + Str(v.step)) + doc->Text(":"));
      doc->Display(MatrixEq("S_{" + Str(v.step) + "}", "", v.S_step));
      doc->Display("z_{" + Str(v.step) + "} = " + ShortRow(Values(v.z_step)));
    }
    const std::string Si = causal ? "S_i" : "S", zi = causal ? "z_i" : "z";
    doc->Para(doc->Text("Each output row is ") +
              doc->Math("V'_i = \\varphi(q_i)^\\top " + Si + " / \\varphi(q_i)^\\top " + zi) + doc->Text(":"));
    std::vector<std::string> lin;
    for (int i = 0; i < std::min(k.N, kSolutionDetailRows); ++i) {
      if (std::isnan(k.den_linear(i)) || std::isnan(k.output_linear(i, 0))) {
        lin.push_back(doc->Text("row ") + doc->Math(Str(i)) + doc->Text(": undefined (its denominator vanishes)."));
        continue;
      }
      Matrix Srow;
      RowVector zrow;
      if (causal) {
        CausalState(k.phi_K, h.V, i, &Srow, &zrow);
      } else {
        Srow = k.S;
      }
      const RowVector num = k.phi_Q.row(i) * Srow;
      lin.push_back(doc->Text("row ") + doc->Math(Str(i)) + ": " +
                    doc->Math("\\varphi(q_" + Str(i) + ")^\\top " + Si + " = " + ShortRow(Values(num))) + doc->Text(", ") +
                    doc->Math("\\varphi(q_" + Str(i) + ")^\\top " + zi + " = " + Num(k.den_linear(i))) + doc->Text(", so ") +
                    doc->Math("V'_" + Str(i) + " = " + ShortRow(Values(k.output_linear.row(i)))) + doc->Text("."));
    }
    if (k.N > kSolutionDetailRows) {
      lin.push_back(doc->Text("rows ") + doc->Math(Str(kSolutionDetailRows) + "\\ldots" + Str(k.N - 1)) +
                    doc->Text(" the same way."));
    }
    doc->Bullets(lin);
    doc->Para(doc->Text("The two forms differ by at most ") + doc->Math("\\max|V'_{\\text{quad}} - V'_{\\text{lin}}| = " + Num(k.max_abs_diff)) +
              (spec.sim == KernelSim::kSoftmax
                   ? doc->Text(": the random features' estimation error (largest output entry ") +
                         doc->Math(Num(k.max_abs_output)) + doc->Text(").")
                   : doc->Text(k.max_abs_diff <= k.diff_tolerance
                                   ? ": round-off, the same numbers summed in another order ("
                                   : ": more than round-off (") +
                         doc->Math("(AV)/(A\\mathbf{1})") + doc->Text(" = ") +
                         doc->Math("\\varphi(Q)(\\varphi(K)^\\top V) / \\varphi(Q)(\\varphi(K)^\\top \\mathbf{1})") +
                         doc->Text(" by associativity).")));
  }

  doc->Section("Cost");
  double qa = 0, qb = 0, la = 0, lb = 0;
  KernelCostCoefficients(spec, k.D, k.M, true, &qa, &qb);
  KernelCostCoefficients(spec, k.D, k.M, false, &la, &lb);
  const std::string e = spec.sim == KernelSim::kSoftmax ? "2" : spec.sim == KernelSim::kPolynomial ? Str(spec.p) : "0";
  // The coefficients with the sizes in (elu, relu: Q K^T is phi(Q) phi(K)^T, of width D_phi).
  const bool mapped = spec.sim == KernelSim::kElu || spec.sim == KernelSim::kRelu;
  const double width = mapped ? PhiDim(spec, k.D) : k.D, dp = PhiDim(spec, k.D), cphi = v.cost.phi_row_flops;
  const std::string quad_in = "(2\\cdot " + Num(width) + " + " + e + " + 2 + 1 + 2\\cdot " + M + ") N^2" +
                              (mapped ? " + 2\\cdot " + Num(cphi) + " N" : "");
  const std::string lin_in = "(2\\cdot " + Num(cphi) + " + 2\\cdot " + Num(dp) + "\\cdot " + M + " + 2\\cdot " + Num(dp) +
                             " + 2\\cdot " + Num(dp) + "\\cdot " + M + " + 2\\cdot " + Num(dp) + " + " + M + ") N";
  doc->Para(doc->Text("Counting a multiply-add as 2 FLOPs, with ") + doc->Math("N_k = N") +
            doc->Text(" (self-attention) and ") + doc->Math("C_\\varphi = " + Num(v.cost.phi_row_flops)) +
            doc->Text(" FLOPs for ") + doc->Math("\\varphi") + doc->Text(" of one row:"));
  doc->Bullets({doc->Text("quadratic: ") +
                    doc->Math("2N^2 D + e N^2 + 2N^2 + N^2 + 2N^2 M") + doc->Text(" (") + doc->Math("QK^\\top") +
                    doc->Text(", the similarity at ") + doc->Math("e = " + e) +
                    doc->Text(" FLOPs each, the sums, the divisions, the weights times V)") +
                    (qb != 0 ? doc->Text(" plus ") + doc->Math("2N C_\\varphi") : "") + doc->Text(": ") +
                    doc->Math(quad_in + " = " + Polynomial(qa, qb)) + doc->Text(" FLOPs, holding ") + doc->Math("N^2 + N") +
                    doc->Text(" numbers;"),
                doc->Text("linear: ") +
                    doc->Math("2N C_\\varphi + 2N D_\\varphi M + 2N D_\\varphi + 2N D_\\varphi M + 2N D_\\varphi + N M") +
                    doc->Text(" (") + doc->Math("\\varphi") + doc->Text(" of Q and K, S, z, ") +
                    doc->Math("\\varphi(Q)S") + doc->Text(", ") + doc->Math("\\varphi(Q)z") +
                    doc->Text(", the division) with ") + doc->Math("D_\\varphi = " + Str(dphi)) + doc->Text(": ") +
                    doc->Math(lin_in + " = " + Polynomial(la, lb)) + doc->Text(" FLOPs, holding ") +
                    doc->Math(Num(v.cost.linear_memory)) + doc->Text(" numbers.")});
  doc->Para(doc->Text("At this scenario's ") + doc->Math("N = " + Str(k.N)) + doc->Text(": ") +
            doc->Math(Num(v.cost.quadratic_flops)) + doc->Text(" against ") + doc->Math(Num(v.cost.linear_flops)) +
            doc->Text(" FLOPs. ") +
            (v.crossover_flops_n > 0
                 ? doc->Text("The linear form costs fewer FLOPs from ") +
                       doc->Math("N_{\\text{cross}} = " + Num(v.crossover_flops_n)) +
                       doc->Text(" on (the least ") + doc->Math("N") + doc->Text(" with ") +
                       doc->Math(Polynomial(la, lb) + " < " + Polynomial(qa, qb)) + doc->Text(").")
                 : doc->Text("There is no crossover.")) +
            doc->Text(" In big-O: ") + doc->Math("O(N^2 D)") + doc->Text(" time and ") + doc->Math("O(N^2)") +
            doc->Text(" memory against ") + doc->Math("O(N D_\\varphi M)") + doc->Text(" and ") +
            doc->Math("O(D_\\varphi M)") + doc->Text("."));

  doc->Section("Answer");
  std::string ans = doc->Math("V'_0 = " + ShortRow(Values(k.output.row(0))));
  if (k.has_linear) {
    ans += doc->Text(" in both forms") +
           (spec.sim == KernelSim::kSoftmax ? doc->Text(" (the linear one estimated, off by at most ") +
                                                  doc->Math(Num(k.max_abs_diff)) + doc->Text(")")
                                            : doc->Text(" (max difference ") + doc->Math(Num(k.max_abs_diff)) + doc->Text(")")) +
           doc->Text("; ") + doc->Math("D_\\varphi = " + Str(dphi));
  }
  if (v.crossover_flops_n > 0) ans += doc->Text("; the linear form is cheaper from ") + doc->Math("N = " + Num(v.crossover_flops_n));
  doc->Para(ans + doc->Text("."));
  return Status::Ok();
}

// ---- Decoding (E4) --------------------------------------------------------

// A cost formula of decoding.hpp ("2·b·h·n·d_k = 2·8·16·2048·64 = 33554432")
// as maths, its value written by this file's Num.
std::string CostFormula(const CostTerm& t) {
  std::string f = t.formula;
  const size_t last = f.rfind(" = ");
  if (last != std::string::npos) f = f.substr(0, last);
  std::string out;
  const std::string dot = "\u00B7";
  for (size_t i = 0; i < f.size(); ++i) {
    if (f.compare(i, dot.size(), dot) == 0) {
      out += "\\cdot ";
      i += dot.size() - 1;
    } else {
      out += f[i];
    }
  }
  return out + " = " + Num(t.value);
}

Status WriteDecoding(const Scenario& s, const Result& r, Doc* doc) {
  const DecodingLabSettings* found = s.views.Find<DecodingLabSettings>();
  const DecodingLabSettings lab = found ? *found : DecodingLabSettings();
  DecodingView v;
  const Status st = ComputeDecodingView(s, r, &v);
  if (!st.ok()) return st;

  if (v.decoded && v.run.steps > 0 && v.run.batch > 0) {
    const HeadLayout& L = v.model.layout;
    const int h = L.num_heads, g = L.n_kv_heads, dk = L.d_k, dv = L.d_v;
    const int sq = std::clamp(lab.sequence, 0, v.run.batch - 1);
    const int t = std::clamp(lab.step, 0, v.run.steps - 1);
    const int m = v.run.prior, n = m + t + 1;  // positions attended at this step, the new one included
    const double scale = s.attention.scale.Factor(dk);
    const double T = s.attention.temperature;
    const std::string ts = Str(t), bs = Str(sq);

    doc->Section("The model");
    doc->Para(doc->Math("h = " + Str(h)) + doc->Text(" query heads share ") + doc->Math("g = " + Str(g)) +
              doc->Text(" K/V heads (" + std::string(KvLayoutName(h, g)) + "; head ") + doc->Math("i") +
              doc->Text(" reads K/V head ") + doc->Math("\\lfloor i / (h/g) \\rfloor") + doc->Text("), ") +
              doc->Math("d = " + Str(v.model.d_model)) + doc->Text(", ") + doc->Math("d_k = " + Str(dk)) +
              doc->Text(", ") + doc->Math("d_v = " + Str(dv)) + doc->Text("; a batch of ") +
              doc->Math("b = " + Str(v.run.batch)) + doc->Text(" sequences of ") + doc->Math(Str(v.run.steps)) +
              doc->Text(" new tokens") +
              (m > 0 ? doc->Text(", after a previous cache of ") + doc->Math(Str(m)) + doc->Text(" positions")
                     : std::string()) +
              doc->Text(". The weights' shapes: ") +
              [&] {
                std::string list;
                for (size_t k = 0; k < v.weight_shapes.size(); ++k)
                  list += (k ? ", " : "") + doc->Code(v.weight_shapes[k]);
                return list;
              }() +
              doc->Text("."));
    doc->Para(doc->Text("One token of one sequence adds ") + doc->Math("g (d_k + d_v) = " + Str(g) + "\\cdot (" + Str(dk) +
                                                                    " + " + Str(dv) + ") = " + Str(g * (dk + dv))) +
              doc->Text(" numbers to the cache: at ") + doc->Math("w = 8") +
              doc->Text(" bytes a number (doubles), the model's cache holds ") +
              doc->Math("w g (d_k + d_v) = 8\\cdot " + Str(g) + "\\cdot (" + Str(dk) + " + " + Str(dv) + ") = " +
                        Str(8LL * g * (dk + dv))) +
              doc->Text(" bytes a token") +
              (h > 1 ? doc->Text(" (with ") + doc->Math("g = h = " + Str(h)) + doc->Text(", MHA: ") +
                           doc->Math(Str(8LL * h * (dk + dv))) + doc->Text("; with ") + doc->Math("g = 1") +
                           doc->Text(", MQA: ") + doc->Math(Str(8LL * (dk + dv))) + doc->Text(")")
                     : std::string()) +
              doc->Text("."));
    if (!v.note.empty()) doc->Para(doc->Text(Sentence(v.note)));

    doc->Section("One step");
    doc->Para(doc->Text("Step ") + doc->Math(ts) + doc->Text(" of sequence ") + doc->Math(bs) +
              doc->Text(" (counted from 0): the new token's row ") + doc->Math("x") +
              doc->Text(" is projected once, its key and value are appended to the cache, and each head attends over "
                        "every cached position, the new one included."));
    const RowVector x = v.input.X[static_cast<size_t>(sq)].row(t);
    const RowVector q = v.run.Q[static_cast<size_t>(sq)].row(t);
    const Matrix K0 = v.run.cache.KBlock(sq, 0, n), V0 = v.run.cache.VBlock(sq, 0, n);
    doc->Display("x = " + ShortRow(Values(x)));
    doc->Display("q = x W_Q" + std::string(v.model.b_Q.size() ? " + b_Q" : "") + " = " + ShortRow(Values(q)));
    doc->Para(doc->Text("Head 0's query is the first ") + doc->Math(Str(dk)) + doc->Text(" entries, ") +
              doc->Math("q_0 = " + ShortRow(Values(q.head(dk)))) + doc->Text(". The new key and value of K/V head 0, ") +
              doc->Math("k = x W_K" + std::string(v.model.b_K.size() ? " + b_K" : "")) + doc->Text(" and ") +
              doc->Math("v = x W_V" + std::string(v.model.b_V.size() ? " + b_V" : "")) + doc->Text(" (their first ") +
              doc->Math(Str(dk)) + doc->Text(" and ") + doc->Math(Str(dv)) + doc->Text(" entries), are ") +
              doc->Math("k = " + ShortRow(Values(K0.row(n - 1)))) + doc->Text(" and ") +
              doc->Math("v = " + ShortRow(Values(V0.row(n - 1)))) + doc->Text(". The cache ") +
              doc->Math("[b, g, n, d_k]") + doc->Text(" grows from ") +
              doc->Math("[" + Str(v.run.batch) + ", " + Str(g) + ", " + Str(n - 1) + ", " + Str(dk) + "]") +
              doc->Text(" to ") +
              doc->Math("[" + Str(v.run.batch) + ", " + Str(g) + ", " + Str(n) + ", " + Str(dk) + "]") +
              doc->Text(" (V alike), one row per step; head 0's block after the step:"));
    doc->Display(MatrixEq("K_0", "", K0));
    doc->Display(MatrixEq("V_0", "", V0));

    doc->Subsection("Weights of head 0");
    std::vector<double> sc, w;
    const Matrix& P = v.run.weights[static_cast<size_t>(sq) * h];
    for (int j = 0; j < n; ++j) {
      sc.push_back(scale * q.head(dk).dot(K0.row(j)));
      w.push_back(P(t, j));
    }
    const double mx = *std::max_element(sc.begin(), sc.end());
    std::vector<double> e;
    double sum = 0;
    if (T > 0) {
      for (double x_j : sc) {
        e.push_back(std::exp((x_j - mx) / T));
        sum += e.back();
      }
    }
    doc->Para(doc->Math("s_j = " + Num(scale) + "\\, q_0 \\cdot k_j") + doc->Text(" (") +
              (s.attention.scale.kind == ScaleKind::kInvSqrtDk ? doc->Math("1/\\sqrt{d_k} = 1/\\sqrt{" + Str(dk) + "}")
                                                               : doc->Text("the scenario's scale")) +
              doc->Text(") over the ") + doc->Math(Str(n)) + doc->Text(" cached positions, then ") +
              (T > 0 ? doc->Math("p = \\operatorname{softmax}(s/T)") + doc->Text(" with ") + doc->Math("T = " + Num(T))
                     : doc->Text("argmax (") + doc->Math("T \\to 0^+") + doc->Text(", ties split)")) +
              doc->Text(":"));
    std::vector<std::string> items = {doc->Math("s = " + ShortRow(sc)) + doc->Text(", ") + doc->Math("m = " + Num(mx))};
    if (T > 0) {
      items.push_back(doc->Math("e^{(s_j - m)/T} = " + ShortRow(e)) + doc->Text(", ") +
                      doc->Math("\\textstyle\\sum = " + Num(sum)));
    }
    items.push_back(doc->Math("p = " + ShortRow(w)));
    RowVector o = RowVector::Zero(dv);
    for (int j = 0; j < n; ++j) o += w[static_cast<size_t>(j)] * V0.row(j);
    items.push_back(doc->Math("o_0 = \\textstyle\\sum_j p_j v_j = " + ShortRow(Values(o))));
    doc->Bullets(items);
    doc->Para(doc->Text("The other heads the same way (heads sharing a K/V head read the same cached rows); then ") +
              doc->Math(std::string("y = \\operatorname{concat}_i(o_i)") + (v.model.W_O.size() ? " W_O" : "") +
                        (v.model.b_O.size() ? " + b_O" : "")) +
              doc->Text(":"));
    doc->Display("y = " + ShortRow(Values(v.run.Y[static_cast<size_t>(sq)].row(t))));
    doc->Para(doc->Text("The steps one after another give the rows of the one-shot causal computation over the whole "
                        "sequence: the largest difference is ") +
              doc->Math(Num(v.max_abs_diff)) +
              doc->Text(DecodeIsRoundOff(v) ? " (round-off)." : ", more than round-off."));
  } else if (!v.note.empty()) {
    doc->Para(doc->Text(Sentence(v.note)));
  }

  doc->Section("Cost of one step");
  const DecodeShape& s0 = v.shapes[0];
  doc->Para(doc->Text("At the cost table's sizes ") + doc->Math("b = " + Num(s0.b)) + doc->Text(", ") +
            doc->Math("n = " + Num(s0.n)) + doc->Text(" cached positions, ") + doc->Math("d = " + Num(s0.d)) +
            doc->Text(", ") + doc->Math("h = " + Num(s0.h)) + doc->Text(", ") +
            doc->Math("d_k = d_v = d/h = " + Num(s0.d_k)) + doc->Text(", ") + doc->Math("w = " + Num(s0.word)) +
            doc->Text(" bytes a number; a multiply-add is 2 FLOPs, and only products are counted."));
  for (int i = 0; i < 3; ++i) {
    const DecodeShape& sh = v.shapes[i];
    const DecodeCost& c = v.costs[i];
    doc->Subsection(std::string(kCostLayouts[i]) + " (g = " + Num(sh.g) + ")");
    std::vector<std::string> items;
    for (const CostTerm& term : c.flop_terms) items.push_back(doc->Text(term.name + ": ") + doc->Math(CostFormula(term)));
    doc->Bullets(items);
    std::string terms;
    for (const CostTerm& term : c.flop_terms) terms += (terms.empty() ? "" : " + ") + Num(term.value);
    doc->Para(doc->Text("FLOPs: ") +
              doc->Math("F_{\\text{" + std::string(kCostLayouts[i]) + "}} = " + terms + " = " + Num(c.flops)) +
              doc->Text("."));
    terms.clear();
    for (const CostTerm& term : c.byte_terms) terms += (terms.empty() ? "" : " + ") + Num(term.value);
    items.clear();
    for (const CostTerm& term : c.byte_terms) items.push_back(doc->Text(term.name + ": ") + doc->Math(CostFormula(term)));
    doc->Bullets(items);
    doc->Para(doc->Text("Bytes: ") +
              doc->Math("B_{\\text{" + std::string(kCostLayouts[i]) + "}} = " + terms + " = " + Num(c.bytes)) +
              doc->Text(", an intensity of ") + doc->Math(Num(c.intensity)) + doc->Text(" FLOPs a byte. The cache of one token of one sequence is ") +
              doc->Math("w g (d_k + d_v) = " + Num(sh.word) + "\\cdot " + Num(sh.g) + "\\cdot (" + Num(sh.d_k) + " + " +
                        Num(sh.d_v) + ") = " + Num(c.cache_bytes_per_token)) +
              doc->Text(" bytes; the cache read passes the weights' bytes from ") +
              doc->Math("n = " + Num(c.crossover_n)) + doc->Text(" on (") +
              doc->Math("n = w d (h d_k + g d_k + g d_v + h d_v) / (w b g (d_k + d_v)) - 1") + doc->Text(")."));
  }
  doc->Para(doc->Text("All three do the same ") + doc->Math("O(bd^2 + bnd)") + doc->Text(" work up to the smaller K and V projections; the bytes are ") +
            doc->Math("O(d^2 + bd + bnd)") + doc->Text(" for MHA and ") + doc->Math("O(d^2 + bd + bnd/h)") +
            doc->Text(" for MQA, so once the cache dominates, MQA's intensity is about ") + doc->Math("h") +
            doc->Text(" times MHA's."));

  doc->Section("Answer");
  std::string ans;
  for (int i = 0; i < 3; ++i) {
    ans += (i ? doc->Text("; ") : "") + doc->Text(std::string(kCostLayouts[i]) + " ") +
           doc->Math(Num(v.costs[i].cache_bytes_per_token)) + doc->Text(" bytes a token, ") +
           doc->Math(Num(v.costs[i].bytes)) + doc->Text(" bytes and ") + doc->Math(Num(v.costs[i].flops)) +
           doc->Text(" FLOPs a step");
  }
  doc->Para(doc->Text("Per step at the cost sizes: ") + ans + doc->Text("."));
  return Status::Ok();
}

// ---- Gradients (E2(b), E9 part 5) -----------------------------------------

// "\|M\|_F = 1.2345" for a gradient's Frobenius norm.
std::string NormOf(const std::string& name, const Matrix& m) { return "\\|" + name + "\\|_F = " + Num(m.norm()); }
// A gradient matrix, each entry to 4 significant digits where 4 decimals would
// round it away (a saturated softmax's gradients are 1e-4 and smaller): Num
// entry by entry, not FormatMatrixText's fixed decimals.
std::string GradEq(const std::string& lhs, const std::string& rhs, const Matrix& m) {
  if (m.size() > kSolutionMaxCells || m.size() == 0) return MatrixEq(lhs, rhs, m);
  std::string s = lhs + (rhs.empty() ? "" : " = " + rhs) + " = \\begin{bmatrix}\n";
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) s += (j ? " & " : "") + Num(m(i, j));
    s += i + 1 < m.rows() ? " \\\\\n" : "\n";
  }
  return s + "\\end{bmatrix}";
}
// A divisor: m \times 10^{k} in parentheses.
std::string Divisor(double v) {
  const std::string x = Num(v);
  return x.find("\\times") != std::string::npos || v < 0 ? "(" + x + ")" : x;
}

Status WriteGradients(const Scenario& s, Doc* doc) {
  const GradientsLabSettings* found = s.views.Find<GradientsLabSettings>();
  const GradientsLabSettings lab = found ? *found : GradientsLabSettings();
  if (const std::string big = GradientsTooBigNote(s); !big.empty()) return Status::Error("view", big);
  const GradientOptions options = GradientOptionsFor(lab, lab.estimator);
  Gradients g;
  const Status st = ComputeGradients(s, options, &g);
  if (!st.ok()) return st;
  const GradientNorms norms = ComputeNorms(g);
  const Result& f = g.forward;
  const double T = g.temperature;
  const bool argmax = g.scores_gradient_zero;
  const bool ste = g.estimator == Estimator::kStraightThrough, gumbel = g.estimator == Estimator::kGumbelSoftmax;
  const std::string tname = ste ? "T_b" : gumbel ? "\\tau" : "T";
  const int H = static_cast<int>(g.heads.size());

  doc->Section("The forward pass");
  std::string est;
  if (argmax) {
    est = doc->Text("Argmax attention (") + doc->Math("T \\to 0^+") +
          doc->Text("): each row of P puts all its weight on its largest allowed score, ties split equally.");
  } else if (ste) {
    est = doc->Text("Straight-through: the forward pass uses argmax, the backward pass differentiates ") +
          doc->Math("S = \\operatorname{softmax}(\\text{scores}/T_b)") + doc->Text(" with ") +
          doc->Math("T_b = " + Num(T)) + doc->Text(" in its place.");
  } else if (gumbel) {
    est = doc->Text("Gumbel-softmax: ") + doc->Math("y = \\operatorname{softmax}((\\text{scores} + g)/\\tau)") +
          doc->Text(" with ") + doc->Math("\\tau = " + Num(T)) + doc->Text(", seeded Gumbel noise ") + doc->Math("g") +
          doc->Text(" (seed ") + doc->Math(Str(static_cast<long long>(g.gumbel_seed))) + doc->Text(")") +
          doc->Text(g.gumbel_hard ? "; hard: the forward pass uses onehot(argmax y), the backward pass y." : "; P = y.");
  } else {
    est = doc->Math("P = \\operatorname{softmax}(\\text{scores}/T)") + doc->Text(" row by row with ") +
          doc->Math("T = " + Num(T)) + doc->Text(".");
  }
  doc->Para(doc->Text("The estimator is ") + doc->Code(EstimatorName(lab.estimator)) + doc->Text(". ") + est +
            doc->Text(" The scenario's pipeline (the Attention view's) gives, for head 0:"));
  if (H > 0) {
    doc->Display(MatrixEq("\\text{scores}", "", f.heads[0].scores));
    doc->Display(MatrixEq("P", "", f.heads[0].weights));
  }
  doc->Para(doc->Text("and the loss ") + doc->Math("L = " + Num(g.loss)) + doc->Text(" (the sum of ") +
            doc->Math("-\\log p_t") + doc->Text(" over the scored rows). The backward pass runs the forward pass's "
                                                "steps in reverse order, each one's gradient from the next one's."));

  doc->Section("Logits, R and Z");
  std::string rows;
  for (size_t k = 0; k < f.loss_terms.size(); ++k) rows += (k ? ", " : "") + Str(f.loss_terms[k].row);
  doc->Para(doc->Math("\\partial L/\\partial \\text{logits} = \\text{probs} - \\text{onehot}(\\text{target})") +
            (s.loss.label_smoothing > 0 ? doc->Text(" (with label smoothing: ") +
                                              doc->Math("\\text{probs} - (1 - \\varepsilon)\\,\\text{onehot} - \\varepsilon/V") +
                                              doc->Text(")")
                                        : "") +
            doc->Text(" on the scored rows (") + doc->Math(rows) + doc->Text("), 0 on the others:"));
  doc->Display(GradEq("\\partial L/\\partial \\text{logits}", "", g.d_logits));
  const bool tied = s.unembedding == Unembedding::kTied;
  doc->Display(GradEq("\\partial L/\\partial R",
                        tied ? "\\partial L/\\partial \\text{logits}\\, E" : "\\partial L/\\partial \\text{logits}\\, U^\\top",
                        g.d_R));
  if (g.d_W_O.size()) {
    doc->Display(GradEq("\\partial L/\\partial Z", "\\partial L/\\partial R\\, W_O^\\top", g.d_Z));
    doc->Display(GradEq("\\partial L/\\partial W_O", "Z^\\top \\partial L/\\partial R", g.d_W_O));
    doc->Para(doc->Math(NormOf("\\partial L/\\partial W_O", g.d_W_O)) + doc->Text("."));
  } else {
    doc->Para(doc->Text("Without ") + doc->Math("W_O") + doc->Text(", ") +
              doc->Math("\\partial L/\\partial Z = \\partial L/\\partial R") + doc->Text("."));
  }

  const int shown = std::min(H, kSolutionDetailHeads);
  for (int k = 0; k < shown; ++k) {
    const HeadGradients& hg = g.heads[static_cast<size_t>(k)];
    const HeadResult& hr = f.heads[static_cast<size_t>(k)];
    const std::string sub = H > 1 ? "_{" + Str(k) + "}" : "";
    doc->Section(H > 1 ? "Head " + Str(k) : "Through the attention");
    doc->Display(GradEq("\\partial L/\\partial P" + sub, "\\partial L/\\partial Z" + sub + "\\, V" + sub + "^\\top", hg.d_P));
    if (argmax) {
      // The view's own note: why every gradient through the scores is exactly 0.
      doc->Para(doc->Text(Sentence(g.note.empty() ? "Under argmax P is piecewise constant in the scores, so "
                                                    "dL/dscores = 0 exactly, and with it W_Q's and W_K's gradients"
                                                  : g.note)));
      doc->Display(GradEq("\\partial L/\\partial \\text{scores}" + sub, "", hg.d_scores));
    } else {
      const std::string S = ste ? "S" : gumbel ? "y" : "P";
      const Matrix& soft = hg.soft.size() ? hg.soft : hr.weights;
      doc->Para(doc->Text("Through the softmax (its Jacobian ") +
                doc->Math("(1/" + tname + ")(\\operatorname{diag} p - p p^\\top)") + doc->Text(" applied row by row):"));
      doc->Display("\\frac{\\partial L}{\\partial \\text{scores}} = \\frac{1}{" + tname + "}\\, " + S +
                   " \\odot \\left(\\frac{\\partial L}{\\partial " + S + "} - \\operatorname{rowsum}\\left(\\frac{\\partial L}{\\partial " +
                   S + "} \\odot " + S + "\\right)\\right)");
      // One scored row worked out: its rowsum, then each entry.
      const int i = f.loss_terms.empty() ? 0 : f.loss_terms.front().row;
      if (i < soft.rows()) {
        std::vector<int> cols;
        for (int j = 0; j < soft.cols(); ++j)
          if (soft(i, j) != 0) cols.push_back(j);
        double r = 0;
        std::string sum;
        std::vector<double> ds;
        for (size_t c = 0; c < cols.size() && c < static_cast<size_t>(kDetailEntries); ++c) {
          const int j = cols[c];
          sum += (c ? " + " : "") + Factor(hg.d_P(i, j)) + "\\cdot " + Factor(soft(i, j));
        }
        if (static_cast<int>(cols.size()) > kDetailEntries) sum += " + \\ldots";
        for (int j : cols) r += hg.d_P(i, j) * soft(i, j);
        for (int j : cols) ds.push_back(hg.d_scores(i, j));
        doc->Para(doc->Text("Row ") + doc->Math(Str(i)) + doc->Text(" (the first scored row), over its ") +
                  doc->Math(Str(static_cast<long long>(cols.size()))) + doc->Text(" keys with a non-zero weight: ") +
                  doc->Math("r = \\textstyle\\sum_j (\\partial L/\\partial " + S + ")_{" + Str(i) + "j}\\, " + S + "_{" + Str(i) +
                            "j} = " + (sum.empty() ? "0" : sum) + " = " + Num(r)) +
                  doc->Text(", then ") +
                  doc->Math("(1/" + Num(T) + ")\\, " + S + "_{" + Str(i) + "j}((\\partial L/\\partial " + S + ")_{" + Str(i) +
                            "j} - r) = " + ShortRow(ds)) +
                  doc->Text("."));
      }
      doc->Display(GradEq("\\partial L/\\partial \\text{scores}" + sub, "", hg.d_scores));
      const double sc = hr.scale;
      doc->Para(doc->Text("With the scores ") + doc->Math("s\\,QK^\\top") + doc->Text(" (") +
                doc->Math("s = " + Num(sc)) + doc->Text("): ") +
                doc->Math("\\partial L/\\partial Q = s\\, (\\partial L/\\partial \\text{scores})\\, K") + doc->Text(", ") +
                doc->Math("\\partial L/\\partial K = s\\, (\\partial L/\\partial \\text{scores})^\\top Q") + doc->Text("."));
    }
    doc->Para(doc->Math(NormOf("\\partial L/\\partial \\text{scores}" + sub, hg.d_scores)) + doc->Text("."));
    if (hg.d_W_Q.size()) {
      doc->Para(doc->Text("The projections' gradients, with ") + doc->Math("\\partial L/\\partial V = P^\\top \\partial L/\\partial Z") +
                doc->Text(" and X the input rows:"));
      doc->Display(GradEq("\\partial L/\\partial W_Q" + sub, "X^\\top \\partial L/\\partial Q", hg.d_W_Q));
      if (hg.kv_leader) {
        doc->Display(GradEq("\\partial L/\\partial W_K" + sub, "X^\\top \\partial L/\\partial K", hg.d_W_K));
        doc->Display(GradEq("\\partial L/\\partial W_V" + sub, "X^\\top \\partial L/\\partial V", hg.d_W_V));
        doc->Para(doc->Math(NormOf("\\partial L/\\partial W_Q" + sub, hg.d_W_Q)) + doc->Text(", ") +
                  doc->Math(NormOf("\\partial L/\\partial W_K" + sub, hg.d_W_K)) + doc->Text(", ") +
                  doc->Math(NormOf("\\partial L/\\partial W_V" + sub, hg.d_W_V)) + doc->Text("."));
      } else {
        doc->Para(doc->Math(NormOf("\\partial L/\\partial W_Q" + sub, hg.d_W_Q)) + doc->Text("; this head's K and V are head ") +
                  doc->Math(Str(hg.kv_head)) + doc->Text("'s group's, whose gradients sum their readers'."));
      }
    }
  }
  if (H > shown) {
    doc->Para(doc->Text("Heads ") + doc->Math(Str(shown) + "\\ldots" + Str(H - 1)) +
              doc->Text(" the same way (attnlab eval prints each)."));
  }

  doc->Section("Sizes");
  std::string sizes = doc->Text("Over all heads: ") + doc->Math("\\|\\partial L/\\partial W_Q\\|_F = " + Num(norms.W_Q)) +
                      doc->Text(", ") + doc->Math("\\|\\partial L/\\partial W_K\\|_F = " + Num(norms.W_K)) + doc->Text(", ") +
                      doc->Math("\\|\\partial L/\\partial W_V\\|_F = " + Num(norms.W_V)) +
                      (g.d_W_O.size() ? doc->Text(", ") + doc->Math("\\|\\partial L/\\partial W_O\\|_F = " + Num(norms.W_O))
                                      : std::string()) +
                      doc->Text(".");
  double max_q = 0, max_v = 0;
  for (const HeadGradients& hg : g.heads) {
    if (hg.d_W_Q.size()) max_q = std::max(max_q, hg.d_W_Q.cwiseAbs().maxCoeff());
    if (hg.d_W_V.size()) max_v = std::max(max_v, hg.d_W_V.cwiseAbs().maxCoeff());
  }
  if (argmax) {
    sizes += doc->Text(" W_Q's and W_K's are exactly 0: training under argmax never moves them, while W_V and W_O do move.");
  } else if (norms.W_Q > 0) {
    sizes += doc->Text(" W_V's gradient is ") +
             doc->Math("\\|\\partial L/\\partial W_V\\|_F / \\|\\partial L/\\partial W_Q\\|_F = " + Num(norms.W_V) + " / " +
                       Divisor(norms.W_Q) + " = " + Num(norms.W_V / norms.W_Q)) +
             doc->Text(" times W_Q's (the largest entries: ") +
             doc->Math(Num(max_v) + " / " + Divisor(max_q) + " = " + Num(max_v / max_q)) +
             doc->Text(norms.W_V / norms.W_Q > 10 ? "): the softmax is saturated by large scores, so W_Q and W_K learn, but slowly."
                                                  : ").");
  }
  doc->Para(sizes);
  if (!g.note.empty() && !argmax) doc->Para(doc->Text(Sentence(g.note)));

  doc->Section("Answer");
  doc->Para(doc->Math("L = " + Num(g.loss)) + doc->Text("; ") +
            doc->Math("\\|\\partial L/\\partial W_Q\\|_F = " + Num(norms.W_Q)) + doc->Text(", ") +
            doc->Math("\\|\\partial L/\\partial W_K\\|_F = " + Num(norms.W_K)) + doc->Text(", ") +
            doc->Math("\\|\\partial L/\\partial W_V\\|_F = " + Num(norms.W_V)) +
            (argmax ? doc->Text(": under argmax no gradient reaches W_Q or W_K.") : doc->Text(".")));
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
  static const char* const kWritten[] = {"attention", "multihead", "conv",     "temperature", "rnn",
                                         "logistic",  "scaling",   "selection", "kernel",    "decoding", "gradients"};
  if (std::find(std::begin(kWritten), std::end(kWritten), view) == std::end(kWritten)) {
    const ViewModel* model = FindViewModel(view);
    return Status::Error("view", std::string("the ") + (model ? model->title : view.c_str()) +
                                     " view has no written solution yet (its numbers: attnlab eval); "
                                     "solutions are written for the attention, multihead, conv, temperature, rnn, logistic, "
                                     "scaling, selection, kernel, decoding and gradients views");
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
  } else if (view == "rnn") {
    Status st = WriteRnn(scenario, &doc);
    if (!st.ok()) return st;
  } else if (view == "logistic") {
    Status st = WriteLogistic(scenario, &doc);
    if (!st.ok()) return st;
  } else if (view == "scaling") {
    Status st = WriteScaling(scenario, &doc);
    if (!st.ok()) return st;
  } else if (view == "selection") {
    Status st = WriteSelection(scenario, &doc);
    if (!st.ok()) return st;
  } else if (view == "gradients") {
    Status st = WriteGradients(scenario, &doc);
    if (!st.ok()) return st;
  } else {
    Result result;
    Status st = Evaluate(scenario, &result);
    if (!st.ok()) return st;
    if (view == "temperature") {
      st = WriteTemperature(scenario, result, &doc);
      if (!st.ok()) return st;
    } else if (view == "kernel") {
      st = WriteKernel(scenario, result, &doc);
      if (!st.ok()) return st;
    } else if (view == "decoding") {
      st = WriteDecoding(scenario, result, &doc);
      if (!st.ok()) return st;
    } else {
      WriteAttention(scenario, result, &doc);
    }
  }
  if (!scenario.solution.empty()) {
    doc.Section("The course's answer");
    doc.Prose(scenario.solution);
  }
  *out = doc.Finish(scenario.title);
  return Status::Ok();
}

}  // namespace attnlab
