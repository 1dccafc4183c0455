// attnlab core: the matrix types every layer shares.
//
// Convention (as in NumPy and in `Q = X W_Q`): one token, key or value per ROW,
// stored row-major, so a token's vector and a query's row of scores are
// contiguous (the row softmax, the hottest loop, runs on packed memory).
// m(row, col); for weights and scores row = query position, col = key position.
#pragma once

// GCC 12 reports false -Wmaybe-uninitialized warnings inside its own
// <avx512fintrin.h> when Eigen is built for AVX-512 (GCC bug 105593, fixed in
// GCC 13). Silenced for the lines of these headers only, not for our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <Eigen/Core>
#pragma GCC diagnostic pop
#else
#include <Eigen/Core>
#endif

namespace attnlab {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;
using RowVector = Eigen::RowVectorXd;

// true = the query in this row may attend to the key in this column.
using Mask = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// True when no entry of a matrix is NaN or infinite: checks that no double has
// an all-ones exponent, with integer operations that the compiler vectorises
// (a floating-point reduction would not be, and every edit checks every input).
bool AllFinite(const Matrix& m);

}  // namespace attnlab
