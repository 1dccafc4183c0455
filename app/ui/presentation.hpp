// attnlab app: presentation mode's layout, shared by every view.
//
// A view lists what it can show (its slides, each drawn into the room it is
// given, with the least room in which it stays legible); the instructor picks
// which, remembered per view in the scenario ("presentation"). The first one
// chosen is the main figure and takes the room the others leave; the others
// stand in a column beside it, else in a row below it, else are not drawn at
// all and named in one line: fewer panels, never smaller type.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app_state.hpp"

namespace attnlab::ui {

struct Slide {
  std::string key;    // a panel's name ("P", "heads[1].P", "weights_vs_T") or "loss", "exercise"
  std::string label;  // in the chooser: "P: the attention weights"
  ImVec2 min{0, 0};   // the least room in which it is legible at the UI's text size
  std::function<void(ImVec2 room)> draw;
};

// The keys presentation mode shows for the scenario's view: the scenario's
// choice, else `defaults`.
std::vector<std::string> PresentationChoice(const AppState& s, const std::vector<std::string>& defaults);

// Whether the chosen key `chosen` shows the panel `key`: the same name, or a
// family ("P" shows every head's P, "heads[1].P").
bool ChoiceMatches(const std::string& chosen, const std::string& key);
bool InChoice(const std::vector<std::string>& choice, const std::string& key);

// Shows or hides `key` in the scenario's choice for its view (one step of
// undo). `keys`: the view's panels now, to name a family's other members
// when one of them is hidden.
void ShowInPresentation(AppState& s, const std::vector<std::string>& defaults, const std::vector<std::string>& keys,
                        const std::string& key, bool shown);

struct PresentationLayout {
  struct Placed {
    size_t slide;    // index into the slides
    ImVec2 offset;   // from the top-left of the room
    ImVec2 size;
  };
  std::vector<Placed> placed;       // the main figure first
  std::vector<size_t> hidden;       // chosen but with no room
};

// Pure: where the chosen slides go in a room of `room` (tested headless).
PresentationLayout LayOutSlides(const std::vector<Slide>& slides, const std::vector<size_t>& chosen, ImVec2 room,
                                float spacing, float note_height);

// Lays out and draws the chosen slides in the remaining region; records each
// slide's rectangle as "slide.<key>" and remembers the view's slides for the
// chooser. A view with nothing chosen that it can draw shows its first slide.
void DrawPresentation(AppState& s, const std::vector<Slide>& slides, const std::vector<std::string>& defaults);

// The "Panels" button and its popup of checkboxes, for the top bar in
// presentation mode (the slides of the last frame's view).
void PresentationChooser(AppState& s);

// The exercise's text, and the course's solution once it may be seen (not
// before step mode's last stage). For side panels and the "exercise" slide.
void DrawExerciseText(AppState& s);

}  // namespace attnlab::ui
