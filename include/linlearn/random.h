#pragma once
// Seeded random streams. Every draw in linlearn comes from (--seed, a named stream, an index), never
// from time or thread identity, and the generator is our own so results match across platforms.
#include <cmath>
#include <cstdint>

namespace linlearn {

enum class RandomStream : std::uint64_t {
  kShuffle = 1,
  kScalerSample = 2,
  kInit = 3,
  kCalibrationSample = 4,
  kReportSample = 5,
};

// SplitMix64: small, fast, and good enough for shuffling and sampling.
class Rng {
 public:
  Rng(std::uint64_t seed, RandomStream stream, std::uint64_t index = 0)
      : state_(mix(mix(seed ^ 0x9E3779B97F4A7C15ULL) + static_cast<std::uint64_t>(stream)) + index) {}

  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return mix(state_);
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n) {
    while (true) {
      const unsigned __int128 product = static_cast<unsigned __int128>(next()) * n;
      const auto low = static_cast<std::uint64_t>(product);
      if (low >= n || low >= (-n) % n) return static_cast<std::uint64_t>(product >> 64);
    }
  }
  // Standard normal (Box-Muller).
  double normal() {
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

}  // namespace linlearn
