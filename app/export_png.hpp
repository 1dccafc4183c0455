// attnlab app: PNG and JPEG pictures through OpenGL (see ui/export.hpp for the rest).
#pragma once

#include "app_state.hpp"

namespace attnlab::ui {

// Renders `request` (a panel, or the whole view) at request.scale into a
// framebuffer object of the CURRENT OpenGL 3.3 context and writes it
// atomically, as JPEG (quality 92) when request.out ends in .jpg or .jpeg and
// as PNG when it ends in .png (any other name is refused before drawing, see
// PictureFormatFor); the Status says what went wrong. A picture larger than the
// renderer's largest framebuffer is drawn at the largest scale that fits
// (never a failure unless even 1x does not fit), and `note` says so; with no
// `note` the line goes to stderr (the command line's `render`).
Status ExportPng(const AppState& state, const ExportRequest& request, std::string* note = nullptr);

}  // namespace attnlab::ui
