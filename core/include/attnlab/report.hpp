// attnlab core: the numbers a view computes, as `attnlab eval` prints them.
//
//   views.<key> = { name: number | [numbers] | [labels] | matrix (rows) |
//                   rank-3 array (slices of rows) | { nested section } |
//                   [ { section }, ... ] }
//
// A view fills a Report from the same computation its window draws; the
// writers turn it into JSON (scenario_io.hpp) or titled CSV / LaTeX blocks
// (ReportToText below). Matrices are arrays of rows; a rank-3 array is an
// array of matrices whose axis order is stated with it ("head, query, key"),
// and prints in the text formats as one titled matrix per leading index
// ("% weights[head 0] 5x6"); a rank-4 array is an array of arrays of
// matrices, printed one block per pair of leading indices
// ("% K[batch 0, kv_head 1] 5x2"). Non-finite numbers are written as null.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "attnlab/matrix.hpp"
#include "attnlab/status.hpp"

namespace attnlab {

class Report {
 public:
  enum class Kind { kNumber, kInteger, kBool, kText, kNumbers, kLabels, kMatrix, kTensor, kSection, kList };
  struct Entry {
    std::string name;
    Kind kind = Kind::kNumber;
    double number = 0;        // kNumber
    long long integer = 0;    // kInteger, kBool (0 or 1)
    std::string text;         // kText; kTensor: the axis order, e.g. "head, query, key"
    std::vector<double> numbers;
    std::vector<std::string> labels;
    Matrix matrix;
    std::vector<Matrix> slices;       // kTensor: one matrix per leading index (rank 4: per pair, row-major)
    int inner = 0;                    // kTensor of rank 4: slices per leading index; 0 = rank 3
    std::shared_ptr<Report> section;  // kSection
    std::vector<std::shared_ptr<Report>> items;  // kList: an array of objects
  };

  void AddNumber(const std::string& name, double value);
  void AddInteger(const std::string& name, long long value);
  void AddBool(const std::string& name, bool value);
  void AddText(const std::string& name, const std::string& value);
  void AddNumbers(const std::string& name, std::vector<double> values);
  void AddNumbers(const std::string& name, const RowVector& values);
  void AddLabels(const std::string& name, std::vector<std::string> labels);
  void AddMatrix(const std::string& name, Matrix value);
  void AddTensor(const std::string& name, std::vector<Matrix> slices, const std::string& axes);
  // Rank 4: blocks[i][j] is the matrix at leading indices (i, j), every
  // blocks[i] of the same length; axes e.g. "batch, kv_head, position, k".
  // Fails (adding nothing) naming "name[i]" or "name[i][j]" when a block's
  // length or a matrix's shape differs from the first's.
  Status AddTensor4(const std::string& name, const std::vector<std::vector<Matrix>>& blocks, const std::string& axes);
  // A nested object; the reference stays valid while this report lives.
  Report& AddSection(const std::string& name);
  // One more object of the array `name` (created on the first call): "layers[i]".
  Report& AddListItem(const std::string& name);
  void AddList(const std::string& name);  // the array, empty until items are added

  const std::vector<Entry>& entries() const { return entries_; }
  // The entry at a dotted path ("raw.mean"), or null.
  const Entry* Find(const std::string& path) const;

 private:
  Entry& Add(const std::string& name, Kind kind);
  std::vector<Entry> entries_;
};

enum class ReportTextFormat { kCsv, kLatex };

// Every entry under `prefix` ("views.scaling"): matrices as titled blocks
// ("% views.temperature.weights 200x4"), rank-3 arrays one block per leading
// index, numbers and lists as one "# name,value,..." line each. Numbers are
// exact (shortest round-trip form), as in the JSON.
std::string ReportToText(const Report& report, const std::string& prefix, ReportTextFormat format);

}  // namespace attnlab
