// attnlab core: seeded standard normal numbers, the same on every machine.
//
//   z = sqrt(-2 log u1) cos(2 pi u2),   z' = sqrt(-2 log u1) sin(2 pi u2)   (Box-Muller)
//   u1 in (0, 1], u2 in [0, 1): the top 53 bits of std::mt19937_64
//
// std::mt19937_64's sequence is fixed by the C++ standard, but
// std::normal_distribution's algorithm is not (libstdc++ and libc++ differ), so
// the transform is written here: a seed names one sample set, here and in a
// bug report from another machine (up to libm's last-bit rounding of log/cos).
#pragma once

#include <cstdint>
#include <random>

namespace attnlab {

class NormalSampler {
 public:
  explicit NormalSampler(std::uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1): 53 random bits, so every value is exact in a double.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // One N(0, 1) number. Box-Muller makes two at a time; the second is kept.
  double Next();

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace attnlab
