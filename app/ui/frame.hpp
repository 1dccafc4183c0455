// attnlab app: one frame of the whole user interface.
//
// Call between ImGui::NewFrame() and ImGui::Render(). Owns every Begin/End:
// the top bar, the exercise sidebar and the current view. Recomputes the
// scenario first when an edit of the previous frame marked it dirty.
#pragma once

#include "app_state.hpp"

namespace attnlab::ui {

void DrawFrame(AppState& state);

// Views: contents only (no Begin/End of top-level windows). One file each:
// ui/view_<name>.cpp. DrawView() picks the one named by scenario.view.
void DrawView(AppState& state);
void DrawAttentionView(AppState& state);

}  // namespace attnlab::ui
