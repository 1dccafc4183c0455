// attnlab core: the matrix types every layer shares.
//
// Convention (as in NumPy and in `Q = X W_Q`): one token, key or value per ROW.
// m(row, col); for weights and scores row = query position, col = key position.
#pragma once

#include <Eigen/Core>

namespace attnlab {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using RowVector = Eigen::RowVectorXd;

// true = the query in this row may attend to the key in this column.
using Mask = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;

}  // namespace attnlab
