#include "linlearn/normalizer.h"

#include <cmath>

#include "linlearn/random.h"
#include "linlearn/shuffler.h"

namespace linlearn {
namespace {

// A scale of zero (a constant feature) or a denormal would blow up the weights; leave such features as they are.
double usable_scale(double s) {
  return s > 1e-12 && std::isfinite(s) ? s : 1.0;
}

}  // namespace

Normalization compute_normalization(const Dataset& train, const NormalizationConfig& config, std::uint64_t seed,
                                    Communicator* communicator, const FeatureIndex* features) {
  // Sparse data with an index: a mean and scale per slot of it.
  const bool by_slot = train.sparse && features != nullptr;
  const std::size_t d = by_slot ? features->size() : train.feature_dim;
  Normalization n;
  n.mean.assign(d, 0.0);
  n.scale.assign(d, 1.0);
  const int ranks = communicator != nullptr ? communicator->size() : 1;
  const int rank = communicator != nullptr ? communicator->rank() : 0;
  const auto share = static_cast<std::size_t>((config.num_point_for_scaler + ranks - 1) / ranks);
  const auto sample = uniform_sample(train.rows(), share, seed + static_cast<std::uint64_t>(rank),
                                     static_cast<std::uint64_t>(RandomStream::kScalerSample));

  // Dense data: sums[0, d) feature sums, [d, 2d) sums of squares; sparse data: the sum of the
  // squares of the non-zero values and their count. Then label sum, label square sum, count.
  const std::size_t feature_sums = train.sparse ? 2 : 2 * d;
  std::vector<double> sums(feature_sums + 3, 0.0);
  for (std::uint32_t r : sample) {
    if (train.sparse) {
      for (std::uint64_t k = train.row_ptr[r]; k < train.row_ptr[r + 1]; ++k) {
        const double v = train.value(k);
        if (v == 0.0) continue;
        sums[0] += v * v;
        sums[1] += 1;
      }
    } else {
      const float* row = train.dense.data() + static_cast<std::size_t>(r) * d;
      for (std::size_t j = 0; j < d; ++j) {
        sums[j] += row[j];
        sums[d + j] += static_cast<double>(row[j]) * row[j];
      }
    }
  }
  double* label_sums = sums.data() + feature_sums;
  for (std::uint32_t r : sample) {
    label_sums[0] += train.labels[r];
    label_sums[1] += static_cast<double>(train.labels[r]) * train.labels[r];
  }
  label_sums[2] = static_cast<double>(sample.size());
  if (communicator != nullptr) communicator->sum(sums);
  const double count = label_sums[2];
  n.sample_size = static_cast<std::size_t>(count);

  if (train.sparse) {
    // One scale for every feature, the root mean square of the sampled non-zero values: most
    // features of a wide sparse set occur in few of the sampled records or in none, so their own
    // statistics would be noise or missing; and such data mostly comes on one scale already
    // (one-hot, hashed counts, tf-idf rows of unit norm), which per-feature scales would re-weight
    // (bench/RESULTS.md p: 0.4 to 1.2 points of accuracy on the text sets).
    if (config.normalize_data && sums[1] > 0) n.scale.assign(d, usable_scale(std::sqrt(sums[0] / sums[1])));
  } else {
    const bool centre = config.unbias_data;
    for (std::size_t j = 0; j < d; ++j) {
      const double mean = sums[j] / count;
      if (centre) n.mean[j] = mean;
      if (!config.normalize_data) continue;
      const double mean_sq = sums[d + j] / count;
      // Without centring, the root mean square is the scale that brings features to unit size.
      n.scale[j] = usable_scale(std::sqrt(std::max(0.0, centre ? mean_sq - mean * mean : mean_sq)));
    }
  }

  if (config.normalize_label || config.unbias_label) {
    const double s = label_sums[0];
    const double ss = label_sums[1];
    const double mean = s / count;
    if (config.unbias_label) n.label_mean = mean;
    if (config.normalize_label)
      n.label_scale =
          usable_scale(std::sqrt(std::max(0.0, config.unbias_label ? ss / count - mean * mean : ss / count)));
  }
  return n;
}

}  // namespace linlearn
