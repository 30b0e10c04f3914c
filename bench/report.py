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
