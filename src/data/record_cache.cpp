// The on-disk record cache: writing blocks with an index footer, and reading single blocks back
// with pread after checking the header, the footer and every block's extent.
#include "linlearn/record_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

static_assert(std::endian::native == std::endian::little, "cache arrays are written and read as they lie in memory");

constexpr char kHeadMagic[8] = {'L', 'L', 'R', 'C', 'A', 'C', 'H', 'E'};
constexpr char kTailMagic[8] = {'L', 'L', 'R', 'C', 'T', 'A', 'I', 'L'};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint64_t kHeaderBytes = 16;
constexpr std::uint64_t kFooterBytes = 32;  // index offset, block count, index crc32, tail magic
constexpr std::uint64_t kEntryBytes = sizeof(RecordCacheBlock);
constexpr std::uint64_t kSparseFlag = 1;
// zlib counts in 32-bit unsigned ints.
constexpr std::size_t kCrcStep = std::size_t{1} << 30;

static_assert(kEntryBytes == 48, "the index entry is six u64");

std::uint32_t update_crc(std::uint32_t crc, const void* data, std::size_t bytes) {
  const auto* p = static_cast<const Bytef*>(data);
  while (bytes > 0) {
    const std::size_t step = std::min(bytes, kCrcStep);
    crc = static_cast<std::uint32_t>(::crc32(crc, p, static_cast<uInt>(step)));
    p += step;
    bytes -= step;
  }
  return crc;
}

// Bytes of a block's arrays, or 0 when its counts cannot describe a block of a file of `limit` bytes.
std::uint64_t block_bytes(const RecordCacheBlock& entry, std::uint64_t limit) {
  const bool sparse = (entry.flags & kSparseFlag) != 0;
  if (entry.rows == 0 || entry.rows > limit || entry.nonzeros > limit || entry.flags > kSparseFlag) return 0;
  if (sparse) return entry.rows * 4 + (entry.rows + 1) * 8 + entry.nonzeros * 8;
  if (entry.nonzeros != 0 || entry.feature_dim == 0 || entry.feature_dim > limit / 4 / entry.rows) return 0;
  return entry.rows * 4 + entry.rows * entry.feature_dim * 4;
}

}  // namespace

// ---- writing ----

RecordCacheWriter RecordCacheWriter::create(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) throw OutputError(path + ": cannot create the record cache: " + std::strerror(errno));
  RecordCacheWriter writer(path, file);
  char header[kHeaderBytes] = {};
  std::memcpy(header, kHeadMagic, sizeof kHeadMagic);
  std::memcpy(header + 8, &kVersion, sizeof kVersion);
  writer.write(header, sizeof header, nullptr);
  return writer;
}

RecordCacheWriter::RecordCacheWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}

RecordCacheWriter::RecordCacheWriter(RecordCacheWriter&& other) noexcept
    : path_(std::move(other.path_)),
      file_(std::exchange(other.file_, nullptr)),
      index_(std::move(other.index_)),
      offset_(other.offset_),
      records_(other.records_),
      dense_width_(other.dense_width_) {}

RecordCacheWriter::~RecordCacheWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void RecordCacheWriter::write(const void* data, std::size_t bytes, std::uint32_t* crc) {
  if (file_ == nullptr) throw InputError(path_ + ": the record cache is already finished");
  if (bytes == 0) return;
  if (std::fwrite(data, 1, bytes, file_) != bytes) {
    throw OutputError(path_ + ": cannot write the record cache: " + std::strerror(errno));
  }
  offset_ += bytes;
  if (crc != nullptr) *crc = update_crc(*crc, data, bytes);
}

void RecordCacheWriter::append(const Dataset& block) {
  if (block.rows() == 0) return;
  if (!block.sparse) {
    if (dense_width_ == 0) dense_width_ = block.feature_dim;
    if (block.feature_dim != dense_width_) {
      throw InputError(path_ + ": a dense block of " + std::to_string(block.feature_dim) + " features, expected " +
                       std::to_string(dense_width_) + " as in the earlier blocks");
    }
  }
  RecordCacheBlock entry;
  entry.offset = offset_;
  entry.rows = block.rows();
  entry.feature_dim = block.feature_dim;
  entry.flags = block.sparse ? kSparseFlag : 0;
  std::uint32_t crc = 0;
  write(block.labels.data(), block.labels.size() * sizeof(float), &crc);
  if (block.sparse) {
    entry.nonzeros = block.values.size();
    // Stored from 0 whatever the block's own base.
    std::vector<std::uint64_t> row_ptr(block.row_ptr.begin(),
                                       block.row_ptr.begin() + static_cast<std::ptrdiff_t>(block.rows() + 1));
    const std::uint64_t base = row_ptr.front();
    for (auto& p : row_ptr) p -= base;
    write(row_ptr.data(), row_ptr.size() * sizeof(std::uint64_t), &crc);
    write(block.col_idx.data() + base, entry.nonzeros * sizeof(std::uint32_t), &crc);
    write(block.values.data() + base, entry.nonzeros * sizeof(float), &crc);
  } else {
    write(block.dense.data(), block.dense.size() * sizeof(float), &crc);
  }
  entry.crc32 = crc;
  index_.push_back(entry);
  records_ += block.rows();
}

void RecordCacheWriter::finish() {
  const std::uint64_t index_offset = offset_;
  std::uint32_t index_crc = 0;
  write(index_.data(), index_.size() * sizeof(RecordCacheBlock), &index_crc);
  const std::uint64_t footer[3] = {index_offset, index_.size(), index_crc};
  write(footer, sizeof footer, nullptr);
  write(kTailMagic, sizeof kTailMagic, nullptr);
  std::FILE* file = std::exchange(file_, nullptr);
  if (std::fclose(file) != 0) throw OutputError(path_ + ": cannot write the record cache: " + std::strerror(errno));
}

// ---- reading ----

namespace {

class DescriptorGuard {
 public:
  explicit DescriptorGuard(int fd) : fd_(fd) {}
  ~DescriptorGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  DescriptorGuard(const DescriptorGuard&) = delete;
  DescriptorGuard& operator=(const DescriptorGuard&) = delete;
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Reads exactly `bytes` at `offset`; false when the file ends first.
bool read_at(int fd, void* into, std::size_t bytes, std::uint64_t offset, const std::string& path) {
  auto* p = static_cast<char*>(into);
  while (bytes > 0) {
    const ssize_t got = ::pread(fd, p, bytes, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw InputError(path + ": cannot read the record cache: " + std::strerror(errno));
    }
    if (got == 0) return false;
    p += got;
    bytes -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
  return true;
}

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
  throw InputError(path + ": corrupt record cache: " + what);
}

// Where the index is, from the file's last kFooterBytes; InputError when it does not fit the file.
struct Footer {
  std::uint64_t index_offset = 0;
  std::uint64_t block_count = 0;
  std::uint64_t index_crc = 0;
};

Footer read_footer(int fd, std::uint64_t size, const std::string& path) {
  char footer[kFooterBytes];
  if (size < kHeaderBytes + kFooterBytes || !read_at(fd, footer, sizeof footer, size - kFooterBytes, path) ||
      std::memcmp(footer + 24, kTailMagic, sizeof kTailMagic) != 0) {
    corrupt(path, "no index footer (truncated, or not finished when written)");
  }
  Footer f;
  std::memcpy(&f.index_offset, footer, 8);
  std::memcpy(&f.block_count, footer + 8, 8);
  std::memcpy(&f.index_crc, footer + 16, 8);
  if (f.index_offset < kHeaderBytes || f.index_offset > size - kFooterBytes ||
      f.block_count != (size - kFooterBytes - f.index_offset) / kEntryBytes ||
      (size - kFooterBytes - f.index_offset) % kEntryBytes != 0) {
    corrupt(path, "the index footer does not match the file size");
  }
  return f;
}

}  // namespace

RecordCache::RecordCache(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

RecordCache::RecordCache(RecordCache&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      index_(std::move(other.index_)),
      records_(other.records_),
      feature_dim_(other.feature_dim_),
      sparse_(other.sparse_) {}

RecordCache::~RecordCache() {
  if (fd_ >= 0) ::close(fd_);
}

RecordCache RecordCache::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw InputError(path + ": no such file or directory");
    throw InputError(path + ": cannot open the record cache: " + std::strerror(errno));
  }
  DescriptorGuard guard(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw InputError(path + ": cannot read the record cache: " + std::strerror(errno));
  const auto size = static_cast<std::uint64_t>(info.st_size);

  char header[kHeaderBytes];
  if (size < kHeaderBytes || !read_at(fd, header, sizeof header, 0, path) ||
      std::memcmp(header, kHeadMagic, sizeof kHeadMagic) != 0) {
    throw InputError(path + ": not a linlearn record cache (bad magic)");
  }
  std::uint32_t version;
  std::memcpy(&version, header + 8, sizeof version);
  if (version != kVersion) {
    throw InputError(path + ": record cache version " + std::to_string(version) + ", expected " +
                     std::to_string(kVersion));
  }
  const Footer footer = read_footer(fd, size, path);
  RecordCache cache(path, guard.release());
  cache.index_.resize(footer.block_count);
  if (!read_at(fd, cache.index_.data(), footer.block_count * kEntryBytes, footer.index_offset, path) ||
      update_crc(0, cache.index_.data(), footer.block_count * kEntryBytes) != footer.index_crc) {
    corrupt(path, "the index does not match its checksum");
  }
  cache.check_index(size, footer.index_offset);
  return cache;
}

void RecordCache::check_index(std::uint64_t size, std::uint64_t index_offset) {
  std::uint64_t expected_offset = kHeaderBytes;
  std::size_t dense_width = 0;
  for (std::size_t i = 0; i < index_.size(); ++i) {
    const RecordCacheBlock& entry = index_[i];
    const std::uint64_t bytes = block_bytes(entry, size);
    if (bytes == 0 || entry.offset != expected_offset || bytes > index_offset - entry.offset) {
      corrupt(path_, "block " + std::to_string(i) + " has an impossible extent");
    }
    expected_offset += bytes;
    const bool sparse = (entry.flags & kSparseFlag) != 0;
    if (!sparse && dense_width != 0 && entry.feature_dim != dense_width) {
      corrupt(path_, "dense block " + std::to_string(i) + " has another width than the blocks before it");
    }
    if (!sparse) dense_width = entry.feature_dim;
    sparse_ = sparse_ || sparse;
    feature_dim_ = std::max<std::size_t>(feature_dim_, entry.feature_dim);
    records_ += entry.rows;
  }
  if (expected_offset != index_offset) corrupt(path_, "bytes between the last block and the index");
}

void RecordCache::widen(std::size_t feature_dim, bool sparse) {
  sparse_ = sparse_ || sparse;
  if (sparse_) feature_dim_ = std::max(feature_dim_, feature_dim);
}

Dataset RecordCache::read_block(std::size_t i) const {
  const RecordCacheBlock& entry = index_.at(i);
  const std::string place = "block " + std::to_string(i);
  Dataset block;
  block.sparse = (entry.flags & kSparseFlag) != 0;
  block.feature_dim = entry.feature_dim;
  std::uint64_t offset = entry.offset;
  std::uint32_t crc = 0;
  const auto load = [&](auto& vec, std::size_t count) {
    vec.resize(count);
    const std::size_t bytes = count * sizeof(vec[0]);
    if (!read_at(fd_, vec.data(), bytes, offset, path_)) corrupt(path_, place + " is cut short");
    crc = update_crc(crc, vec.data(), bytes);
    offset += bytes;
  };
  load(block.labels, entry.rows);
  if (block.sparse) {
    load(block.row_ptr, entry.rows + 1);
    load(block.col_idx, entry.nonzeros);
    load(block.values, entry.nonzeros);
  } else {
    load(block.dense, entry.rows * entry.feature_dim);
  }
  if (crc != entry.crc32) corrupt(path_, place + " does not match its checksum");
  if (block.sparse) {
    // The checksum catches damage; these keep a well-formed but wrong block from reading out of bounds.
    for (std::size_t r = 0; r < entry.rows; ++r) {
      if (block.row_ptr[r] > block.row_ptr[r + 1]) corrupt(path_, place + " has a decreasing row_ptr");
    }
    if (block.row_ptr.front() != 0 || block.row_ptr.back() != entry.nonzeros) {
      corrupt(path_, place + " has a row_ptr that does not span its values");
    }
    if (std::any_of(block.col_idx.begin(), block.col_idx.end(),
                    [&](std::uint32_t c) { return c >= entry.feature_dim; })) {
      corrupt(path_, place + " has a column index beyond its feature_dim");
    }
  }
  if (sparse_) {
    block.to_sparse();
    block.feature_dim = feature_dim_;
  }
  return block;
}

}  // namespace linlearn
