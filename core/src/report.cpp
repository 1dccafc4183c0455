#include "attnlab/report.hpp"

#include <charconv>
#include <cmath>

#include "attnlab/format.hpp"
#include "attnlab/matrix_text.hpp"

namespace attnlab {

Report::Entry& Report::Add(const std::string& name, Kind kind) {
  Entry& e = entries_.emplace_back();
  e.name = name;
  e.kind = kind;
  return e;
}

void Report::AddNumber(const std::string& name, double value) { Add(name, Kind::kNumber).number = value; }
void Report::AddInteger(const std::string& name, long long value) { Add(name, Kind::kInteger).integer = value; }
void Report::AddBool(const std::string& name, bool value) { Add(name, Kind::kBool).integer = value ? 1 : 0; }
void Report::AddText(const std::string& name, const std::string& value) { Add(name, Kind::kText).text = value; }
void Report::AddNumbers(const std::string& name, std::vector<double> values) {
  Add(name, Kind::kNumbers).numbers = std::move(values);
}
void Report::AddNumbers(const std::string& name, const RowVector& values) {
  AddNumbers(name, std::vector<double>(values.data(), values.data() + values.size()));
}
void Report::AddLabels(const std::string& name, std::vector<std::string> labels) {
  Add(name, Kind::kLabels).labels = std::move(labels);
}
void Report::AddMatrix(const std::string& name, Matrix value) { Add(name, Kind::kMatrix).matrix = std::move(value); }
void Report::AddTensor(const std::string& name, std::vector<Matrix> slices, const std::string& axes) {
  Entry& e = Add(name, Kind::kTensor);
  e.slices = std::move(slices);
  e.text = axes;
}
Status Report::AddTensor4(const std::string& name, const std::vector<std::vector<Matrix>>& blocks,
                          const std::string& axes) {
  // Every blocks[i] as long as the first, every matrix the first's shape:
  // the writers index slices as i * inner + j.
  const size_t inner = blocks.empty() ? 0 : blocks.front().size();
  const Matrix* first = inner ? &blocks.front().front() : nullptr;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].size() != inner)
      return Status::Error(name + "[" + std::to_string(i) + "]", "expected " + std::to_string(inner) +
                                                                   " matrices like [0], got " +
                                                                   std::to_string(blocks[i].size()));
    for (size_t j = 0; j < inner; ++j)
      if (blocks[i][j].rows() != first->rows() || blocks[i][j].cols() != first->cols())
        return Status::Error(name + "[" + std::to_string(i) + "][" + std::to_string(j) + "]",
                             "expected " + std::to_string(first->rows()) + "x" + std::to_string(first->cols()) +
                                 " like [0][0], got " + std::to_string(blocks[i][j].rows()) + "x" +
                                 std::to_string(blocks[i][j].cols()));
  }
  if (inner == 0 && !blocks.empty())
    return Status::Error(name + "[0]", "expected at least one matrix in each block");
  Entry& e = Add(name, Kind::kTensor);
  e.inner = static_cast<int>(inner);
  for (const std::vector<Matrix>& row : blocks) e.slices.insert(e.slices.end(), row.begin(), row.end());
  e.text = axes;
  return Status::Ok();
}
Report& Report::AddSection(const std::string& name) {
  Entry& e = Add(name, Kind::kSection);
  e.section = std::make_shared<Report>();
  return *e.section;
}

void Report::AddList(const std::string& name) {
  for (Entry& e : entries_)
    if (e.name == name && e.kind == Kind::kList) return;
  Add(name, Kind::kList);
}

Report& Report::AddListItem(const std::string& name) {
  AddList(name);
  for (Entry& e : entries_)
    if (e.name == name && e.kind == Kind::kList) {
      e.items.push_back(std::make_shared<Report>());
      return *e.items.back();
    }
  return *this;  // unreachable: AddList made the entry
}

const Report::Entry* Report::Find(const std::string& path) const {
  const size_t dot = path.find('.');
  const std::string head = path.substr(0, dot);
  for (const Entry& e : entries_) {
    if (e.name != head) continue;
    if (dot == std::string::npos) return &e;
    return e.kind == Kind::kSection ? e.section->Find(path.substr(dot + 1)) : nullptr;
  }
  return nullptr;
}

namespace {

std::string Exact(double v) {
  if (!std::isfinite(v)) return FormatNumber(v);
  char buf[64];
  const std::to_chars_result end = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end.ptr);
}

void AppendText(const Report& report, const std::string& prefix, ReportTextFormat format, std::string* s) {
  const bool latex = format == ReportTextFormat::kLatex;
  const std::string comment = latex ? "% " : "# ";
  const MatrixTextFormat matrix_format = latex ? MatrixTextFormat::kLatex : MatrixTextFormat::kCsv;
  auto block = [&](const std::string& title, const Matrix& m) {
    if (!s->empty()) *s += '\n';
    *s += comment + title + " " + std::to_string(m.rows()) + "x" + std::to_string(m.cols()) + "\n";
    if (m.size() > 0) *s += FormatMatrixText(m, matrix_format);
  };
  // CSV fields per RFC 4180: one holding a comma, a quote or a line break is
  // quoted, its quotes doubled (einsums hold commas and quotes).
  auto field = [&](const std::string& v) {
    if (latex || v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  auto line = [&](const std::string& name, const std::vector<std::string>& values) {
    *s += comment + field(name) + (latex ? " = " : ",");
    for (size_t i = 0; i < values.size(); ++i) *s += (i ? (latex ? ", " : ",") : "") + field(values[i]);
    *s += '\n';
  };
  for (const Report::Entry& e : report.entries()) {
    const std::string name = prefix.empty() ? e.name : prefix + "." + e.name;
    switch (e.kind) {
      case Report::Kind::kNumber: line(name, {Exact(e.number)}); break;
      case Report::Kind::kInteger: line(name, {std::to_string(e.integer)}); break;
      case Report::Kind::kBool: line(name, {e.integer ? "true" : "false"}); break;
      case Report::Kind::kText: line(name, {e.text}); break;
      case Report::Kind::kLabels: line(name, e.labels); break;
      case Report::Kind::kNumbers: {
        std::vector<std::string> values;
        values.reserve(e.numbers.size());
        for (double v : e.numbers) values.push_back(Exact(v));
        line(name, values);
        break;
      }
      case Report::Kind::kMatrix: block(name, e.matrix); break;
      case Report::Kind::kTensor: {
        // "weights[head 0]": the leading axis's name from the stated order.
        const size_t comma = e.text.find(',');
        const std::string axis = e.text.substr(0, comma);
        if (e.inner > 0) {  // rank 4: "K[batch 0, kv_head 1]"
          const size_t comma2 = e.text.find(',', comma + 1);
          std::string axis2 = comma == std::string::npos ? "" : e.text.substr(comma + 1, comma2 - comma - 1);
          while (!axis2.empty() && axis2.front() == ' ') axis2.erase(0, 1);
          for (size_t i = 0; i < e.slices.size(); ++i)
            block(name + "[" + axis + " " + std::to_string(i / e.inner) + ", " + axis2 + " " +
                      std::to_string(i % e.inner) + "]",
                  e.slices[i]);
          break;
        }
        for (size_t i = 0; i < e.slices.size(); ++i)
          block(name + "[" + axis + " " + std::to_string(i) + "]", e.slices[i]);
        break;
      }
      case Report::Kind::kSection: AppendText(*e.section, name, format, s); break;
      case Report::Kind::kList:
        for (size_t i = 0; i < e.items.size(); ++i) AppendText(*e.items[i], name + "[" + std::to_string(i) + "]", format, s);
        break;
    }
  }
}

}  // namespace

std::string ReportToText(const Report& report, const std::string& prefix, ReportTextFormat format) {
  std::string s;
  AppendText(report, prefix, format, &s);
  return s;
}

}  // namespace attnlab
