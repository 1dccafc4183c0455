// attnlab app: PNG pictures through OpenGL (see ui/export.hpp for the rest).
#pragma once

#include "app_state.hpp"

namespace attnlab::ui {

// Renders `request` (a panel, or the whole view) at request.scale into a
// framebuffer object of the CURRENT OpenGL 3.3 context and writes the PNG
// atomically. Prints nothing; the Status says what went wrong.
Status ExportPng(const AppState& state, const ExportRequest& request);

}  // namespace attnlab::ui
