// Test support: run a shell command and keep its exit code and output.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace attnlab::testing {

struct Outcome {
  int code = -1;  // the exit status, or -1 when the process did not exit normally
  std::string out, err;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `command` through the shell (trusted test strings only) with its
// standard output and error captured in a scratch folder.
inline Outcome RunShell(const std::string& command) {
  char dir[] = "/tmp/attnlab-run-XXXXXX";
  if (!mkdtemp(dir)) return {};
  const std::string out = std::string(dir) + "/out", err = std::string(dir) + "/err";
  const int status = std::system((command + " >" + out + " 2>" + err).c_str());
  Outcome r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
  std::remove(out.c_str());
  std::remove(err.c_str());
  rmdir(dir);
  return r;
}

}  // namespace attnlab::testing
