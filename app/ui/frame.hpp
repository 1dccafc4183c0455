// attnlab app: one frame of the whole user interface.
//
// Call between ImGui::NewFrame() and ImGui::Render(). Owns every Begin/End:
// the top bar, the exercise sidebar and the current view. Recomputes the
// scenario first when an edit of the previous frame marked it dirty.
#pragma once

#include "app_state.hpp"

namespace attnlab::ui {

void DrawFrame(AppState& state);

// One frame of a picture (PNG or SVG export): the current view, or with
// state.ui.only_panel one panel alone, in a plain window filling the display,
// with no top bar, sidebar or buttons. Sets state.ui.exporting.
void DrawExport(AppState& state);

}  // namespace attnlab::ui
