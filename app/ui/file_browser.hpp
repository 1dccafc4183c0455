// attnlab app: the small file browser inside the Open… and Save… dialogs.
//
// Two halves. The model is pure (std::filesystem, no ImGui) and unit-tested
// without a window: a folder's listing (its sub-folders, then its .json
// files, each sorted case-insensitively, hidden entries skipped), the parent
// of a folder, and the recent-files list (at most kMaxRecentFiles paths, most
// recent first, no duplicates), kept as a JSON array in the state folder
// beside the autosave. Nothing here throws: a folder that cannot be read
// gives a message, a damaged recent-files file gives an empty list.
//
// The widget draws the dialog's contents inside the popup that frame.cpp
// begins: a row of places (the presets, home, the scenario's folder,
// recent files), the folder shown with an "up" button, the scrolling list,
// the file name (Save), the typed path (Enter works as ever), the buttons,
// and one fixed line for errors and questions ("replace it?").
#pragma once

#include <imgui.h>

#include <cstddef>
#include <string>
#include <vector>

#include "attnlab/status.hpp"

namespace attnlab::ui {

struct AppState;

// ---- the model ---------------------------------------------------------------

struct DirEntry {
  std::string name;  // "e9-dedupe-sort.json", "my exercises"
  std::string path;  // the folder's path joined with name
  bool is_dir = false;
};

struct DirListing {
  std::string dir;                // the folder listed, as asked
  std::vector<DirEntry> entries;  // folders first, then .json files; each case-insensitively
  std::string error;              // why it cannot be listed ("" = listed)
};

// The sub-folders and *.json files (any case of ".json") of `dir`. Entries
// whose name starts with '.' are skipped; so are other files, and entries
// whose type cannot be read. A folder that is missing, not a folder or not
// readable gives `error` (and no entries), never an exception.
DirListing ListDirectory(const std::string& dir);

// The folder holding `dir` ("/a/b/" and "/a/b" give "/a"); "/" for "/".
std::string ParentFolder(const std::string& dir);

// `path` made absolute and lexically normal ("a/../b.json" -> "/cwd/b.json").
std::string AbsolutePath(const std::string& path);

inline constexpr size_t kMaxRecentFiles = 8;

// `path` (absolute) moved to the front of `recent`, once, the list cut to
// kMaxRecentFiles.
void AddRecentFile(std::vector<std::string>* recent, const std::string& path);

// The list kept in `file` (a JSON array of strings). A missing, unreadable,
// oversized or malformed file gives an empty list; so does "" (nowhere).
std::vector<std::string> ReadRecentFiles(const std::string& file);

// Writes `recent` to `file` atomically (a crash leaves the old list whole).
Status WriteRecentFiles(const std::string& file, const std::vector<std::string>& recent);

// Where the recent files are kept: beside the autosave ("" when there is no
// autosave, as in scripted runs and tests, which then keep them in memory only).
std::string RecentFilesPathBeside(const std::string& autosave_path);

// ---- the dialog's state (AppState::ui.files) ----------------------------------

struct FileBrowserState {
  std::string dir;                  // the folder shown
  DirListing listing;               // of `dir`, read when the folder changes (not every frame)
  bool show_recent = false;         // the list shows the recent files instead of `dir`
  bool rescroll = false;            // `dir` changed: scroll its list to the top (or the chosen file)
  std::vector<std::string> recent;  // most recent first
  std::string recent_path;          // the JSON file that keeps `recent` ("" = memory only)
  std::string presets_dir;          // the shipped presets ("" = the folder of AppState::presets)
  char name_buffer[256] = {};       // Save: the file name, the last part of the path
  std::string name_synced_from;     // the path name_buffer was last taken from
  std::string question;             // Save: a question about `question_path` ("replace it?"), or ""
  std::string question_path;        // the path the question is about: a second Save answers yes
  bool question_about_presets = false;  // the question: save into the shipped presets?
  std::string last_clicked;         // the entry clicked last (a double-click needs both on it)
  bool open_requested = false;      // open the Open dialog this frame (Ctrl+O, --dialog open)
};

// ---- the widget ------------------------------------------------------------------

// Sets the dialog up before it opens: `path` in the path field, the folder
// holding it shown (else home, else the working folder), the recent files
// read again (another window may have added some).
void PrepareFileDialog(AppState& s, const std::string& path);

// The size the dialog takes: from the font size, within the display less a
// margin, so it fits and stays legible at 1024x768 and in presentation mode.
ImVec2 FileDialogSize(float font_px, ImVec2 display);

// The dialog's contents, between BeginPopup and EndPopup. Opens or saves on
// the user's word; returns true when the dialog should close.
bool DrawFileBrowser(AppState& s, bool save);

}  // namespace attnlab::ui
