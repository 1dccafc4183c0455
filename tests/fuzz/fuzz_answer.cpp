// libFuzzer: a practice answer as typed -> parse -> mark.
//
// Any text either parses to a number that is not NaN or fails with a message,
// leaving the answer untouched; marking never crashes; a parsed value typed
// back at full precision marks right against itself.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "attnlab/practice.hpp"

namespace {

void Fail(const char* what, const std::string& text) {
  std::fprintf(stderr, "fuzz_answer: %s\n%s\n", what, text.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace attnlab;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Answer a;
  a.value = 12345;
  const Status st = ParseAnswer(text, &a);
  if (!st.ok()) {
    if (a.value != 12345) Fail("a failed parse changed the answer", text);
    if (st.message().empty()) Fail("a failed parse without a message", text);
    return 0;
  }
  if (std::isnan(a.value)) Fail("parsed to NaN", text);
  if (MarkAnswer(a, a.value) != Mark::kRight && std::isfinite(a.value)) Fail("not right against its own value", text);
  MarkAnswer(a, 0.5);
  MarkAnswerText(text, -1.0 / 3);
  if (std::isfinite(a.value)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", a.value);
    if (MarkAnswerText(buf, a.value) != Mark::kRight) Fail("its value typed back is not right", text + " -> " + buf);
  }
  return 0;
}
