#pragma once
// Reading a channel in blocks, for data larger than memory and for Pipe mode: each file is read and
// parsed about block_bytes at a time, so no whole file is ever held in memory.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "linlearn/dataset.h"
#include "linlearn/reader.h"

namespace linlearn {

// Streams every file the specs name (files, directories, globs, "-" for stdin, .gz) in order,
// cutting each at line ends (text) or record ends (RecordIO) near every block_bytes of input, and
// hands each parsed piece to `sink` as one block; a block never spans two files. Validation and
// messages are read_channel's, with the lines, records and byte offsets of the whole file: every
// dense block of the channel has the width of the first, and opts.feature_dim pads dense blocks
// and is the feature_dim of sparse ones. Without it, a sparse block's feature_dim covers only its
// own keys: the channel's is the largest. Throws InputError when the channel holds no records.
void read_channel_in_blocks(const std::vector<std::string>& specs, const ReadOptions& opts, std::size_t block_bytes,
                            const std::function<void(Dataset&& block)>& sink);

// The LIBSVM base of a channel read block by block, known before its first block: 0-based when one
// of its LIBSVM files (`paths`, expanded) holds index 0, read through once. Standard input cannot
// be read twice and is taken as 1-based.
IndexBase scan_libsvm_base(const std::vector<std::string>& paths, const ReadOptions& opts, std::size_t block_bytes);

}  // namespace linlearn
