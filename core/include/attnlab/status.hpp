// attnlab core: how bad input comes back to the caller.
//
// No exception crosses the core API. A failed call returns a Status whose
// message is one line a user can act on, naming the field as it is spelled in
// a scenario file ("W_Q: expected 4 rows (d_model of E), got 3"). `field` is
// that name alone, so a user interface can show the message beside the panel
// that caused it.
#pragma once

#include <string>
#include <utility>

namespace attnlab {

class Status {
 public:
  Status() = default;  // ok
  static Status Ok() { return Status(); }
  static Status Error(std::string field, std::string message) {
    Status s;
    s.field_ = std::move(field);
    s.message_ = std::move(message);
    if (s.message_.empty()) s.message_ = "error";
    return s;
  }

  bool ok() const { return message_.empty(); }
  // The whole line: "field: message" (or the message alone when no field applies).
  std::string ToString() const { return field_.empty() ? message_ : field_ + ": " + message_; }
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

 private:
  std::string field_;
  std::string message_;
};

}  // namespace attnlab
