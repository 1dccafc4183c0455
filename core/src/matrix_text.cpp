#include "attnlab/matrix_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <new>
#include <string_view>
#include <system_error>
#include <utility>

#include "attnlab/format.hpp"

namespace attnlab {
namespace {

using std::string_view;

constexpr string_view kUnicodeMinus = "\xE2\x88\x92";  // U+2212, as web pages and our Markdown write it

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

string_view Trim(string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWith(string_view s, string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsNoCase(string_view a, string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

// The cell as the user typed it, quoted and cut short so that a pasted log
// line does not flood the message (never cut inside a UTF-8 character).
std::string Quote(string_view s) {
  constexpr size_t kMax = 24;
  std::string q = "\"";
  if (s.size() > kMax) {
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    q.append(s.substr(0, cut));
    q += "...";
  } else {
    q.append(s);
  }
  return q + "\"";
}

std::string Cell(long row, long col) { return "row " + std::to_string(row) + ", column " + std::to_string(col); }

std::string Numbers(long n) { return std::to_string(n) + (n == 1 ? " number" : " numbers"); }

// "line 2, character 5" for byte `pos`; only on the error path, so a scan is fine.
std::string Where(string_view text, size_t pos) {
  long line = 1, character = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      character = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++character;
    }
  }
  return "line " + std::to_string(line) + ", character " + std::to_string(character);
}

// ---------------------------------------------------------------- numbers

enum class Read { kOk, kNotANumber, kTooLarge };

// An unsigned decimal or scientific literal, the whole of `s`: 12, 1., .5,
// 1.5e-3 (NumPy writes "1." and "1.e-03"). from_chars does the rounding, so the
// shortest text FormatMatrixText writes reads back to the same double; unlike
// strtod it ignores the locale and does not take hex, "inf" or "nan".
Read ReadUnsignedDecimal(string_view s, double* v) {
  size_t i = 0;
  size_t int_digits = 0, frac_digits = 0;
  long lead = 0;  // power of ten of the first nonzero digit, found below
  bool seen_nonzero = false;
  while (i < s.size() && IsDigit(s[i])) {
    if (s[i] != '0' && !seen_nonzero) seen_nonzero = true;
    if (seen_nonzero) ++lead;
    ++i;
    ++int_digits;
  }
  lead = seen_nonzero ? lead - 1 : 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) {
      if (!seen_nonzero) {
        --lead;
        if (s[i] != '0') seen_nonzero = true;
      }
      ++i;
      ++frac_digits;
    }
  }
  if (int_digits + frac_digits == 0) return Read::kNotANumber;
  long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    if (i == s.size() || !IsDigit(s[i])) return Read::kNotANumber;
    while (i < s.size() && IsDigit(s[i])) {
      if (exponent < 100000) exponent = exponent * 10 + (s[i] - '0');
      ++i;
    }
    if (negative) exponent = -exponent;
  }
  if (i != s.size()) return Read::kNotANumber;
  double value = 0;
  const std::from_chars_result r = std::from_chars(s.data(), s.data() + s.size(), value);
  if (r.ec == std::errc::result_out_of_range) {
    // Too small is zero, as for any calculator; too large cannot be represented.
    if (seen_nonzero && lead + exponent < 0) {
      *v = 0.0;
      return Read::kOk;
    }
    return Read::kTooLarge;
  }
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(value)) return Read::kNotANumber;
  *v = value;
  return Read::kOk;
}

// Strips one leading sign (+, -, or the Unicode minus) and the spaces after it.
string_view StripSign(string_view s, bool* negative) {
  *negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    *negative = s.front() == '-';
    s.remove_prefix(1);
  } else if (StartsWith(s, kUnicodeMinus)) {
    *negative = true;
    s.remove_prefix(kUnicodeMinus.size());
  }
  return Trim(s);
}

// "{...}" around the whole of `s` (LaTeX writes {-1} and {\frac{1}{2}}).
// Callers strip a few layers at most: each test is a scan of the cell.
bool IsOneGroup(string_view s) {
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return false;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0 && i + 1 != s.size()) return false;
  }
  return depth == 0;
}

bool IsNonFiniteWord(string_view s) {
  for (string_view word : {"inf", "infinity", "nan", "np.inf", "np.nan", "numpy.inf", "numpy.nan", "math.inf",
                           "math.nan", "\\infty", "\\mathrm{nan}", "\\text{nan}", "\xE2\x88\x9E" /* ∞ */})
    if (EqualsNoCase(s, word)) return true;
  return false;
}

// LaTeX's argument of \frac: {...}, or a single digit (\frac12).
bool TakeLatexArgument(string_view* s, string_view* arg) {
  while (!s->empty() && IsSpace(s->front())) s->remove_prefix(1);  // the front only: callers measure what was taken
  if (s->empty()) return false;
  if (IsDigit(s->front())) {
    *arg = s->substr(0, 1);
    s->remove_prefix(1);
    return true;
  }
  if (s->front() != '{') return false;
  int depth = 0;
  for (size_t i = 0; i < s->size(); ++i) {
    if ((*s)[i] == '{') ++depth;
    if ((*s)[i] == '}' && --depth == 0) {
      *arg = s->substr(1, i - 1);
      s->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

// One number in every notation the formats share. `why` completes
// "row 2, column 1: " (or stands alone for a single cell); `*v` is written only
// on success.
bool ParseCellInto(string_view cell, double* v, std::string* why) {
  const string_view shown = Trim(cell);
  string_view s = shown;
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = Trim(s.substr(1, s.size() - 2));  // quoted CSV cell
  for (int layer = 0; layer < 4 && IsOneGroup(s); ++layer) s = Trim(s.substr(1, s.size() - 2));
  if (s.empty()) {
    *why = "empty cell";
    return false;
  }
  bool negative = false;
  s = StripSign(s, &negative);
  for (int layer = 0; layer < 4 && IsOneGroup(s); ++layer) s = Trim(s.substr(1, s.size() - 2));
  if (IsNonFiniteWord(s)) {
    *why = Quote(shown) + " is not a finite number";
    return false;
  }
  if (s == "...") {
    *why =
        "the array is abbreviated with \"...\": print it whole first (NumPy: "
        "np.set_printoptions(threshold=sys.maxsize))";
    return false;
  }

  // LaTeX's scientific notation, as LatexNumber writes it: 10^{-7},
  // 1.5 \times 10^{100}, 2\cdot 10^{3}. Read as the literal "1.5e100", so the
  // digits round once, like every other number.
  if (const size_t pow_at = s.find("10^"); pow_at != string_view::npos) {
    string_view mantissa = Trim(s.substr(0, pow_at));
    for (string_view times : {"\\times", "\\cdot"}) {
      if (mantissa.size() >= times.size() && mantissa.substr(mantissa.size() - times.size()) == times) {
        mantissa = Trim(mantissa.substr(0, mantissa.size() - times.size()));
        if (mantissa.empty()) mantissa = "?";  // "\times 10^{3}" with nothing before
        break;
      }
    }
    string_view exponent = Trim(s.substr(pow_at + 3));
    if (IsOneGroup(exponent)) exponent = Trim(exponent.substr(1, exponent.size() - 2));
    bool exponent_negative = false;
    exponent = StripSign(exponent, &exponent_negative);
    bool digits_only = !exponent.empty() && exponent.size() <= 6;
    for (char c : exponent) digits_only = digits_only && IsDigit(c);
    std::string literal = std::string(mantissa.empty() ? "1" : mantissa) + "e" + (exponent_negative ? "-" : "") +
                          std::string(exponent);
    double value = 0;
    const Read r = digits_only ? ReadUnsignedDecimal(literal, &value) : Read::kNotANumber;
    if (r == Read::kTooLarge) {
      *why = Quote(shown) + " is too large for a double";
      return false;
    }
    if (r != Read::kOk) {
      *why = Quote(shown) + " is not a number (expected 10^{k} or a \\times 10^{k})";
      return false;
    }
    *v = negative ? -value : value;
    return true;
  }

  // The two parts of a fraction, LaTeX's or a plain a/b.
  string_view num_text, den_text;
  bool fraction = false;
  for (string_view command : {"\\frac", "\\tfrac", "\\dfrac", "\\cfrac"}) {
    if (StartsWith(s, command) && (s.size() == command.size() || !IsLetter(s[command.size()]))) {
      string_view rest = s.substr(command.size());
      if (!TakeLatexArgument(&rest, &num_text) || !TakeLatexArgument(&rest, &den_text) || !Trim(rest).empty()) {
        *why = Quote(shown) + " is not a number (expected \\frac{a}{b})";
        return false;
      }
      fraction = true;
      break;
    }
  }
  if (!fraction) {
    const size_t slash = s.find('/');
    if (slash != string_view::npos) {
      num_text = s.substr(0, slash);
      den_text = s.substr(slash + 1);
      fraction = true;
    }
  }

  double value = 0;
  if (fraction) {
    // Each part is a plain signed decimal: "1/3/4" and "\frac{1/2}{3}" are refused.
    double parts[2] = {0, 0};
    const string_view texts[2] = {num_text, den_text};
    for (int k = 0; k < 2; ++k) {
      bool part_negative = false;
      string_view part = Trim(texts[k]);
      for (int layer = 0; layer < 4 && IsOneGroup(part); ++layer) part = Trim(part.substr(1, part.size() - 2));
      part = StripSign(part, &part_negative);
      const Read r = ReadUnsignedDecimal(part, &parts[k]);
      if (r == Read::kTooLarge) {
        *why = Quote(shown) + " is too large for a double";
        return false;
      }
      if (r != Read::kOk) {
        *why = Quote(shown) + " is not a number";
        return false;
      }
      if (part_negative) parts[k] = -parts[k];
    }
    if (parts[1] == 0) {
      *why = Quote(shown) + " divides by zero";
      return false;
    }
    value = parts[0] / parts[1];
    if (!std::isfinite(value)) {
      *why = Quote(shown) + " is too large for a double";
      return false;
    }
  } else {
    const Read r = ReadUnsignedDecimal(s, &value);
    if (r == Read::kTooLarge) {
      *why = Quote(shown) + " is too large for a double";
      return false;
    }
    if (r != Read::kOk) {
      *why = Quote(shown) + " is not a number";
      // 0,5 from a spreadsheet set to a decimal comma.
      const size_t comma = s.find(',');
      if (comma != string_view::npos && comma > 0 && comma + 1 < s.size() && IsDigit(s[comma - 1]) &&
          IsDigit(s[comma + 1]) && s.find(',', comma + 1) == string_view::npos)
        *why += " (write decimals with a point, e.g. 0.5)";
      return false;
    }
  }
  *v = negative ? -value : value;
  return true;
}

// ---------------------------------------------------------------- the matrix being built

// Rows of numbers, kept flat; the matrix is made only when every row has been
// read, so a failure leaves nothing half-built.
class RowsBuilder {
 public:
  Status Add(string_view cell) {
    const long row = rows_ + 1, col = Count() + 1;
    if (col > kMaxMatrixTextSide)
      return Status::Error(
          "", "row " + std::to_string(row) + ": too many columns, the limit is " + std::to_string(kMaxMatrixTextSide));
    double v = 0;
    std::string why;
    if (!ParseCellInto(cell, &v, &why)) return Status::Error("", Cell(row, col) + ": " + why);
    values_.push_back(v);
    return Status::Ok();
  }

  Status EndRow() {
    const long n = Count();
    if (rows_ == kMaxMatrixTextSide)
      return Status::Error("", "too many rows, the limit is " + std::to_string(kMaxMatrixTextSide));
    if (rows_ == 0) {
      cols_ = n;
    } else if (n != cols_) {
      return Status::Error(
          "", "row " + std::to_string(rows_ + 1) + " has " + Numbers(n) + ", row 1 has " + std::to_string(cols_));
    }
    ++rows_;
    row_start_ = values_.size();
    return Status::Ok();
  }

  long rows() const { return rows_; }

  Status Finish(Matrix* out) const {
    if (rows_ == 0 || cols_ == 0) return Status::Error("", "no numbers in the text");
    *out = Eigen::Map<const Matrix>(values_.data(), rows_, cols_);
    return Status::Ok();
  }

 private:
  long Count() const { return static_cast<long>(values_.size() - row_start_); }

  std::vector<double> values_;
  size_t row_start_ = 0;
  long rows_ = 0;
  long cols_ = 0;
};

// ---------------------------------------------------------------- brackets

// Every opener closed by its own kind, so that a cut-off paste
// ("array([[1, 2], [3") is reported as such and not as a strange number.
Status CheckBrackets(string_view text, string_view opens, string_view closes) {
  std::vector<size_t> stack;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i > 0 && text[i - 1] == '\\' && (c == '{' || c == '}')) continue;  // LaTeX's literal \{ \}
    if (opens.find(c) != string_view::npos) {
      stack.push_back(i);
    } else if (closes.find(c) != string_view::npos) {
      const char want = opens[closes.find(c)];
      if (stack.empty())
        return Status::Error("", std::string("unbalanced brackets: \"") + c + "\" at " + Where(text, i) + " has no \"" +
                                     want + "\" before it");
      if (text[stack.back()] != want)
        return Status::Error("", std::string("unbalanced brackets: \"") + c + "\" at " + Where(text, i) + " closes \"" +
                                     text[stack.back()] + "\" from " + Where(text, stack.back()));
      stack.pop_back();
    }
  }
  if (!stack.empty())
    return Status::Error("", std::string("unbalanced brackets: \"") + text[stack.back()] + "\" at " +
                                 Where(text, stack.back()) + " is never closed (is the text cut short?)");
  return Status::Ok();
}

// ---------------------------------------------------------------- CSV and rows of text

Status ParseRows(string_view text, RowsBuilder* rows) {
  std::vector<string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n' || text[i] == '\r') {
      const string_view line = Trim(text.substr(start, i - start));
      if (!line.empty() && line.front() != '#') lines.push_back(line);
      start = i + 1;
    }
  }
  // One separator for the whole text: a tab wins (a spreadsheet's cells may
  // hold "1, 2"), then commas, then semicolons (CSV where the comma is the
  // decimal mark), else runs of spaces.
  char separator = ' ';
  for (char candidate : {'\t', ',', ';'}) {
    for (string_view line : lines)
      if (line.find(candidate) != string_view::npos) separator = candidate;
    if (separator != ' ') break;
  }
  for (string_view line : lines) {
    if (separator == ' ') {
      size_t i = 0;
      while (i < line.size()) {
        while (i < line.size() && IsSpace(line[i])) ++i;
        const size_t begin = i;
        while (i < line.size() && !IsSpace(line[i])) ++i;
        if (i > begin) {
          Status st = rows->Add(line.substr(begin, i - begin));
          if (!st.ok()) return st;
        }
      }
    } else {
      size_t begin = 0;
      for (size_t i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == separator) {
          Status st = rows->Add(line.substr(begin, i - begin));
          if (!st.ok()) return st;
          begin = i + 1;
        }
      }
    }
    Status st = rows->EndRow();
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- NumPy, Python lists, MATLAB

bool IsListDelimiter(char c) {
  return IsSpace(c) || c == ',' || c == ';' || c == '[' || c == ']' || c == '(' || c == ')';
}

class ListParser {
 public:
  ListParser(string_view text, RowsBuilder* rows) : t_(text), rows_(rows) {}

  Status Parse() {
    SkipSpace();
    bool call = false;
    if (p_ < t_.size() && IsLetter(t_[p_])) {
      const size_t begin = p_;
      while (p_ < t_.size() && (IsLetter(t_[p_]) || IsDigit(t_[p_]) || t_[p_] == '.')) ++p_;
      const string_view name = t_.substr(begin, p_ - begin);
      bool known = false;
      for (string_view prefix : {"", "np.", "numpy.", "torch."})
        for (string_view fn : {"array", "asarray", "matrix", "tensor"})
          if (name.size() == prefix.size() + fn.size() && StartsWith(name, prefix) && name.substr(prefix.size()) == fn)
            known = true;
      if (!known) return Error(Quote(name) + " is not a matrix: expected [[...]], array([[...]]) or np.array([[...]])");
      SkipSpace();
      ++p_;  // '(' (the detection saw it)
      call = true;
    }
    SkipSpace();
    if (p_ < t_.size() && (t_[p_] == '[' || (!call && t_[p_] == '('))) {
      Status st = ParseOuterList();
      if (!st.ok()) return st;
    } else if (call) {  // array(5): a 0-dimensional array
      Status st = rows_->Add(Token());
      if (!st.ok()) return st;
      st = rows_->EndRow();
      if (!st.ok()) return st;
    } else {
      return Error("expected \"[\" at " + Where(t_, p_));
    }
    SkipSpace();
    if (call) {
      // Keyword arguments after the data: dtype=float64, grad_fn=<...>.
      if (p_ < t_.size() && t_[p_] == ',') {
        ++p_;
        SkipSpace();
        const size_t begin = p_;
        while (p_ < t_.size() && IsLetter(t_[p_])) ++p_;
        SkipSpace();
        if (p_ == begin || p_ >= t_.size() || t_[p_] != '=')
          return Error("unexpected " + Quote(t_.substr(begin, 12)) + " at " + Where(t_, begin) + " after the matrix");
        int depth = 0;
        while (p_ < t_.size() && !(depth == 0 && t_[p_] == ')')) {
          if (t_[p_] == '(' || t_[p_] == '[') ++depth;
          if (t_[p_] == ')' || t_[p_] == ']') --depth;
          ++p_;
        }
      }
      if (p_ >= t_.size() || t_[p_] != ')') return Error("expected \")\" at " + Where(t_, p_));
      ++p_;
      SkipSpace();
    }
    if (p_ < t_.size())
      return Error("unexpected " + Quote(t_.substr(p_, 12)) + " at " + Where(t_, p_) + " after the matrix");
    return Status::Ok();
  }

 private:
  static Status Error(const std::string& message) { return Status::Error("", message); }

  // Skips spaces; true when there were any (they separate NumPy's printed numbers).
  bool SkipSpace() {
    const size_t begin = p_;
    while (p_ < t_.size() && IsSpace(t_[p_])) ++p_;
    return p_ > begin;
  }

  string_view Token() {
    const size_t begin = p_;
    while (p_ < t_.size() && !IsListDelimiter(t_[p_])) ++p_;
    return t_.substr(begin, p_ - begin);
  }

  // The outer list: rows [[...], [...]], or numbers [1, 2] (one row), or
  // MATLAB's [1 2; 3 4].
  Status ParseOuterList() {
    const char close = t_[p_++] == '[' ? ']' : ')';  // Python may write a tuple of rows
    enum { kUnknown, kRowsOfLists, kNumbers } shape = kUnknown;
    bool row_open = false;  // kNumbers: a row has numbers not yet ended
    while (true) {
      SkipSpace();
      if (p_ >= t_.size()) return Error("unbalanced brackets: the text ends inside the matrix");
      const char c = t_[p_];
      if (c == close) {
        ++p_;
        break;
      }
      if (c == '[' || c == '(') {  // a row; Python may write rows as tuples
        if (shape == kNumbers) return MixError();
        shape = kRowsOfLists;
        Status st = ParseRow();
        if (!st.ok()) return st;
      } else if (c == ';' && shape == kNumbers) {
        ++p_;
        Status st = rows_->EndRow();
        if (!st.ok()) return st;
        row_open = false;
        continue;
      } else if (c == ',' || c == ';') {
        return Error(std::string("unexpected \"") + c + "\" at " + Where(t_, p_));
      } else {
        if (shape == kRowsOfLists) return MixError();
        shape = kNumbers;
        Status st = rows_->Add(Token());
        if (!st.ok()) return st;
        row_open = true;
      }
      Status st = Separator();
      if (!st.ok()) return st;
    }
    if (shape == kNumbers && row_open) return rows_->EndRow();
    return Status::Ok();
  }

  Status ParseRow() {
    const long row = rows_->rows() + 1;
    const size_t open = p_++;  // '[' or '('
    const char close = t_[open] == '[' ? ']' : ')';
    long col = 0;
    while (true) {
      SkipSpace();
      if (p_ >= t_.size())
        return Error("unbalanced brackets: \"" + std::string(1, t_[open]) + "\" at " + Where(t_, open) +
                     " is never closed");
      const char c = t_[p_];
      if (c == close) {
        ++p_;
        return rows_->EndRow();
      }
      if (c == '[' || c == '(')
        return Error("row " + std::to_string(row) + " holds a list: a 3-dimensional array is not a matrix");
      if (c == ',' || c == ';' || c == '(' || c == ')')
        return Error(Cell(row, col + 1) + ": unexpected \"" + std::string(1, c) + "\"");
      ++col;
      Status st = rows_->Add(Token());
      if (!st.ok()) return st;
      st = Separator();
      if (!st.ok()) return st;
    }
  }

  // After an element: a comma, spaces, or the end of the list. "1,,2" has an empty element.
  Status Separator() {
    SkipSpace();
    if (p_ < t_.size() && t_[p_] == ',') {
      ++p_;
      SkipSpace();
      if (p_ < t_.size() && t_[p_] == ',') return Error("empty entry between commas at " + Where(t_, p_));
    }
    return Status::Ok();
  }

  Status MixError() const { return Error("the list mixes numbers and lists at " + Where(t_, p_)); }

  string_view t_;
  size_t p_ = 0;
  RowsBuilder* rows_;
};

// ---------------------------------------------------------------- LaTeX

std::string StripLatexComments(string_view text) {
  std::string s;
  s.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && (i == 0 || text[i - 1] != '\\')) {
      while (i < text.size() && text[i] != '\n') ++i;
      if (i < text.size()) s += '\n';
      continue;
    }
    s += text[i];
  }
  return s;
}

// Spacing and alignment commands that surround numbers in hand-written LaTeX,
// each replaced by a space. One pass: a pasted row may hold a million of them.
std::string StripLatexSpacing(string_view cell) {
  std::string s;
  s.reserve(cell.size());
  size_t i = 0;
  while (i < cell.size()) {
    if (cell[i] == '~') {
      s += ' ';
      ++i;
      continue;
    }
    if (cell[i] != '\\') {
      s += cell[i++];
      continue;
    }
    const string_view rest = cell.substr(i);
    size_t skip = 0;
    for (string_view command : {"\\,", "\\;", "\\:", "\\!", "\\ "})
      if (StartsWith(rest, command)) skip = command.size();
    for (string_view command : {"\\hline", "\\hdashline", "\\midrule", "\\toprule", "\\bottomrule", "\\qquad", "\\quad",
                                "\\displaystyle", "\\phantom", "\\hphantom"}) {
      if (skip || !StartsWith(rest, command) || (rest.size() > command.size() && IsLetter(rest[command.size()])))
        continue;
      skip = command.size();
      if (command == "\\phantom" || command == "\\hphantom") {  // and its argument: \phantom{-}1
        string_view after = rest.substr(skip), arg;
        if (TakeLatexArgument(&after, &arg)) skip = rest.size() - after.size();
      }
    }
    if (skip) {
      s += ' ';
      i += skip;
    } else {  // another command: copied with its next character, so \\ stays a pair
      s += cell[i++];
      if (i < cell.size()) s += cell[i++];
    }
  }
  return s;
}

bool SupportedEnvironment(string_view env) {
  for (string_view e : {"matrix", "bmatrix", "pmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array"}) {
    if (env == e) return true;
    if (env.size() == e.size() + 1 && StartsWith(env, e) && env.back() == '*') return true;
  }
  return false;
}

Status ParseLatex(string_view original, RowsBuilder* rows) {
  const std::string cleaned = StripLatexComments(original);
  const string_view text = cleaned;
  Status st = CheckBrackets(text, "{", "}");
  if (!st.ok()) return st;

  string_view body = text;
  const size_t begin = text.find("\\begin{");
  if (begin != string_view::npos) {
    const size_t name_at = begin + 7;
    const size_t name_end = text.find('}', name_at);
    const std::string env(text.substr(name_at, name_end - name_at));
    if (!SupportedEnvironment(env))
      return Status::Error("", "\\begin{" + env + "} is not a matrix: use bmatrix, pmatrix, matrix or array");
    size_t p = name_end + 1;
    auto skip_space = [&] {
      while (p < text.size() && IsSpace(text[p])) ++p;
    };
    skip_space();
    if (p < text.size() && text[p] == '[' && (env == "array" || env.back() == '*')) {  // [t] or bmatrix*[r]
      const size_t close = text.find(']', p);
      if (close == string_view::npos)
        return Status::Error("", "unbalanced brackets: \"[\" at " + Where(text, p) + " is never closed");
      p = close + 1;
      skip_space();
    }
    if (env == "array") {  // the column specification {cc}
      string_view rest = text.substr(p), spec;
      if (rest.empty() || rest.front() != '{' || !TakeLatexArgument(&rest, &spec))
        return Status::Error("", "\\begin{array} needs its columns, e.g. \\begin{array}{cc}");
      p = text.size() - rest.size();
    }
    const std::string end_tag = "\\end{" + env + "}";
    const size_t end = text.find(end_tag, p);
    if (end == string_view::npos)
      return Status::Error(
          "", "unbalanced environment: \\begin{" + env + "} has no " + end_tag + " (is the text cut short?)");
    body = text.substr(p, end - p);
    if (body.find("\\begin{") != string_view::npos)
      return Status::Error("", "a matrix inside a matrix: paste one matrix at a time");
    if (text.find("\\begin{", end) != string_view::npos)
      return Status::Error("", "the text holds more than one matrix: paste one at a time");
  } else if (text.find("\\end{") != string_view::npos) {
    return Status::Error("", "unbalanced environment: \\end{...} without \\begin{...}");
  }

  // Rows end at \\ (with an optional spacing [2pt]) or \cr; a final \\ ends nothing.
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.size(), next = body.size() + 1;
    for (size_t i = start; i + 1 < body.size(); ++i) {
      if (body[i] == '\\' && body[i + 1] == '\\') {
        end = i;
        next = i + 2;
        while (next < body.size() && IsSpace(body[next])) ++next;
        if (next < body.size() && body[next] == '[') {
          const size_t close = body.find(']', next);
          if (close != string_view::npos) next = close + 1;
        }
        break;
      }
      if (body.substr(i, 3) == "\\cr" && (i + 3 == body.size() || !IsLetter(body[i + 3]))) {
        end = i;
        next = i + 3;
        break;
      }
      if (body[i] == '\\') ++i;  // skips the command's next character, so "\\\\" is seen once
    }
    const std::string row = StripLatexSpacing(body.substr(start, end - start));
    if (!Trim(row).empty()) {
      size_t cell_start = 0;
      for (size_t i = 0; i <= row.size(); ++i) {
        if (i == row.size() || (row[i] == '&' && (i == 0 || row[i - 1] != '\\'))) {
          st = rows->Add(string_view(row).substr(cell_start, i - cell_start));
          if (!st.ok()) return st;
          cell_start = i + 1;
        }
      }
      st = rows->EndRow();
      if (!st.ok()) return st;
    }
    start = next;
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- which format

enum class TextKind { kRows, kList, kLatex };

TextKind Detect(string_view text) {
  if (text.find("\\begin{") != string_view::npos) return TextKind::kLatex;
  size_t p = 0;
  while (p < text.size() && IsSpace(text[p])) ++p;
  if (p < text.size() && (text[p] == '[' || text[p] == '(')) return TextKind::kList;
  if (p < text.size() && IsLetter(text[p])) {
    while (p < text.size() && (IsLetter(text[p]) || IsDigit(text[p]) || text[p] == '.')) ++p;
    while (p < text.size() && IsSpace(text[p])) ++p;
    if (p < text.size() && text[p] == '(') return TextKind::kList;
  }
  if (text.find('&') != string_view::npos || text.find("\\\\") != string_view::npos) return TextKind::kLatex;
  return TextKind::kRows;
}

// ---------------------------------------------------------------- writing

// The shortest text that reads back to the same double (to_chars' guarantee).
std::string Shortest(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string PythonNumber(double v) {
  if (std::isnan(v)) return "np.nan";
  if (std::isinf(v)) return v > 0 ? "np.inf" : "-np.inf";
  std::string s = Shortest(v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";  // a float literal, so the array is float64
  return s;
}

std::string MarkdownNumber(double v, int digits) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "\xE2\x88\x9E" : "\xE2\x88\x92\xE2\x88\x9E";  // ∞, −∞
  return digits < 0 ? Shortest(v) : FormatNumber(v, NumberStyle::kAuto, digits);
}

// A label inside a Markdown cell: | would end the cell and <START> would be
// taken for an HTML tag.
std::string MarkdownEscape(const std::string& label) {
  std::string s;
  for (char c : label) {
    if (c == '\\' || c == '|' || c == '<' || c == '>' || c == '*' || c == '_' || c == '`') s += '\\';
    s += c;
  }
  return s;
}

std::string WriteLatex(const Matrix& m, int digits) {
  std::string s = "\\begin{bmatrix}\n";
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      if (j) s += " & ";
      s += LatexNumber(m(i, j), digits);
    }
    s += i + 1 < m.rows() ? " \\\\\n" : "\n";
  }
  return s + "\\end{bmatrix}\n";
}

std::string WriteCsv(const Matrix& m) {
  std::string s;
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      if (j) s += ',';
      s += Shortest(m(i, j));
    }
    s += '\n';
  }
  return s;
}

std::string WriteNumpy(const Matrix& m) {
  if (m.size() == 0) return "np.zeros((" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + "))\n";
  std::string s = "np.array([";
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    if (i) s += ",\n          ";  // under the first row, as NumPy aligns its repr
    s += '[';
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      if (j) s += ", ";
      s += PythonNumber(m(i, j));
    }
    s += ']';
  }
  return s + "])\n";
}

std::string WriteMarkdown(const Matrix& m, const std::vector<std::string>& row_labels,
                          const std::vector<std::string>& col_labels, int digits) {
  const bool rows_named = row_labels.size() == static_cast<size_t>(m.rows());
  const bool cols_named = col_labels.size() == static_cast<size_t>(m.cols());
  std::string s = "| |";
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    s += " " + (cols_named ? MarkdownEscape(col_labels[j]) : std::to_string(j)) + " |";
  s += "\n|---|";
  for (Eigen::Index j = 0; j < m.cols(); ++j) s += "---|";
  s += '\n';
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    s += "| " + (rows_named ? MarkdownEscape(row_labels[i]) : std::to_string(i)) + " |";
    for (Eigen::Index j = 0; j < m.cols(); ++j) s += " " + MarkdownNumber(m(i, j), digits) + " |";
    s += '\n';
  }
  return s;
}

}  // namespace

Status ParseMatrixText(const std::string& text, Matrix* out) {
  if (static_cast<long long>(text.size()) > kMaxMatrixTextBytes)
    return Status::Error("", "the text is " + std::to_string(text.size()) + " bytes, more than the limit of 4 MiB (" +
                                 std::to_string(kMaxMatrixTextBytes) + " bytes)");
  if (Trim(text).empty()) return Status::Error("", "empty text");
  try {
    // "P = ..." as copied from a notebook or from notes: the name is not part
    // of the matrix. Blanked rather than cut, so that positions in messages
    // still count from the start of what was pasted.
    std::string blanked;
    string_view body = text;
    size_t p = 0;
    while (p < text.size() && IsSpace(text[p])) ++p;
    if (p < text.size() && IsLetter(text[p])) {
      while (p < text.size() && (IsLetter(text[p]) || IsDigit(text[p]))) ++p;
      while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
      if (p + 1 < text.size() && text[p] == '=' && text[p + 1] != '=') {
        blanked = text;
        blanked.replace(0, p + 1, p + 1, ' ');
        body = blanked;
      }
    }
    RowsBuilder rows;
    Status st;
    switch (Detect(body)) {
      case TextKind::kLatex: st = ParseLatex(body, &rows); break;
      case TextKind::kList: {
        st = CheckBrackets(body, "([", ")]");
        if (st.ok()) st = ListParser(body, &rows).Parse();
        break;
      }
      case TextKind::kRows: st = ParseRows(body, &rows); break;
    }
    if (!st.ok()) return st;
    return rows.Finish(out);
  } catch (const std::bad_alloc&) {
    return Status::Error("", "not enough memory to read this matrix");
  }
}

Status ParseNumberText(const std::string& text, double* out) {
  if (Trim(text).empty()) return Status::Error("", "empty: type a number");
  if (static_cast<long long>(text.size()) > kMaxMatrixTextBytes)
    return Status::Error("", "the text is too long for a number");
  try {
    double v = 0;
    std::string why;
    if (!ParseCellInto(text, &v, &why)) return Status::Error("", why);
    *out = v;
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return Status::Error("", "not enough memory to read this number");
  }
}

std::string FormatMatrixText(const Matrix& m, MatrixTextFormat format, int digits) {
  return FormatMatrixText(m, format, {}, {}, digits);
}

std::string FormatMatrixText(const Matrix& m, MatrixTextFormat format, const std::vector<std::string>& row_labels,
                             const std::vector<std::string>& col_labels, int digits) {
  try {
    switch (format) {
      case MatrixTextFormat::kLatex: return WriteLatex(m, digits);
      case MatrixTextFormat::kCsv: return WriteCsv(m);
      case MatrixTextFormat::kNumpy: return WriteNumpy(m);
      case MatrixTextFormat::kMarkdown: return WriteMarkdown(m, row_labels, col_labels, digits);
    }
  } catch (const std::bad_alloc&) {
  }
  return "";
}

bool MatrixTextFormatFromName(const std::string& name, MatrixTextFormat* out) {
  for (MatrixTextFormat f :
       {MatrixTextFormat::kLatex, MatrixTextFormat::kCsv, MatrixTextFormat::kNumpy, MatrixTextFormat::kMarkdown}) {
    if (name == MatrixTextFormatName(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

const char* MatrixTextFormatName(MatrixTextFormat format) {
  switch (format) {
    case MatrixTextFormat::kLatex: return "latex";
    case MatrixTextFormat::kCsv: return "csv";
    case MatrixTextFormat::kNumpy: return "numpy";
    case MatrixTextFormat::kMarkdown: return "markdown";
  }
  return "";
}

}  // namespace attnlab
