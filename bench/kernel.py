#!/usr/bin/python3
"""Measures the training kernel: one in-memory epoch of Fashion-MNIST binary for num_models 1, 8
and 32 at 1 and 2 threads, next to the machine's two ceilings measured in the same run (one
core's float32 FMA peak and its memory read bandwidth, from bench/micro's roofline benchmarks).

An epoch's time is the minimum over epochs 1..11 (epoch 0 pays the first touches) of `--reps`
runs, read from metrics.json (`epochs[].seconds`). Pruning is off so that every epoch computes
all the models. Writes one JSON that bench/report.py turns into the kernel table.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

MODELS = [1, 8, 32]
THREADS = [1, 2]
EPOCHS = 12


def epoch_seconds(linlearn, train, models, threads, out_dir):
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    cmd = [linlearn, "train", "--predictor_type", "binary_classifier", "--train", train,
           "--num_models", str(models), "--threads", str(threads), "--epochs", str(EPOCHS),
           "--prune-models", "false", "--early_stopping_patience", "100", "--output-dir", out_dir]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(out_dir, "metrics.json")) as f:
        metrics = json.load(f)
    return min(e["seconds"] for e in metrics["epochs"][1:]), " ".join(cmd), metrics["data"]["train"]


def roofline(micro):
    """(FLOP/s, bytes/s) of one core from bench/micro, or (None, None) without it."""
    if not micro or not os.access(micro, os.X_OK):
        return None, None
    result = subprocess.run([micro, "--benchmark_filter=BM_FmaPeak|BM_MemoryRead", "--benchmark_repetitions=3",
                             "--benchmark_format=json"], check=True, capture_output=True, text=True)
    best = {}
    for b in json.loads(result.stdout)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        value = b.get("FLOP/s") or b.get("bytes_per_second")
        best[b["run_name"]] = max(best.get(b["run_name"], 0.0), value)
    return best.get("BM_FmaPeak"), best.get("BM_MemoryRead")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--linlearn", required=True)
    parser.add_argument("--micro", help="linlearn_micro (bench/micro); without it no ceilings are reported")
    parser.add_argument("--train", required=True, help="Fashion-MNIST binary train.csv")
    parser.add_argument("--work", required=True, help="scratch directory for the runs' outputs")
    parser.add_argument("--out", required=True)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()

    # Interleaved repetitions, so that a slow minute of a shared machine hits every setting alike.
    best = {}
    commands = {}
    for _ in range(args.reps):
        for models in MODELS:
            for threads in THREADS:
                seconds, cmd, train = epoch_seconds(args.linlearn, args.train, models, threads,
                                                    os.path.join(args.work, "m%d-t%d" % (models, threads)))
                key = (models, threads)
                best[key] = min(best.get(key, float("inf")), seconds)
                commands[key] = cmd
    runs = [{"num_models": models, "threads": threads, "epoch_seconds": seconds, "command": commands[(models, threads)]}
            for (models, threads), seconds in sorted(best.items())]
    rows, dim = train["records"], train["feature_dim"]
    flops, bandwidth = roofline(args.micro)
    result = {"rows": rows, "feature_dim": dim, "reps": args.reps, "runs": runs,
              "fma_peak_flops_per_core": flops, "memory_read_bytes_per_second_per_core": bandwidth}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result), file=sys.stderr)


if __name__ == "__main__":
    main()
