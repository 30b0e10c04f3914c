#!/usr/bin/python3
"""Records one benchmark measurement as JSON: wall time and peak RSS from `/usr/bin/time -f '%e %M'`
files, the test metrics from the tool's own output, and how it was run.

A time file may hold several lines (the same command repeated): its wall time is the minimum
over them, peak RSS the maximum; several files (train, predict) add up.

Metric sources, one per tool kind:
  --linlearn-metrics D/metrics.json   linlearn's final_metrics ("test:..." keys)
  --liblinear-predictions P --test-libsvm T   LIBLINEAR's predictions scored against T's labels;
                                      with --liblinear-model M (binary) also the AUC of M's
                                      decision values on T
  --vw-predictions P --test-libsvm T  Vowpal Wabbit's -p output: binary raw scores (label 1 when
                                      > 0; AUC of the scores), multiclass labels 1..K
  --sklearn-json J                    written by bench/sklearn_peer.py
  --truth truth.json                  the ground-truth model of a synthetic set (no run)
Accuracy and AUC of the peers come from the same functions (scikit-learn's roc_auc_score);
linlearn's are its own test:binary_classification_accuracy and test:roc_auc_score.
--artifact PATH (repeatable): the bytes a tool leaves (a directory counts its files).
"""
import argparse
import datetime
import json
import os

import numpy as np

LINLEARN_KEYS = {
    "binary": {"accuracy": "test:binary_classification_accuracy", "auc": "test:roc_auc_score"},
    "multiclass": {"accuracy": "test:multiclass_accuracy"},
    "regression": {"mse": "test:mse", "r2": "test:r2"},
}


def read_time_file(path):
    """Wall seconds of each run and the max RSS in KB, from a `/usr/bin/time -f '%e %M'` file.

    A failed command makes /usr/bin/time write a "Command exited..." line first; the numbers are
    the last two fields of each line that has them."""
    walls, rss_kb = [], 0
    with open(path) as f:
        for line in f:
            fields = line.split()
            try:
                wall, rss = float(fields[-2]), int(fields[-1])
            except (IndexError, ValueError):
                continue
            walls.append(wall)
            rss_kb = max(rss_kb, rss)
    return walls, rss_kb


def libsvm_labels(path):
    with open(path) as f:
        return np.array([float(line.split(None, 1)[0]) for line in f if line.strip()])


def score(task, predictions, labels):
    if task == "regression":
        mse = float(np.mean((predictions - labels) ** 2))
        return {"mse": mse, "r2": 1.0 - mse / float(np.var(labels))}
    return {"accuracy": float(np.mean(predictions == labels))}


def auc(scores, labels):
    from sklearn.metrics import roc_auc_score
    return float(roc_auc_score(labels, scores))


def liblinear_scores(model_path, test_path):
    """Decision values of a binary LIBLINEAR model on a LIBSVM file, oriented towards label 1."""
    from sklearn.datasets import load_svmlight_file
    header = {}
    with open(model_path) as f:
        for line in f:
            if line.strip() == "w":
                break
            key, _, value = line.strip().partition(" ")
            header[key] = value.split()
        weights = np.loadtxt(f, ndmin=2)
    if len(header["label"]) != 2 or weights.shape[1] != 1:
        raise ValueError("%s: not a binary model" % model_path)
    dim = int(header["nr_feature"][0])
    bias = float(header["bias"][0])
    x, _ = load_svmlight_file(test_path, zero_based=False)
    x = x[:, :dim] if x.shape[1] >= dim else x
    scores = x @ weights[:x.shape[1], 0]
    if bias >= 0:
        scores = scores + bias * weights[dim, 0]
    return scores if float(header["label"][0]) == 1 else -scores


def vw_metrics(task, predictions_path, labels):
    with open(predictions_path) as f:
        values = np.array([float(line.split()[0]) for line in f if line.strip()])
    if task == "binary":
        return {"accuracy": float(np.mean((values > 0) == (labels == 1))), "auc": auc(values, labels)}
    return score(task, values - 1, labels)


def artifact_bytes(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, name)) for d, _, names in os.walk(path) for name in names)
    return os.path.getsize(path) if os.path.exists(path) else 0


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
        labels = libsvm_labels(args.test_libsvm)
        metrics = score(args.task, predictions, labels)
        if args.liblinear_model and args.task == "binary":
            metrics["auc"] = auc(liblinear_scores(args.liblinear_model, args.test_libsvm), labels)
        return metrics
    if args.vw_predictions:
        return vw_metrics(args.task, args.vw_predictions, libsvm_labels(args.test_libsvm))
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
    parser.add_argument("--liblinear-model")
    parser.add_argument("--vw-predictions")
    parser.add_argument("--artifact", action="append", default=[])
    parser.add_argument("--test-libsvm")
    parser.add_argument("--sklearn-json")
    parser.add_argument("--truth")
    args = parser.parse_args()

    result = {"dataset": args.dataset, "tool": args.tool, "task": args.task,
              "train_rows": args.train_rows, "command": args.command,
              "measured_at": datetime.datetime.now().isoformat(timespec="seconds")}
    times = [read_time_file(path) for path in args.time if os.path.exists(path)]
    times = [(walls, kb) for walls, kb in times if walls]
    if times:
        result["wall_seconds"] = sum(min(walls) for walls, _ in times)
        result["wall_seconds_runs"] = [walls for walls, _ in times]
        result["peak_rss_mb"] = max(kb for _, kb in times) / 1024.0
    if args.artifact:
        result["artifact_bytes"] = sum(artifact_bytes(path) for path in args.artifact)

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
