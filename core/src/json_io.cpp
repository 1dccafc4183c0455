#include "json_io.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <exception>
#include <new>
#include <sstream>
#include <vector>

namespace attnlab {

std::string TypeName(const json& j) {
  if (j.is_string()) return "the string \"" + j.get<std::string>().substr(0, 40) + "\"";
  if (j.is_null()) return "null";
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_array()) return "an array";
  if (j.is_object()) return "an object";
  return j.dump();
}

// Parsing helpers: each returns a Status naming `path`, the JSON path of `j`.
Status ReadNumber(const json& j, const std::string& path, double* out) {
  if (!j.is_number()) return Status::Error(path, "expected a number, got " + TypeName(j));
  *out = j.get<double>();
  return Status::Ok();
}

Status ReadInt(const json& j, const std::string& path, int* out) {
  if (!j.is_number_integer()) return Status::Error(path, "expected a whole number, got " + TypeName(j));
  // An unsigned value above 2^63 would wrap to a negative long long: compare
  // in its own type first, and name the number as written.
  constexpr long long kLimit = 1000000000LL;
  if (j.is_number_unsigned() ? j.get<unsigned long long>() > static_cast<unsigned long long>(kLimit)
                             : (j.get<long long>() < -kLimit || j.get<long long>() > kLimit))
    return Status::Error(path, "is out of range: " + j.dump() + " (whole numbers here are at most 10^9 in size)");
  *out = static_cast<int>(j.get<long long>());
  return Status::Ok();
}

Status ReadString(const json& j, const std::string& path, std::string* out) {
  if (!j.is_string()) return Status::Error(path, "expected a string, got " + TypeName(j));
  *out = j.get<std::string>();
  return Status::Ok();
}

Status ReadMatrix(const json& j, const std::string& path, Matrix* out) {
  if (!j.is_array()) return Status::Error(path, "expected a matrix (an array of rows), got " + TypeName(j));
  if (j.empty()) return Status::Error(path, "expected a matrix with at least one row, got []");
  const size_t rows = j.size();
  size_t cols = 0;
  for (size_t i = 0; i < rows; ++i) {
    const json& row = j[i];
    const std::string row_path = path + "[" + std::to_string(i) + "]";
    if (!row.is_array()) {
      return Status::Error(row_path, "expected a row (an array of numbers), got " + TypeName(row) +
                                         "; matrices are arrays of rows, e.g. [[1, 2], [3, 4]]");
    }
    if (i == 0) {
      cols = row.size();
      if (cols == 0) return Status::Error(row_path, "expected at least one number, got []");
      out->resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    } else if (row.size() != cols) {
      return Status::Error(row_path, "expected " + std::to_string(cols) + " numbers (like row 0), got " +
                                         std::to_string(row.size()));
    }
    for (size_t c = 0; c < cols; ++c) {
      double v = 0;
      Status st = ReadNumber(row[c], row_path + "[" + std::to_string(c) + "]", &v);
      if (!st.ok()) return st;
      (*out)(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = v;
    }
  }
  return Status::Ok();
}

Status ReadStringList(const json& j, const std::string& path, std::vector<std::string>* out) {
  out->clear();
  if (j.is_string()) {  // "D A A <START>": whitespace-separated, as typed
    std::istringstream in(j.get<std::string>());
    for (std::string t; in >> t;) out->push_back(t);
    return Status::Ok();
  }
  if (!j.is_array()) return Status::Error(path, "expected an array of strings, got " + TypeName(j));
  for (size_t i = 0; i < j.size(); ++i) {
    std::string t;
    Status st = ReadString(j[i], path + "[" + std::to_string(i) + "]", &t);
    if (!st.ok()) return st;
    out->push_back(t);
  }
  return Status::Ok();
}

Status CheckKeys(const json& obj, const std::string& path, const std::set<std::string>& allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (allowed.count(it.key()) == 0) {
      std::string list;
      for (const std::string& k : allowed) list += (list.empty() ? "" : ", ") + k;
      return Status::Error(path.empty() ? it.key() : path + "." + it.key(),
                           "unknown key (known keys: " + list + ")");
    }
  }
  return Status::Ok();
}

Status ReadBool(const json& j, const std::string& path, bool* out) {
  if (!j.is_boolean()) return Status::Error(path, "expected true or false, got " + TypeName(j));
  *out = j.get<bool>();
  return Status::Ok();
}

Status ReadNumberList(const json& j, const std::string& path, std::vector<double>* out) {
  if (!j.is_array()) return Status::Error(path, "expected an array of numbers, got " + TypeName(j));
  out->assign(j.size(), 0.0);
  for (size_t i = 0; i < j.size(); ++i) {
    Status st = ReadNumber(j[i], path + "[" + std::to_string(i) + "]", &(*out)[i]);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status ReadSeed(const json& j, const std::string& path, std::uint64_t* out) {
  int v = 0;
  Status st = ReadInt(j, path, &v);
  if (!st.ok()) return st;
  if (v < 0) return Status::Error(path, "must be >= 0");
  *out = static_cast<std::uint64_t>(v);
  return Status::Ok();
}

ordered_json MatrixJson(const Matrix& m) {
  ordered_json rows = ordered_json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    ordered_json row = ordered_json::array();
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      const double v = m(i, c);
      if (std::isfinite(v)) {
        row.push_back(v);
      } else {
        row.push_back(nullptr);
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

ordered_json NumberJson(double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr); }

ordered_json MatrixSlots::Slot(const Matrix& m) {
  ordered_json slot = ordered_json::binary({});
  slot.get_binary().set_subtype(matrices_.size());
  matrices_.push_back(&m);
  return slot;
}

size_t MatrixSlots::Cells() const {
  size_t n = 0;
  for (const Matrix* m : matrices_) n += static_cast<size_t>(m->size());
  return n;
}

const Matrix* MatrixSlots::At(const ordered_json& slot) const {
  const auto& b = slot.get_binary();
  return b.has_subtype() && b.subtype() < matrices_.size() ? matrices_[b.subtype()] : nullptr;
}

namespace {

// As nlohmann writes a double ("1.0", "0.5", "1e+100"), but the shortest
// round-trip form, at a fraction of the cost; null for NaN and infinities.
void AppendNumber(double v, std::string* out) {
  if (!std::isfinite(v)) {
    *out += "null";
    return;
  }
  char buf[40];
  const std::to_chars_result end = std::to_chars(buf, buf + sizeof buf, v);
  const std::string_view text(buf, static_cast<size_t>(end.ptr - buf));
  out->append(text);
  if (text.find_first_of(".e") == std::string_view::npos) *out += ".0";
}

void AppendMatrix(const Matrix& m, const std::string& pad, const std::string& close_pad, std::string* out) {
  if (m.rows() == 0) {
    *out += "[]";
    return;
  }
  *out += "[\n";
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    *out += pad;
    *out += '[';
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      if (c) *out += ", ";
      AppendNumber(m(i, c), out);
    }
    *out += i + 1 < m.rows() ? "],\n" : "]\n";
  }
  *out += close_pad + "]";
}

void Pretty(const ordered_json& j, int indent, int depth, const MatrixSlots* slots, std::string* out) {
  const std::string pad(static_cast<size_t>(indent * (depth + 1)), ' ');
  const std::string close_pad(static_cast<size_t>(indent * depth), ' ');
  if (j.is_binary()) {
    const Matrix* m = slots ? slots->At(j) : nullptr;
    if (m) {
      AppendMatrix(*m, pad, close_pad, out);
    } else {
      *out += "null";
    }
    return;
  }
  if (j.is_number_float()) {
    AppendNumber(j.get<double>(), out);
    return;
  }
  if (j.is_array()) {
    bool flat = true;
    for (const auto& e : j) flat = flat && !e.is_structured() && !e.is_binary();
    if (j.empty() || flat) {
      *out += "[";
      for (size_t i = 0; i < j.size(); ++i) {
        if (i) *out += ", ";
        Pretty(j[i], indent, depth + 1, slots, out);
      }
      *out += "]";
      return;
    }
    *out += "[\n";
    for (size_t i = 0; i < j.size(); ++i) {
      *out += pad;
      Pretty(j[i], indent, depth + 1, slots, out);
      *out += i + 1 < j.size() ? ",\n" : "\n";
    }
    *out += close_pad + "]";
    return;
  }
  if (j.is_object() && !j.empty()) {
    *out += "{\n";
    size_t i = 0;
    for (auto it = j.begin(); it != j.end(); ++it, ++i) {
      *out += pad + ordered_json(it.key()).dump() + ": ";
      Pretty(it.value(), indent, depth + 1, slots, out);
      *out += i + 1 < j.size() ? ",\n" : "\n";
    }
    *out += close_pad + "}";
    return;
  }
  *out += j.dump();
}

}  // namespace

std::string Dump(const ordered_json& j, int indent, const MatrixSlots* slots) {
  std::string out;
  if (slots) out.reserve(slots->Cells() * 24 + 65536);  // one allocation for the matrices' text
  Pretty(j, indent, 0, slots, &out);
  out += '\n';  // not out + "\n": that would copy every byte once more
  return out;
}

namespace {

// One pass: nlohmann builds the document and calls back on every event, which
// is where the path of the current value is known. Duplicate keys and deep
// nesting are refused there; a number nlohmann cannot hold throws, and the
// path it was under is the one the callback saw last.
class StrictReader {
 public:
  bool Event(int depth, json::parse_event_t event, json& parsed) {
    if (!error_.ok()) return false;
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= kMaxJsonDepth) {
          error_ = Status::Error(Path(), "nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
          return false;
        }
        frames_.push_back(Frame{event == json::parse_event_t::array_start, 0, "", {}});
        return true;
      case json::parse_event_t::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) {
          error_ = Status::Error(Path(), "duplicate key (each key may appear once in an object)");
          return false;
        }
        return true;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        Next();
        return true;
      case json::parse_event_t::value:
        if (++values_ > kMaxJsonValues) {
          error_ = Status::Error(Path(), "the file holds more than " + std::to_string(kMaxJsonValues) +
                                             " values; attnlab reads at most that many (a 2048 x 976 matrix)");
          throw TooMany();  // stop reading now, not at the end of the file
        }
        Next();
        return true;
    }
    return true;
  }
  // The path of the value being read: "loss.positions[2]".
  std::string Path() const {
    std::string p;
    for (const Frame& f : frames_) {
      if (f.array) {
        p += "[" + std::to_string(f.index) + "]";
      } else if (!f.key.empty()) {
        p += (p.empty() ? "" : ".") + f.key;
      }
    }
    return p;
  }
  const Status& error() const { return error_; }
  struct TooMany {};

 private:
  long long values_ = 0;
  struct Frame {
    bool array = false;
    size_t index = 0;
    std::string key;
    std::set<std::string> keys;
  };
  void Next() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::vector<Frame> frames_;
  Status error_;
};

}  // namespace

Status ParseJsonStrict(const std::string& text, json* out) {
  StrictReader reader;
  try {
    json j = json::parse(text, [&reader](int depth, json::parse_event_t event, json& parsed) {
      return reader.Event(depth, event, parsed);
    });
    if (!reader.error().ok()) return reader.error();
    *out = std::move(j);
    return Status::Ok();
  } catch (const StrictReader::TooMany&) {
    return reader.error();
  } catch (const json::out_of_range& e) {
    if (e.id == 406) {  // "number overflow parsing '1e400'"
      std::string what = e.what();
      const size_t q = what.find('\'');
      const std::string number = q == std::string::npos ? "" : what.substr(q + 1, what.find('\'', q + 1) - q - 1);
      return Status::Error(reader.Path(), "the number " + number.substr(0, 40) +
                                              " is too large for a double (at most about 1.8e308)");
    }
    return Status::Error(reader.Path(), std::string("cannot read the JSON: ") + e.what());
  } catch (const json::parse_error& e) {
    const std::string what = e.what();
    const size_t at = what.find("parse error");
    return Status::Error("", "malformed JSON: " + (at == std::string::npos ? what : what.substr(at)));
  } catch (const json::exception& e) {
    return Status::Error("", std::string("cannot read the JSON: ") + e.what());
  } catch (const std::bad_alloc&) {
    return Status::Error("", "not enough memory to read the JSON");
  } catch (const std::exception& e) {
    return Status::Error("", std::string("cannot read the JSON: ") + e.what());
  }
}

Status CheckObject(const json& j, const std::string& path, const std::set<std::string>& allowed) {
  if (!j.is_object()) return Status::Error(path, "expected an object, got " + TypeName(j));
  return CheckKeys(j, path, allowed);
}

ordered_json ReportJson(const Report& report, MatrixSlots* slots) {
  ordered_json o = ordered_json::object();
  for (const Report::Entry& e : report.entries()) {
    ordered_json& v = o[e.name];
    switch (e.kind) {
      case Report::Kind::kNumber: v = NumberJson(e.number); break;
      case Report::Kind::kInteger: v = e.integer; break;
      case Report::Kind::kBool: v = e.integer != 0; break;
      case Report::Kind::kText: v = e.text; break;
      case Report::Kind::kLabels: v = e.labels; break;
      case Report::Kind::kNumbers:
        v = ordered_json::array();
        for (double x : e.numbers) v.push_back(NumberJson(x));
        break;
      case Report::Kind::kMatrix: v = slots->Slot(e.matrix); break;
      case Report::Kind::kTensor:
        v = ordered_json::array();
        if (e.inner > 0) {  // rank 4: an array of arrays of matrices
          for (size_t i = 0; i < e.slices.size(); i += static_cast<size_t>(e.inner)) {
            ordered_json row = ordered_json::array();
            for (size_t j = i; j < std::min(e.slices.size(), i + static_cast<size_t>(e.inner)); ++j)
              row.push_back(slots->Slot(e.slices[j]));
            v.push_back(std::move(row));
          }
        } else {
          for (const Matrix& m : e.slices) v.push_back(slots->Slot(m));
        }
        break;
      case Report::Kind::kSection: v = ReportJson(*e.section, slots); break;
      case Report::Kind::kList:
        v = ordered_json::array();
        for (const auto& item : e.items) v.push_back(ReportJson(*item, slots));
        break;
    }
  }
  return o;
}

}  // namespace attnlab
