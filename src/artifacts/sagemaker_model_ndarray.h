#pragma once
// MXNet's NDArray list file (mx.nd.save), as SageMaker Linear Learner writes mx-mod-0000.params:
// uint64 magic 0x112, uint64 reserved, uint64 count, `count` arrays (NDArray V2: uint32 magic
// 0xF993FAC9, int32 stype, uint32 ndim, int64 dims, int32 dev_type, int32 dev_id, int32 dtype, raw
// little-endian data), then uint64 count and (uint64 length, bytes) per name. Only dense float32
// arrays, the only kind Linear Learner writes, are read and written.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linlearn {

struct NamedArray {
  std::string name;                  // as stored, e.g. "arg:fc0_weight"
  std::vector<std::uint64_t> shape;  // row-major
  std::vector<float> values;
};

// InputError starting with `place` for anything but a well-formed list of dense float32 arrays with
// one name each; sizes are checked against the bytes present before anything is allocated.
std::vector<NamedArray> parse_ndarray_list(std::string_view bytes, const std::string& place);

// The file mx.nd.save writes for these arrays (cpu context, float32).
std::string write_ndarray_list(const std::vector<NamedArray>& arrays);

}  // namespace linlearn
