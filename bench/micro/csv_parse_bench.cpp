// Throughput of the CSV parser on in-memory text shaped like the benchmark sets: Fashion-MNIST
// (60000 x 785, small integers, half of them zero) and a dense decimal table (100000 x 101).
// The argument is ReadOptions::threads.
#include <benchmark/benchmark.h>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

#include "linlearn/dataset.h"
#include "linlearn/reader.h"

namespace {

void append_number(std::string& text, auto value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  text.append(buffer, end);
}

// Label 0/1 then `width` pixels 0..255, about half of them 0, as Fashion-MNIST's CSV.
std::string pixel_csv(std::size_t rows, std::size_t width) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> pixel(-255, 255);
  std::string text;
  text.reserve(rows * width * 3);
  for (std::size_t r = 0; r < rows; ++r) {
    text.push_back(static_cast<char>('0' + rng() % 2));
    for (std::size_t j = 0; j < width; ++j) {
      text.push_back(',');
      const int drawn = pixel(rng);
      append_number(text, drawn < 0 ? 0 : drawn);
    }
    text.push_back('\n');
  }
  return text;
}

// Label 0/1 then `width` decimals with 4 significant digits over magnitudes 1e-3..1e3, as the
// synthetic dense set.
std::string decimal_csv(std::size_t rows, std::size_t width) {
  std::mt19937 rng(6789);
  std::normal_distribution<float> value(0.0F, 1.0F);
  std::uniform_int_distribution<int> exponent(-3, 3);
  std::string text;
  text.reserve(rows * width * 8);
  for (std::size_t r = 0; r < rows; ++r) {
    text.push_back(static_cast<char>('0' + rng() % 2));
    for (std::size_t j = 0; j < width; ++j) {
      text.push_back(',');
      char buffer[32];
      const float x = value(rng) * std::pow(10.0F, static_cast<float>(exponent(rng)));
      const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::general, 4);
      text.append(buffer, end);
    }
    text.push_back('\n');
  }
  return text;
}

void parse_repeatedly(benchmark::State& state, const std::string& text) {
  linlearn::ReadOptions options;
  options.threads = static_cast<int>(state.range(0));
  std::size_t rows = 0;
  for (auto _ : state) {
    linlearn::Dataset dataset;
    linlearn::parse_csv(text, "bench.csv", dataset, options);
    rows = dataset.rows();
    benchmark::DoNotOptimize(dataset.dense.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}

void BM_ParseCsvPixels60kx785(benchmark::State& state) {
  static const std::string text = pixel_csv(60000, 784);
  parse_repeatedly(state, text);
}

void BM_ParseCsvDecimals100kx101(benchmark::State& state) {
  static const std::string text = decimal_csv(100000, 100);
  parse_repeatedly(state, text);
}

BENCHMARK(BM_ParseCsvPixels60kx785)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ParseCsvDecimals100kx101)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
