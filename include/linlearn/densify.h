#pragma once
// When sparse records (LIBSVM, sparse RecordIO) train on the dense layout. CSR that holds a value in
// a good share of its cells trains several times faster as dense rows (SIMD over whole rows, no
// index per value: Fashion-MNIST, half its pixels non-zero, trained 10x slower as CSR), and its
// dense store costs at most about twice as much. Wide, genuinely sparse data stays CSR.
#include <cstddef>

namespace linlearn {

// The share of a channel's cells that must hold a value: a dense cell takes 4 bytes and a CSR value
// 8 (value and index), so at a quarter the dense store is at most twice the CSR one.
inline constexpr double kDenseEnoughShare = 0.25;

// Whether `nonzeros` stored values in `rows` records of `feature_dim` features are dense enough.
bool dense_enough(double rows, double nonzeros, std::size_t feature_dim);

// Whether a dense store of `rows` x `feature_dim` floats fits within `max_memory` next to the
// `held_bytes` in memory already (the CSR store it replaces included: both are held while copying).
bool dense_copy_fits(std::size_t held_bytes, std::size_t rows, std::size_t feature_dim, std::size_t max_memory);

}  // namespace linlearn
