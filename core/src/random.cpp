#include "attnlab/random.hpp"

#include <cmath>

namespace attnlab {

double NormalSampler::Next() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  // 1 - u lies in (0, 1]: log never sees 0.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - Uniform()));
  const double angle = kTwoPi * Uniform();
  spare_ = radius * std::sin(angle);
  has_spare_ = true;
  return radius * std::cos(angle);
}

}  // namespace attnlab
