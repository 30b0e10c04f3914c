#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# in their own build directory, then runs each for a bounded time on a copy of its seed corpus.
#   scripts/run_fuzzers.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s; csv recordio model)
# A finding stops the run with a non-zero exit; the input that caused it is in BUILD/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv recordio model)
build="${LINLEARN_FUZZ_BUILD_DIR:-build-fuzz}"
jobs="${LINLEARN_FUZZ_JOBS:-$(nproc)}"

CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLINLEARN_FUZZ=ON \
  -DLINLEARN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]/%/_fuzzer}"

mkdir -p "$build/findings"
for target in "${targets[@]}"; do
  # The fuzzer writes what it learns into the working corpus; the checked-in seeds stay as they are.
  work="$build/corpus/$target"
  mkdir -p "$work"
  echo "== ${target}_fuzzer for ${seconds} s"
  ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/fuzz/${target}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/findings/${target}-" "$work" "fuzz/corpus/$target"
done
