#!/usr/bin/python3
"""Synthetic benchmark sets with a known ground-truth model (seeded, reproducible).

  dense:      binary logistic, D=100 features on scales 1e-3..1e3 (log-uniform per feature) with
              non-zero means; the training CSV is SORTED BY LABEL (all 0s, then all 1s), so a
              trainer that does not shuffle records sees one class at a time.
  regression: y = x.w + b + noise, D=50 features on scales 1e-2..1e2.
  sparse:     binary logistic over D=2^20 features, 40 non-zeros per row, LIBSVM only.

Writes OUT/train.csv, OUT/test.csv (dense and regression), OUT/train.libsvm, OUT/test.libsvm
(all three; LIBLINEAR reads only LIBSVM) and OUT/truth.json with the ground-truth model's test
metrics (the best a learner can expect on average).
"""
import argparse
import json
import os

import numpy as np

SIGNIFICANT_DIGITS = 4
SPARSE_DIM = 1 << 20
SPARSE_NNZ = 40


def round_significant(x, digits):
    """Rounds to `digits` significant digits, so the values in the file are the values modelled."""
    magnitude = np.floor(np.log10(np.maximum(np.abs(x), 1e-300)))
    scale = 10.0 ** (magnitude - (digits - 1))
    return np.round(x / scale) * scale


def write_rows(path, fmt, rows):
    """Writes each row of a 2-D array with one printf format (label first)."""
    with open(path, "w") as out:
        for row in rows.tolist():
            out.write(fmt % tuple(row))


def dense_formats(width, label_fmt, value_fmt):
    csv = label_fmt + "".join("," + value_fmt for _ in range(width)) + "\n"
    libsvm = label_fmt + "".join(" %d:%s" % (j + 1, value_fmt) for j in range(width)) + "\n"
    return csv, libsvm


def write_dense(out, part, labels, x, label_fmt, value_fmt):
    csv_fmt, libsvm_fmt = dense_formats(x.shape[1], label_fmt, value_fmt)
    rows = np.column_stack([labels, x])
    write_rows(os.path.join(out, part + ".csv"), csv_fmt, rows)
    write_rows(os.path.join(out, part + ".libsvm"), libsvm_fmt, rows)


def make_dense(rng, rows, test_rows, out):
    dim = 100
    scales = 10.0 ** rng.uniform(-3.0, 3.0, size=dim)
    offsets = rng.uniform(-2.0, 2.0, size=dim)
    weights_std = rng.normal(0.0, 3.0 / np.sqrt(dim), size=dim)
    weights_raw = weights_std / scales
    bias = -float(weights_std @ offsets)

    def draw(n):
        x = round_significant(scales * (rng.normal(size=(n, dim)) + offsets), SIGNIFICANT_DIGITS)
        logit = x @ weights_raw + bias
        labels = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(float)
        return x, labels, logit

    x, labels, _ = draw(rows)
    order = np.argsort(labels, kind="stable")
    write_dense(out, "train", labels[order], x[order], "%d", "%.4g")
    del x
    x, labels, logit = draw(test_rows)
    write_dense(out, "test", labels, x, "%d", "%.4g")
    return {"task": "binary", "feature_dim": dim,
            "true_model_test_accuracy": float(np.mean((logit > 0) == (labels == 1))),
            "test_positive_rate": float(labels.mean())}


def make_regression(rng, rows, test_rows, out):
    dim = 50
    scales = 10.0 ** rng.uniform(-2.0, 2.0, size=dim)
    offsets = rng.uniform(-1.0, 1.0, size=dim)
    weights_raw = rng.normal(0.0, 1.0, size=dim) / scales
    bias = 5.0
    noise = 1.0  # signal variance is ~dim, so R^2 of the truth is ~0.98

    def draw(n):
        x = round_significant(scales * (rng.normal(size=(n, dim)) + offsets), SIGNIFICANT_DIGITS)
        mean = x @ weights_raw + bias
        y = round_significant(mean + rng.normal(0.0, noise, size=n), 6)
        return x, y, mean

    x, y, _ = draw(rows)
    write_dense(out, "train", y, x, "%.6g", "%.4g")
    del x
    x, y, mean = draw(test_rows)
    write_dense(out, "test", y, x, "%.6g", "%.4g")
    mse = float(np.mean((y - mean) ** 2))
    return {"task": "regression", "feature_dim": dim, "true_model_test_mse": mse,
            "true_model_test_r2": 1.0 - mse / float(np.var(y))}


def make_sparse(rng, rows, test_rows, out, chunk=100_000):
    # One non-zero per bin of the index range keeps each row's indices sorted and distinct; the
    # power inside a bin makes low indices of every bin popular, like hashed categorical data.
    edges = (np.arange(SPARSE_NNZ + 1) * SPARSE_DIM) // SPARSE_NNZ
    weights = rng.normal(0.0, 1.0, size=SPARSE_DIM)
    bias = -2.0
    line_fmt = "%d" + " %d:%.2f" * SPARSE_NNZ + "\n"

    def write(path, n):
        correct = 0
        with open(path, "w") as f:
            for start in range(0, n, chunk):
                m = min(chunk, n - start)
                offsets = np.floor(rng.random((m, SPARSE_NNZ)) ** 4 * np.diff(edges)).astype(np.int64)
                idx = edges[:-1] + offsets
                vals = np.round(rng.uniform(0.1, 1.0, size=(m, SPARSE_NNZ)), 2)
                logit = np.sum(weights[idx] * vals, axis=1) + bias
                labels = (rng.random(m) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
                correct += int(np.sum((logit > 0) == (labels == 1)))
                pairs = np.empty((m, 2 * SPARSE_NNZ))
                pairs[:, 0::2] = idx + 1
                pairs[:, 1::2] = vals
                for label, row in zip(labels.tolist(), pairs.tolist()):
                    f.write(line_fmt % (label, *row))
        return correct / n

    write(os.path.join(out, "train.libsvm"), rows)
    accuracy = write(os.path.join(out, "test.libsvm"), test_rows)
    return {"task": "binary", "feature_dim": SPARSE_DIM, "nnz_per_row": SPARSE_NNZ,
            "true_model_test_accuracy": accuracy}


def main():
    makers = {"dense": make_dense, "regression": make_regression, "sparse": make_sparse}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(makers))
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--test-rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    truth = makers[args.kind](np.random.default_rng(args.seed), args.rows, args.test_rows, args.out)
    truth.update(rows=args.rows, test_rows=args.test_rows, seed=args.seed)
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    print("%s: %s" % (args.kind, json.dumps(truth)))


if __name__ == "__main__":
    main()
