#!/usr/bin/python3
"""Writes the benchmark's markdown report from the JSON results that bench/record.py wrote.

One table per data set: each tool's end-to-end wall time, fit time where it is known, test
metric, peak RSS and training records per second, and linlearn against each peer.
"""
import argparse
import datetime
import glob
import json
import os
import platform

DATASETS = {
    "fmnist": "a) Fashion-MNIST T-shirt/top (class 0) vs rest, raw pixels 0..255, 784 features",
    "fmnist10": "b) Fashion-MNIST, 10 classes, raw pixels 0..255, 784 features",
    "dense": "c) synthetic dense logistic, 100 features on scales 1e-3..1e3, training rows sorted by label",
    "regression": "d) synthetic linear regression, 50 features on scales 1e-2..1e2, Gaussian noise sd 1",
    "sparse": "e) synthetic sparse logistic, 2^20 features, 40 non-zeros per row (LIBSVM)",
}
# Rows in this order; the first linlearn row present is the one the peers are compared with.
TOOL_ORDER = ["linlearn-csv", "linlearn-libsvm", "liblinear", "sklearn-logreg", "sklearn-sgd",
              "sklearn-linreg", "truth"]
TOOL_LABELS = {
    "linlearn-csv": "linlearn (CSV)",
    "linlearn-libsvm": "linlearn (LIBSVM)",
    "liblinear": "LIBLINEAR",
    "sklearn-logreg": "scikit-learn LogisticRegression",
    "sklearn-sgd": "scikit-learn SGDClassifier",
    "sklearn-linreg": "scikit-learn LinearRegression",
    "truth": "ground-truth model",
}


NOTES_MARKER = "## Notes"
KERNEL_TITLE = "f) training kernel: one in-memory epoch of Fashion-MNIST binary (`bench/kernel.py`)"


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def fmt(value, digits=3):
    if value is None:
        return "—"
    if isinstance(value, float):
        return "%.*g" % (digits, value) if abs(value) < 1e4 else "%.0f" % value
    return str(value)


def primary_metric(result):
    metrics = result.get("metrics") or {}
    if "accuracy" in metrics:
        return "accuracy", metrics["accuracy"]
    if "mse" in metrics:
        return "mse", metrics["mse"]
    return None, None


def metric_text(result):
    if result.get("status") != "ok":
        return result.get("status", "—")
    metrics = result.get("metrics") or {}
    if "accuracy" in metrics:
        return "acc %.4f" % metrics["accuracy"]
    if "mse" in metrics:
        return "mse %s, r2 %.4f" % (fmt(metrics["mse"], 4), metrics.get("r2", float("nan")))
    return "—"


def ratio(numerator, denominator):
    if numerator is None or denominator is None or denominator == 0:
        return "—"
    return "%.2fx" % (numerator / denominator)


def table(results):
    reference = next((r for r in results if r["tool"].startswith("linlearn") and r.get("status") == "ok"),
                     None)
    lines = ["| tool | wall s (end to end) | fit s | test metric | peak RSS MB | records/s "
             "| peer wall / linlearn wall | linlearn RSS / peer RSS | linlearn metric − peer |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        wall = r.get("wall_seconds")
        ok = r.get("status") == "ok"
        records_per_second = "%.0f" % (r["train_rows"] / wall) if wall and ok else "—"
        compare = ["—", "—", "—"]
        if reference is not None and r is not reference and r["tool"] != "truth" and ok:
            name, value = primary_metric(r)
            ref_name, ref_value = primary_metric(reference)
            delta = "%+.4f" % (ref_value - value) if name and name == ref_name else "—"
            compare = [ratio(wall, reference.get("wall_seconds")),
                       ratio(reference.get("peak_rss_mb"), r.get("peak_rss_mb")), delta]
        notes = ""
        if "iterations" in r:
            notes = " (%d iter%s)" % (r["iterations"], "" if r.get("converged", True) else ", not converged")
        if "epochs_run" in r:
            notes = " (%d epochs)" % r["epochs_run"]
        lines.append("| %s | %s | %s | %s%s | %s | %s | %s |" % (
            TOOL_LABELS.get(r["tool"], r["tool"]), fmt(wall), fmt(r.get("fit_seconds")),
            metric_text(r), notes, fmt(r.get("peak_rss_mb"), 4),
            records_per_second, " | ".join(compare)))
    return lines


def kernel_section(path):
    """The kernel table from bench/kernel.py's JSON: epochs against num_models 1 and the ceilings."""
    with open(path) as f:
        k = json.load(f)
    epoch = {(r["num_models"], r["threads"]): r["epoch_seconds"] * 1e3 for r in k["runs"]}
    peak = k.get("fma_peak_flops_per_core")
    bandwidth = k.get("memory_read_bytes_per_second_per_core")
    store_bytes = 4.0 * k["rows"] * k["feature_dim"]

    def flops(models):  # X * W and X^T * G: 2 multiply-adds per value and model
        return 4.0 * k["rows"] * k["feature_dim"] * models

    lines = ["## " + KERNEL_TITLE, "",
             "%d x %d float32 (%.0f MB), `--prune-models false`, minimum epoch over epochs 1-11 of %d runs "
             "(interleaved). Compute floor: 4 x rows x features x num_models FLOP at one core's FMA peak "
             "(times the threads)." % (k["rows"], k["feature_dim"], store_bytes / 1e6, k["reps"]), "",
             "| num_models | 1 thread ms | 2 threads ms | 1 thread / num_models 1 | 2 threads / num_models 1 "
             "| 2 threads speedup | 1 thread / compute floor |",
             "|---|---|---|---|---|---|---|"]
    models_seen = sorted({m for m, _ in epoch})
    for m in models_seen:
        one, two = epoch.get((m, 1)), epoch.get((m, 2))
        floor = flops(m) / peak * 1e3 if peak else None
        lines.append("| %d | %s | %s | %s | %s | %s | %s |" % (
            m, fmt(one), fmt(two), ratio(one, epoch.get((1, 1))), ratio(two, epoch.get((1, 2))),
            ratio(one, two), ratio(one, floor)))
    lines.append("")
    if peak and bandwidth:
        memory_floor = store_bytes / bandwidth * 1e3
        lines += ["- Ceilings measured in this run (bench/micro `BM_FmaPeak`, `BM_MemoryRead`): FMA peak "
                  "%.0f GFLOP/s per core, memory read %.1f GB/s per core, so one pass over the store takes at "
                  "least %.1f ms on one core." % (peak / 1e9, bandwidth / 1e9, memory_floor)]
        if (1, 1) in epoch:
            lines.append("- num_models 1, 1 thread: %s the memory floor (target <= 2x)." %
                         ratio(epoch[(1, 1)], memory_floor))
        if (32, 1) in epoch:
            lines.append("- num_models 32 needs %.2f GFLOP per epoch: at least %.1f ms on one core at the FMA peak, "
                         "%s the 1-thread num_models 1 epoch before any memory traffic (target for the "
                         "measured ratio: <= 3x)." % (flops(32) / 1e9, flops(32) / peak * 1e3,
                                                      ratio(flops(32) / peak * 1e3, epoch.get((1, 1)))))
    else:
        lines.append("- Ceilings not measured (bench/micro was not built: install libbenchmark-dev).")
    lines.append("")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, help="directory of DATASET/TOOL.json files")
    parser.add_argument("--out", required=True)
    parser.add_argument("--mode", default="full")
    args = parser.parse_args()

    out = ["# linlearn benchmark results", "",
           "Written by `bench/run.sh` (%s mode) on %s." % (args.mode, datetime.date.today().isoformat()),
           "Machine: %s, nproc %d, %s." % (cpu_model(), os.cpu_count(), platform.platform()), "",
           "- wall s: `/usr/bin/time -f '%e %M'` around the whole process, reading the files included "
           "(LIBLINEAR: `liblinear-train` + `liblinear-predict`); peak RSS likewise (max of the two).",
           "- fit s: linlearn's `timing.train_seconds`; scikit-learn's fit on preloaded arrays "
           "(StandardScaler included); LIBLINEAR reports none.",
           "- records/s: training records / end-to-end wall seconds.",
           "- ratios: a peer wall / linlearn wall above 1x means linlearn is faster; an RSS ratio below 1x "
           "means linlearn uses less memory; the metric delta is linlearn's test metric minus the peer's "
           "(accuracy: higher is better; mse: lower is better).",
           "- The machine is shared (other jobs may run), so treat timings as indicative; each command "
           "and the exact options are in bench/work/results/*/*.json and bench/run.sh.", ""]
    for dataset, title in DATASETS.items():
        files = glob.glob(os.path.join(args.results, dataset, "*.json"))
        if not files:
            continue
        results = []
        for path in files:
            with open(path) as f:
                results.append(json.load(f))
        results.sort(key=lambda r: TOOL_ORDER.index(r["tool"]) if r["tool"] in TOOL_ORDER else len(TOOL_ORDER))
        rows = max(r["train_rows"] for r in results)
        out += ["## %s" % title, "", "Training records: %d." % rows, ""]
        out += table(results)
        if not any(r["tool"].startswith("linlearn") and r.get("status") == "ok" for r in results):
            out += ["", "linlearn: no result yet (`linlearn train` was not available or failed)."]
        out.append("")
    kernel = os.path.join(args.results, "kernel", "kernel.json")
    if os.path.exists(kernel):
        out += kernel_section(kernel)
    # Notes written by hand under the marker survive a rewrite of the tables.
    if os.path.exists(args.out):
        with open(args.out) as f:
            previous = f.read()
        if NOTES_MARKER in previous:
            out.append(previous[previous.index(NOTES_MARKER):].rstrip("\n"))
            out.append("")
    with open(args.out, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
