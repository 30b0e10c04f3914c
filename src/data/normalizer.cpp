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
  // Sparse data with an index: statistics per slot of it; a value outside it is a zero.
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

  // sums[0, d): feature sums; [d, 2d): sums of squares; [2d, 3d): non-zero counts (sparse only);
  // then label sum, label square sum, count.
  const std::size_t per_feature = train.sparse ? 3 * d : 2 * d;
  std::vector<double> sums(per_feature + 3, 0.0);
  double* sum = sums.data();
  double* sum_sq = sums.data() + d;
  double* nonzeros = sums.data() + 2 * d;
  for (std::uint32_t r : sample) {
    if (train.sparse) {
      for (std::uint64_t k = train.row_ptr[r]; k < train.row_ptr[r + 1]; ++k) {
        const std::uint32_t j = by_slot ? features->slot(train.col_idx[k]) : train.col_idx[k];
        if (j == FeatureIndex::kAbsent) continue;
        const double v = train.value(k);
        sum[j] += v;
        sum_sq[j] += v * v;
        nonzeros[j] += 1;
      }
    } else {
      const float* row = train.dense.data() + static_cast<std::size_t>(r) * d;
      for (std::size_t j = 0; j < d; ++j) {
        sum[j] += row[j];
        sum_sq[j] += static_cast<double>(row[j]) * row[j];
      }
    }
  }
  double* label_sums = sums.data() + per_feature;
  for (std::uint32_t r : sample) {
    label_sums[0] += train.labels[r];
    label_sums[1] += static_cast<double>(train.labels[r]) * train.labels[r];
  }
  label_sums[2] = static_cast<double>(sample.size());
  if (communicator != nullptr) communicator->sum(sums);
  const double count = label_sums[2];
  n.sample_size = static_cast<std::size_t>(count);

  const bool centre = config.unbias_data && !train.sparse;
  for (std::size_t j = 0; j < d; ++j) {
    const double mean = sum[j] / count;
    if (centre) n.mean[j] = mean;
    if (!config.normalize_data) continue;
    if (train.sparse) {
      // The root mean square of the feature's non-zero values: over all sampled records, a feature
      // seen once in 10000 would get a scale 100 times below its values and swamp the margins.
      if (nonzeros[j] > 0) n.scale[j] = usable_scale(std::sqrt(sum_sq[j] / nonzeros[j]));
    } else {
      const double mean_sq = sum_sq[j] / count;
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
