// attnlab app: PNG pictures through OpenGL (see ui/export.hpp for the rest).
#pragma once

#include "app_state.hpp"

namespace attnlab::ui {

// Renders `request` (a panel, or the whole view) at request.scale into a
// framebuffer object of the CURRENT OpenGL 3.3 context and writes the PNG
// atomically; the Status says what went wrong. A picture larger than the
// renderer's largest framebuffer is drawn at the largest scale that fits
// (never a failure unless even 1x does not fit), and `note` says so; with no
// `note` the line goes to stderr (the command line's `render`).
Status ExportPng(const AppState& state, const ExportRequest& request, std::string* note = nullptr);

}  // namespace attnlab::ui
