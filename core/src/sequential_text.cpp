// nn.Sequential(...) as text (conv_shape.hpp): a small reader of the Python
// PyTorch prints and people write, and the writer that gives it back.
//
//   sequential := [name "="] [prefix] "Sequential" "(" layer {[","] layer} [","] ")"
//               | layer {[","] layer}                     (a bare list of layers)
//   layer      := [prefix] Class "(" [arg {"," arg} [","]] ")"
//   arg        := [keyword "="] value
//   value      := int | float | True | False | None | 'string' | "(" value, ... ")" | "[" ... "]"
//   prefix     := ["torch" "."] "nn" "."
// "#" starts a comment. A missing comma between two layers is a warning.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "attnlab/conv_shape.hpp"

namespace attnlab {
namespace {

std::string N(long long v) { return std::to_string(v); }

struct Token {
  enum Kind { kIdent, kNumber, kString, kPunct, kEnd } kind = kEnd;
  std::string text;
  double number = 0;
  bool integer = false;
  int line = 1;
  size_t begin = 0, end = 0;  // byte offsets in the text
};

Status Tokenize(const std::string& t, std::vector<Token>* out) {
  int line = 1;
  size_t i = 0;
  while (i < t.size()) {
    const char c = t[i];
    if (c == '\n') { ++line; ++i; continue; }
    if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
    if (c == '#') { while (i < t.size() && t[i] != '\n') ++i; continue; }
    Token tok;
    tok.line = line;
    tok.begin = i;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      tok.kind = Token::kIdent;
      while (i < t.size() && (std::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '_')) ++i;
      tok.text = t.substr(tok.begin, i - tok.begin);
    } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < t.size() && std::isdigit(static_cast<unsigned char>(t[i + 1])))) {
      tok.kind = Token::kNumber;
      bool is_int = true;
      while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.' || t[i] == '_' ||
                              t[i] == 'e' || t[i] == 'E' ||
                              ((t[i] == '-' || t[i] == '+') && (t[i - 1] == 'e' || t[i - 1] == 'E')))) {
        if (t[i] == '.' || t[i] == 'e' || t[i] == 'E') is_int = false;
        ++i;
      }
      tok.text = t.substr(tok.begin, i - tok.begin);
      std::string digits;
      for (char d : tok.text)
        if (d != '_') digits += d;
      char* endp = nullptr;
      tok.number = std::strtod(digits.c_str(), &endp);
      if (!endp || *endp != '\0' || !std::isfinite(tok.number))
        return Status::Error("line " + N(line), "cannot read the number " + tok.text);
      tok.integer = is_int;
    } else if (c == '\'' || c == '"') {
      tok.kind = Token::kString;
      ++i;
      while (i < t.size() && t[i] != c && t[i] != '\n') ++i;
      if (i >= t.size() || t[i] != c) return Status::Error("line " + N(line), "a string is not closed");
      tok.text = t.substr(tok.begin + 1, i - tok.begin - 1);
      ++i;
    } else if (std::string("(),=.[]-").find(c) != std::string::npos) {
      tok.kind = Token::kPunct;
      tok.text = std::string(1, c);
      ++i;
    } else {
      return Status::Error("line " + N(line), std::string("unexpected character '") + c + "'");
    }
    tok.end = i;
    out->push_back(tok);
  }
  Token end;
  end.line = line;
  end.begin = end.end = t.size();
  out->push_back(end);
  return Status::Ok();
}

struct Value {
  enum Kind { kNumber, kBool, kNone, kString, kTuple } kind = kNone;
  double number = 0;
  bool integer = false;
  std::string text;
  std::vector<Value> items;
  int line = 1;
};

struct Arg {
  std::string key;  // empty: positional
  Value value;
};

class Reader {
 public:
  Reader(const std::string& text, std::vector<Token> tokens) : text_(text), t_(std::move(tokens)) {}

  bool wrapped() const { return wrapped_; }

  Status Sequential(std::vector<Layer>* layers, std::vector<SequentialWarning>* warnings) {
    // "model = nn.Sequential(" : the assignment is skipped.
    if (Peek().kind == Token::kIdent && Peek(1).text == "=" ) pos_ += 2;
    const size_t save = pos_;
    SkipPrefix();
    bool wrapped = false;
    const Token opening = Peek();
    if (Peek().kind == Token::kIdent && Peek().text == "Sequential" && Peek(1).text == "(") {
      pos_ += 2;
      wrapped = true;
    } else {
      pos_ = save;
    }
    bool first = true;
    while (true) {
      const Token& tok = Peek();
      if (wrapped && tok.text == ")" && tok.kind == Token::kPunct) { ++pos_; break; }
      if (tok.kind == Token::kEnd) {
        if (wrapped) return Error(opening, "nn.Sequential( is not closed: a ')' is missing");
        break;
      }
      if (!first) {
        if (tok.kind == Token::kPunct && tok.text == ",") {
          ++pos_;
          continue_after_comma_ = true;
          continue;
        }
        if (!continue_after_comma_ && warnings) {
          const Token& prev = t_[pos_ - 1];
          warnings->push_back({prev.line, "line " + N(prev.line) + ": a comma is missing after " + last_layer_ +
                                              " (Python would refuse this; read as if it were there)"});
        }
      }
      continue_after_comma_ = false;
      Layer layer;
      Status st = OneLayer(&layer);
      if (!st.ok()) return st;
      if (static_cast<int>(layers->size()) >= kMaxChainLayers)
        return Error(tok, "more than " + N(kMaxChainLayers) + " layers");
      layers->push_back(layer);
      first = false;
    }
    if (Peek().kind != Token::kEnd) return Error(Peek(), "unexpected '" + Peek().text + "' after the closing ')'");
    wrapped_ = wrapped;
    return Status::Ok();
  }

  Status OneLayer(Layer* layer) {
    SkipPrefix();
    const Token& name = Peek();
    if (name.kind != Token::kIdent) return Error(name, "expected a layer such as nn.Conv2d(...), got '" + Show(name) + "'");
    ++pos_;
    if (Peek().text != "(" ) return Error(Peek(), "expected '(' after " + name.text);
    ++pos_;
    const size_t first_arg = pos_;
    std::vector<Arg> args;
    while (!(Peek().kind == Token::kPunct && Peek().text == ")")) {
      if (Peek().kind == Token::kEnd) return Error(name, name.text + "( is not closed: a ')' is missing");
      Arg a;
      if (Peek().kind == Token::kIdent && Peek(1).text == "=") {
        a.key = Peek().text;
        pos_ += 2;
      }
      Status st = ReadValue(&a.value);
      if (!st.ok()) return st;
      args.push_back(a);
      if (Peek().text == ",") {
        ++pos_;
      } else if (!(Peek().kind == Token::kPunct && Peek().text == ")")) {
        return Error(Peek(), "expected ',' or ')' in " + name.text + "(...), got '" + Show(Peek()) + "'");
      }
    }
    // The arguments as tokens again (comments and line breaks dropped), for
    // the layers that keep them as written.
    std::string raw;
    for (size_t t = first_arg; t < pos_; ++t) {
      const Token& a = t_[t];
      if (a.kind == Token::kString) raw += a.text.find('\'') == std::string::npos ? "'" + a.text + "'" : "\"" + a.text + "\"";
      else raw += a.text;
      if (a.kind == Token::kPunct && a.text == ",") raw += ' ';
    }
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == ',')) raw.pop_back();
    ++pos_;
    last_layer_ = "nn." + name.text + "(...)";
    return Build(name, args, raw, layer);
  }

 private:
  const Token& Peek(size_t k = 0) const { return t_[std::min(pos_ + k, t_.size() - 1)]; }
  static std::string Show(const Token& t) { return t.kind == Token::kEnd ? "the end" : t.text; }
  Status Error(const Token& t, const std::string& msg) const { return Status::Error("line " + N(t.line), msg); }

  void SkipPrefix() {
    if (Peek().text == "torch" && Peek(1).text == ".") pos_ += 2;
    if (Peek().text == "nn" && Peek(1).text == ".") pos_ += 2;
  }

  Status ReadValue(Value* v) {
    if (++depth_ > 8) return Error(Peek(), "values nested too deeply");
    const Token& tok = Peek();
    v->line = tok.line;
    Status st;
    if (tok.kind == Token::kPunct && tok.text == "-" && Peek(1).kind == Token::kNumber) {
      ++pos_;
      st = ReadValue(v);
      v->number = -v->number;
    } else if (tok.kind == Token::kNumber) {
      v->kind = Value::kNumber;
      v->number = tok.number;
      v->integer = tok.integer;
      ++pos_;
    } else if (tok.kind == Token::kString) {
      v->kind = Value::kString;
      v->text = tok.text;
      ++pos_;
    } else if (tok.kind == Token::kIdent && (tok.text == "True" || tok.text == "False")) {
      v->kind = Value::kBool;
      v->number = tok.text == "True";
      ++pos_;
    } else if (tok.kind == Token::kIdent && tok.text == "None") {
      v->kind = Value::kNone;
      ++pos_;
    } else if (tok.kind == Token::kPunct && (tok.text == "(" || tok.text == "[")) {
      const std::string close = tok.text == "(" ? ")" : "]";
      v->kind = Value::kTuple;
      ++pos_;
      while (Peek().text != close || Peek().kind != Token::kPunct) {
        if (Peek().kind == Token::kEnd) return Error(tok, "a tuple is not closed: '" + close + "' is missing");
        Value item;
        if (!(st = ReadValue(&item)).ok()) return st;
        v->items.push_back(item);
        if (Peek().text == ",") ++pos_;
        else if (Peek().text != close) return Error(Peek(), "expected ',' or '" + close + "' in a tuple, got '" + Show(Peek()) + "'");
      }
      ++pos_;
    } else {
      return Error(tok, "expected a value, got '" + Show(tok) + "'");
    }
    --depth_;
    return st;
  }

  Status Build(const Token& name, const std::vector<Arg>& args, const std::string& raw, Layer* l);

  const std::string& text_;
  std::vector<Token> t_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool continue_after_comma_ = false;
  bool wrapped_ = false;
  std::string last_layer_;
};

bool EndsWithDims(const std::string& cls, const std::string& stem, int* dims) {
  if (cls.size() != stem.size() + 2 || cls.compare(0, stem.size(), stem) != 0 || cls.back() != 'd') return false;
  const char d = cls[stem.size()];
  if (d < '1' || d > '3') return false;
  *dims = d - '0';
  return true;
}

const char* const kActivations[] = {"ReLU", "ReLU6", "LeakyReLU", "GELU", "SiLU", "Sigmoid", "Tanh", "ELU", "SELU",
                                    "CELU", "Softmax", "LogSoftmax", "Softplus", "Hardswish", "Hardsigmoid",
                                    "Hardtanh", "Mish", "Identity", "Softsign", "Tanhshrink"};
const char* const kDropouts[] = {"Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"};

Status Reader::Build(const Token& name, const std::vector<Arg>& args, const std::string& raw, Layer* l) {
  const std::string cls = name.text;
  *l = Layer();
  l->name = cls;
  std::vector<std::string> params;  // PyTorch's positional order
  int dims = 0;
  if (EndsWithDims(cls, "Conv", &dims)) {
    l->kind = LayerKind::kConv;
    params = {"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
              "padding_mode"};
  } else if (EndsWithDims(cls, "ConvTranspose", &dims)) {
    l->kind = LayerKind::kConvTranspose;
    params = {"in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias",
              "dilation", "padding_mode"};
  } else if (EndsWithDims(cls, "AvgPool", &dims)) {
    l->kind = LayerKind::kAvgPool;
    params = {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"};
  } else if (EndsWithDims(cls, "MaxPool", &dims)) {
    l->kind = LayerKind::kMaxPool;
    params = {"kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"};
  } else if (EndsWithDims(cls, "AdaptiveAvgPool", &dims)) {
    l->kind = LayerKind::kAdaptiveAvgPool;
    params = {"output_size"};
  } else if (EndsWithDims(cls, "BatchNorm", &dims)) {
    l->kind = LayerKind::kBatchNorm;
    params = {"num_features", "eps", "momentum", "affine", "track_running_stats"};
  } else if (cls == "Flatten") {
    l->kind = LayerKind::kFlatten;
    params = {"start_dim", "end_dim"};
  } else if (cls == "Linear") {
    l->kind = LayerKind::kLinear;
    params = {"in_features", "out_features", "bias"};
  } else if (std::find(std::begin(kActivations), std::end(kActivations), cls) != std::end(kActivations) ||
             std::find(std::begin(kDropouts), std::end(kDropouts), cls) != std::end(kDropouts)) {
    l->kind = std::find(std::begin(kDropouts), std::end(kDropouts), cls) != std::end(kDropouts) ? LayerKind::kDropout
                                                                                                 : LayerKind::kActivation;
    l->args = raw;  // kept as written: these arguments never change a shape
    for (const Arg& a : args)
      if (a.value.kind == Value::kTuple) return Error(name, cls + ": unexpected tuple argument");
    return Status::Ok();
  } else {
    return Error(name, "unknown layer nn." + cls +
                           " (read: Conv, ConvTranspose, AvgPool, MaxPool, AdaptiveAvgPool, BatchNorm 1d/2d/3d, "
                           "Flatten, Linear, Dropout and activations such as ReLU)");
  }
  l->dims = dims == 0 ? 1 : dims;
  if (l->kind == LayerKind::kFlatten || l->kind == LayerKind::kLinear) l->dims = 1;
  l->name.clear();  // the class follows from kind and dims
  std::map<std::string, Value> given;
  size_t positional = 0;
  for (const Arg& a : args) {
    std::string key = a.key;
    if (key.empty()) {
      if (!given.empty() && positional < given.size())
        return Error(name, cls + ": a positional argument follows a keyword argument");
      if (positional >= params.size()) return Error(name, cls + ": too many positional arguments");
      key = params[positional++];
    } else if (std::find(params.begin(), params.end(), key) == params.end() && key != "device" && key != "dtype") {
      // (inplace belongs to activations and dropout, read above; PyTorch refuses it here)
      return Error(name, cls + ": unknown argument " + key);
    }
    if (given.count(key)) return Error(name, cls + ": " + key + " given twice");
    given[key] = a.value;
  }
  // Arguments that would change what the layer computes or returns, which
  // attnlab does not model: refused by name rather than dropped.
  if (given.count("return_indices") && !(given["return_indices"].kind == Value::kBool && given["return_indices"].number == 0))
    return Error(name, cls + ": return_indices=True returns a tuple, which nn.Sequential cannot pass on");
  if (given.count("divisor_override") && given["divisor_override"].kind != Value::kNone)
    return Error(name, cls + ": divisor_override changes the average's divisor; attnlab divides as PyTorch does by default");
  auto where = [&](const std::string& key) { return cls + "(" + key + "=...)"; };
  auto integer = [&](const std::string& key, long long* out) -> Status {
    const Value& v = given[key];
    if (v.kind != Value::kNumber || !v.integer || std::fabs(v.number) > 1e15)
      return Status::Error("line " + N(v.line), where(key) + ": expected an integer");
    *out = static_cast<long long>(v.number);
    return Status::Ok();
  };
  // An int, or a tuple of `dims` ints; None keeps the default where allowed.
  auto tuple = [&](const std::string& key, std::array<long long, 3>* out, bool none_is_zero) -> Status {
    const Value& v = given[key];
    if (v.kind == Value::kNone && none_is_zero) {
      for (int d = 0; d < l->dims; ++d) (*out)[d] = 0;  // (the unused dimensions keep their default, as a tuple's do)
      return Status::Ok();
    }
    if (v.kind == Value::kNumber) {
      if (!v.integer || std::fabs(v.number) > 1e15)
        return Status::Error("line " + N(v.line), where(key) + ": expected an integer or a tuple of " + N(l->dims));
      for (int d = 0; d < l->dims; ++d) (*out)[d] = static_cast<long long>(v.number);
      return Status::Ok();
    }
    if (v.kind == Value::kTuple && static_cast<int>(v.items.size()) == l->dims) {
      for (int d = 0; d < l->dims; ++d) {
        const Value& it = v.items[d];
        if (it.kind == Value::kNone && none_is_zero) {
          (*out)[d] = 0;
        } else if (it.kind == Value::kNumber && it.integer && std::fabs(it.number) <= 1e15) {
          (*out)[d] = static_cast<long long>(it.number);
        } else {
          return Status::Error("line " + N(v.line), where(key) + ": expected integers in the tuple");
        }
      }
      return Status::Ok();
    }
    return Status::Error("line " + N(v.line), where(key) + ": expected an integer or a tuple of " + N(l->dims) +
                                                  " integers");
  };
  auto boolean = [&](const std::string& key, bool* out) -> Status {
    const Value& v = given[key];
    if (v.kind != Value::kBool) return Status::Error("line " + N(v.line), where(key) + ": expected True or False");
    *out = v.number != 0;
    return Status::Ok();
  };
  Status st;
  auto need = [&](const std::string& key) -> Status {
    if (!given.count(key)) return Error(name, cls + ": " + key + " is missing");
    return Status::Ok();
  };
  const bool conv = l->kind == LayerKind::kConv || l->kind == LayerKind::kConvTranspose;
  if (conv || l->kind == LayerKind::kLinear) {
    const std::string in = conv ? "in_channels" : "in_features", out = conv ? "out_channels" : "out_features";
    if (!(st = need(in)).ok() || !(st = need(out)).ok() || !(st = integer(in, &l->in_channels)).ok() ||
        !(st = integer(out, &l->out_channels)).ok())
      return st;
  }
  if (conv || l->kind == LayerKind::kAvgPool || l->kind == LayerKind::kMaxPool) {
    if (!(st = need("kernel_size")).ok() || !(st = tuple("kernel_size", &l->kernel, false)).ok()) return st;
    if (given.count("stride")) {
      if (given["stride"].kind == Value::kNone && !conv) {
        l->stride = l->kernel;
      } else {
        if (!(st = tuple("stride", &l->stride, false)).ok()) return st;
        l->stride_given = !conv;
      }
    } else if (!conv) {
      l->stride = l->kernel;
    }
    if (given.count("padding")) {
      const Value& p = given["padding"];
      if (p.kind == Value::kString && conv && l->kind == LayerKind::kConv && (p.text == "same" || p.text == "valid")) {
        l->padding_mode = p.text == "same" ? PaddingMode::kSame : PaddingMode::kValid;
      } else if (p.kind == Value::kString) {
        return Status::Error("line " + N(p.line), where("padding") + ": '" + p.text + "' is not a padding" +
                                                      (l->kind == LayerKind::kConv ? " (a number, 'valid' or 'same')" : " (a number)"));
      } else if (!(st = tuple("padding", &l->padding, false)).ok()) {
        return st;
      }
    }
    if (given.count("dilation") && l->kind != LayerKind::kAvgPool && !(st = tuple("dilation", &l->dilation, false)).ok())
      return st;
    if (given.count("output_padding") && !(st = tuple("output_padding", &l->output_padding, false)).ok()) return st;
    if (given.count("groups") && !(st = integer("groups", &l->groups)).ok()) return st;
    if (given.count("bias") && !(st = boolean("bias", &l->bias)).ok()) return st;
    if (given.count("ceil_mode") && !(st = boolean("ceil_mode", &l->ceil_mode)).ok()) return st;
    if (given.count("padding_mode") &&
        (given["padding_mode"].kind != Value::kString || given["padding_mode"].text != "zeros"))
      return Status::Error("line " + N(given["padding_mode"].line),
                           where("padding_mode") + ": only 'zeros' is read (other modes keep the shapes but not the grid's values)");
    if (given.count("count_include_pad")) {
      bool include = true;
      if (!(st = boolean("count_include_pad", &include)).ok()) return st;
      if (!include)
        return Status::Error("line " + N(given["count_include_pad"].line),
                             where("count_include_pad") + ": only True (the default) is read");
    }
  }
  if (l->kind == LayerKind::kAdaptiveAvgPool) {
    if (!(st = need("output_size")).ok() || !(st = tuple("output_size", &l->output_size, true)).ok()) return st;
  }
  if (l->kind == LayerKind::kBatchNorm) {
    if (!(st = need("num_features")).ok() || !(st = integer("num_features", &l->num_features)).ok()) return st;
    if (given.count("affine") && !(st = boolean("affine", &l->bias)).ok()) return st;
  }
  if (l->kind == LayerKind::kLinear && given.count("bias") && !(st = boolean("bias", &l->bias)).ok()) return st;
  if (l->kind == LayerKind::kFlatten) {
    if (given.count("start_dim") && !(st = integer("start_dim", &l->start_dim)).ok()) return st;
    if (given.count("end_dim") && !(st = integer("end_dim", &l->end_dim)).ok()) return st;
    if (std::llabs(l->start_dim) > 8 || std::llabs(l->end_dim) > 8)
      return Error(name, "Flatten: start_dim and end_dim must be -8..8");
  }
  const Status own = CheckLayer(*l);
  if (!own.ok()) return Error(name, own.message());
  return Status::Ok();
}

// One number when every dimension has it, else a tuple. `none_for_zero`: the
// adaptive pool's output_size, where 0 stands for None (keep that size), which
// is written as None, and always inside a tuple (a bare None is no size).
std::string Tuple(const std::array<long long, 3>& v, int dims, bool none_for_zero = false) {
  bool same = true, any_zero = false;
  for (int d = 0; d < dims; ++d) {
    same = same && v[d] == v[0];
    any_zero = any_zero || v[d] == 0;
  }
  if (same && !(none_for_zero && any_zero)) return N(v[0]);
  if (dims == 1) return "None";  // (one dimension, kept: the reader's bare None)
  std::string s = "(";
  for (int d = 0; d < dims; ++d)
    s += (d ? ", " : "") + (none_for_zero && v[d] == 0 ? std::string("None") : N(v[d]));
  return s + ")";
}

}  // namespace

Status ParseSequential(const std::string& text, std::vector<Layer>* layers, std::vector<SequentialWarning>* warnings) {
  layers->clear();
  if (warnings) warnings->clear();
  if (text.size() > kMaxSequentialText)
    return Status::Error("", "the text is " + N(static_cast<long long>(text.size())) + " bytes; at most " +
                                 N(static_cast<long long>(kMaxSequentialText)));
  std::vector<Token> tokens;
  Status st = Tokenize(text, &tokens);
  if (!st.ok()) return st;
  Reader r(text, std::move(tokens));
  st = r.Sequential(layers, warnings);
  if (!st.ok()) {
    layers->clear();
    return st;
  }
  // "nn.Sequential()" is an empty network (PyTorch accepts it); text with no layer at all is not.
  if (layers->empty() && !r.wrapped()) return Status::Error("", "no layer: paste nn.Sequential(nn.Conv2d(...), ...)");
  return Status::Ok();
}

Status ParseLayer(const std::string& text, Layer* layer) {
  std::vector<Layer> layers;
  Status st = ParseSequential(text, &layers, nullptr);
  if (!st.ok()) return st;
  if (layers.size() != 1)
    return Status::Error("", "expected one layer, got " + N(static_cast<long long>(layers.size())));
  *layer = layers[0];
  return Status::Ok();
}

std::string WriteLayer(const Layer& l) {
  std::string s = "nn." + LayerClass(l) + "(";
  std::vector<std::string> a;
  auto tuple = [&](const char* key, const std::array<long long, 3>& v, long long dflt) {
    bool is_default = true;
    for (int d = 0; d < l.dims; ++d) is_default = is_default && v[d] == dflt;
    if (!is_default) a.push_back(std::string(key) + "=" + Tuple(v, l.dims));
  };
  switch (l.kind) {
    case LayerKind::kConv:
    case LayerKind::kConvTranspose:
      a.push_back("in_channels=" + N(l.in_channels));
      a.push_back("out_channels=" + N(l.out_channels));
      a.push_back("kernel_size=" + Tuple(l.kernel, l.dims));
      tuple("stride", l.stride, 1);
      if (l.padding_mode == PaddingMode::kSame) a.push_back("padding='same'");
      else if (l.padding_mode == PaddingMode::kValid) a.push_back("padding='valid'");
      else tuple("padding", l.padding, 0);
      if (l.kind == LayerKind::kConvTranspose) tuple("output_padding", l.output_padding, 0);
      tuple("dilation", l.dilation, 1);
      if (l.groups != 1) a.push_back("groups=" + N(l.groups));
      if (!l.bias) a.push_back("bias=False");
      break;
    case LayerKind::kAvgPool:
    case LayerKind::kMaxPool:
      a.push_back("kernel_size=" + Tuple(l.kernel, l.dims));
      // (a stride that is not the kernel is written even if it was not given:
      // the kernel may have been edited since, and PyTorch's default follows it)
      if (l.stride_given || l.stride != l.kernel) a.push_back("stride=" + Tuple(l.stride, l.dims));
      tuple("padding", l.padding, 0);
      if (l.kind == LayerKind::kMaxPool) tuple("dilation", l.dilation, 1);
      if (l.ceil_mode) a.push_back("ceil_mode=True");
      break;
    case LayerKind::kAdaptiveAvgPool: a.push_back("output_size=" + Tuple(l.output_size, l.dims, true)); break;
    case LayerKind::kFlatten:
      if (l.start_dim != 1) a.push_back("start_dim=" + N(l.start_dim));
      if (l.end_dim != -1) a.push_back("end_dim=" + N(l.end_dim));
      break;
    case LayerKind::kLinear:
      a.push_back("in_features=" + N(l.in_channels));
      a.push_back("out_features=" + N(l.out_channels));
      if (!l.bias) a.push_back("bias=False");
      break;
    case LayerKind::kBatchNorm:
      a.push_back("num_features=" + N(l.num_features));
      if (!l.bias) a.push_back("affine=False");
      break;
    case LayerKind::kActivation:
    case LayerKind::kDropout:
      if (!l.args.empty()) a.push_back(l.args);
      break;
  }
  for (size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + a[i];
  return s + ")";
}

std::string WriteSequential(const std::vector<Layer>& layers) {
  if (layers.empty()) return "nn.Sequential()";
  std::string s = "nn.Sequential(\n";
  for (size_t i = 0; i < layers.size(); ++i) s += "    " + WriteLayer(layers[i]) + (i + 1 < layers.size() ? ",\n" : "\n");
  return s + ")";
}

}  // namespace attnlab
