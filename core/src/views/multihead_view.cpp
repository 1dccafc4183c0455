// The Multi-head view (E3) without its screen: what `attnlab eval` prints
// under views.multihead. Its settings are the shared model's (num_heads,
// n_kv_heads, d_k, d_v, biases, X_kv: scenario.hpp, multihead.hpp), so every
// view computes the same heads from the same file; the numbers are the
// pipeline's (Evaluate), regrouped the way the split and combine draw them.
#include <string>
#include <vector>

#include "attnlab/multihead.hpp"
#include "attnlab/scenario.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

const char* KindName(int h, int g) { return g == h ? "multi-head" : g == 1 ? "multi-query" : "grouped-query"; }

Status Evaluate(const Scenario& s, const Result& r, Report* out) {
  const int h = static_cast<int>(r.heads.size());
  const int g = s.input == InputMode::kQKV ? 1 : KvHeadCount(s);
  const double n = static_cast<double>(r.Z.rows());
  const double n_k = static_cast<double>(r.heads.front().K.rows());
  const double d_k = static_cast<double>(r.heads.front().Q.cols());
  const double d_v = static_cast<double>(r.heads.front().V.cols());
  const double d_model = static_cast<double>(r.X.cols());

  Report& layout = out->AddSection("layout");
  layout.AddText("kind", KindName(h, g));
  layout.AddInteger("num_heads", h);
  layout.AddInteger("n_kv_heads", g);
  if (d_model > 0) layout.AddInteger("d_model", static_cast<long long>(d_model));
  layout.AddInteger("d_k", static_cast<long long>(d_k));
  layout.AddInteger("d_v", static_cast<long long>(d_v));
  layout.AddBool("cross_attention", r.X_kv.size() != 0);
  std::vector<double> kv_of;
  for (int i = 0; i < h; ++i) kv_of.push_back(KvHeadOf(i, h, g));
  layout.AddNumbers("kv_head_of", kv_of);

  // The reshape, stage by stage, with the batch axis (one sequence: b = 1).
  Report& shapes = out->AddSection("shapes");
  const double H = h, G = g;
  auto shape = [&shapes](const char* name, std::vector<double> dims) { shapes.AddNumbers(name, std::move(dims)); };
  if (d_model > 0) {
    shape("X", {1, n, d_model});
    if (r.X_kv.size()) shape("X_kv", {1, n_k, d_model});
  }
  shape("Q", {1, n, H * d_k});
  shape("Q_split", {1, n, H, d_k});
  shape("Q_heads", {1, H, n, d_k});
  shape("K", {1, n_k, G * d_k});
  shape("K_heads", {1, G, n_k, d_k});
  shape("V", {1, n_k, G * d_v});
  shape("V_heads", {1, G, n_k, d_v});
  shape("weights", {1, H, n, n_k});
  shape("head_outputs", {1, H, n, d_v});
  shape("combined", {1, n, H, d_v});
  shape("concat", {1, n, H * d_v});
  shape("output", {1, n, static_cast<double>(r.R.cols())});

  std::vector<Matrix> weights, outputs;
  for (const HeadResult& head : r.heads) {
    weights.push_back(head.weights);
    outputs.push_back(head.output);
  }
  out->AddTensor("weights", std::move(weights), "head, query, key");
  out->AddMatrix("avg_weights", r.Weights());
  out->AddTensor("head_outputs", std::move(outputs), "head, query, d_v");
  out->AddMatrix("concat", r.Z);
  out->AddMatrix("output", r.R);
  return Status::Ok();
}

}  // namespace

extern const ViewModel kMultiHeadView{
    "multihead",
    "Multi-head",
    "E3: heads split and combined with every shape, per-head weights and their average; GQA and MQA; "
    "cross-attention; W_V / W_O width mismatches",
    nullptr,
    nullptr,
    Evaluate,
    nullptr,
    {{"weights", "P_i = softmax(scale Q_i K_kv(i)^T / T), one per head", {"^heads.Q", "^heads.K", "^scale", "^T", "layout.kv_head_of"}},
     {"avg_weights", "the mean of the heads' P (nn.MultiheadAttention's averaged weights)", {"^heads.weights"}},
     {"concat", "[O_0 ... O_(h-1)], O_i = P_i V_kv(i)", {"^heads.weights", "^heads.V", "layout.kv_head_of"}},
     {"output", "concat W_O + b_O", {"concat", "^W_O", "^b_O"}}},
};

}  // namespace attnlab
