// Decodes SageMaker RecordIO-protobuf records straight from the protobuf wire format into a Dataset.
// No aialgs::data::Record objects are built: a record is scanned for where its tensors live (spans
// of the payload), then the values are copied once into the Dataset. Scratch buffers are reused
// across records, so the steady state allocates nothing per record.
#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include "io/recordio_wire.h"
#include "io/text_parsing.h"
#include "linlearn/reader.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

using recordio_wire::Byte;
using recordio_wire::decode_values;
using recordio_wire::first_non_finite;
using recordio_wire::for_each_varint;
using recordio_wire::RecordProblem;
using recordio_wire::RecordScan;
using recordio_wire::require_numeric_tensor;
using recordio_wire::resolve_tensor;
using recordio_wire::scan_record;
using recordio_wire::scan_tensor;
using recordio_wire::Span;
using recordio_wire::TensorLayout;

constexpr const char* kNotFinite = "is not a finite float32 (NaN, infinity or beyond +-3.4e38)";

// Thrown by a piece whose records are not all dense of the first record's width.
struct NotUniformlyDense {};

// Decodes records one after the other into a Dataset, reusing its scratch buffers.
class RecordDecoder {
 public:
  // `width_known`: data.feature_dim already holds the feature_dim every record must have.
  // `label_required` false: a record without a label reads as label 0 (records to score).
  RecordDecoder(Dataset& data, std::size_t file_bytes, bool width_known, bool label_required)
      : data_(data), file_bytes_(file_bytes), width_known_(width_known), label_required_(label_required) {}

  void decode(std::string_view payload) {
    float label;
    if (scan(payload, label)) {
      append_sparse();
    } else {
      append_dense(payload.size());
    }
    data_.labels.push_back(label);
  }

  // A dense record of data.feature_dim features straight into `row`; returns its label. Throws
  // NotUniformlyDense for a sparse record, and for a dense one what decode() would.
  float decode_dense_into(std::string_view payload, float* row) {
    float label;
    if (scan(payload, label)) throw NotUniformlyDense{};
    check_feature_dim(features_.value_count, "dense");
    decode_values(features_, row);
    check_finite_features(row, features_.value_count);
    return label;
  }

 private:
  // Finds the record's tensors and decodes its label; returns whether its features are sparse.
  bool scan(std::string_view payload, float& label) {
    const auto* begin = reinterpret_cast<const Byte*>(payload.data());
    scan_record({begin, begin + payload.size()}, scan_);
    if (!scan_.has_features) throw RecordProblem("no features[\"values\"] tensor");
    if (!scan_.has_label && label_required_) throw RecordProblem("no label[\"values\"]: every record needs a label");
    label = scan_.has_label ? decode_label() : 0.0f;
    resolve_tensor(scan_.features_value, features_);
    require_numeric_tensor(features_, "features");
    scan_tensor(features_);
    return features_.key_count > 0 || (features_.value_count == 0 && features_.shape_count > 0);
  }

  float decode_label() {
    resolve_tensor(scan_.label_value, label_);
    require_numeric_tensor(label_, "label");
    scan_tensor(label_);
    if (label_.value_count != 1) {
      throw RecordProblem(fmt::format("label[\"values\"] holds {} values, expected 1", label_.value_count));
    }
    float label;
    decode_values(label_, &label);
    if (!std::isfinite(label)) throw RecordProblem(fmt::format("the label {}", kNotFinite));
    return label;
  }

  void check_feature_dim(std::uint64_t dim, const char* kind) const {
    if (dim != data_.feature_dim) {
      throw RecordProblem(
          fmt::format("{} record with feature_dim {}, but the earlier records have {}", kind, dim, data_.feature_dim));
    }
  }

  void check_finite_features(const float* v, std::size_t n) const {
    const std::size_t bad = first_non_finite(v, n);
    if (bad != n) throw RecordProblem(fmt::format("feature value {} ({}) {}", bad, v[bad], kNotFinite));
  }

  void append_dense(std::size_t payload_bytes) {
    const std::size_t width = features_.value_count;
    if (width_known_ && data_.rows() == 0) check_feature_dim(width, "dense");
    if (data_.rows() == 0) {
      data_.feature_dim = width;
      // Records of a file are alike in size, so the first one tells how many to expect.
      const std::size_t expected_rows = file_bytes_ / (payload_bytes + 8) + 1;
      data_.labels.reserve(expected_rows);
      data_.dense.reserve(expected_rows * width);
    } else {
      check_feature_dim(width, "dense");
    }
    if (!data_.sparse) {
      const std::size_t old_size = data_.dense.size();
      data_.dense.resize(old_size + width);
      decode_values(features_, data_.dense.data() + old_size);
      check_finite_features(data_.dense.data() + old_size, width);
      return;
    }
    row_.resize(width);
    decode_values(features_, row_.data());
    check_finite_features(row_.data(), width);
    for (std::size_t j = 0; j < width; ++j) {
      if (row_[j] == 0.0f) continue;
      data_.col_idx.push_back(static_cast<std::uint32_t>(j));
      data_.values.push_back(row_[j]);
    }
    data_.row_ptr.push_back(data_.values.size());
  }

  void append_sparse() {
    if (features_.shape_count == 0) {
      throw RecordProblem(
          fmt::format("sparse record ({} keys) has no shape, expected shape = [feature_dim]", features_.key_count));
    }
    if (features_.shape_count != 1) {
      throw RecordProblem(fmt::format("sparse record has a shape of {} dimensions, expected shape = [feature_dim]",
                                      features_.shape_count));
    }
    if (features_.key_count != features_.value_count) {
      throw RecordProblem(
          fmt::format("sparse record has {} keys but {} values", features_.key_count, features_.value_count));
    }
    std::uint64_t dim = 0;
    for_each_varint(features_.shape, [&dim](std::uint64_t v) { dim = v; });
    // Column indices are 32-bit.
    if (dim > (std::uint64_t{1} << 32)) {
      throw RecordProblem(fmt::format("shape [{}] exceeds the supported 2^32 features", dim));
    }
    if (width_known_ && data_.rows() == 0) check_feature_dim(dim, "sparse");
    if (data_.rows() == 0) {
      data_.feature_dim = dim;
      data_.sparse = true;
    } else {
      check_feature_dim(dim, "sparse");
      data_.to_sparse();
    }
    const std::size_t begin = data_.values.size();
    const std::size_t count = features_.value_count;
    data_.values.resize(begin + count);
    decode_values(features_, data_.values.data() + begin);
    check_finite_features(data_.values.data() + begin, count);
    data_.col_idx.resize(begin + count);
    std::uint32_t* keys = data_.col_idx.data() + begin;
    std::size_t k = 0;
    bool ascending = true;
    for_each_varint(features_.keys, [&](std::uint64_t key) {
      if (key >= dim) throw RecordProblem(fmt::format("sparse key {} is >= shape [{}]", key, dim));
      keys[k] = static_cast<std::uint32_t>(key);
      ascending = ascending && (k == 0 || keys[k] > keys[k - 1]);
      ++k;
    });
    if (!ascending) sort_row(begin, count);
    data_.row_ptr.push_back(data_.values.size());
  }

  // CSR rows are kept in key order; repeated keys would make a value ambiguous.
  void sort_row(std::size_t begin, std::size_t count) {
    entries_.clear();
    for (std::size_t k = begin; k < begin + count; ++k) entries_.emplace_back(data_.col_idx[k], data_.values[k]);
    std::sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t k = 0; k < count; ++k) {
      if (k > 0 && entries_[k].first == entries_[k - 1].first) {
        throw RecordProblem(fmt::format("sparse key {} appears more than once", entries_[k].first));
      }
      data_.col_idx[begin + k] = entries_[k].first;
      data_.values[begin + k] = entries_[k].second;
    }
  }

  Dataset& data_;
  std::size_t file_bytes_;
  bool width_known_;
  bool label_required_;
  RecordScan scan_;
  TensorLayout features_, label_;
  std::vector<float> row_;  // a dense record on its way into a sparse store
  std::vector<std::pair<std::uint32_t, float>> entries_;
};

// Decodes a file whose records are all dense, of `parsed.feature_dim` features and `frame` bytes
// each (record r at byte r * frame), on `pieces` threads straight into the rows of `parsed`.
// Returns false, with `parsed` unusable, as soon as a piece finds that not so or anything wrong:
// the one-piece decoder then says what, and where.
bool decode_uniform_pieces(std::string_view bytes, const std::string& file, std::size_t frame, std::size_t pieces,
                           bool label_required, Dataset& parsed) {
  const std::size_t records = bytes.size() / frame;
  const std::size_t width = parsed.feature_dim;
  const auto first_record = [&](std::size_t p) { return p * records / pieces; };
  parsed.labels.reserve(records);
  parsed.dense.reserve(records * width);
  text::run_on_threads(pieces, [&](std::size_t p) {
    text::fault_in(parsed.dense.data() + first_record(p) * width,
                   (first_record(p + 1) - first_record(p)) * width * sizeof(float));
  });
  parsed.labels.resize(records);
  parsed.dense.resize(records * width);
  std::vector<char> decoded(pieces, 0);
  text::run_on_threads(pieces, [&](std::size_t p) {
    const std::size_t begin = first_record(p) * frame;
    RecordIOFrameReader frames(bytes.substr(begin, first_record(p + 1) * frame - begin), file, begin, first_record(p));
    Dataset shape;
    shape.feature_dim = width;
    RecordDecoder decoder(shape, 0, true, label_required);
    std::size_t row = first_record(p);
    std::string_view payload;
    try {
      while (frames.next(payload)) {
        if (frames.record_offset() != row * frame) return;
        parsed.labels[row] = decoder.decode_dense_into(payload, parsed.dense.data() + row * width);
        ++row;
      }
    } catch (...) {
      return;
    }
    decoded[p] = row == first_record(p + 1) ? 1 : 0;
  });
  return std::find(decoded.begin(), decoded.end(), 0) == decoded.end();
}

}  // namespace

void parse_recordio_file(std::string_view bytes, const std::string& file, Dataset& out, int threads,
                         bool label_required) {
  // Below this a file decodes faster on one thread than threads start.
  constexpr std::size_t kMinParallelBytes = std::size_t{8} << 20;
  // Files of dense records of one width and encoding (as SageMaker's SDK and `linlearn convert`
  // write them) have records of one size, so record r starts at r times it: the file is cut there
  // without walking its headers first, a chain of dependent loads. Each piece checks every record
  // of its own against that; a piece starting mid-record (the guess was wrong) cannot pass, so its
  // result is only kept when every piece, the first included, passed.
  if (threads > 1 && bytes.size() >= kMinParallelBytes && load_recordio_u32(bytes.data()) == kRecordIOMagic) {
    const std::size_t frame = recordio_frame_bytes(bytes.data());
    if (frame <= bytes.size() && bytes.size() % frame == 0) {
      Dataset first;
      parse_recordio(bytes.substr(0, frame), file, first, {}, 0, label_required);
      if (!first.sparse) {
        Dataset parsed;
        parsed.files.push_back(file);
        parsed.feature_dim = first.feature_dim;
        if (decode_uniform_pieces(bytes, file, frame, static_cast<std::size_t>(threads), label_required, parsed)) {
          out.append(std::move(parsed));
          return;
        }
      }
    }
  }
  parse_recordio(bytes, file, out, {}, 0, label_required);
}

void parse_recordio(std::string_view bytes, const std::string& file, Dataset& out, const FilePlace& start,
                    std::size_t feature_dim, bool label_required) {
  Dataset parsed;
  parsed.files.push_back(file);
  parsed.feature_dim = feature_dim;
  RecordDecoder decoder(parsed, bytes.size(), feature_dim != 0, label_required);
  RecordIOFrameReader frames(bytes, file, start.byte, start.record);
  std::string_view payload;
  while (frames.next(payload)) {
    try {
      decoder.decode(payload);
    } catch (const RecordProblem& problem) {
      frames.fail(problem.what());
    }
  }
  out.append(std::move(parsed));
}

}  // namespace linlearn
