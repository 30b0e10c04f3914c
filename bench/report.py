#!/usr/bin/python3
"""Writes the benchmark's markdown report from the JSON results that bench/record.py wrote.

One table per data set: each tool's end-to-end wall time, fit time where it is known, test
metric, peak RSS, training records per second, the size of what it leaves, and linlearn against
each peer; then the ratios of issue 18 (sparse, wide data). A section whose results are not in
--results (a run of some data sets only, or a fresh checkout) is kept as the previous report had
it, and so are the hand-written notes from the first "## Notes" heading on.
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
    "clicklog": "g) synthetic click log: 26 categorical fields (Zipf), hashed into 2^20 features, AUC "
                "(`make_clicklog.py`)",
    "text": "h) manual-page paragraphs, commands (man 1, 6, 8) vs the rest, hashed words, 2^20 features "
            "(`make_textset.py`)",
    "text20": "i) manual-page paragraphs, the Debian section of their package, 20 classes, hashed words, "
              "2^20 features (`make_textset.py`)",
}
# The table's main metric where it is not accuracy (classification) or mse (regression).
PRIMARY = {"clicklog": "auc"}
# Rows in this order; the first linlearn row present is the one the peers are compared with.
TOOL_ORDER = ["linlearn-csv", "linlearn-libsvm", "liblinear", "liblinear-s0", "liblinear-s2", "vw-1pass",
              "vw-passes", "sklearn-logreg", "sklearn-sgd", "sklearn-linreg", "truth"]
TOOL_LABELS = {
    "linlearn-csv": "linlearn (CSV)",
    "linlearn-libsvm": "linlearn (LIBSVM)",
    "liblinear": "LIBLINEAR",
    "liblinear-s0": "LIBLINEAR -s 0 (logistic)",
    "liblinear-s2": "LIBLINEAR -s 2 (L2-loss SVM)",
    "vw-1pass": "Vowpal Wabbit, 1 pass",
    "vw-passes": "Vowpal Wabbit, 10 passes (cache)",
    "sklearn-logreg": "scikit-learn LogisticRegression",
    "sklearn-sgd": "scikit-learn SGDClassifier",
    "sklearn-linreg": "scikit-learn LinearRegression",
    "truth": "ground-truth model",
}


NOTES_MARKER = "## Notes"
KERNEL_TITLE = "f) training kernel: one in-memory epoch of Fashion-MNIST binary (`bench/kernel.py`)"
ISSUE18_TITLE = "j) issue 18: linlearn against Vowpal Wabbit and LIBLINEAR on sparse, wide data"


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
        return "%.*g" % (digits, value) if abs(value) < 10 ** digits else "%.0f" % value
    return str(value)


def primary_metric(result):
    metrics = result.get("metrics") or {}
    name = PRIMARY.get(result["dataset"])
    if name in metrics:
        return name, metrics[name]
    if "accuracy" in metrics:
        return "accuracy", metrics["accuracy"]
    if "mse" in metrics:
        return "mse", metrics["mse"]
    return None, None


def metric_text(result):
    if result.get("status") != "ok":
        return result.get("status", "—")
    metrics = result.get("metrics") or {}
    if PRIMARY.get(result["dataset"]) == "auc" and "auc" in metrics:
        return "auc %.4f, acc %.4f" % (metrics["auc"], metrics.get("accuracy", float("nan")))
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
    lines = ["| tool | wall s (end to end) | fit s | test metric | peak RSS MB | records/s | artifact MB "
             "| peer wall / linlearn wall | linlearn RSS / peer RSS | linlearn metric − peer |",
             "|---|---|---|---|---|---|---|---|---|---|"]
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
        size = r.get("artifact_bytes")
        lines.append("| %s | %s | %s | %s%s | %s | %s | %s | %s |" % (
            TOOL_LABELS.get(r["tool"], r["tool"]), fmt(wall), fmt(r.get("fit_seconds")),
            metric_text(r), notes, fmt(r.get("peak_rss_mb"), 4),
            records_per_second, fmt(size / 1e6 if size is not None else None), " | ".join(compare)))
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


def load_results(directory):
    """{dataset: [result, ...] in TOOL_ORDER} of every DATASET/TOOL.json under directory."""
    by_dataset = {}
    for path in sorted(glob.glob(os.path.join(directory, "*", "*.json"))):
        with open(path) as f:
            result = json.load(f)
        if "tool" in result and "dataset" in result:
            by_dataset.setdefault(result["dataset"], []).append(result)
    for results in by_dataset.values():
        results.sort(key=lambda r: TOOL_ORDER.index(r["tool"]) if r["tool"] in TOOL_ORDER else len(TOOL_ORDER))
    return by_dataset


def dataset_section(title, results):
    rows = max(r["train_rows"] for r in results)
    measured = max(r.get("measured_at", "") for r in results)
    runs = max((len(w) for r in results for w in r.get("wall_seconds_runs", [])), default=1)
    out = ["## %s" % title, "",
           "Training records: %d. Last measured %s; wall s is the minimum of %d run%s of each command."
           % (rows, measured.replace("T", " "), runs, "" if runs == 1 else "s"), ""]
    out += table(results)
    if not any(r["tool"].startswith("linlearn") and r.get("status") == "ok" for r in results):
        out += ["", "linlearn: no result yet (`linlearn train` was not available or failed)."]
    return out + [""]


def by_tool(results, tool):
    return next((r for r in results if r["tool"] == tool and r.get("status") == "ok"), None)


def field_ratio(numerator, denominator, key):
    """ratio() of one field of two results, either of which may be missing."""
    return ratio(numerator.get(key) if numerator else None, denominator.get(key) if denominator else None)


def delta(reference, peer):
    if not reference or not peer:
        return "—"
    name, ref_value = primary_metric(reference)
    peer_name, peer_value = primary_metric(peer)
    return "%+.4f" % (ref_value - peer_value) if name and name == peer_name else "—"


def issue18_section(by_dataset):
    """linlearn against VW's one pass (wall), LIBLINEAR (RSS) and every peer (metric)."""
    lines = []
    for dataset in ("clicklog", "text", "text20"):
        results = by_dataset.get(dataset, [])
        ll = by_tool(results, "linlearn-libsvm")
        if not ll:
            continue
        s0, s2 = by_tool(results, "liblinear-s0"), by_tool(results, "liblinear-s2")
        vw1, vwn = by_tool(results, "vw-1pass"), by_tool(results, "vw-passes")
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            dataset, primary_metric(ll)[0], field_ratio(ll, vw1, "wall_seconds"),
            field_ratio(ll, vwn, "wall_seconds"), field_ratio(ll, s0, "peak_rss_mb"),
            field_ratio(ll, s2, "peak_rss_mb"), delta(ll, s0), delta(ll, s2), delta(ll, vw1), delta(ll, vwn)))
    fashion = by_dataset.get("fmnist", [])
    csv, libsvm = by_tool(fashion, "linlearn-csv"), by_tool(fashion, "linlearn-libsvm")
    if not lines and not (csv and libsvm):
        return []
    out = ["## " + ISSUE18_TITLE, "",
           "Ratios of linlearn (defaults, LIBSVM input) to each peer from the tables above; a wall or "
           "RSS ratio below 1x means linlearn is faster or smaller; metric deltas are linlearn's test "
           "metric minus the peer's (higher is better).", ""]
    if lines:
        out += ["| data set | metric | linlearn wall / VW 1-pass wall | linlearn wall / VW 10-pass wall "
                "| linlearn RSS / LIBLINEAR -s 0 RSS | linlearn RSS / LIBLINEAR -s 2 RSS "
                "| − LIBLINEAR -s 0 | − LIBLINEAR -s 2 | − VW 1 pass | − VW 10 passes |",
                "|---|---|---|---|---|---|---|---|---|---|"] + lines + [""]
    truth = by_tool(by_dataset.get("clicklog", []), "truth")
    ll = by_tool(by_dataset.get("clicklog", []), "linlearn-libsvm")
    if truth and ll:
        out.append("- clicklog: linlearn's test AUC − the true model's: %s." % delta(ll, truth))
    if csv and libsvm:
        out.append("- Fashion-MNIST binary: linlearn LIBSVM wall / CSV wall = %s (%s s / %s s, table a)."
                   % (ratio(libsvm["wall_seconds"], csv["wall_seconds"]), fmt(libsvm["wall_seconds"]),
                      fmt(csv["wall_seconds"])))
    return out + [""]


def previous_report(path):
    """({"## heading": [lines]}, notes text) of the report at path, if there is one."""
    if not os.path.exists(path):
        return {}, ""
    with open(path) as f:
        text = f.read()
    notes = ""
    if NOTES_MARKER in text:
        notes = text[text.index(NOTES_MARKER):].rstrip("\n")
        text = text[:text.index(NOTES_MARKER)]
    sections, current = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line, [])
        if current is not None:
            current.append(line)
    return sections, notes


def preamble(mode):
    return ["# linlearn benchmark results", "",
            "Written by `bench/run.sh` (%s mode) on %s." % (mode, datetime.date.today().isoformat()),
            "Machine of this run: %s, nproc %d, %s." % (cpu_model(), os.cpu_count(), platform.platform()), "",
            "- wall s: `/usr/bin/time -f '%e %M'` around the whole process, reading the files included "
            "(LIBLINEAR: `liblinear-train` + `liblinear-predict`; Vowpal Wabbit: `vw` training + `vw -t` "
            "predicting); peak RSS likewise (max of the two). With `--repeat N` each command runs N times "
            "and wall s is the minimum.",
            "- fit s: linlearn's `timing.train_seconds`; scikit-learn's fit on preloaded arrays "
            "(StandardScaler included); LIBLINEAR and Vowpal Wabbit report none. With `--repeat`, the "
            "last run's.",
            "- records/s: training records / end-to-end wall seconds. artifact MB: what the tool leaves "
            "(linlearn's output directory, LIBLINEAR's model file, Vowpal Wabbit's `-f` model).",
            "- ratios: a peer wall / linlearn wall above 1x means linlearn is faster; an RSS ratio below 1x "
            "means linlearn uses less memory; the metric delta is linlearn's test metric minus the peer's "
            "(accuracy, auc: higher is better; mse: lower is better).",
            "- The machine is shared (other jobs may run), so treat timings as indicative; each command "
            "and the exact options are in bench/work/results/*/*.json and bench/run.sh. A section a "
            "run did not measure is kept from the previous report.", ""]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, help="directory of DATASET/TOOL.json files")
    parser.add_argument("--out", required=True)
    parser.add_argument("--mode", default="full")
    args = parser.parse_args()

    by_dataset = load_results(args.results)
    previous, notes = previous_report(args.out)
    kernel = os.path.join(args.results, "kernel", "kernel.json")
    generated = []
    for dataset, title in DATASETS.items():
        generated.append((title, dataset_section(title, by_dataset[dataset]) if dataset in by_dataset else []))
        if dataset == "sparse":
            generated.append((KERNEL_TITLE, kernel_section(kernel) if os.path.exists(kernel) else []))
    generated.append((ISSUE18_TITLE, issue18_section(by_dataset)))
    out = preamble(args.mode)
    for title, lines in generated:
        out += lines or previous.get("## " + title, [])
    if notes:
        out += [notes, ""]
    with open(args.out, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
