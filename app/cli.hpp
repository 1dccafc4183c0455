// attnlab app: the headless command line (no window, no GL).
#pragma once

#include <string>
#include <vector>

namespace attnlab::cli {

// Exit codes: 0 success, 1 failure of the environment (no display, cannot
// write), 2 bad input or bad usage (the message names the field or option).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

// `attnlab eval FILE.json [--format json|latex|csv]` (FILE may be "-" for
// standard input). `args` are the words after "eval".
int RunEval(const std::vector<std::string>& args);
// attnlab solve FILE [--format md|tex] [--out FILE]: the worked solution.
int RunSolve(const std::vector<std::string>& args);

std::string Usage();

}  // namespace attnlab::cli
