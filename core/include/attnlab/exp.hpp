// attnlab core: exp(x) written as plain arithmetic, so that a loop over it
// vectorises (the softmax's hottest line; Eigen's packet exp divides, and its
// vector and scalar paths disagree on underflow: 5.6e-309 against 0).
//
//   x = k ln2 + r,  k = round(x / ln2),  |r| <= ln2 / 2      (Cody-Waite: ln2 in two parts, with fma)
//   exp(r) = sum_{n <= 13} r^n / n!                          (the dropped term is < 6e-18 relative)
//   exp(x) = exp(r) * 2^k1 * 2^k2,  k1 = k / 2,  k2 = k - k1 (two steps, so results down to the
//                                                            smallest subnormal round only once)
//
// Within 1 ulp of std::exp for every finite x (tests/core/test_softmax.cpp
// checks a dense grid); exp(0) = 1 exactly (the softmax's row maximum gets
// weight 1 / sum exactly); x < -746 gives 0 (so exp(-inf) = 0, a masked key's
// exact weight), x > 710 gives +inf, NaN stays NaN. No table, no branch, no call.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace attnlab {

inline double VectorExp(double x) {
  // Clamp first (comparisons let NaN through): -746 and 710 are already past
  // the smallest subnormal and the largest double, so the result is unchanged.
  x = x < -746.0 ? -746.0 : x;
  x = x > 710.0 ? 710.0 : x;
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 to 32 bits: k * kLn2Hi is exact
  constexpr double kLn2Lo = 1.90821492927058770002e-10;  // the rest of ln 2
  const double k = std::fma(x, kLog2e, kShift) - kShift;
  double r = std::fma(-k, kLn2Hi, x);
  r = std::fma(-k, kLn2Lo, r);
  // Taylor series to r^13 / 13!, Horner from the highest power.
  double p = 1.0 / 6227020800.0;
  p = std::fma(p, r, 1.0 / 479001600.0);
  p = std::fma(p, r, 1.0 / 39916800.0);
  p = std::fma(p, r, 1.0 / 3628800.0);
  p = std::fma(p, r, 1.0 / 362880.0);
  p = std::fma(p, r, 1.0 / 40320.0);
  p = std::fma(p, r, 1.0 / 5040.0);
  p = std::fma(p, r, 1.0 / 720.0);
  p = std::fma(p, r, 1.0 / 120.0);
  p = std::fma(p, r, 1.0 / 24.0);
  p = std::fma(p, r, 1.0 / 6.0);
  p = std::fma(p, r, 0.5);
  p = std::fma(p, r, 1.0);
  p = std::fma(p, r, 1.0);
  // 2^k as two powers of two, each a normal double (k is in [-1076, 1024];
  // NaN converts as 0, not undefined behaviour: p carries the NaN).
  const int64_t ki = static_cast<int64_t>(k == k ? k : 0.0);
  const int64_t k1 = ki / 2, k2 = ki - k1;
  const uint64_t bits1 = static_cast<uint64_t>(k1 + 1023) << 52;
  const uint64_t bits2 = static_cast<uint64_t>(k2 + 1023) << 52;
  double scale1, scale2;
  std::memcpy(&scale1, &bits1, sizeof scale1);
  std::memcpy(&scale2, &bits2, sizeof scale2);
  return p * scale1 * scale2;
}

}  // namespace attnlab
