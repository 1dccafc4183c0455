#include "json_io.hpp"

#include <cmath>
#include <sstream>

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
  const long long v = j.get<long long>();
  if (v < -1000000000LL || v > 1000000000LL) return Status::Error(path, "is out of range");
  *out = static_cast<int>(v);
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

// JSON for people: a matrix row (an array of numbers) stays on one line, so a
// saved 7x7 matrix reads as 7 lines, not 49.
void Pretty(const ordered_json& j, int indent, int depth, std::string* out) {
  const std::string pad(static_cast<size_t>(indent * (depth + 1)), ' ');
  const std::string close_pad(static_cast<size_t>(indent * depth), ' ');
  if (j.is_array()) {
    bool flat = true;
    for (const auto& e : j) flat = flat && !e.is_structured();
    if (j.empty() || flat) {
      *out += "[";
      for (size_t i = 0; i < j.size(); ++i) *out += (i ? ", " : "") + j[i].dump();
      *out += "]";
      return;
    }
    *out += "[\n";
    for (size_t i = 0; i < j.size(); ++i) {
      *out += pad;
      Pretty(j[i], indent, depth + 1, out);
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
      Pretty(it.value(), indent, depth + 1, out);
      *out += i + 1 < j.size() ? ",\n" : "\n";
    }
    *out += close_pad + "}";
    return;
  }
  *out += j.dump();
}

std::string Dump(const ordered_json& j, int indent) {
  if (indent < 0) return j.dump() + "\n";
  std::string out;
  Pretty(j, indent, 0, &out);
  return out + "\n";
}

Status CheckObject(const json& j, const std::string& path, const std::set<std::string>& allowed) {
  if (!j.is_object()) return Status::Error(path, "expected an object, got " + TypeName(j));
  return CheckKeys(j, path, allowed);
}

ordered_json ReportJson(const Report& report) {
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
      case Report::Kind::kMatrix: v = MatrixJson(e.matrix); break;
      case Report::Kind::kTensor:
        v = ordered_json::array();
        for (const Matrix& m : e.slices) v.push_back(MatrixJson(m));
        break;
      case Report::Kind::kSection: v = ReportJson(*e.section); break;
    }
  }
  return o;
}

}  // namespace attnlab
