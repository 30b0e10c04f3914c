#!/usr/bin/env bash
# How linlearn's MPI jobs scale: records/s and time to a target quality for 1, 2 and 4 ranks, over
# shared memory and over TCP only (`--mca btl tcp,self`, as ranks on separate hosts talk), on a
# dense and a sparse set, next to one process without MPI; then the projection to N machines from
# the measured per-step compute and exchange (bench/mpi_scaling.py).
#
#   bench/mpi_scaling.sh [--rows N] [--ranks "1 2 4"] [--repeat K] [dense] [clicklog]
#
# dense: N x 100 logistic (make_synthetic.py), CSV; clicklog: N x 26 hashed categorical fields in
# 2^20 buckets (make_clicklog.py), LIBSVM. Default N = 200000 training rows, 50000 test rows.
# Training files are cut into 4 shards line by line (round robin, so every shard holds both
# labels of the label-sorted dense set) and read with `--distribution sharded`. Every rank runs
# `--threads 1`; the no-MPI baseline runs `--threads` = the machine's cores. Each run trains
# `--epochs 5 --num_models 1` with the defaults otherwise, so the runs do the same work.
# Needs mpirun (Debian: openmpi-bin) and Debian's /usr/bin/python3 with numpy.
# Writes bench/work/mpi/<set>/<run>/ (metrics.json, time) and bench/work/mpi/RESULTS.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
WORK=$BENCH/work/mpi
PY=/usr/bin/python3
rows=200000
test_rows=50000
ranks_list="1 2 4"
repeat=1
sets=()
while (($#)); do
  case $1 in
    --rows) rows=$2; shift ;;
    --ranks) ranks_list=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    dense|clicklog) sets+=("$1") ;;
    *) echo "mpi_scaling.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
((${#sets[@]})) || sets=(dense clicklog)
command -v mpirun >/dev/null || { echo "mpi_scaling.sh: mpirun is not on PATH (apt-get install openmpi-bin)" >&2; exit 2; }
cores=$(nproc)

build=$BENCH/work/build
cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLINLEARN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$cores" --target linlearn >/dev/null
LINLEARN=$build/linlearn

# The set's train shards and test file, written once.
prepare() {
  local set=$1 dir=$WORK/$1/data
  [[ -f $dir/.done ]] && return 0
  mkdir -p "$dir"
  local ext=csv generator=(make_synthetic.py dense)
  [[ $set == clicklog ]] && ext=libsvm generator=(make_clicklog.py)
  $PY "$BENCH/${generator[0]}" "${generator[@]:1}" --rows "$rows" --test-rows "$test_rows" --out "$dir"
  awk -v dir="$dir" -v ext="$ext" '{ print > (dir "/shard-" (NR - 1) % 4 "." ext) }' "$dir/train.$ext"
  rm -f "$dir/train.$ext"
  touch "$dir/.done"
}

# run SET NAME LAUNCHER...: trains SET under the launcher (empty: no MPI), `repeat` times.
run() {
  local set=$1 name=$2; shift 2
  local dir=$WORK/$set/data out=$WORK/$set/$name ext=csv task=(--predictor_type binary_classifier)
  [[ $set == clicklog ]] && ext=libsvm task+=(--feature_dim 1048576)
  rm -rf "$out" && mkdir -p "$out"
  for ((k = 0; k < repeat; k++)); do
    /usr/bin/time -a -o "$out/time" -f "%e %M" "$@" "$LINLEARN" train --quiet "${task[@]}" \
      --train "$dir/shard-*.$ext" --validation "$dir/test.$ext" --distribution sharded \
      --epochs 5 --num_models 1 --threads "$threads" --output-dir "$out/model" >"$out/log" 2>&1 ||
      { echo "mpi_scaling.sh: $set $name failed:" >&2; tail -5 "$out/log" >&2; exit 1; }
  done
  cp "$out/model/metrics.json" "$out/metrics.json"
  echo "$set $name: $(sort -n "$out/time" | head -1)"
}

mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none)
for set in "${sets[@]}"; do
  prepare "$set"
  threads=$cores run "$set" "process-t$cores"
  for ranks in $ranks_list; do
    threads=1 run "$set" "shm-r$ranks" "${mpi[@]}" -np "$ranks"
    threads=1 run "$set" "tcp-r$ranks" "${mpi[@]}" --mca btl tcp,self -np "$ranks"
  done
done
$PY "$BENCH/mpi_scaling.py" --work "$WORK" --cores "$cores" "${sets[@]}" | tee "$WORK/RESULTS.md"
