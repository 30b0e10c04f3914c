#pragma once
// read_channel with the size of the windows it parses text in, for tests that cut small files.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "linlearn/dataset.h"
#include "linlearn/reader.h"

namespace linlearn {

// Large enough that starting the parse threads costs nothing next to parsing a window, small next
// to the records of a file worth reading in windows.
inline constexpr std::size_t kWindowBytes = std::size_t{8} << 20;

// read_channel, parsing text about `window_bytes` at a time (whole lines; a longer line is one window).
Dataset read_channel_in_windows(const std::vector<std::string>& specs, const ReadOptions& opts,
                                std::size_t window_bytes);

// Part `part` of `parts` of a channel of plain text files (`paths`, expanded): the records of the
// lines that start in that part of the files' bytes taken end to end, as read_channel reads them
// (messages name the lines of the whole files), so that each of `parts` processes parses only its
// own part. Empty when no line starts there. nullopt when the channel cannot be cut so (standard
// input, .gz, RecordIO, an empty file).
std::optional<Dataset> read_channel_part(const std::vector<std::string>& paths, const ReadOptions& opts,
                                         std::size_t part, std::size_t parts);

// The place of the first record of `file` ("FILE:LINE:1:" or "FILE: record 0 at byte 0:"): the
// records of a dense channel all have one width, so the first one shows a wrong width. Reads the
// file again, which only happens on the way to an error.
std::string first_record_place(const std::string& file, ContentType forced);

}  // namespace linlearn
