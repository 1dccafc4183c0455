// attnlab core, private: reading and writing JSON values with errors that name
// their path ("heads[1].W_K[2]: expected 2 numbers (like row 0), got 3").
// Shared by scenario_io.cpp and every view's codec (views/NAME_view.cpp);
// nlohmann's header stays inside core/src.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "attnlab/matrix.hpp"
#include "attnlab/report.hpp"
#include "attnlab/status.hpp"
#include "attnlab/view_settings.hpp"

namespace attnlab {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// A view's settings object in a scenario file. `read` fills views->Get<T>()
// from `j` (the object under `path`, e.g. "temperature_lab"); `write` sets
// `*out` to the object and returns true when the scenario has the settings.
struct SettingsCodec {
  Status (*read)(const json& j, const std::string& path, ViewSettings* views);
  bool (*write)(const ViewSettings& views, ordered_json* out);
};

// Deepest nesting a scenario file may have (matrices need 2; the deepest key is
// under 5): a deeper file is refused before any value is built.
inline constexpr int kMaxJsonDepth = 32;
// Most values (numbers, strings, ...) a scenario file may hold: reading a
// number costs about 0.2 us, so this bounds the reading at about half a second
// whatever the file (2048 x 1024 inputs fit; nothing larger evaluates anyway).
inline constexpr long long kMaxJsonValues = 2000000;

// Parses `text` into `out`, refusing what nlohmann would accept silently or
// throw on: duplicate keys ("loss.positions: duplicate key"), numbers beyond a
// double ("temperature: 1e400 is too large for a double"), nesting deeper than
// kMaxJsonDepth, more than kMaxJsonValues values (refused on the first one
// past, without reading the rest), and malformed JSON (with its line and
// column). Never throws.
Status ParseJsonStrict(const std::string& text, json* out);

// "the string \"abc\"", "an array", "3.5": what a value is, for messages.
std::string TypeName(const json& j);

Status ReadNumber(const json& j, const std::string& path, double* out);
Status ReadInt(const json& j, const std::string& path, int* out);
Status ReadBool(const json& j, const std::string& path, bool* out);
Status ReadString(const json& j, const std::string& path, std::string* out);
Status ReadNumberList(const json& j, const std::string& path, std::vector<double>* out);
Status ReadStringList(const json& j, const std::string& path, std::vector<std::string>* out);
Status ReadSeed(const json& j, const std::string& path, std::uint64_t* out);
Status ReadMatrix(const json& j, const std::string& path, Matrix* out);
// An object whose keys are all in `allowed`; fails naming "path.key" otherwise.
Status CheckObject(const json& j, const std::string& path, const std::set<std::string>& allowed);
Status CheckKeys(const json& obj, const std::string& path, const std::set<std::string>& allowed);

// Reads `key` of object `j` when present with `read`, then checks it with `ok`:
//   Field(j, p, "t_min", &lab->t_min, ReadNumber, positive, "> 0")
// fails with "temperature_lab.t_min: must be > 0, got -1".
template <typename T, typename Reader, typename Check>
Status Field(const json& j, const std::string& path, const char* key, T* out, Reader read, Check ok,
             const char* requirement) {
  if (!j.contains(key)) return Status::Ok();
  const std::string field = path + "." + key;
  Status st = read(j[key], field, out);
  if (!st.ok()) return st;
  if (!ok(*out)) return Status::Error(field, std::string("must be ") + requirement + ", got " + j[key].dump());
  return Status::Ok();
}
struct Any {
  template <typename T>
  bool operator()(const T&) const { return true; }
};

ordered_json MatrixJson(const Matrix& m);
ordered_json NumberJson(double v);  // null for NaN and infinities

// Large outputs (eval's N x N matrices: 8 M numbers at N = 2048) are not built
// as JSON values, which would take about 80 bytes each: the document holds a
// slot for each matrix (a binary value, which no parsed text can contain), and
// Dump() writes the matrix from this table, number by number.
class MatrixSlots {
 public:
  ordered_json Slot(const Matrix& m);  // `m` must outlive the Dump()
  const Matrix* At(const ordered_json& slot) const;
  size_t Cells() const;  // numbers in all the matrices

 private:
  std::vector<const Matrix*> matrices_;
};

ordered_json ReportJson(const Report& report, MatrixSlots* slots);

// JSON for people: a matrix row (an array of numbers) stays on one line.
// Numbers are the shortest text that reads back to the same double.
std::string Dump(const ordered_json& j, int indent, const MatrixSlots* slots = nullptr);

}  // namespace attnlab
