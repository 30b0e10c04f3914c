#!/usr/bin/python3
"""The report of bench/mpi_scaling.sh: one table per data set, then the projection to N machines.

Per run (bench/work/mpi/<set>/<run>/): wall time (minimum over repeats) and peak RSS per process
(maximum) from /usr/bin/time, and from rank 0's metrics.json the training and exchange seconds,
the epochs' seconds and validation metrics. records/s = training records x epochs / training
seconds. Time to target: the training seconds until the first epoch whose validation metric
reaches the no-MPI process's best minus 0.002.

Projection: a step of R ranks costs c(R) = t_grad / R + t_opt outside the exchange (the gradient
of the batch is split over the ranks; the optimizer step over the touched rows is taken on every
rank) plus the exchange. t_grad and t_opt come from the shared-memory runs of 1 and 2 ranks
(c(1) and c(2): training seconds minus exchange seconds, per step); e, the cost of one peer's
message per step, from the 2-rank run over TCP (exchange seconds per step, waiting for the slower
rank included). Then with one rank per machine on a network like this machine's loopback TCP:
  step(N) = t_grad / N + t_opt + (N - 1) e,   records/s(N) = mini_batch_size / step(N).
"""
import argparse
import json
import math
import os

METRIC = {"dense": "validation:binary_classification_accuracy", "clicklog": "validation:roc_auc_score"}
PROJECTED = [1, 2, 4, 8, 16, 32]


def load(work, data_set, run):
    path = os.path.join(work, data_set, run)
    if not os.path.exists(os.path.join(path, "metrics.json")):
        return None
    with open(os.path.join(path, "time")) as f:
        times = [line.split() for line in f if line.strip()]
    with open(os.path.join(path, "metrics.json")) as f:
        metrics = json.load(f)
    return {"wall": min(float(t[0]) for t in times), "rss_mb": max(int(t[1]) for t in times) / 1024,
            "metrics": metrics}


def epochs_of(metrics, key):
    """(seconds, best validation metric over the models) per epoch."""
    return [(e["seconds"], max(m.get(key, -math.inf) for m in e["models"])) for e in metrics["epochs"]]


def steps(metrics):
    batch = metrics["selected_model"]["hyperparameters"]["mini_batch_size"]
    return math.ceil(metrics["data"]["train"]["records"] / batch) * len(metrics["epochs"]), batch


def compute_per_step(run):
    timing = run["metrics"]["timing"]
    total, _ = steps(run["metrics"])
    return (timing["train_seconds"] - timing.get("exchange_seconds", 0.0)) / total


def table(work, data_set, runs):
    baseline = runs[0][1]
    key = METRIC[data_set]
    target = max(v for _, v in epochs_of(baseline["metrics"], key)) - 0.002
    lines = [f"### {data_set}", "",
             f"Target: {key} >= {target:.4f} (the no-MPI process's best minus 0.002).", "",
             "| run | wall s | peak RSS MB / process | train s | exchange s | records/s | "
             f"best {key.split(':')[1]} | s to target |",
             "|---|---|---|---|---|---|---|---|"]
    for name, run in runs:
        m = run["metrics"]
        records = m["data"]["train"]["records"] * len(m["epochs"])
        elapsed, reached = 0.0, None
        for seconds, value in epochs_of(m, key):
            elapsed += seconds
            if reached is None and value >= target:
                reached = elapsed
        best = max(v for _, v in epochs_of(m, key))
        exchange = m["timing"].get("exchange_seconds")
        lines.append(f"| {name} | {run['wall']:.2f} | {run['rss_mb']:.0f} | {m['timing']['train_seconds']:.2f} | "
                     f"{'-' if exchange is None else f'{exchange:.2f}'} | {records / m['timing']['train_seconds']:,.0f} | "
                     f"{best:.4f} | {'not reached' if reached is None else f'{reached:.2f}'} |")
    return lines


def projection(data_set, by_name):
    one, two, tcp = by_name.get("shm-r1"), by_name.get("shm-r2"), by_name.get("tcp-r2")
    if not (one and two and tcp):
        return []
    c1, c2 = compute_per_step(one), compute_per_step(two)
    t_grad = max(2 * (c1 - c2), 0.0)
    t_opt = max(c1 - t_grad, 0.0)
    total, batch = steps(tcp["metrics"])
    e = tcp["metrics"]["timing"]["exchange_seconds"] / total
    lines = ["", f"Projection ({data_set}): t_grad = {t_grad * 1e3:.3f} ms, t_opt = {t_opt * 1e3:.3f} ms, "
             f"e = {e * 1e3:.3f} ms per step (batch {batch}).", "",
             "| machines N | step ms | records/s | speedup |", "|---|---|---|---|"]
    for n in PROJECTED:
        step = t_grad / n + t_opt + (n - 1) * e
        lines.append(f"| {n} | {step * 1e3:.3f} | {batch / step:,.0f} | {(t_grad + t_opt) / step:.2f}x |")
    return lines


def run_order(named_run):
    """The process without MPI first, then shared memory, then TCP, each by ranks."""
    kind, _, count = named_run[0].partition("-")
    return ({"process": 0, "shm": 1, "tcp": 2}.get(kind, 3), int(count.lstrip("rt") or 0))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--cores", type=int, required=True)
    parser.add_argument("sets", nargs="+")
    args = parser.parse_args()
    print("## MPI scaling (bench/mpi_scaling.sh)\n")
    print(f"{args.cores} cores; ranks run --threads 1, the process without MPI --threads {args.cores}; "
          "shm: Open MPI's shared memory, tcp: --mca btl tcp,self.\n")
    for data_set in args.sets:
        names = sorted(os.listdir(os.path.join(args.work, data_set)))
        runs = [(n, r) for n in names if n != "data" and (r := load(args.work, data_set, n))]
        runs.sort(key=run_order)
        print("\n".join(table(args.work, data_set, runs) + projection(data_set, dict(runs))) + "\n")


if __name__ == "__main__":
    main()
