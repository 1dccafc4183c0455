// libFuzzer: pasted nn.Sequential text -> read -> every shape -> write -> read: equal.
//
// Whatever the text, reading it returns a status (never crashes); what reads
// is applied to inputs of every rank (the table never crashes, whatever the
// sizes), and "Copy as PyTorch" reads back to the same layers with no warning.
// One layer of it also goes through the grid with a small input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "attnlab/conv_shape.hpp"

namespace {

void Fail(const char* what, const std::string& text) {
  std::fprintf(stderr, "fuzz_sequential: %s\n%s\n", what, text.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace attnlab;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<Layer> layers;
  std::vector<SequentialWarning> warnings;
  if (!ParseSequential(text, &layers, &warnings).ok()) return 0;
  for (const std::vector<long long>& input : std::vector<std::vector<long long>>{
           {1, 32, 32}, {3, 7}, {2, 5, 6, 7}, {144}, {1048576, 1048576, 1048576}}) {
    const ChainResult c = ApplyChain(input, layers);
    if (c.layers.size() != layers.size()) Fail("the table lost a layer", text);
    for (const ChainError& e : c.errors) {
      std::vector<Layer> fixed = layers;
      if (e.fixable && !FixChainError(e, &fixed)) Fail("a fixable error was not fixed", text);
      if (e.fixable && !CheckLayer(fixed[static_cast<size_t>(e.layer)]).ok()) Fail("a fix made an invalid layer", text);
    }
  }
  const std::string code = WriteSequential(layers);
  std::vector<Layer> back;
  const Status st = ParseSequential(code, &back, &warnings);
  if (!st.ok()) Fail(("Copy as PyTorch does not read back: " + st.ToString()).c_str(), code);
  if (!(back == layers)) Fail("Copy as PyTorch reads back to other layers", code);
  if (!warnings.empty()) Fail("Copy as PyTorch reads back with a warning", code);
  if (layers.empty()) return 0;  // nn.Sequential(): nothing to draw
  Matrix input, kernel;
  GridDefaults(layers[0], {1, 6, 6}, &input, &kernel);
  GridResult grid;
  if (ComputeGrid(layers[0], input, kernel, &grid).ok() && grid.output.size() > 0)
    GridCellFormula(layers[0], input, kernel, grid, grid.output.rows() - 1, grid.output.cols() - 1);
  return 0;
}
