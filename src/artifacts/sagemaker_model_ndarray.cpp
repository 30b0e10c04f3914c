#include "artifacts/sagemaker_model_ndarray.h"

#include <array>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

static_assert(std::endian::native == std::endian::little, "NDArray files are little-endian");

constexpr std::uint64_t kListMagic = 0x112;
constexpr std::uint32_t kArrayMagicV2 = 0xF993FAC9;
constexpr std::int32_t kDenseStorage = 0;
constexpr std::int32_t kFloat32 = 0;
constexpr std::int32_t kCpu = 1;
// Linear Learner's arrays are matrices; a larger ndim means the file is not one of its models.
constexpr std::uint32_t kMaxDims = 8;
constexpr std::array<const char*, 7> kDtypeNames{"float32", "float64", "float16", "uint8", "int32", "int8", "int64"};

// Reads little-endian fields in order; every read is bounds-checked against what is left.
class ByteReader {
 public:
  ByteReader(std::string_view bytes, const std::string& place) : bytes_(bytes), place_(place) {}

  template <class T>
  T scalar(const char* what) {
    T value;
    std::memcpy(&value, take(sizeof(T), what), sizeof(T));
    return value;
  }
  const char* take(std::size_t count, const char* what) {
    if (count > remaining()) fail(fmt::format("truncated: {} needs {} bytes, {} left", what, count, remaining()));
    const char* at = bytes_.data() + offset_;
    offset_ += count;
    return at;
  }
  std::size_t remaining() const { return bytes_.size() - offset_; }
  std::size_t offset() const { return offset_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(fmt::format("{}: at byte {}: {}", place_, offset_, what));
  }

 private:
  std::string_view bytes_;
  const std::string& place_;
  std::size_t offset_ = 0;
};

std::string dtype_name(std::int32_t dtype) {
  if (dtype >= 0 && static_cast<std::size_t>(dtype) < kDtypeNames.size())
    return kDtypeNames[static_cast<std::size_t>(dtype)];
  return "unknown";
}

// The element count of `shape`, failing (before any allocation) when it exceeds what the file holds.
std::size_t checked_element_count(ByteReader& in, const std::vector<std::uint64_t>& shape) {
  std::uint64_t count = 1;
  const std::uint64_t available = in.remaining() / sizeof(float);
  for (const std::uint64_t dim : shape) {
    if (dim == 0 || count > available / dim)
      in.fail(fmt::format("truncated: an array of shape ({}) needs more than the {} bytes left", fmt::join(shape, ", "),
                          in.remaining()));
    count *= dim;
  }
  return static_cast<std::size_t>(count);
}

NamedArray parse_array(ByteReader& in) {
  const auto magic = in.scalar<std::uint32_t>("array magic");
  if (magic != kArrayMagicV2)
    in.fail(fmt::format("array magic 0x{:08X} is not NDArray V2 (0x{:08X})", magic, kArrayMagicV2));
  const auto stype = in.scalar<std::int32_t>("storage type");
  if (stype != kDenseStorage) in.fail(fmt::format("storage type {} is not dense (0)", stype));
  const auto ndim = in.scalar<std::uint32_t>("ndim");
  if (ndim == 0 || ndim > kMaxDims) in.fail(fmt::format("ndim {} is not in [1, {}]", ndim, kMaxDims));
  NamedArray array;
  for (std::uint32_t d = 0; d < ndim; ++d) {
    const auto dim = in.scalar<std::int64_t>("dimension");
    if (dim <= 0) in.fail(fmt::format("dimension {} is not positive", dim));
    array.shape.push_back(static_cast<std::uint64_t>(dim));
  }
  in.take(2 * sizeof(std::int32_t), "device type and id");  // cpu or gpu: the data reads the same
  const auto dtype = in.scalar<std::int32_t>("dtype");
  if (dtype != kFloat32) in.fail(fmt::format("dtype {} ({}) is not float32 (0)", dtype, dtype_name(dtype)));
  const std::size_t count = checked_element_count(in, array.shape);
  array.values.resize(count);
  std::memcpy(array.values.data(), in.take(count * sizeof(float), "array data"), count * sizeof(float));
  return array;
}

}  // namespace

std::vector<NamedArray> parse_ndarray_list(std::string_view bytes, const std::string& place) {
  ByteReader in(bytes, place);
  const auto magic = in.scalar<std::uint64_t>("list magic");
  if (magic != kListMagic) in.fail(fmt::format("not an MXNet NDArray file (magic 0x{:X}, expected 0x112)", magic));
  in.scalar<std::uint64_t>("reserved field");
  const auto count = in.scalar<std::uint64_t>("array count");
  // Each array takes at least 36 bytes: a count beyond that is a lie, caught before the loop.
  if (count > in.remaining() / 36) in.fail(fmt::format("array count {} exceeds what the file holds", count));
  std::vector<NamedArray> arrays;
  for (std::uint64_t i = 0; i < count; ++i) arrays.push_back(parse_array(in));
  const auto names = in.scalar<std::uint64_t>("name count");
  if (names != count) in.fail(fmt::format("{} names for {} arrays", names, count));
  for (NamedArray& array : arrays) {
    const auto length = in.scalar<std::uint64_t>("name length");
    if (length > in.remaining())
      in.fail(fmt::format("name length {} exceeds the {} bytes left", length, in.remaining()));
    const auto size = static_cast<std::size_t>(length);
    array.name.assign(in.take(size, "name"), size);
  }
  if (in.remaining() != 0) in.fail(fmt::format("{} unexpected bytes after the names", in.remaining()));
  return arrays;
}

namespace {

template <class T>
void append_scalar(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

}  // namespace

std::string write_ndarray_list(const std::vector<NamedArray>& arrays) {
  std::string out;
  append_scalar<std::uint64_t>(out, kListMagic);
  append_scalar<std::uint64_t>(out, 0);
  append_scalar<std::uint64_t>(out, arrays.size());
  for (const NamedArray& array : arrays) {
    append_scalar(out, kArrayMagicV2);
    append_scalar(out, kDenseStorage);
    append_scalar(out, static_cast<std::uint32_t>(array.shape.size()));
    for (const std::uint64_t dim : array.shape) append_scalar(out, static_cast<std::int64_t>(dim));
    append_scalar(out, kCpu);
    append_scalar<std::int32_t>(out, 0);
    append_scalar(out, kFloat32);
    out.append(reinterpret_cast<const char*>(array.values.data()), array.values.size() * sizeof(float));
  }
  append_scalar<std::uint64_t>(out, arrays.size());
  for (const NamedArray& array : arrays) {
    append_scalar<std::uint64_t>(out, array.name.size());
    out += array.name;
  }
  return out;
}

}  // namespace linlearn
