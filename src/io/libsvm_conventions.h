#pragma once
// LIBSVM as files in the wild write it: indices from 1 (LIBLINEAR) or from 0 (scikit-learn's
// dump_svmlight_file), binary labels -1/+1 (the LIBSVM data sets). While a channel's base is
// undecided (IndexBase::kAuto) the parser keeps the indices as written; these settle them.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "linlearn/dataset.h"
#include "linlearn/reader.h"

namespace linlearn {

// Rows [first, last) of a Dataset, read from one LIBSVM file.
struct LibsvmRows {
  std::size_t first = 0;
  std::size_t last = 0;
  std::string file;
};

// Reads the -1 labels of `rows` as 0; returns whether there were any.
bool zero_minus_one_labels(Dataset& data, const LibsvmRows& rows);

// What opts.note hears of a file whose -1 labels were read as 0, and of the file whose index 0
// makes its channel 0-based.
std::string minus_one_labels_note(const std::string& file);
std::string zero_based_note(const std::string& file);

// Decides the base of a channel whose LIBSVM rows were parsed undecided: 0-based when any of them
// holds index 0, and then the indices stay as written and feature_dim covers the largest; else
// 1-based, and every index moves down by one. Sets data.libsvm_base and tells opts.note of a
// 0-based channel.
void settle_libsvm_base(Dataset& data, const std::vector<LibsvmRows>& rows, const ReadOptions& opts);

// Whether LIBSVM lines (whole lines of a file) hold an index 0, for channels read block by block,
// whose base must be known before their first block.
bool lines_hold_index_zero(std::string_view lines);

}  // namespace linlearn
