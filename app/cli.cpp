#include "cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "attnlab/format.hpp"
#include "attnlab/matrix_text.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/scenario_io.hpp"
#include "attnlab/solution.hpp"
#include "attnlab/views.hpp"

namespace attnlab::cli {

std::string Usage() {
  std::string views;
  for (const ViewModel* v : ViewModels()) {
    std::string key = v->key;
    key.resize(std::max<size_t>(key.size() + 1, 13), ' ');
    views += "  " + key + v->summary + "\n";
  }
  return "attnlab: see attention work, one matrix at a time.\n"
         "\n"
         "Usage:\n"
         "  attnlab                      open the window on the first exercise (E9)\n"
         "  attnlab FILE.json            open the window on a scenario or preset\n"
         "  attnlab eval FILE.json       evaluate a scenario and print every result as JSON\n"
         "                               (FILE may be - for standard input); the view's own\n"
         "                               numbers are under \"views\": {\"<view>\": ...}\n"
         "    --format json|latex|csv    how eval prints: one JSON object (the default), or each\n"
         "                               matrix as a titled LaTeX bmatrix or CSV block\n"
         "    --view NAME                the numbers of another view than the file's\n"
         "  attnlab render FILE.json --out PICTURE.png|.jpg|.svg [options]\n"
         "                               a picture of the view or of one panel, with no window:\n"
         "    --panel NAME               one panel (P, scores, probs, ...; render --list names them)\n"
         "    --view NAME                another view than the file's (see Views below)\n"
         "    --scale S                  1 to 4 pixels per point (2 = a crisp slide)\n"
         "    --theme light|dark         default light; --transparent drops the background\n"
         "    --width W --height H       the whole view's size (default 1280x720)\n"
         "  attnlab render --list FILE.json   the panels of the file's view (with --view: of that view)\n"
         "  attnlab render --list-all FILE.json   every view's panels, as VIEW PANEL lines\n"
         "  attnlab solve FILE.json      the worked solution, for notes: each stage's formula, its\n"
         "                               numbers and the result (attention, multihead, conv views)\n"
         "    --format md|tex            Markdown with $...$ maths (the default) or a LaTeX document\n"
         "    --out FILE                 write it to FILE (whole or not at all) instead of stdout\n"
         "  attnlab presets              list the shipped presets (path, then title)\n"
         "  attnlab --help | --version\n"
         "\n"
         "Window options:\n"
         "  --presentation               start in presentation mode (large font, high contrast; F11 toggles)\n"
         "  --light | --dark             colour theme (default dark)\n"
         "  --size WxH                   window size in pixels (default 1280x720)\n"
         "  --ui-scale S                 scale every font and size (2 for a 4K screen; Settings has it too)\n"
         "  --frames N                   draw N frames, then exit (scripts, tests)\n"
         "  --screenshot FILE.png        with --frames: save the last frame as PNG\n"
         "  --report FILE.json           with --screenshot: also write where each panel was drawn\n"
         "  --dialog open|save|solution  start with the Open, Save or Solution dialog showing\n"
         "  --practice [QUANTITY]        start in practice mode, on QUANTITY (\"weights\", \"loss\", a view's\n"
         "                               quantity such as \"cursor_weights\"); the first one when not given\n"
         "\n"
         "Views (a scenario's \"view\"):\n" +
         views +
         "\n"
         "Exit status: 0 success; 1 the environment failed (no display, unwritable file);\n"
         "2 bad input or usage (the message names the field, e.g. \"W_Q: expected 4 rows\").\n"
         "Presets ship in share/attnlab/presets (or assets/presets in the source tree);\n"
         "$ATTNLAB_ASSETS overrides where they are looked for.\n";
}

namespace {

enum class EvalFormat { kJson, kLatex, kCsv };

// The text form of every matrix `eval` prints, each under a title line that
// is a comment in its own language ("% weights (P) 7x7", "# weights 7x7"), so
// a block pasted into the window's matrix editor reads back.
std::string ResultToText(const Result& r, const std::string& view, const Report& report, EvalFormat format) {
  const bool latex = format == EvalFormat::kLatex;
  const MatrixTextFormat matrix_format = latex ? MatrixTextFormat::kLatex : MatrixTextFormat::kCsv;
  const std::string comment = latex ? "% " : "# ";
  std::string s;
  auto block = [&](const std::string& name, const char* symbol, const Matrix& m) {
    if (m.size() == 0) return;
    if (!s.empty()) s += '\n';
    s += comment + name + (latex && symbol ? std::string(" (") + symbol + ")" : "") + " " + std::to_string(m.rows()) +
         "x" + std::to_string(m.cols()) + "\n";
    s += FormatMatrixText(m, matrix_format);
  };
  // Exact numbers, as the JSON writes them: a loss is compared, not read.
  auto number = [](double v) {
    if (!std::isfinite(v)) return FormatNumber(v);
    char buf[64];
    const std::to_chars_result end = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, end.ptr);
  };
  auto line = [&](const std::string& name, const std::vector<double>& values) {
    s += comment + name + (latex ? " = " : ",");
    for (size_t i = 0; i < values.size(); ++i) s += (i ? (latex ? ", " : ",") : "") + number(values[i]);
    s += '\n';
  };

  block("X", nullptr, r.X);
  block("Q", nullptr, r.Q);
  block("K", nullptr, r.K);
  block("V", nullptr, r.V);
  block("scores", nullptr, r.Scores());
  block("weights", "P", r.Weights());
  block("output", "Z", r.Z);
  block("R", nullptr, r.R);
  block("logits", nullptr, r.logits);
  block("probs", nullptr, r.probs);
  if (r.heads.size() > 1) {
    for (size_t h = 0; h < r.heads.size(); ++h) {
      const std::string head = "head " + std::to_string(h) + " ";
      block(head + "scores", nullptr, r.heads[h].scores);
      block(head + "weights", "P", r.heads[h].weights);
      block(head + "output", "Z", r.heads[h].output);
    }
  }
  if (r.has_loss()) {
    std::vector<double> losses, probs;
    for (const LossTerm& t : r.loss_terms) {
      losses.push_back(t.loss);
      probs.push_back(t.prob);
    }
    s += '\n';
    line("loss", {r.loss});
    line("token_losses", losses);
    line("target_probs", probs);
    line("mean_loss", {r.mean_loss});
    line("perplexity", {r.perplexity});
  }
  const std::string views =
      ReportToText(report, "views." + view, latex ? ReportTextFormat::kLatex : ReportTextFormat::kCsv);
  if (!views.empty()) s += '\n' + views;
  return s;
}

}  // namespace

int RunEval(const std::vector<std::string>& args) {
  // eval FILE [--format F] in any order; --format=F too.
  std::vector<std::string> files;
  std::string view;
  EvalFormat format = EvalFormat::kJson;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" || a.rfind("--format=", 0) == 0) {
      std::string name;
      if (a == "--format") {
        if (i + 1 >= args.size()) {
          std::fprintf(stderr, "attnlab: --format needs one of json, latex, csv (see attnlab --help)\n");
          return kExitBadInput;
        }
        name = args[++i];
      } else {
        name = a.substr(9);
      }
      if (name == "json") {
        format = EvalFormat::kJson;
      } else if (name == "latex") {
        format = EvalFormat::kLatex;
      } else if (name == "csv") {
        format = EvalFormat::kCsv;
      } else {
        std::fprintf(stderr, "attnlab: unknown format \"%s\" for --format: use json, latex or csv\n", name.c_str());
        return kExitBadInput;
      }
    } else if (a == "--view") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "attnlab: --view needs a view: %s\n", ViewKeyList().c_str());
        return kExitBadInput;
      }
      view = args[++i];
      if (!FindViewModel(view)) {
        std::fprintf(stderr, "attnlab: unknown view \"%s\" for --view (views: %s)\n", view.c_str(),
                     ViewKeyList().c_str());
        return kExitBadInput;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "attnlab: unknown option %s for eval (see attnlab --help)\n", a.c_str());
      return kExitBadInput;
    } else {
      files.push_back(a);
    }
  }
  if (files.size() != 1) {
    std::fprintf(stderr, "attnlab: eval takes one scenario file, e.g. `attnlab eval e9.json` (see attnlab --help)\n");
    return kExitBadInput;
  }
  const std::string& path = files[0];
  Scenario scenario;
  Status st;
  if (path == "-") {
    // Standard input has no size to check first: read at most one byte past
    // the limit, which ParseScenario then refuses, instead of a stream's worth.
    std::string text;
    char buf[1 << 16];
    while (text.size() <= static_cast<size_t>(kMaxScenarioBytes)) {
      const size_t got = std::fread(buf, 1, sizeof buf, stdin);
      if (got == 0) break;
      text.append(buf, got);
    }
    st = ParseScenario(text, &scenario);
  } else {
    st = LoadScenarioFile(path, &scenario);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "attnlab: %s: %s\n", path == "-" ? "<stdin>" : path.c_str(), st.ToString().c_str());
    return kExitBadInput;
  }
  Result result;
  st = Evaluate(scenario, &result);
  if (!st.ok()) {
    std::fprintf(stderr, "attnlab: %s: %s\n", path == "-" ? "<stdin>" : path.c_str(), st.ToString().c_str());
    return kExitBadInput;
  }
  if (view.empty()) view = scenario.view;
  std::string text;
  if (format == EvalFormat::kJson) {
    st = EvalToJson(scenario, result, view, &text);
  } else {
    Report report;
    st = EvaluateView(scenario, result, view, &report);
    if (st.ok()) text = ResultToText(result, view, report, format);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "attnlab: %s: %s\n", path == "-" ? "<stdin>" : path.c_str(), st.ToString().c_str());
    return kExitBadInput;
  }
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "attnlab: cannot write the result to standard output\n");
    return kExitFailure;
  }
  return kExitOk;
}

int RunSolve(const std::vector<std::string>& args) {
  // solve FILE [--format md|tex] [--out FILE], in any order.
  std::vector<std::string> files;
  std::string out_path;
  SolutionFormat format = SolutionFormat::kMarkdown;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" || a == "--out") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "attnlab: %s needs a value (%s)\n", a.c_str(),
                     a == "--format" ? "md or tex" : "the file to write");
        return kExitBadInput;
      }
      const std::string& value = args[++i];
      if (a == "--out") {
        out_path = value;
      } else if (!SolutionFormatFromName(value, &format)) {
        std::fprintf(stderr, "attnlab: unknown format \"%s\" for --format: use md or tex\n", value.c_str());
        return kExitBadInput;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "attnlab: unknown option %s for solve (see attnlab --help)\n", a.c_str());
      return kExitBadInput;
    } else {
      files.push_back(a);
    }
  }
  if (files.size() != 1) {
    std::fprintf(stderr, "attnlab: solve takes one scenario file, e.g. `attnlab solve e9.json` (see attnlab --help)\n");
    return kExitBadInput;
  }
  Scenario scenario;
  Status st = LoadScenarioFile(files[0], &scenario);
  std::string text;
  if (st.ok()) st = WriteSolution(scenario, format, &text);
  if (!st.ok()) {
    std::fprintf(stderr, "attnlab: %s: %s\n", files[0].c_str(), st.ToString().c_str());
    return kExitBadInput;
  }
  if (!out_path.empty()) {
    st = WriteFileAtomic(out_path, text);
    if (!st.ok()) {
      std::fprintf(stderr, "attnlab: %s\n", st.ToString().c_str());
      return kExitFailure;
    }
    return kExitOk;
  }
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "attnlab: cannot write the solution to standard output\n");
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace attnlab::cli
