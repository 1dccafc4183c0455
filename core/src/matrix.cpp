#include "attnlab/matrix.hpp"

#include <cstdint>
#include <cstring>

namespace attnlab {

bool AllFinite(const Matrix& m) {
  constexpr uint64_t kExponent = 0x7ff0000000000000ull;
  const double* p = m.data();
  const Eigen::Index n = m.size();
  uint64_t bad = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    uint64_t bits;
    std::memcpy(&bits, p + i, sizeof bits);
    bad |= static_cast<uint64_t>((bits & kExponent) == kExponent);
  }
  return bad == 0;
}

}  // namespace attnlab
