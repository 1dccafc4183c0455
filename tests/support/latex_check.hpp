// Strict checks that a worked solution is well formed, for the solution tests:
// every brace, environment, \left/\right and math delimiter closed, in the
// Markdown ($...$, $$ blocks) and the LaTeX (\[ \], a whole document) forms.
// Each returns "" when the text is well formed, else what is wrong and where.
#pragma once

#include <cctype>
#include <string>
#include <vector>

namespace attnlab::testing {

// Braces balanced (escaped \{ \} aside), \begin{X} ... \end{X} nested, and as
// many \left as \right. `what` names the piece in messages.
inline std::string CheckTexBalance(const std::string& tex, const std::string& what) {
  int depth = 0;
  std::vector<std::string> envs;
  int lr = 0;
  for (size_t i = 0; i < tex.size(); ++i) {
    const char c = tex[i];
    if (c == '\\' && i + 1 < tex.size()) {
      const std::string rest = tex.substr(i + 1, 6);
      if (rest.rfind("begin{", 0) == 0 || rest.rfind("end{", 0) == 0) {
        const bool begin = rest[0] == 'b';
        const size_t open = tex.find('{', i);
        const size_t close = tex.find('}', open);
        if (close == std::string::npos) return what + ": unterminated \\begin/\\end at " + std::to_string(i);
        const std::string name = tex.substr(open + 1, close - open - 1);
        if (begin) {
          envs.push_back(name);
        } else {
          if (envs.empty() || envs.back() != name) return what + ": \\end{" + name + "} does not close " +
                                                            (envs.empty() ? "anything" : "\\begin{" + envs.back() + "}");
          envs.pop_back();
        }
        i = close;
        continue;
      }
      const auto command = [&](const char* name, size_t n) {
        return tex.compare(i + 1, n, name) == 0 && (i + 1 + n >= tex.size() || !std::isalpha(static_cast<unsigned char>(tex[i + 1 + n])));
      };
      if (command("left", 4)) ++lr;
      if (command("right", 5)) --lr;
      ++i;  // an escaped character (\{, \}, \\, \$) or the first letter of a command
      continue;
    }
    if (c == '{') ++depth;
    if (c == '}' && --depth < 0) return what + ": a } closes nothing at " + std::to_string(i);
  }
  if (depth != 0) return what + ": " + std::to_string(depth) + " { never closed";
  if (!envs.empty()) return what + ": \\begin{" + envs.back() + "} never closed";
  if (lr != 0) return what + ": \\left and \\right do not pair";
  return "";
}

// Inline $...$ in one paragraph of text (code spans skipped): paired, each
// piece balanced and, as CommonMark's maths dialect requires, with no space
// just inside its dollars.
inline std::string CheckInlineMath(const std::string& para, const std::string& what, bool code_spans = true) {
  std::string math;
  bool in_math = false, in_code = false;
  for (size_t i = 0; i < para.size(); ++i) {
    const char c = para[i];
    if (code_spans && !in_math && c == '`') in_code = !in_code;
    if (in_code) continue;
    if (c == '\\' && i + 1 < para.size()) {
      if (in_math) math += para.substr(i, 2);
      ++i;
      continue;
    }
    if (c == '$') {
      if (in_math) {
        if (math.empty() || math.back() == ' ' || math.front() == ' ') return what + ": inline maths \"" + math + "\" has a space inside its $";
        const std::string bad = CheckTexBalance(math, what + " $" + math + "$");
        if (!bad.empty()) return bad;
        math.clear();
      }
      in_math = !in_math;
      continue;
    }
    if (in_math) math += c;
  }
  if (in_math) return what + ": a $ is never closed in \"" + para + "\"";
  if (in_code) return what + ": a ` is never closed";
  return "";
}

inline std::vector<std::string> SplitParagraphs(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find("\n\n", start);
    if (end == std::string::npos) end = text.size();
    std::string para = text.substr(start, end - start);
    while (!para.empty() && para.back() == '\n') para.pop_back();
    out.push_back(para);
    start = end + 2;
  }
  return out;
}

inline std::string CheckMarkdownSolution(const std::string& md) {
  if (md.rfind("# ", 0) != 0) return "the Markdown does not open with a # title";
  int n = 0;
  for (const std::string& para : SplitParagraphs(md)) {
    const std::string where = "paragraph " + std::to_string(++n);
    if (para.rfind("$$\n", 0) == 0) {
      if (para.size() < 6 || para.compare(para.size() - 3, 3, "\n$$") != 0) return where + ": a $$ block is not closed";
      const std::string body = para.substr(3, para.size() - 6);
      if (body.find('$') != std::string::npos) return where + ": a $ inside a $$ block";
      const std::string bad = CheckTexBalance(body, where);
      if (!bad.empty()) return bad;
      continue;
    }
    if (para.find("$$") != std::string::npos) return where + ": $$ outside a block of its own";
    const std::string bad = CheckInlineMath(para, where);
    if (!bad.empty()) return bad;
  }
  return "";
}

inline std::string CheckLatexSolution(const std::string& tex) {
  if (tex.find("\\documentclass") == std::string::npos) return "no \\documentclass";
  const size_t begin = tex.find("\\begin{document}"), end = tex.find("\\end{document}");
  if (begin == std::string::npos || end == std::string::npos || end < begin) return "no document environment";
  if (tex.find_first_not_of(" \n", end + 14) != std::string::npos) return "text after \\end{document}";
  std::string bad = CheckTexBalance(tex, "the document");
  if (!bad.empty()) return bad;
  int n = 0;
  for (const std::string& para : SplitParagraphs(tex.substr(begin, end - begin))) {
    const std::string where = "paragraph " + std::to_string(++n);
    if (para.rfind("\\[\n", 0) == 0) {
      if (para.compare(para.size() - 3, 3, "\n\\]") != 0) return where + ": a \\[ block is not closed";
      if (para.find('$') != std::string::npos) return where + ": a $ inside a \\[ block";
      continue;
    }
    if (para.find("\\[") != std::string::npos || para.find("\\]") != std::string::npos) {
      return where + ": \\[ or \\] outside a block of its own";
    }
    bad = CheckInlineMath(para, where, /*code_spans=*/false);
    if (!bad.empty()) return bad;
  }
  return "";
}

}  // namespace attnlab::testing
