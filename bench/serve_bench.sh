#!/usr/bin/env bash
# Latency and throughput of `linlearn serve` on loopback: a binary model trained on the churn
# sample, single-row text/csv requests answered as application/json, from 8 concurrent clients
# (bench/micro/serve_load.cpp, httplib's client), with connections closed after each request and
# kept alive. Prints one line per run; the server must answer every request 200 and exit 0 on
# SIGTERM.
#
#   bench/serve_bench.sh [--requests 2000] [--clients 8] [--repeat 5] [--workers N]
#
# Needs the build in $BUILD (default build/) configured with -DLINLEARN_BUILD_BENCHMARKS=ON:
#   cmake -S . -B build -DLINLEARN_BUILD_BENCHMARKS=ON && cmake --build build --target linlearn linlearn_serve_load
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
requests=2000 clients=8 repeat=5 workers=0
while (($#)); do
  case "$1" in
    --requests) requests=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    *) echo "serve_bench: unknown option $1" >&2; exit 2 ;;
  esac
done

linlearn=$BUILD/linlearn
load=$BUILD/bench/micro/linlearn_serve_load
for tool in "$linlearn" "$load"; do
  [[ -x $tool ]] || { echo "serve_bench: $tool is missing (see the header of $0)" >&2; exit 2; }
done

work=bench/work/serve
mkdir -p "$work"
if [[ ! -f $work/model/model.pb ]]; then
  "$linlearn" train --predictor_type binary_classifier --train data/churn/train.csv --quiet --output-dir "$work/model"
fi
# One record to score: the first test row without its label.
head -1 data/churn/test.csv | cut -d, -f2- >"$work/row.csv"

"$linlearn" serve --model "$work/model" --port 0 --workers "$workers" 2>"$work/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
port=
for _ in $(seq 100); do
  port=$(sed -n 's|.* on http://[0-9.]*:\([0-9]*\) .*|\1|p' "$work/serve.log")
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || { cat "$work/serve.log" >&2; exit 1; }
sed -n 1p "$work/serve.log"

run() { "$load" --port "$port" --requests "$requests" --clients "$clients" --body "$work/row.csv" "$@"; }
run --requests 200 >/dev/null  # warm-up
for ((i = 0; i < repeat; ++i)); do
  run
  run --keep-alive
done

kill -TERM "$server"
status=0
wait "$server" || status=$?
trap - EXIT
echo "serve exited $status after SIGTERM"
exit "$status"
