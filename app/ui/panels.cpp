#include "ui/panels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>

#include "attnlab/matrix_text.hpp"
#include "ui/explain.hpp"
#include "ui/presentation.hpp"
#include "ui/views.hpp"
#include "ui/theme.hpp"
#include "widgets/heatmap.hpp"
#include "widgets/heatmap_svg.hpp"
#include "widgets/matrix_editor.hpp"

namespace attnlab::ui {
namespace {



// Places the next panel of `width` beside the last one when it fits. Folded
// panels (one header line) share rows with each other, not with open ones.
void Place(PanelFlow& flow, float width, bool folded) {
  if (!flow.first && folded == flow.last_folded) {
    ImGui::SameLine(0, ImGui::GetFontSize() * 1.2f);
    if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
  }
  flow.first = false;
  flow.last_folded = folded;
}

// The cell size for a panel: comfortable for a few rows and columns, smaller
// for big matrices so that a panel never needs more than the view's width.
float PanelCell(const HeatmapSpec& spec, bool large, float cell_fonts = 2.2f) {
  const float font = ImGui::GetFontSize();
  // (less a scroll bar's width: a vertical bar that appears must not force a horizontal one)
  const float region_w = ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ScrollbarSize;
  float cell = large ? font * 3.4f : font * cell_fonts;
  const ImVec2 natural = HeatmapSize(spec, cell);
  const float fixed_w = natural.x - cell * static_cast<float>(spec.values->cols());
  const float fit = (region_w - fixed_w) / static_cast<float>(std::max<Eigen::Index>(1, spec.values->cols()));
  const float region_h = ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing();
  const float fixed_h = natural.y - cell * static_cast<float>(spec.values->rows());
  const float fit_h = (region_h - fixed_h) / static_cast<float>(std::max<Eigen::Index>(1, spec.values->rows()));
  if (HeatmapTextured(spec)) {
    // A big map is a viewport that zooms: it fits the room at any cell size
    // (a cell may be a fraction of a pixel), no taller than the view.
    // Outside presentation no side passes 48 font sizes, so that a picture of
    // it (drawn in a 4096-pixel frame) is the size the window shows.
    const float tallest = std::max(region_h, font * 20.0f) - fixed_h;
    const float longest = static_cast<float>(std::max(spec.values->rows(), spec.values->cols()));
    const float cap = large ? cell : font * 48.0f / longest;
    return std::max(0.01f, std::min({fit, tallest / static_cast<float>(spec.values->rows()), cell, cap}));
  }
  if (large) return std::max(4.0f, std::min(fit, fit_h));
  return std::clamp(fit, 4.0f, cell);
}

std::string Shape(const Matrix& m) { return std::to_string(m.rows()) + "x" + std::to_string(m.cols()); }

// Folded until opened: the inputs and the intermediate products, so that a
// preset opens on what it is about (the weights, the output, the
// probabilities) with every other stage one click away in the same row.
bool FoldedByDefault(const Scenario& sc, const std::string& name) {
  const std::string base = name.substr(name.rfind('.') + 1);
  if (sc.input == InputMode::kQKV) return false;  // Q, K, V are the exercise itself
  return base != "P" && base != "Z" && base != "probs";
}

float HeaderWidth(const std::string& name, const std::string& shape, const std::string& formula) {
  const ImGuiStyle& st = ImGui::GetStyle();
  float w = ImGui::GetFrameHeight() + ImGui::CalcTextSize(name.c_str()).x + ImGui::CalcTextSize(shape.c_str()).x +
            ImGui::CalcTextSize("\u2026").x + st.FramePadding.x * 2 + st.ItemSpacing.x * 4;
  if (!formula.empty()) w += ImGui::CalcTextSize(("= " + formula).c_str()).x + st.ItemSpacing.x;
  return w;
}

// "name  shape  = formula" on one line.
void HeaderTitle(const std::string& name, const std::string& shape, const std::string& formula) {
  ImGui::TextUnformatted(name.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("%s", shape.c_str());
  if (!formula.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("= %s", formula.c_str());
  }
}

// A picture of the whole view shows what the window shows (folded panels as
// their header line); a picture of one panel shows it open.
bool Folded(AppState& s, const std::string& name) {
  if (ExportingOnePanel(s)) return false;
  const auto it = s.ui.collapsed.find(name);
  return it != s.ui.collapsed.end() ? it->second : FoldedByDefault(s.scenario, name);
}

// The header: [arrow] name  shape  formula  [...]. Returns whether the panel is open.
bool Header(AppState& s, const std::string& name, const std::string& shape, const std::string& formula,
            bool* menu_clicked) {
  *menu_clicked = false;
  if (s.ui.exporting) {  // a picture: the title alone, folded or open as in the window
    HeaderTitle(name, shape, formula);
    return !Folded(s, name);
  }
  auto found = s.ui.collapsed.find(name);
  if (found == s.ui.collapsed.end()) found = s.ui.collapsed.emplace(name, FoldedByDefault(s.scenario, name)).first;
  bool& collapsed = found->second;
  ImGui::PushID(name.c_str());
  if (ImGui::ArrowButton("##fold", collapsed ? ImGuiDir_Right : ImGuiDir_Down)) collapsed = !collapsed;
  s.Record("panel." + name + ".fold");
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  HeaderTitle(name, shape, formula);
  ImGui::SameLine();
  *menu_clicked = ImGui::SmallButton("\u2026");
  s.Record("panel." + name + ".menu");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Copy, paste, resize, fill");
  ImGui::PopID();
  return !collapsed;
}

void CopyMenu(const Matrix& m, const std::vector<std::string>* rows, const std::vector<std::string>* cols) {
  for (MatrixTextFormat f : {MatrixTextFormat::kLatex, MatrixTextFormat::kCsv, MatrixTextFormat::kNumpy,
                             MatrixTextFormat::kMarkdown}) {
    const char* names[] = {"LaTeX", "CSV", "NumPy", "Markdown"};
    const std::string label = std::string("Copy as ") + names[static_cast<int>(f)];
    if (ImGui::MenuItem(label.c_str())) {
      const std::string text = f == MatrixTextFormat::kMarkdown && rows && cols
                                   ? FormatMatrixText(m, f, *rows, *cols)
                                   : FormatMatrixText(m, f);
      ImGui::SetClipboardText(text.c_str());
    }
  }
}

bool ErrorIsAbout(const Status& st, const std::string& name) {
  return !st.ok() && (st.field() == name || st.field().rfind(name + "[", 0) == 0);
}

void ErrorLine(const Status& st) {
  ImGui::PushStyleColor(ImGuiCol_Text, ErrorColor());
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetFontSize() * 22);
  ImGui::TextWrapped("\u26A0 %s", st.message().c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
}

// Resizes keeping the overlap; new cells are 0.
Matrix Resized(const Matrix& m, Eigen::Index rows, Eigen::Index cols) {
  Matrix out = Matrix::Zero(rows, cols);
  const Eigen::Index r = std::min(rows, m.rows()), c = std::min(cols, m.cols());
  out.topLeftCorner(r, c) = m.topLeftCorner(r, c);
  return out;
}

Matrix WithoutRow(const Matrix& m, Eigen::Index row) {
  Matrix out(m.rows() - 1, m.cols());
  for (Eigen::Index i = 0, k = 0; i < m.rows(); ++i)
    if (i != row) out.row(k++) = m.row(i);
  return out;
}

Matrix WithoutCol(const Matrix& m, Eigen::Index col) {
  Matrix out(m.rows(), m.cols() - 1);
  for (Eigen::Index j = 0, k = 0; j < m.cols(); ++j)
    if (j != col) out.col(k++) = m.col(j);
  return out;
}

// The menu of an input matrix. `row`/`col`: the right-clicked cell, or -1.
void InputMenu(AppState& s, const std::string& name, int row, int col) {
  Matrix* m = InputMatrix(s.scenario, name);
  if (!m) return;
  const Eigen::Index rows = m->rows(), cols = m->cols();
  if (ImGui::MenuItem("Add a row")) *InputMatrix(s.Edit(), name) = Resized(*m, rows + 1, cols);
  s.Record("menu.add_row");
  if (ImGui::MenuItem("Add a column")) *InputMatrix(s.Edit(), name) = Resized(*m, rows, cols + 1);
  s.Record("menu.add_column");
  const std::string remove_row = row >= 0 ? "Remove row " + std::to_string(row) : "Remove the last row";
  const std::string remove_col = col >= 0 ? "Remove column " + std::to_string(col) : "Remove the last column";
  if (ImGui::MenuItem(remove_row.c_str(), nullptr, false, rows > 1)) {
    *InputMatrix(s.Edit(), name) = WithoutRow(*m, row >= 0 ? row : rows - 1);
  }
  if (ImGui::MenuItem(remove_col.c_str(), nullptr, false, cols > 1)) {
    *InputMatrix(s.Edit(), name) = WithoutCol(*m, col >= 0 ? col : cols - 1);
  }
  ImGui::Separator();
  if (ImGui::MenuItem("Fill with zeros")) InputMatrix(s.Edit(), name)->setZero();
  if (ImGui::MenuItem("Fill as identity")) FillIdentity(InputMatrix(s.Edit(), name));
  s.Record("menu.identity");
  if (ImGui::MenuItem("Fill with one-hot rows")) FillOneHotRows(InputMatrix(s.Edit(), name));
  if (ImGui::MenuItem("Fill at random (seeded)")) {
    s.ui.random_seed += 1;
    FillRandom(InputMatrix(s.Edit(), name), s.ui.random_seed);
  }
  ImGui::Separator();
  const bool paste = ImGui::MenuItem("Paste (CSV, NumPy, LaTeX, text)");
  s.Record("menu.paste");
  if (paste) {
    const char* clip = ImGui::GetClipboardText();
    Matrix pasted;
    const Status st = ParseMatrixText(clip ? clip : "", &pasted);
    if (st.ok()) {
      *InputMatrix(s.Edit(), name) = pasted;
      s.ui.message.clear();
    } else {
      s.ui.message = "Paste into " + name + ": " + st.ToString();
    }
  }
  CopyMenu(*m, nullptr, nullptr);
}

void RememberHover(AppState& s, std::string text) {
  if (text.empty()) return;
  ImGui::BeginTooltip();
  ImGui::TextUnformatted(text.c_str());
  ImGui::EndTooltip();
  s.ui.hover_explanation = std::move(text);
}

std::string ExplainResultCell(const AppState& s, const ResultPanel& p, int i, int j) {
  const Result& r = s.derived;
  const Scenario& sc = s.scenario;
  // A stale result (the scenario no longer evaluates) does not match the
  // scenario's matrices: explain only what is current.
  if (!s.status.ok() || static_cast<size_t>(p.head) >= sc.heads.size()) return "";
  const NumberStyle style = s.ui.number_style;
  const HeadResult& head = r.heads[static_cast<size_t>(p.head)];
  const bool one_head = r.heads.size() == 1;
  switch (p.kind) {
    case MatrixKind::kRawScores:
    case MatrixKind::kScaledScores:
    case MatrixKind::kScores: return ExplainScore(head, i, j, style);
    case MatrixKind::kWeights: return ExplainWeight(head, sc.attention.temperature, i, j, style);
    case MatrixKind::kMeanWeights: {
      std::string what = "avg_P[" + std::to_string(i) + "][" + std::to_string(j) + "] = (";
      for (size_t h = 0; h < r.heads.size(); ++h)
        what += (h ? " + " : "") + FormatNumber(r.heads[h].weights(i, j), style, 4);
      return what + ") / " + std::to_string(r.heads.size()) + " = " + FormatNumber(r.mean_weights(i, j), style, 4) +
             ": the mean of the heads' weights (nn.MultiheadAttention's average_attn_weights)";
    }
    case MatrixKind::kOutput:
      return one_head ? ExplainProduct("Z", "P", "V", head.weights, head.V, i, j, style) : "";
    case MatrixKind::kProjected: {
      if (j < 0 || j >= r.R.cols()) return "";
      std::string text = sc.W_O.size() ? ExplainProduct("R", "Z", "W_O", r.Z, sc.W_O, i, j, style)
                                       : "R = Z (no W_O)";
      if (j < sc.b_O.size()) text += "\n  + b_O[" + std::to_string(j) + "] = " + FormatNumber(sc.b_O(j), style, 4);
      return text;
    }
    case MatrixKind::kLogits:
      return sc.unembedding == Unembedding::kMatrix
                 ? ExplainProduct("logits", "R", "U", r.R, sc.U, i, j, style)
                 : ExplainProduct("logits", "R", "E\u1D40", r.R, sc.E.transpose(), i, j, style);
    case MatrixKind::kProbs: return ExplainProb(r, i, j, style);
    case MatrixKind::kSigned: {
      const std::string base = p.name.substr(p.name.rfind('.') + 1);  // "Q" of "heads[1].Q"
      if (base == "X" && i < static_cast<int>(sc.tokens.size())) {
        return "X[" + std::to_string(i) + "] is the row of E for token \"" + sc.tokens[i] + "\"";
      }
      if ((base == "Q" || base == "K" || base == "V") && sc.input != InputMode::kQKV) {
        // K and V: the K/V head's weights (GQA, MQA), on X_kv for cross-attention.
        const int from = base == "Q" ? p.head : KvLeader(sc, p.head);
        const HeadWeights& w = sc.heads[static_cast<size_t>(from)];
        const Matrix& W = base == "Q" ? w.W_Q : base == "K" ? w.W_K : w.W_V;
        const bool cross = base != "Q" && r.X_kv.size();
        const std::string in = cross ? "X_kv" : "X";
        std::string text = W.size() == 0 ? base + " = " + in + " (no W_" + base + ": the identity)"
                                         : ExplainProduct(base, in, "W_" + base, cross ? r.X_kv : r.X, W, i, j, style);
        const RowVector& b = base == "Q" ? w.b_Q : base == "K" ? w.b_K : w.b_V;
        if (!text.empty() && j >= 0 && j < b.size())
          text += "\n  + b_" + base + "[" + std::to_string(j) + "] = " + FormatNumber(b(j), style, 4);
        return text;
      }
      return "";
    }
  }
  return "";
}

}  // namespace

Matrix* InputMatrix(Scenario& sc, const std::string& name) {
  if (name == "E") return &sc.E;
  if (name == "X") return &sc.X;
  if (name == "X_kv") return &sc.X_kv;
  if (name == "Q") return &sc.Q;
  if (name == "K") return &sc.K;
  if (name == "V") return &sc.V;
  if (name == "W_O") return &sc.W_O;
  if (name == "unembedding") return &sc.U;
  size_t head = 0;
  std::string w = name;
  if (name.rfind("heads[", 0) == 0) {
    head = static_cast<size_t>(std::strtoul(name.c_str() + 6, nullptr, 10));
    w = name.substr(name.find('.') + 1);
  }
  if (head >= sc.heads.size()) return nullptr;
  if (w == "W_Q") return &sc.heads[head].W_Q;
  if (w == "W_K") return &sc.heads[head].W_K;
  if (w == "W_V") return &sc.heads[head].W_V;
  return nullptr;
}

void FillIdentity(Matrix* m) { m->setIdentity(); }

void FillOneHotRows(Matrix* m) {
  m->setZero();
  for (Eigen::Index i = 0; i < m->rows() && m->cols() > 0; ++i) (*m)(i, i % m->cols()) = 1.0;
}

void FillRandom(Matrix* m, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (Eigen::Index i = 0; i < m->rows(); ++i)
    for (Eigen::Index j = 0; j < m->cols(); ++j) (*m)(i, j) = std::round(normal(rng) * 100.0) / 100.0;
}

static bool Skipped(AppState& s, const std::string& name) {
  s.ui.panel_names.push_back(name);
  return s.ui.exporting && !s.ui.only_panel.empty() && name != s.ui.only_panel;
}


static void ExportMenuItem(AppState& s, const std::string& name) {
  const bool clicked = ImGui::MenuItem("Export picture\u2026", "Ctrl+E");
  s.Record("menu.export");
  if (clicked) {
    s.ui.export_request.panel = name;
    s.ui.export_dialog = true;
  }
}

// "Show in presentation": whether presentation mode shows this panel.
static void PresentationMenuItem(AppState& s, const std::string& name) {
  const ViewScreen* screen = FindViewScreen(s.scenario.view);
  if (!screen) return;
  const std::vector<std::string> choice = PresentationChoice(s, screen->presentation_panels);
  const bool shown = InChoice(choice, name);
  if (ImGui::MenuItem("Show in presentation", nullptr, shown))
    ShowInPresentation(s, screen->presentation_panels, s.ui.panel_names, name, !shown);
  s.Record("menu.presentation");
}

static void ExportMenu(AppState& s, const std::string& name) {
  ImGui::Separator();
  ExportMenuItem(s, name);
}

bool ExportingOnePanel(const AppState& s) { return s.ui.exporting && !s.ui.only_panel.empty(); }

ImVec2 FigureExportSize() {
  const float font = ImGui::GetFontSize();
  return ImVec2(font * 34.0f, font * 21.0f);
}

bool BeginFigurePanel(AppState& s, const std::string& name, const std::string& title, ImVec2* body) {
  if (Skipped(s, name)) return false;
  ImGui::BeginGroup();
  ImGui::PushID(name.c_str());
  // One text line either way (a small button is as tall as text), so a
  // picture has the window's layout.
  ImGui::TextUnformatted(title.c_str());
  if (!s.ui.exporting && !s.ui.presentation) {  // (presentation has no export dialog)
    ImGui::SameLine();
    if (ImGui::SmallButton("\u2026")) ImGui::OpenPopup("figure_menu");
    s.Record("panel." + name + ".menu");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Export a picture of this plot");
    if (ImGui::BeginPopup("figure_menu")) {
      ExportMenuItem(s, name);
      ImGui::EndPopup();
    }
  }
  ImGui::PopID();
  body->y = std::max(ImGui::GetFontSize() * 4.0f, body->y - ImGui::GetTextLineHeightWithSpacing());
  return true;
}

void EndFigurePanel(AppState& s, const std::string& name) {
  ImGui::EndGroup();
  s.Record("panel." + name + ".group");
  if (!s.ui.exporting && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem)) s.ui.hovered_panel = name;
}

void InputMatrixPanel(AppState& s, PanelFlow& flow, const std::string& name, const char* what,
                      const std::vector<std::string>* row_labels, const std::vector<std::string>* col_labels) {
  Matrix* m = InputMatrix(s.scenario, name);
  if (!m || Skipped(s, name)) return;
  const std::vector<std::string> rows_default, cols_default;

  HeatmapSpec spec;
  spec.title = name;
  spec.show_title = false;
  spec.values = m;
  spec.row_labels = row_labels;
  spec.col_labels = col_labels;
  spec.colormap = s.ui.signed_colormap;
  spec.fixed_range = false;
  spec.number_style = s.ui.number_style;
  spec.show_colorbar = false;  // inputs print their values; the bar would only take room
  spec.revision = s.revision;

  const bool identity = m->size() == 0;
  const std::string shape = identity ? "identity" : Shape(*m);
  const bool folded = Folded(s, name);
  const float body = identity ? ImGui::GetFontSize() * 12 : folded ? 0.0f : HeatmapSize(spec, PanelCell(spec, false)).x;
  Place(flow, std::max(body, HeaderWidth(name, shape, what)), folded);
  ImGui::BeginGroup();
  bool menu = false;
  const bool open = Header(s, name, shape, what, &menu);
  if (ErrorIsAbout(s.status, name)) {
    ErrorLine(s.status);
    s.Record("panel." + name + ".error");
  }
  const std::string popup = "menu." + name;
  if (identity) {
    ImGui::TextDisabled("none: %s = X", name.c_str());
    if (ImGui::SmallButton(("Make " + name + " explicit").c_str())) {
      const Eigen::Index d = s.has_result ? s.derived.X.cols() : 0;
      if (d > 0) {
        Matrix eye = Matrix::Identity(d, d);
        *InputMatrix(s.Edit(), name) = eye;
      }
    }
  } else if (open) {
    spec.cell = PanelCell(spec, false);
    if (s.ui.svg_out && s.ui.only_panel == name) {
      *s.ui.svg_out = HeatmapSvg(spec, spec.cell, name, shape, {s.ui.dark, s.ui.export_request.transparent});
    }
    MatrixEditorState& st = s.ui.editors[name];
    const MatrixEditorResult r = MatrixEditor(name.c_str(), spec, HeatmapSize(spec, spec.cell), st);
    s.ui.items["panel." + name] = ItemRect{r.heatmap.grid_min, r.heatmap.grid_max};
    if (r.error_max.x > r.error_min.x) s.ui.items["panel." + name + ".cell_error"] = ItemRect{r.error_min, r.error_max};
    if (r.edit_max.x > r.edit_min.x) s.ui.items["panel." + name + ".edit"] = ItemRect{r.edit_min, r.edit_max};
    if (!r.edits.empty()) {
      Matrix* target = InputMatrix(s.Edit(), name);
      for (const CellEdit& e : r.edits) (*target)(e.row, e.col) = e.value;
      if (r.typed) s.EndGesture();  // each typed cell is its own step of undo, even when Tab moves on
    }
    if (r.context_menu) {
      s.ui.context_row = r.context_row;
      s.ui.context_col = r.context_col;
      ImGui::OpenPopup(popup.c_str());
    }
    if (ImGui::IsItemHovered()) s.ui.hovered_panel = name;
    if (r.heatmap.hovered_row >= 0 && !st.Editing()) {
      ImGui::SetTooltip("%s[%d][%d] = %s\nclick to type (fractions like 1/3 work), drag sideways to scrub,\n"
                        "right-click for rows, columns, fills and paste",
                        name.c_str(), r.heatmap.hovered_row, r.heatmap.hovered_col,
                        FormatNumber((*m)(r.heatmap.hovered_row, r.heatmap.hovered_col), NumberStyle::kFraction, 6).c_str());
    }
  }
  if (menu) {
    s.ui.context_row = s.ui.context_col = -1;
    ImGui::OpenPopup(popup.c_str());
  }
  if (ImGui::BeginPopup(popup.c_str())) {
    InputMenu(s, name, s.ui.context_row, s.ui.context_col);
    ExportMenu(s, name);
    ImGui::EndPopup();
  }
  ImGui::EndGroup();
  s.Record("panel." + name + ".group");
}

namespace {

// A result panel's heatmap: its labels, the values it shows (step mode's
// unmasked scores are recomputed here: the result does not keep them) and
// the spec. Not copyable: the spec points into it.
struct ResultView {
  std::vector<std::string> rows, cols;
  std::vector<std::pair<int, int>> targets;  // probs: the loss's (row, target) cells
  Matrix unmasked;
  const Matrix* values = nullptr;
  HeatmapSpec spec;
  ResultView(const AppState& s, const ResultPanel& p);
  ResultView(const ResultView&) = delete;
  ResultView& operator=(const ResultView&) = delete;
};

ResultView::ResultView(const AppState& s, const ResultPanel& p) {
  const Result& r = s.derived;
  const Scenario& sc = s.scenario;
  const HeadResult& head = r.heads[static_cast<size_t>(p.head)];
  // Cross-attention: K and V have a row per key, of the other sequence.
  const std::string base = p.name.substr(p.name.rfind('.') + 1);
  const bool key_rows = r.X_kv.size() != 0 && (base == "K" || base == "V");
  const std::vector<std::string>& row_tokens = key_rows ? sc.kv_tokens : sc.tokens;
  if (static_cast<Eigen::Index>(row_tokens.size()) == p.values->rows()) {
    rows = row_tokens;
  } else {
    for (Eigen::Index i = 0; i < p.values->rows(); ++i)
      rows.push_back((sc.input == InputMode::kQKV ? "q" : key_rows ? "k" : "") + std::to_string(i));
  }
  const bool key_columns = p.kind == MatrixKind::kRawScores || p.kind == MatrixKind::kScaledScores ||
                           p.kind == MatrixKind::kScores || p.kind == MatrixKind::kWeights ||
                           p.kind == MatrixKind::kMeanWeights;
  // Cross-attention's keys are the other sequence's positions.
  const bool cross = r.X_kv.size() != 0;
  const std::vector<std::string>& key_tokens = cross ? sc.kv_tokens : sc.tokens;
  const bool vocab_columns = p.kind == MatrixKind::kLogits || p.kind == MatrixKind::kProbs;
  for (Eigen::Index j = 0; j < p.values->cols(); ++j) {
    if (key_columns && sc.input != InputMode::kQKV && static_cast<Eigen::Index>(key_tokens.size()) == p.values->cols()) {
      cols.push_back(key_tokens[static_cast<size_t>(j)]);
    } else if (vocab_columns && static_cast<Eigen::Index>(sc.vocab.size()) == p.values->cols()) {
      cols.push_back(sc.vocab[static_cast<size_t>(j)]);
    } else {
      cols.push_back((key_columns && (sc.input == InputMode::kQKV || cross) ? "k" : "") + std::to_string(j));
    }
  }
  values = p.values;
  if (p.kind == MatrixKind::kRawScores || p.kind == MatrixKind::kScaledScores) {
    RawScores(head, &unmasked);
    if (p.kind == MatrixKind::kScaledScores) unmasked *= head.scale;
    values = &unmasked;
  }
  spec.title = p.name;
  spec.show_title = false;
  spec.values = values;
  spec.revision = s.revision;
  spec.row_labels = &rows;
  spec.col_labels = &cols;
  spec.number_style = s.ui.number_style;
  spec.label_scale = s.ui.presentation ? 0.8f : 1.0f;
  const bool sequential =
      p.kind == MatrixKind::kWeights || p.kind == MatrixKind::kProbs || p.kind == MatrixKind::kMeanWeights;
  spec.colormap = sequential ? s.ui.weights_colormap : s.ui.signed_colormap;
  spec.fixed_range = sequential && !s.ui.weights_auto_range;
  // (every head has the same mask: the mean's hatch is head 0's)
  if (p.kind == MatrixKind::kScores || p.kind == MatrixKind::kWeights || p.kind == MatrixKind::kMeanWeights)
    spec.allowed = &head.allowed;
  if (p.kind == MatrixKind::kWeights) spec.argmax = &head.argmax;
  if (p.kind == MatrixKind::kScores) spec.masked_text = "\u2212\u221E";
  if (p.kind == MatrixKind::kProbs) {
    for (const LossTerm& t : r.loss_terms) targets.emplace_back(t.row, t.target);
    spec.outlined = &targets;
  }
  // Presentation: the cells' numbers are never smaller than the UI's text.
  if (p.room.x > 0) spec.min_value_px = ImGui::GetFontSize();
}

}  // namespace

ImVec2 ResultPanelReadableSize(const AppState& s, const ResultPanel& p) {
  ResultPanel at = p;
  at.room = ImVec2(1, 1);
  const ResultView v(s, at);
  const ImVec2 map = HeatmapReadableSize(v.spec);
  return ImVec2(map.x, map.y + ImGui::GetTextLineHeightWithSpacing());
}

Slide MatrixSlide(AppState& s, ResultPanel p, std::string label) {
  Slide slide;
  slide.key = p.name;
  slide.label = std::move(label);
  slide.min = ResultPanelReadableSize(s, p);
  slide.draw = [&s, p](ImVec2 room) mutable {
    p.room = room;
    PanelFlow flow;
    ResultMatrixPanel(s, flow, p);
  };
  return slide;
}

void ResultMatrixPanel(AppState& s, PanelFlow& flow, const ResultPanel& p) {
  if (Skipped(s, p.name)) return;
  const Result& r = s.derived;
  const Scenario& sc = s.scenario;
  const HeadResult& head = r.heads[static_cast<size_t>(p.head)];
  const ResultView view(s, p);
  const std::vector<std::string>& rows = view.rows;
  const std::vector<std::string>& cols = view.cols;
  const Matrix* values = view.values;
  HeatmapSpec spec = view.spec;
  if (p.room.x > 0) {  // presentation: the title, and the map in the room given
    ImGui::BeginGroup();
    HeaderTitle(p.name, Shape(*values), p.formula);
    const ImVec2 room(p.room.x, std::max(1.0f, p.room.y - ImGui::GetTextLineHeightWithSpacing()));
    const HeatmapResult h = Heatmap(p.name.c_str(), spec, room);
    s.ui.items["panel." + p.name] = ItemRect{h.grid_min, h.grid_max};
    s.ui.cell_text_px[p.name] = h.values_shown > 0 ? h.value_px : 0.0f;
    ImGui::EndGroup();
    s.Record("panel." + p.name + ".group");
    return;
  }

  const float cell = PanelCell(spec, p.large, p.kind == MatrixKind::kWeights ? 2.6f : 2.2f);
  const ImVec2 size = HeatmapSize(spec, cell);
  const bool folded = Folded(s, p.name);
  Place(flow, std::max(folded ? 0.0f : size.x, HeaderWidth(p.name, Shape(*values), p.formula)), folded);
  ImGui::BeginGroup();
  bool menu = false;
  const bool open = Header(s, p.name, Shape(*values), p.formula, &menu);
  if (open) {
    spec.cell = cell;
    if (s.ui.svg_out && s.ui.only_panel == p.name) {
      *s.ui.svg_out = HeatmapSvg(spec, cell, p.name, Shape(*values) + (p.formula.empty() ? "" : "  = " + p.formula),
                                 {s.ui.dark, s.ui.export_request.transparent});
    }
    const HeatmapResult h = Heatmap(p.name.c_str(), spec, size);
    s.ui.items["panel." + p.name] = ItemRect{h.grid_min, h.grid_max};
    if (ImGui::IsItemHovered()) s.ui.hovered_panel = p.name;
    if (h.hovered_row >= 0) RememberHover(s, ExplainResultCell(s, p, h.hovered_row, h.hovered_col));
    // Clicking a weight masks or unmasks it (the mask becomes custom).
    if (p.kind == MatrixKind::kWeights && h.clicked && h.hovered_row >= 0 && sc.input != InputMode::kQKV) {
      Mask allowed = head.allowed.ToDense();
      allowed(h.hovered_row, h.hovered_col) = !allowed(h.hovered_row, h.hovered_col);
      MaskSpec& mask = s.Edit().attention.mask;
      mask.kind = MaskKind::kCustom;
      mask.custom = allowed;
    }
  }
  const std::string popup = "menu." + p.name;
  if (menu) ImGui::OpenPopup(popup.c_str());
  if (ImGui::BeginPopup(popup.c_str())) {
    CopyMenu(*values, &rows, &cols);
    PresentationMenuItem(s, p.name);
    ExportMenu(s, p.name);
    ImGui::EndPopup();
  }
  ImGui::EndGroup();
  s.Record("panel." + p.name + ".group");
}

HeatmapSpec FigureHeatmapSpec(const AppState& s, const std::string& name, const Matrix* values,
                              const std::vector<std::string>* rows, const std::vector<std::string>* cols,
                              bool sequential) {
  HeatmapSpec hs;
  hs.title = name;
  hs.show_title = false;
  hs.values = values;
  hs.row_labels = rows;
  hs.col_labels = cols;
  hs.colormap = sequential ? s.ui.weights_colormap : s.ui.signed_colormap;
  hs.fixed_range = sequential && !s.ui.weights_auto_range;
  hs.number_style = s.ui.number_style;
  hs.label_scale = s.ui.presentation ? 0.8f : 1.0f;
  return hs;
}

}  // namespace attnlab::ui
