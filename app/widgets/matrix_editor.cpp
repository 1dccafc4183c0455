#include "widgets/matrix_editor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "attnlab/format.hpp"
#include "attnlab/matrix_text.hpp"

namespace attnlab::ui {
namespace {

// Tab and Up/Down arrive through the text field's callbacks (which also keeps
// ImGui's own Tab navigation from taking the focus elsewhere).
int EditCallback(ImGuiInputTextCallbackData* data) {
  auto* st = static_cast<MatrixEditorState*>(data->UserData);
  if (data->EventFlag == ImGuiInputTextFlags_CallbackCompletion) {
    st->move_cols = ImGui::GetIO().KeyShift ? -1 : 1;
  } else if (data->EventFlag == ImGuiInputTextFlags_CallbackHistory) {
    st->move_rows = data->EventKey == ImGuiKey_UpArrow ? -1 : 1;
  }
  return 0;
}

}  // namespace

void MatrixEditorState::StartEditing(int row, int col, double value) {
  edit_row = row;
  edit_col = col;
  focus_pending = true;
  error.clear();
  move_rows = move_cols = 0;
  const std::string text = FormatNumber(value, NumberStyle::kFraction, 6);
  std::snprintf(buffer, sizeof buffer, "%s", text.c_str());
}

double ScrubValue(double start, float pixels, bool fine) {
  const double step = fine ? 0.001 : 0.01;
  return std::round((start + static_cast<double>(pixels) * step) / step) * step;
}

MatrixEditorResult MatrixEditor(const char* str_id, const HeatmapSpec& spec, ImVec2 size, MatrixEditorState& st) {
  MatrixEditorResult out;
  const Matrix& m = *spec.values;
  const int rows = static_cast<int>(m.rows()), cols = static_cast<int>(m.cols());
  if (st.edit_row >= rows || st.edit_col >= cols) st.StopEditing();  // the matrix shrank

  ImGui::PushID(str_id);
  out.heatmap = Heatmap("##cells", spec, size);
  const HeatmapResult& h = out.heatmap;
  const ImGuiIO& io = ImGui::GetIO();

  // Press, drag to scrub, or click to type.
  if (ImGui::IsItemActivated() && h.hovered_row >= 0) {
    st.press_row = h.hovered_row;
    st.press_col = h.hovered_col;
    st.press_value = m(h.hovered_row, h.hovered_col);
    st.scrubbing = false;
  }
  if (h.panning) st.press_row = st.press_col = -1;  // a pan (big maps) is neither a scrub nor a click
  if (ImGui::IsItemActive() && st.press_row >= 0 && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 3.0f)) {
    st.scrubbing = true;
    const float dx = ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 3.0f).x;
    const double v = ScrubValue(st.press_value, dx, io.KeyShift);
    if (v != m(st.press_row, st.press_col)) out.edits.push_back({st.press_row, st.press_col, v});
  }
  if (ImGui::IsItemDeactivated()) {
    if (!st.scrubbing && st.press_row >= 0 && st.press_row == h.hovered_row && st.press_col == h.hovered_col) {
      st.StartEditing(st.press_row, st.press_col, m(st.press_row, st.press_col));
    }
    st.press_row = st.press_col = -1;
    st.scrubbing = false;
  }
  if (ImGui::IsItemHovered() && ImGui::IsMouseClicked(ImGuiMouseButton_Right) && h.hovered_row >= 0) {
    out.context_menu = true;
    out.context_row = h.hovered_row;
    out.context_col = h.hovered_col;
  }

  // The text field over the cell being edited.
  if (st.Editing() && h.cell > 0) {
    const ImVec2 at = h.CellMin(st.edit_row, st.edit_col);
    // The field stays within its cell (less padding when the cell is small),
    // so it never covers a neighbour; the text scrolls inside it.
    const float width = h.cell_w;
    const ImVec2 saved = ImGui::GetCursorScreenPos();
    const float pad_y = std::max(0.0f, std::min(ImGui::GetStyle().FramePadding.y, (h.cell_h - ImGui::GetFontSize()) * 0.5f));
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(std::min(ImGui::GetStyle().FramePadding.x, 2.0f), pad_y));
    const float frame_h = ImGui::GetFontSize() + pad_y * 2;
    ImGui::SetCursorScreenPos(ImVec2(at.x, at.y + std::max(0.0f, (h.cell_h - frame_h) * 0.5f)));
    ImGui::SetNextItemWidth(width);
    if (st.focus_pending) {
      ImGui::SetKeyboardFocusHere();
      st.focus_pending = false;
    }
    const ImGuiInputTextFlags flags = ImGuiInputTextFlags_AutoSelectAll | ImGuiInputTextFlags_EnterReturnsTrue |
                                      ImGuiInputTextFlags_CallbackCompletion | ImGuiInputTextFlags_CallbackHistory;
    const bool entered = ImGui::InputText("##edit", st.buffer, sizeof st.buffer, flags, EditCallback, &st);
    ImGui::PopStyleVar();
    out.edit_min = ImGui::GetItemRectMin();
    out.edit_max = ImGui::GetItemRectMax();
    const bool moved = st.move_rows != 0 || st.move_cols != 0;
    const bool cancelled = ImGui::IsItemDeactivated() && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
    const bool left = ImGui::IsItemDeactivated() && !entered && !cancelled;
    if (cancelled) {
      st.StopEditing();
    } else if (entered || moved || left) {
      double v = 0;
      const Status parsed = ParseNumberText(st.buffer, &v);
      if (!parsed.ok()) {
        st.error = parsed.ToString();
        st.focus_pending = !left;  // keep typing; clicking away gives up
        if (left) st.StopEditing();
        st.move_rows = st.move_cols = 0;
      } else {
        const int r = st.edit_row, c = st.edit_col;
        if (v != m(r, c)) out.edits.push_back({r, c, v});
        out.typed = true;
        if (moved) {
          // Tab runs along the row and wraps; Up/Down stay in the column.
          int nr = r + st.move_rows, nc = c + st.move_cols;
          if (nc >= cols) { nc = 0; nr = (nr + 1) % rows; }
          if (nc < 0) { nc = cols - 1; nr = (nr - 1 + rows) % rows; }
          nr = std::clamp(nr, 0, rows - 1);
          st.StartEditing(nr, nc, nr == r && nc == c ? v : m(nr, nc));
        } else {
          st.StopEditing();
        }
      }
    }
    if (!st.error.empty() && st.Editing()) {
      // Beside the matrix, level with the cell, on a backing of its own: never
      // over the next row's cells.
      ImDrawList* fg = ImGui::GetForegroundDrawList();
      const ImVec2 ts = ImGui::CalcTextSize(st.error.c_str());
      const float pad = ImGui::GetStyle().FramePadding.x;
      const ImVec2 p0(h.grid_max.x + pad * 2, at.y + (h.cell_h - ts.y) * 0.5f - pad * 0.5f);
      const ImVec2 p1(p0.x + ts.x + pad * 2, p0.y + ts.y + pad);
      fg->AddRectFilled(p0, p1, ImGui::GetColorU32(ImGuiCol_PopupBg), 3.0f);
      fg->AddRect(p0, p1, ImGui::GetColorU32(ImVec4(0.95f, 0.3f, 0.25f, 1)), 3.0f);
      fg->AddText(ImVec2(p0.x + pad, p0.y + pad * 0.5f), ImGui::GetColorU32(ImVec4(0.95f, 0.3f, 0.25f, 1)), st.error.c_str());
      out.error_min = p0;
      out.error_max = p1;
    }
    ImGui::SetCursorScreenPos(saved);
    ImGui::Dummy(ImVec2(0, 0));
  }
  ImGui::PopID();
  return out;
}

}  // namespace attnlab::ui
