#!/usr/bin/env bash
# ThreadSanitizer run of the multi-threaded trainer and reader tests (issue 7), in its own build directory.
# The flags go on the cmake command line: the top-level CMakeLists.txt has no TSan option.
#   scripts/run_tsan.sh [GTEST_FILTER]      (default: Trainer*:BatchGradient*:ThreadPool*:RecordioParallel*)
set -euo pipefail
cd "$(dirname "$0")/.."

filter="${1:-Trainer*:BatchGradient*:ThreadPool*:RecordioParallel*}"
build="${LINLEARN_TSAN_BUILD_DIR:-build-tsan}"
jobs="${LINLEARN_TSAN_JOBS:-$(nproc)}"

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -g1 -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build "$build" -j"$jobs" --target linlearn_tests
# halt_on_error: the first race fails the run instead of scrolling past.
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" "$build/tests/linlearn_tests" --gtest_filter="$filter"
