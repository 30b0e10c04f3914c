#!/usr/bin/python3
"""Records one benchmark measurement as JSON: wall time and peak RSS from `/usr/bin/time -f '%e %M'`
files, the test metrics from the tool's own output, and how it was run.

Metric sources, one per tool kind:
  --linlearn-metrics D/metrics.json   linlearn's final_metrics ("test:..." keys)
  --liblinear-predictions P --test-libsvm T   LIBLINEAR's predictions scored against T's labels
  --sklearn-json J                    written by bench/sklearn_peer.py
  --truth truth.json                  the ground-truth model of a synthetic set (no run)
"""
import argparse
import datetime
import json
import os

import numpy as np

LINLEARN_KEYS = {
    "binary": {"accuracy": "test:binary_classification_accuracy"},
    "multiclass": {"accuracy": "test:multiclass_accuracy"},
    "regression": {"mse": "test:mse", "r2": "test:r2"},
}


def read_time_file(path):
    """(elapsed seconds, max RSS in KB) from the last line of a `/usr/bin/time -f '%e %M'` file."""
    with open(path) as f:
        lines = [line.split() for line in f if line.strip()]
    elapsed, rss_kb = lines[-1][-2:]
    return float(elapsed), int(rss_kb)


def libsvm_labels(path):
    with open(path) as f:
        return np.array([float(line.split(None, 1)[0]) for line in f if line.strip()])


def score(task, predictions, labels):
    if task == "regression":
        mse = float(np.mean((predictions - labels) ** 2))
        return {"mse": mse, "r2": 1.0 - mse / float(np.var(labels))}
    return {"accuracy": float(np.mean(predictions == labels))}


def metrics_of(args, result):
    if args.linlearn_metrics:
        with open(args.linlearn_metrics) as f:
            report = json.load(f)
        final = report.get("final_metrics", {})
        result["fit_seconds"] = report.get("timing", {}).get("train_seconds")
        result["epochs_run"] = len(report.get("epochs", []))
        return {name: final[key] for name, key in LINLEARN_KEYS[args.task].items() if key in final}
    if args.liblinear_predictions:
        predictions = np.loadtxt(args.liblinear_predictions, ndmin=1)
        return score(args.task, predictions, libsvm_labels(args.test_libsvm))
    if args.sklearn_json:
        with open(args.sklearn_json) as f:
            peer = json.load(f)
        result["fit_seconds"] = peer["fit_seconds"]
        for key in ("iterations", "converged"):
            if key in peer:
                result[key] = peer[key]
        return peer["metrics"]
    if args.truth:
        with open(args.truth) as f:
            truth = json.load(f)
        return {name.replace("true_model_test_", ""): value
                for name, value in truth.items() if name.startswith("true_model_test_")}
    return {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--tool", required=True)
    parser.add_argument("--task", choices=sorted(LINLEARN_KEYS), required=True)
    parser.add_argument("--train-rows", type=int, required=True)
    parser.add_argument("--command", default="")
    parser.add_argument("--exit-code", type=int, default=0)
    parser.add_argument("--time", action="append", default=[],
                        help="time file; several (train, predict) are summed, RSS is their max")
    parser.add_argument("--linlearn-metrics")
    parser.add_argument("--liblinear-predictions")
    parser.add_argument("--test-libsvm")
    parser.add_argument("--sklearn-json")
    parser.add_argument("--truth")
    args = parser.parse_args()

    result = {"dataset": args.dataset, "tool": args.tool, "task": args.task,
              "train_rows": args.train_rows, "command": args.command,
              "measured_at": datetime.datetime.now().isoformat(timespec="seconds")}
    times = [read_time_file(path) for path in args.time if os.path.exists(path)]
    if times:
        result["wall_seconds"] = sum(t for t, _ in times)
        result["peak_rss_mb"] = max(kb for _, kb in times) / 1024.0
    if args.exit_code == 124:
        result["status"] = "timeout"
    elif args.exit_code != 0:
        result["status"] = "failed (exit %d)" % args.exit_code
    else:
        result["status"] = "ok"
        result["metrics"] = metrics_of(args, result)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
