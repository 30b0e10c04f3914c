#!/usr/bin/env bash
# Benchmarks linlearn against LIBLINEAR and scikit-learn on the same files in one run.
#
#   [VW=/path/to/vw] bench/run.sh [--quick] [--tools LIST] [--repeat N] [--timeout SECONDS] [DATASET...]
#
# DATASET: fmnist (T-shirt vs rest), fmnist10 (10 classes), dense (1M x 100 logistic, sorted by
# label), regression (1M x 50), sparse (1M x 2^20 LIBSVM), kernel (linlearn's epoch time for
# num_models 1, 8, 32 at 1 and 2 threads on fmnist, next to the FMA and memory ceilings measured
# by bench/micro when libbenchmark-dev is installed), clicklog (2M x 26 hashed categorical
# fields, 2^20 buckets, AUC), text (40k man-page paragraphs, commands vs the rest), text20 (the
# same paragraphs, 20 Debian sections); default: all of them.
# --tools: comma-separated subset of linlearn,liblinear,sklearn,truth,vw (default: all). The last
# three sets run LIBLINEAR -s 0 and -s 2 and, when VW names a Vowpal Wabbit binary, vw with one
# pass and with VW_PASSES passes over a cache (without VW they are skipped with a note).
# --repeat N: run every timed command N times; the report gives the minimum wall time.
# --quick: small sizes (10k Fashion-MNIST images, 100k synthetic rows, 10k paragraphs) for trying
# the harness.
#
# Builds linlearn (Release, no tests) into bench/work/build, prepares the data under
# bench/work/data/MODE (kept between runs), records one JSON per data set and tool under
# bench/work/results/MODE and writes the report: bench/RESULTS.md (full) or
# bench/work/RESULTS-quick.md (--quick). Results of earlier runs stay until overwritten, so
# `bench/run.sh --tools linlearn` adds linlearn's rows next to the peers' measured before.
# Python helpers run with /usr/bin/python3 (Debian's, which has numpy and scikit-learn).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
WORK=$BENCH/work
PY=/usr/bin/python3
ALL_DATASETS=(fmnist fmnist10 dense regression sparse kernel clicklog text text20)
VW=${VW:-}
VW_PASSES=10

mode=full
tools=linlearn,liblinear,sklearn,truth,vw
timeout_s=""
repeat=1
datasets=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) mode=quick ;;
    --tools) tools=$2; shift ;;
    --timeout) timeout_s=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    fmnist|fmnist10|dense|regression|sparse|kernel|clicklog|text|text20) datasets+=("$1") ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ ${#datasets[@]} -eq 0 ]] && datasets=("${ALL_DATASETS[@]}")

if [[ $mode == quick ]]; then
  fmnist_rows=(--train-rows 10000 --test-rows 2000); synth_rows=100000; synth_test=10000
  click_rows=100000; click_test=20000; text_per_class=500
  timeout_s=${timeout_s:-300}; report=$WORK/RESULTS-quick.md
else
  fmnist_rows=(); synth_rows=1000000; synth_test=100000
  click_rows=2000000; click_test=200000; text_per_class=3000
  timeout_s=${timeout_s:-1800}; report=$BENCH/RESULTS.md
fi
data=$WORK/data/$mode
results=$WORK/results/$mode
out=$WORK/out/$mode
logs=$WORK/logs/$mode
mkdir -p "$data" "$results" "$out" "$logs"
[[ -x /usr/bin/time ]] || { echo "run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
[[ -z $VW || -x $VW ]] || { echo "run.sh: VW=$VW is not an executable" >&2; exit 2; }

wants() { [[ ,$tools, == *,$1,* ]]; }
log() { echo "[bench $(date +%T)] $*" >&2; }

linlearn=$WORK/build/linlearn
micro=$WORK/build/bench/micro/linlearn_micro
linlearn_ok=0
build_linlearn() {
  log "building linlearn (Release) in $WORK/build"
  # The micro-benchmarks (the kernel's FMA and memory ceilings) need Google Benchmark.
  local benchmarks=OFF
  dpkg -s libbenchmark-dev >/dev/null 2>&1 && benchmarks=ON
  if cmake -S "$ROOT" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DLINLEARN_BUILD_TESTS=OFF -DLINLEARN_NATIVE=ON \
           -DLINLEARN_BUILD_BENCHMARKS=$benchmarks >"$logs/build.log" 2>&1 &&
     cmake --build "$WORK/build" -j2 --target linlearn >>"$logs/build.log" 2>&1 &&
     "$linlearn" train --help >/dev/null 2>&1; then
    linlearn_ok=1
    [[ $benchmarks == ON ]] && { cmake --build "$WORK/build" -j2 --target linlearn_micro >>"$logs/build.log" 2>&1 ||
                                   log "bench/micro did not build (see $logs/build.log)"; }
  else
    log "linlearn train is not available (see $logs/build.log); measuring the peers only"
  fi
}

prepare() {  # prepare DATASET: writes the files once per mode
  local dir=$data/$1
  [[ -f $dir/.done ]] && return 0
  log "preparing $1 in $dir"
  mkdir -p "$dir"
  case $1 in
    fmnist|fmnist10)
      [[ -f $data/fashion/.done ]] ||
        { $PY "$BENCH/prepare_fmnist.py" --out "$data/fashion" "${fmnist_rows[@]}" && touch "$data/fashion/.done"; }
      local task=binary; [[ $1 == fmnist10 ]] && task=multiclass
      ln -sf "$data/fashion/$task"/* "$dir/" ;;
    clicklog) $PY "$BENCH/make_clicklog.py" --rows $click_rows --test-rows $click_test --out "$dir" ;;
    text|text20)
      [[ -f $data/manpages/.done ]] ||
        { $PY "$BENCH/make_textset.py" --per-class $text_per_class --out "$data/manpages" &&
          touch "$data/manpages/.done"; }
      ln -sf "$data/manpages/$1"/* "$dir/" ;;
    *) $PY "$BENCH/make_synthetic.py" "$1" --rows $synth_rows --test-rows $synth_test --out "$dir" ;;
  esac
  touch "$dir/.done"
}

# timed NAME CMD...: runs CMD `repeat` times under the timeout with `/usr/bin/time` (one line per
# run in NAME.time), output to NAME.log; stops at the first failure; sets rc. A directory named by
# fresh_dir (set for the call) is removed before each run.
timed() {
  local name=$1 i; shift
  rc=0
  rm -f "$logs/$name.time"
  for ((i = 0; i < repeat; i++)); do
    [[ -n ${fresh_dir:-} ]] && rm -rf "$fresh_dir"
    /usr/bin/time -a -f '%e %M' -o "$logs/$name.time" timeout "$timeout_s" "$@" >"$logs/$name.log" 2>&1 ||
      { rc=$?; return 0; }
  done
}

record() {  # record DATASET TOOL TASK ARGS...: writes results/DATASET/TOOL.json
  local dataset=$1 tool=$2 task=$3; shift 3
  $PY "$BENCH/record.py" --out "$results/$dataset/$tool.json" --dataset "$dataset" --tool "$tool" \
      --task "$task" --train-rows "$(train_rows "$dataset")" --exit-code "$rc" "$@"
  log "$dataset/$tool: exit $rc, $(tail -1 "$logs/$dataset.$tool.time" 2>/dev/null | cut -d' ' -f1) s"
}

train_rows() {
  local f=$data/$1/train.csv; [[ -e $f ]] || f=$data/$1/train.libsvm
  wc -l <"$f"
}

run_linlearn() {  # run_linlearn DATASET TOOL TASK FORMAT ARGS...
  local dataset=$1 tool=$2 task=$3 format=$4; shift 4
  wants linlearn && [[ $linlearn_ok == 1 ]] || return 0
  local dir=$out/$dataset/$tool
  local cmd=("$linlearn" train --train "$data/$dataset/train.$format" --test "$data/$dataset/test.$format"
             --output-dir "$dir" "$@")
  log "$dataset: ${cmd[*]}"
  fresh_dir=$dir timed "$dataset.$tool" "${cmd[@]}"
  record "$dataset" "$tool" "$task" --time "$logs/$dataset.$tool.time" \
         --linlearn-metrics "$dir/metrics.json" --artifact "$dir" --command "${cmd[*]}"
}

# train_then_predict DATASET TOOL TASK RECORD_ARGS...: times the caller's `train` and then (when it
# succeeded) its `predict` command arrays and records both against the test LIBSVM file.
train_then_predict() {
  local dataset=$1 tool=$2 task=$3; shift 3
  log "$dataset: ${train[*]} && ${predict[*]}"
  timed "$dataset.$tool" "${train[@]}"
  rm -f "$logs/$dataset.$tool-predict.time"
  [[ $rc == 0 ]] && timed "$dataset.$tool-predict" "${predict[@]}"
  record "$dataset" "$tool" "$task" --time "$logs/$dataset.$tool.time" \
         --time "$logs/$dataset.$tool-predict.time" --test-libsvm "$data/$dataset/test.libsvm" \
         --command "${train[*]} && ${predict[*]}" "$@"
}

run_liblinear() {  # run_liblinear DATASET TASK SOLVER [TOOL]: train + predict on the LIBSVM files
  local dataset=$1 task=$2 solver=$3 tool=${4:-liblinear}
  wants liblinear || return 0
  local dir=$out/$dataset/$tool
  mkdir -p "$dir"
  local train=(liblinear-train -s "$solver" "$data/$dataset/train.libsvm" "$dir/model")
  local predict=(liblinear-predict "$data/$dataset/test.libsvm" "$dir/model" "$dir/predictions")
  train_then_predict "$dataset" "$tool" "$task" --liblinear-predictions "$dir/predictions" \
                     --liblinear-model "$dir/model" --artifact "$dir/model"
}

run_vw() {  # run_vw DATASET TASK PASSES [CLASSES]: vw trains on train.vw, then predicts test.vw
  local dataset=$1 task=$2 passes=$3 classes=${4:-}
  wants vw || return 0
  local tool=vw-1pass
  [[ $passes -gt 1 ]] && tool=vw-passes
  [[ -n $VW ]] || { log "$dataset: $tool skipped (give VW=/path/to/vw to measure Vowpal Wabbit)"; return 0; }
  local dir=$out/$dataset/$tool
  mkdir -p "$dir"
  local train=("$VW" -d "$data/$dataset/train.vw" --loss_function logistic -b 20 -f "$dir/model" --quiet)
  [[ -n $classes ]] && train+=(--oaa "$classes")
  # -k: a new cache every run, so each repetition parses the text as the first one did.
  [[ $passes -gt 1 ]] && train+=(-c -k --cache_file "$dir/cache" --passes "$passes")
  local predict=("$VW" -t -i "$dir/model" -d "$data/$dataset/test.vw" -p "$dir/predictions" --quiet)
  train_then_predict "$dataset" "$tool" "$task" --vw-predictions "$dir/predictions" --artifact "$dir/model"
}

run_sklearn() {  # run_sklearn DATASET TASK MODEL
  local dataset=$1 task=$2 model=$3
  wants sklearn || return 0
  local json=$out/$dataset/sklearn-$model.json
  mkdir -p "$out/$dataset"
  local cmd=($PY "$BENCH/sklearn_peer.py" --model "$model" --train "$data/$dataset/train.csv"
             --test "$data/$dataset/test.csv" --out "$json")
  log "$dataset: ${cmd[*]}"
  timed "$dataset.sklearn-$model" "${cmd[@]}"
  record "$dataset" "sklearn-$model" "$task" --time "$logs/$dataset.sklearn-$model.time" \
         --sklearn-json "$json" --command "${cmd[*]}"
}

record_truth() {  # record_truth DATASET TASK
  wants truth || return 0
  rc=0
  record "$1" truth "$2" --truth "$data/$1/truth.json"
}

wants linlearn && build_linlearn
run_kernel() {  # epoch times of the training kernel on fmnist, with the machine's ceilings
  wants linlearn && [[ $linlearn_ok == 1 ]] || return 0
  prepare fmnist
  cat "$data/fmnist/train.csv" >/dev/null
  log "kernel: bench/kernel.py on $data/fmnist/train.csv"
  $PY "$BENCH/kernel.py" --linlearn "$linlearn" --micro "$micro" --train "$data/fmnist/train.csv" \
      --work "$out/kernel" --out "$results/kernel/kernel.json" 2>"$logs/kernel.log" ||
    log "kernel: failed (see $logs/kernel.log)"
}

for dataset in "${datasets[@]}"; do
  if [[ $dataset == kernel ]]; then
    run_kernel
    continue
  fi
  prepare "$dataset"
  # Every tool reads the files from the page cache, the first one included.
  cat "$data/$dataset"/*.csv "$data/$dataset"/*.libsvm "$data/$dataset"/*.vw >/dev/null 2>&1 || true
  case $dataset in
    fmnist)
      run_linlearn fmnist linlearn-csv binary csv --predictor_type binary_classifier
      run_linlearn fmnist linlearn-libsvm binary libsvm --predictor_type binary_classifier \
                   --content-type text/libsvm --feature_dim 784
      run_liblinear fmnist binary 0
      run_sklearn fmnist binary logreg
      run_sklearn fmnist binary sgd ;;
    fmnist10)
      run_linlearn fmnist10 linlearn-csv multiclass csv --predictor_type multiclass_classifier --num_classes 10
      run_linlearn fmnist10 linlearn-libsvm multiclass libsvm --predictor_type multiclass_classifier \
                   --num_classes 10 --content-type text/libsvm --feature_dim 784
      run_liblinear fmnist10 multiclass 0
      run_sklearn fmnist10 multiclass logreg ;;
    dense)
      run_linlearn dense linlearn-csv binary csv --predictor_type binary_classifier
      run_liblinear dense binary 0
      run_sklearn dense binary logreg
      record_truth dense binary ;;
    regression)
      run_linlearn regression linlearn-csv regression csv --predictor_type regressor
      run_liblinear regression regression 11
      run_sklearn regression regression linreg
      record_truth regression regression ;;
    sparse)
      run_linlearn sparse linlearn-libsvm binary libsvm --predictor_type binary_classifier \
                   --content-type text/libsvm --feature_dim 1048576
      run_liblinear sparse binary 0
      record_truth sparse binary ;;
    clicklog|text)
      run_linlearn $dataset linlearn-libsvm binary libsvm --predictor_type binary_classifier
      run_liblinear $dataset binary 0 liblinear-s0
      run_liblinear $dataset binary 2 liblinear-s2
      run_vw $dataset binary 1
      run_vw $dataset binary $VW_PASSES
      if [[ $dataset == clicklog ]]; then record_truth clicklog binary; fi ;;
    text20)
      run_linlearn text20 linlearn-libsvm multiclass libsvm --predictor_type multiclass_classifier --num_classes 20
      run_liblinear text20 multiclass 0 liblinear-s0
      run_liblinear text20 multiclass 2 liblinear-s2
      run_vw text20 multiclass 1 20
      run_vw text20 multiclass $VW_PASSES 20 ;;
  esac
done

$PY "$BENCH/report.py" --results "$results" --out "$report" --mode "$mode"
log "wrote $report"
