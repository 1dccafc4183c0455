#include "ui/file_browser.hpp"

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "app_state.hpp"
#include "attnlab/scenario_io.hpp"
#include "ui/theme.hpp"

namespace attnlab::ui {
namespace fs = std::filesystem;

namespace {

// A recent-files list is a few hundred bytes; anything far bigger is not ours.
constexpr std::streamoff kMaxRecentFilesBytes = 1 << 20;

std::string Lower(const std::string& text) {
  std::string out = text;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool HasJsonExtension(const std::string& name) {
  return name.size() > 5 && Lower(name.substr(name.size() - 5)) == ".json";
}

bool IsFolder(const std::string& path) {
  std::error_code ec;
  return !path.empty() && fs::is_directory(path, ec);
}

// "/a/b/c.json" -> "c.json"; "c.json" -> "c.json".
std::string FileNameOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "/a/b/c.json" -> "/a/b"; "/c.json" -> "/"; "c.json" -> "".
std::string FolderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Join(const std::string& folder, const std::string& name) {
  if (folder.empty()) return name;
  return folder.back() == '/' ? folder + name : folder + "/" + name;
}

std::string HomeFolder() {
  const char* home = std::getenv("HOME");
  return home && *home ? AbsolutePath(home) : "";
}

// The same file (or folder), however spelled; false when either is missing.
bool SamePath(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  std::error_code ec1, ec2;
  const fs::path ca = fs::weakly_canonical(a, ec1), cb = fs::weakly_canonical(b, ec2);
  return !ec1 && !ec2 && ca == cb;
}

std::string PresetsFolder(const AppState& s) {
  if (!s.ui.files.presets_dir.empty()) return s.ui.files.presets_dir;
  if (!s.presets.empty()) return FolderOf(s.presets.front().path);
  return "";
}

// Puts `path` in the path field; one too long for it is refused with a
// message rather than cut (a cut path would save somewhere else).
void SetPath(AppState& s, const std::string& path) {
  if (path.size() >= sizeof s.ui.path_buffer) {
    s.ui.file_error = "That path is longer than the path field holds (" + std::to_string(sizeof s.ui.path_buffer - 1) +
                      " bytes): choose a shorter one.";
    return;
  }
  std::snprintf(s.ui.path_buffer, sizeof s.ui.path_buffer, "%s", path.c_str());
}

void Navigate(FileBrowserState& f, const std::string& dir) {
  f.dir = AbsolutePath(dir);
  f.listing = ListDirectory(f.dir);
  f.show_recent = false;
  f.rescroll = true;
}

// The name Save offers when the path has none: the scenario's own file name.
std::string DefaultName(const AppState& s) {
  const std::string name = FileNameOf(s.scenario_path);
  return name.empty() ? "attnlab-session.json" : name;
}

// Save: entering a folder (or choosing a place) keeps the file name and moves
// the path into that folder.
void MovePathInto(AppState& s, const std::string& dir, std::string name = "") {
  if (name.empty()) name = FileNameOf(s.ui.path_buffer);
  if (name.empty()) name = DefaultName(s);
  SetPath(s, Join(AbsolutePath(dir), name));
}

// Adds `path` to the recent files, merged with what another window may have
// written since; best effort, like the autosave: never in the way.
void NoteRecentFile(FileBrowserState& f, const std::string& path) {
  if (!f.recent_path.empty()) {
    std::vector<std::string> on_disk = ReadRecentFiles(f.recent_path);
    if (!on_disk.empty()) f.recent = std::move(on_disk);
  }
  AddRecentFile(&f.recent, path);
  if (!f.recent_path.empty()) WriteRecentFiles(f.recent_path, f.recent);
}

// `text` cut at the front to fit `width` pixels: "…/attnlab/assets/presets".
std::string EllipsizeFront(const std::string& text, float width) {
  if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
  size_t start = 0;
  while (start < text.size()) {
    ++start;
    while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
    const std::string cut = "\u2026" + text.substr(start);
    if (ImGui::CalcTextSize(cut.c_str()).x <= width) return cut;
  }
  return "\u2026";
}

void Record(AppState& s, bool save, const std::string& what) {
  s.Record(std::string(save ? "dialog.save." : "dialog.open.") + what);
}

// A place: a button that shows `dir` (greyed when there is none), highlighted
// while it is the folder shown.
void PlaceButton(AppState& s, bool save, const char* label, const std::string& dir, const char* record_as) {
  FileBrowserState& f = s.ui.files;
  const bool here = !f.show_recent && !dir.empty() && f.dir == AbsolutePath(dir);
  const bool usable = IsFolder(dir);
  if (here) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
  ImGui::BeginDisabled(!usable);
  if (ImGui::Button(label)) {
    Navigate(f, dir);
    if (save) MovePathInto(s, f.dir);
  }
  ImGui::EndDisabled();
  if (here) ImGui::PopStyleColor();
  Record(s, save, record_as);
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s", usable ? dir.c_str() : "not available");
}

// One clickable entry of the list, the whole row wide; `detail` (a recent
// file's folder) follows the label, dimmed. Returns true when it asks to open
// (or save over) the file: a double-click whose both clicks were on it.
bool Entry(AppState& s, bool save, const std::string& label, const std::string& detail, const std::string& path,
           bool is_dir, bool selected, const std::string& record_as, std::string* navigate_to) {
  FileBrowserState& f = s.ui.files;
  bool activate = false;
  const ImVec2 start = ImGui::GetCursorPos();
  const bool clicked = ImGui::Selectable(detail.empty() ? label.c_str() : "##entry", selected,
                                         ImGuiSelectableFlags_AllowDoubleClick | ImGuiSelectableFlags_DontClosePopups);
  Record(s, save, record_as);
  if (!detail.empty()) {
    ImGui::SameLine(start.x);
    ImGui::TextUnformatted(label.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s", EllipsizeFront(detail, ImGui::GetContentRegionAvail().x).c_str());
  }
  if (clicked) {
    const bool double_click = ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left);
    if (double_click && f.last_clicked != path) {
      // The second click of a double-click on a folder, landing on whatever
      // the new listing put under the pointer: not a choice.
    } else if (is_dir) {
      *navigate_to = path;
      f.last_clicked = path;
    } else {
      SetPath(s, path);
      f.last_clicked = path;
      activate = double_click;
    }
  }
  return activate;
}

}  // namespace

// ---- the model -------------------------------------------------------------------

DirListing ListDirectory(const std::string& dir) {
  DirListing out;
  out.dir = dir;
  if (dir.empty()) {
    out.error = "no folder to list";
    return out;
  }
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (st.type() == fs::file_type::not_found) {
    out.error = "cannot open the folder " + dir + ": it does not exist";
    return out;
  }
  if (ec) {
    out.error = "cannot open the folder " + dir + ": " + ec.message();
    return out;
  }
  if (!fs::is_directory(st)) {
    out.error = dir + " is a file, not a folder";
    return out;
  }
  fs::directory_iterator it(dir, ec);
  if (ec) {
    out.error = "cannot open the folder " + dir + ": " + ec.message();
    return out;
  }
  for (const fs::directory_iterator end; it != end;) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] != '.') {
      std::error_code type_ec;
      const bool is_dir = it->is_directory(type_ec);  // follows links to folders
      if (!type_ec) {
        if (is_dir) {
          out.entries.push_back({name, it->path().string(), true});
        } else if (HasJsonExtension(name) && it->is_regular_file(type_ec) && !type_ec) {
          out.entries.push_back({name, it->path().string(), false});
        }
      }
    }
    it.increment(ec);
    if (ec) {
      out.error = "could not read all of the folder " + dir + ": " + ec.message();
      break;
    }
  }
  std::sort(out.entries.begin(), out.entries.end(), [](const DirEntry& a, const DirEntry& b) {
    if (a.is_dir != b.is_dir) return a.is_dir;
    const std::string la = Lower(a.name), lb = Lower(b.name);
    return la != lb ? la < lb : a.name < b.name;
  });
  return out;
}

std::string AbsolutePath(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) p = path;
  std::string out = p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string ParentFolder(const std::string& dir) {
  const std::string abs = AbsolutePath(dir.empty() ? "." : dir);
  const std::string parent = FolderOf(abs);
  return parent.empty() ? abs : parent;
}

void AddRecentFile(std::vector<std::string>* recent, const std::string& path) {
  const std::string p = AbsolutePath(path);
  if (p.empty()) return;
  recent->erase(std::remove(recent->begin(), recent->end(), p), recent->end());
  recent->insert(recent->begin(), p);
  if (recent->size() > kMaxRecentFiles) recent->resize(kMaxRecentFiles);
}

std::vector<std::string> ReadRecentFiles(const std::string& file) {
  if (file.empty()) return {};
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size <= 0 || size > kMaxRecentFilesBytes) return {};
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) return {};
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_array()) return {};
  std::vector<std::string> out;
  for (const nlohmann::json& item : j) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) return {};  // not ours: start afresh
  }
  // Oldest first, so that AddRecentFile puts each in its place (deduplicated, capped).
  for (auto item = j.rbegin(); item != j.rend(); ++item) AddRecentFile(&out, item->get<std::string>());
  return out;
}

Status WriteRecentFiles(const std::string& file, const std::vector<std::string>& recent) {
  if (file.empty()) return Status::Error("", "no file to keep the recent files in");
  nlohmann::json j = nlohmann::json::array();
  for (const std::string& path : recent) {
    // A path that is not UTF-8 cannot be written as JSON: it stays in memory only.
    try {
      (void)nlohmann::json(path).dump();
      j.push_back(path);
    } catch (const nlohmann::json::exception&) {
    }
  }
  return WriteFileAtomic(file, j.dump(2) + "\n");
}

std::string RecentFilesPathBeside(const std::string& autosave_path) {
  if (autosave_path.empty()) return "";
  const std::string folder = FolderOf(autosave_path);
  return Join(folder.empty() ? "." : folder, "recent-files.json");
}

// ---- the widget ------------------------------------------------------------------

void PrepareFileDialog(AppState& s, const std::string& path) {
  FileBrowserState& f = s.ui.files;
  s.ui.file_error.clear();
  s.ui.path_buffer[0] = '\0';
  SetPath(s, path);
  f.question.clear();
  f.question_path.clear();
  f.last_clicked.clear();
  f.name_synced_from = "\n";  // never a path: the name is taken from the path on the first frame
  if (!f.recent_path.empty()) {
    std::vector<std::string> on_disk = ReadRecentFiles(f.recent_path);
    if (!on_disk.empty()) f.recent = std::move(on_disk);
  }
  std::string folder = path.empty() ? "" : FolderOf(AbsolutePath(path));
  if (!IsFolder(folder)) folder = HomeFolder();
  if (!IsFolder(folder)) folder = AbsolutePath(".");
  Navigate(f, folder);
}

ImVec2 FileDialogSize(float font_px, ImVec2 display) {
  const float margin = font_px;
  const float w = std::min(font_px * 36.0f, display.x - 2 * margin);
  const float h = std::min(font_px * 28.0f, display.y - 2 * margin);
  return ImVec2(std::max(w, 1.0f), std::max(h, 1.0f));
}

bool DrawFileBrowser(AppState& s, bool save) {
  FileBrowserState& f = s.ui.files;
  const ImGuiStyle& style = ImGui::GetStyle();
  bool activate = false, close = false;

  // A question is about one path: typing another one withdraws it.
  if (!f.question.empty() && f.question_path != s.ui.path_buffer) f.question.clear();

  ImGui::TextUnformatted(save ? "Save the scenario as JSON (written atomically)" : "Open a scenario file");

  // The places, one click away.
  const std::string presets = PresetsFolder(s);
  const std::string home = HomeFolder();
  const std::string here = s.scenario_path.empty() ? "" : FolderOf(AbsolutePath(s.scenario_path));
  PlaceButton(s, save, "Presets", presets, "place.presets");
  ImGui::SameLine();
  PlaceButton(s, save, "Home", home, "place.home");
  ImGui::SameLine();
  PlaceButton(s, save, "Scenario's folder", here, "place.scenario");
  ImGui::SameLine();
  if (f.show_recent) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
  const bool recent_was_shown = f.show_recent;
  if (ImGui::Button("Recent")) f.show_recent = true;
  if (recent_was_shown) ImGui::PopStyleColor();
  Record(s, save, "place.recent");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The files opened or saved last");

  // The folder shown, and the way up.
  ImGui::BeginDisabled(f.show_recent || f.dir == "/");
  if (ImGui::Button("\u2191 Up")) {
    Navigate(f, ParentFolder(f.dir));
    if (save) MovePathInto(s, f.dir);
  }
  ImGui::EndDisabled();
  Record(s, save, "up");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The folder above");
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  const std::string where = f.show_recent ? "Recent files" : f.dir;
  ImGui::TextUnformatted(EllipsizeFront(where, ImGui::GetContentRegionAvail().x).c_str());
  if (ImGui::IsItemHovered() && !f.show_recent) ImGui::SetTooltip("%s", f.dir.c_str());

  // The list takes what the rows below it leave: the name (Save), the path,
  // the buttons, and three lines for a message that never moves anything.
  const float row = ImGui::GetFrameHeightWithSpacing();
  const float notice_h = ImGui::GetTextLineHeightWithSpacing() * 3;
  const float below = row * (save ? 3.0f : 2.0f) + notice_h + style.ItemSpacing.y;
  const float list_h = std::max(ImGui::GetContentRegionAvail().y - below, row * 3);
  const std::string current = AbsolutePath(s.ui.path_buffer);
  std::string navigate_to;
  ImGui::BeginChild("##files", ImVec2(0, list_h), true);
  if (f.show_recent) {
    if (f.recent.empty()) ImGui::TextDisabled("No recent files yet: files you open or save here appear here.");
    for (size_t i = 0; i < f.recent.size(); ++i) {
      const std::string& path = f.recent[i];
      ImGui::PushID(static_cast<int>(i));
      std::error_code ec;
      const bool missing = !fs::is_regular_file(path, ec);
      ImGui::BeginDisabled(missing);
      const std::string label = FileNameOf(path) + (missing ? "  (missing)" : "");
      if (Entry(s, save, label, FolderOf(path), path, false, path == current, "recent." + path, &navigate_to))
        activate = true;
      ImGui::EndDisabled();
      ImGui::PopID();
    }
  } else if (!f.listing.error.empty() && f.listing.entries.empty()) {
    ErrorText(f.listing.error);
  } else {
    if (!f.listing.error.empty()) ErrorText(f.listing.error);
    if (f.listing.entries.empty()) ImGui::TextDisabled("No folders or .json files here.");
    if (f.rescroll) {  // a new folder: from the top, or with the chosen file in view
      f.rescroll = false;
      float y = 0;
      for (size_t i = 0; i < f.listing.entries.size(); ++i) {
        if (f.listing.entries[i].path == current)
          y = std::max(0.0f, ImGui::GetTextLineHeightWithSpacing() * (static_cast<float>(i) + 1) - list_h * 0.5f);
      }
      ImGui::SetScrollY(y);
    }
    ImGuiListClipper clipper;  // a folder of thousands of files costs what is visible
    clipper.Begin(static_cast<int>(f.listing.entries.size()));
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const DirEntry& e = f.listing.entries[static_cast<size_t>(i)];
        ImGui::PushID(i);
        const std::string label = e.is_dir ? e.name + "/" : e.name;
        if (Entry(s, save, label, "", e.path, e.is_dir, !e.is_dir && e.path == current, "entry." + e.name, &navigate_to))
          activate = true;
        ImGui::PopID();
      }
    }
  }
  ImGui::EndChild();
  Record(s, save, "list");
  if (!navigate_to.empty()) {
    Navigate(f, navigate_to);
    if (save) MovePathInto(s, f.dir);
  }

  const float label_w = ImGui::CalcTextSize("Name").x + style.ItemSpacing.x * 2;
  if (save) {
    // The file name is the last part of the path; editing it renames the target.
    if (f.name_synced_from != s.ui.path_buffer) {
      std::snprintf(f.name_buffer, sizeof f.name_buffer, "%s", FileNameOf(s.ui.path_buffer).c_str());
      f.name_synced_from = s.ui.path_buffer;
    }
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Name");
    ImGui::SameLine(label_w);
    ImGui::SetNextItemWidth(-FLT_MIN);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    if (ImGui::InputText("##name", f.name_buffer, sizeof f.name_buffer, ImGuiInputTextFlags_EnterReturnsTrue))
      activate = true;
    const bool renamed = ImGui::IsItemEdited();
    Record(s, save, "name");
    if (renamed) {
      const std::string folder = FolderOf(s.ui.path_buffer);
      SetPath(s, Join(folder.empty() ? f.dir : folder, f.name_buffer));
      f.name_synced_from = s.ui.path_buffer;
    }
  }
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Path");
  ImGui::SameLine(label_w);
  ImGui::SetNextItemWidth(-FLT_MIN);
  if (!save && ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  if (ImGui::InputText("##path", s.ui.path_buffer, sizeof s.ui.path_buffer, ImGuiInputTextFlags_EnterReturnsTrue))
    activate = true;
  Record(s, save, "path");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Type or paste a path; Enter %s it", save ? "saves" : "opens");

  // The buttons: one width whatever they say, so nothing shifts.
  const bool asked = !f.question.empty();
  const bool preset_question = asked && f.question_about_presets;
  const char* ok_label = !save ? "Open" : !asked ? "Save" : preset_question ? "Save there" : "Replace";
  const float button_w = ImGui::CalcTextSize("Save there").x + style.FramePadding.x * 2;
  if (ImGui::Button(ok_label, ImVec2(button_w, 0))) activate = true;
  Record(s, save, "ok");
  ImGui::SameLine();
  if (ImGui::Button("Cancel", ImVec2(button_w, 0))) close = true;
  Record(s, save, "cancel");
  if (preset_question && !home.empty()) {
    ImGui::SameLine();
    if (ImGui::Button("Save in home folder instead")) {
      Navigate(f, home);
      MovePathInto(s, home);
      f.question.clear();
    }
    Record(s, save, "home_instead");
  }

  // One place for what went wrong or what needs an answer, beside the fields;
  // a hint while there is neither.
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0, 0, 0, 0));
  ImGui::BeginChild("##notice", ImVec2(0, notice_h), false);
  if (!s.ui.file_error.empty()) {
    ErrorText(s.ui.file_error);
  } else if (!f.question.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.95f, 0.55f, 0.2f, 1));
    ImGui::TextWrapped("%s", f.question.c_str());
    ImGui::PopStyleColor();
  } else {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("%s", save ? "Click a folder to save into it, a file to replace it. Enter saves."
                                   : "Click a folder to open it, a file to choose it; double-click a file, "
                                     "or press Enter in the path, to open it.");
    ImGui::PopTextWrapPos();
  }
  ImGui::EndChild();
  ImGui::PopStyleColor();

  if (!activate) return close;

  // Open, save, or (a folder typed or double-clicked) go there.
  std::string target = s.ui.path_buffer;
  if (target.empty()) {
    s.ui.file_error = save ? "Type a file name." : "Choose a file, or type its path.";
    return false;
  }
  if (IsFolder(target)) {
    Navigate(f, target);
    if (save) MovePathInto(s, f.dir, DefaultName(s));
    s.ui.file_error.clear();
    return false;
  }
  if (!save) {
    const Status st = s.LoadScenario(target);
    s.ui.file_error = st.ok() ? "" : st.ToString();
    if (!st.ok()) return false;
    NoteRecentFile(f, target);
    return true;
  }
  // A name with no extension gets .json, so that the file shows in this list.
  if (FileNameOf(target).find('.') == std::string::npos) {
    target += ".json";
    SetPath(s, target);
  }
  if (f.question_path != target) {
    std::error_code ec;
    const bool exists = fs::exists(target, ec);
    const std::string folder = FolderOf(AbsolutePath(target));
    if (!presets.empty() && SamePath(folder, presets)) {
      f.question = FileNameOf(target) + " would go into the shipped presets folder, where it " +
                   (exists ? "replaces an exercise" : "joins the exercises") +
                   " everyone using this installation opens. Save there anyway, or in your home folder?";
      f.question_path = target;
      f.question_about_presets = true;
      s.ui.file_error.clear();
      return false;
    }
    if (exists && !SamePath(target, s.scenario_path)) {
      f.question = FileNameOf(target) + " already exists in " + folder + ". Replace it?";
      f.question_path = target;
      f.question_about_presets = false;
      s.ui.file_error.clear();
      return false;
    }
  }
  const Status st = s.SaveScenario(target);
  s.ui.file_error = st.ok() ? "" : st.ToString();
  f.question.clear();
  f.question_path.clear();
  if (!st.ok()) return false;
  s.ui.message = "Saved " + target;
  NoteRecentFile(f, target);
  return true;
}

}  // namespace attnlab::ui
