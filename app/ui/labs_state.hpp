// attnlab app: UI state of the labs (Temperature, Scaling, Selection views):
// cursors, selected rows, cached samples. Plain data, owned by AppState.
#pragma once

namespace attnlab::ui {

struct LabsUiState {};

}  // namespace attnlab::ui
