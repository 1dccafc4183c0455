#include "attnlab/format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace attnlab {
namespace {

std::string Printf(const char* fmt, int digits, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, digits, v);
  return buf;
}

// printf's "%e" with the exponent written short: 2.5e-07 -> 2.5e-7,
// 1.23e+03 -> 1.23e3. Cells are small; the zeros say nothing.
std::string Scientific(double v, int digits) {
  std::string s = Printf("%.*e", digits, v);
  const size_t e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  const bool negative = !exponent.empty() && exponent[0] == '-';
  if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) exponent.erase(0, 1);
  while (exponent.size() > 1 && exponent[0] == '0') exponent.erase(0, 1);
  return mantissa + "e" + (negative ? "-" : "") + exponent;
}

std::string NonFinite(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "inf" : "-inf";
}

// Decimal with trailing zeros trimmed ("0.500" -> "0.5"), never "-0". A number
// that fixed notation cannot show (1e100 would be a hundred digits, 1e-100 a
// misleading 0) is written in scientific notation instead.
std::string Decimal(double v, int digits) {
  if (v != 0 && (std::abs(v) >= 1e15 || std::abs(v) < 0.5 * std::pow(10.0, -digits))) return Scientific(v, digits);
  std::string s = Printf("%.*f", digits, v);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace

bool SimpleRational(double v, Rational* out, long long max_den) {
  if (!std::isfinite(v) || std::abs(v) > 1e9) return false;
  if (v != 0 && std::abs(v) < 1e-9) return false;  // a tiny number is not 0/1: 1e-100 prints as 1e-100
  const double tol = 1e-9 * std::max(1.0, std::abs(v));
  // Continued-fraction convergents h/k of |v|.
  const double x0 = std::abs(v);
  double x = x0;
  long long h_prev = 1, h = static_cast<long long>(std::floor(x));
  long long k_prev = 0, k = 1;
  for (int iter = 0; iter < 32; ++iter) {
    if (std::abs(static_cast<double>(h) / static_cast<double>(k) - x0) <= tol) {
      out->num = v < 0 ? -h : h;
      out->den = k;
      if (out->num == 0) out->den = 1;
      return true;
    }
    const double frac = x - std::floor(x);
    if (frac < 1e-15) break;
    x = 1.0 / frac;
    const long long a = static_cast<long long>(std::floor(x));
    const long long h_next = a * h + h_prev;
    const long long k_next = a * k + k_prev;
    if (k_next > max_den) break;
    h_prev = h;
    h = h_next;
    k_prev = k;
    k = k_next;
  }
  return false;
}

std::string FormatNumber(double v, NumberStyle style, int digits) {
  if (!std::isfinite(v)) return NonFinite(v);
  Rational r;
  switch (style) {
    case NumberStyle::kDecimal: return Decimal(v, digits);
    case NumberStyle::kScientific: return Scientific(v, digits);
    case NumberStyle::kFraction:
      if (SimpleRational(v, &r)) {
        return r.den == 1 ? std::to_string(r.num) : std::to_string(r.num) + "/" + std::to_string(r.den);
      }
      return Decimal(v, digits);
    case NumberStyle::kAuto:
      // Fractions where they read as fractions (1/3, -9/7), not 1234567/10.
      if (SimpleRational(v, &r, 12) && (r.den == 1 || std::abs(v) < 100)) {
        return r.den == 1 ? std::to_string(r.num) : std::to_string(r.num) + "/" + std::to_string(r.den);
      }
      if (v != 0 && (std::abs(v) < 1e-3 || std::abs(v) >= 1e5)) return Scientific(v, 1);
      return Decimal(v, digits);
  }
  return Decimal(v, digits);
}

std::string LatexNumber(double v, int digits) {
  if (!std::isfinite(v)) return std::isnan(v) ? "\\mathrm{NaN}" : (v > 0 ? "\\infty" : "-\\infty");
  Rational r;
  const bool full = digits < 0;  // every digit: a fraction only where it is the same double
  if (SimpleRational(v, &r) &&
      (!full || static_cast<double>(r.num) / static_cast<double>(r.den) == v)) {
    if (r.den == 1) return std::to_string(r.num);
    const std::string frac = "\\frac{" + std::to_string(std::llabs(r.num)) + "}{" + std::to_string(r.den) + "}";
    return r.num < 0 ? "-" + frac : frac;
  }
  std::string d;
  if (full) {
    char buf[40];
    const std::to_chars_result end = std::to_chars(buf, buf + sizeof buf, v);
    d.assign(buf, end.ptr);
  } else {
    d = Decimal(v, digits);
  }
  const size_t e = d.find('e');
  if (e == std::string::npos) return d;
  // 1.5e100 -> 1.5 \times 10^{100}; 1e-100 -> 10^{-100}
  std::string mantissa = d.substr(0, e);
  if (mantissa.find('.') != std::string::npos) {
    while (mantissa.back() == '0') mantissa.pop_back();
    if (mantissa.back() == '.') mantissa.pop_back();
  }
  std::string exponent = d.substr(e + 1);
  if (!exponent.empty() && exponent[0] == '+') exponent.erase(0, 1);
  const std::string power = "10^{" + exponent + "}";
  if (mantissa == "1") return power;
  if (mantissa == "-1") return "-" + power;
  return mantissa + " \\times " + power;
}

}  // namespace attnlab
