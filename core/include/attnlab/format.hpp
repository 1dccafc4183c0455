// attnlab core: how a number is written for a person (cells, tooltips, LaTeX).
//
// A value is a "simple rational" p/q when |v - p/q| <= 1e-9 * max(1, |v|) for
// some q <= kMaxDenominator (found with continued fractions). Exercises are
// full of 1/3, 1/7, 3/4: printed as fractions they match the hand calculation.
#pragma once

#include <string>

namespace attnlab {

inline constexpr long long kMaxDenominator = 64;

struct Rational {
  long long num = 0;
  long long den = 1;  // > 0
};

// True (and the fraction in lowest terms) when `v` is a simple rational.
bool SimpleRational(double v, Rational* out, long long max_den = kMaxDenominator);

enum class NumberStyle {
  kAuto,        // integers as integers, simple rationals as p/q, else decimal / scientific
  kDecimal,     // fixed, `digits` after the point
  kFraction,    // p/q where simple, else decimal
  kScientific,  // d.ddde+xx
};

// Short text for a cell or a label. `digits`: decimals (kDecimal, kAuto) or
// significant digits - 1 (kScientific). NaN -> "NaN", +-inf -> "inf" / "-inf".
std::string FormatNumber(double v, NumberStyle style = NumberStyle::kAuto, int digits = 3);

// LaTeX for a number: \frac{p}{q} for simple rationals, else decimal, with
// 10^{k} for what fixed notation cannot show (1e100 -> 10^{100}, 1.5e-7 ->
// 1.5 \times 10^{-7}). digits < 0: full precision, the shortest text that
// reads back to the same double (\frac only when p/q is that double).
std::string LatexNumber(double v, int digits = 4);

}  // namespace attnlab
