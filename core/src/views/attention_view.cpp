// The Attention view: the whole pipeline. Its numbers are eval's top level
// (Q, K, V, scores, weights, output, R, logits, probs, loss, ...); its block
// under views.attention gives the shape of every stage, the one thing a
// student checks first.
#include "attnlab/scenario.hpp"
#include "attnlab/views.hpp"

namespace attnlab {
namespace {

Status Evaluate(const Scenario&, const Result& r, Report* out) {
  out->AddInteger("positions", r.Weights().rows());
  out->AddInteger("heads", static_cast<long long>(r.heads.size()));
  Report& shapes = out->AddSection("shapes");
  auto shape = [&](const char* name, const Matrix& m) {
    if (m.size() == 0) return;
    shapes.AddNumbers(name, std::vector<double>{static_cast<double>(m.rows()), static_cast<double>(m.cols())});
  };
  shape("X", r.X);
  shape("Q", r.Q);
  shape("K", r.K);
  shape("V", r.V);
  shape("scores", r.Scores());
  shape("weights", r.Weights());
  shape("output", r.Z);
  shape("R", r.R);
  shape("logits", r.logits);
  shape("probs", r.probs);
  return Status::Ok();
}

}  // namespace

extern const ViewModel kAttentionView{
    "attention",
    "Attention",
    "the pipeline: tokens -> X -> Q, K, V -> scores -> P -> Z -> R -> logits -> probabilities -> loss",
    nullptr,
    nullptr,
    Evaluate,
    nullptr,
    {{"scores", "scale * Q K^T, -inf where masked"},
     {"weights", "P = softmax(scores / T)"},
     {"output", "Z = P V"},
     {"probs", "softmax(logits) per row"},
     {"loss", "sum of -log p(target) over the loss positions"}},
};

}  // namespace attnlab
