#!/usr/bin/python3
"""Seeded data sets for the out-of-core and wide-sparse checks of issue #4.

  dense:  binary logistic, N rows x 50 standard-normal features (3 decimals), CSV (label first);
          large enough to exceed --max-memory many times over.
  sparse: binary logistic, N rows x 40 non-zeros per row spread over 2^24 features, LIBSVM
          (1-based indices, sorted within a row).

Usage: make_streaming_sets.py dense ROWS OUT.csv [--seed S]
       make_streaming_sets.py sparse ROWS OUT.libsvm [--seed S]
"""
import argparse

import numpy as np

DENSE_DIM = 50
SPARSE_DIM = 1 << 24
SPARSE_NNZ = 40
CHUNK_ROWS = 100_000


def labels_for(margins, rng):
    return (rng.random(margins.shape[0]) < 1.0 / (1.0 + np.exp(-margins))).astype(np.int64)


def write_dense(rows, path, rng):
    truth = rng.normal(size=DENSE_DIM) / np.sqrt(DENSE_DIM) * 3.0
    fmt = "%d" + ",%.3f" * DENSE_DIM
    with open(path, "w") as out:
        for start in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - start)
            x = np.round(rng.normal(size=(n, DENSE_DIM)), 3)
            y = labels_for(x @ truth + 0.2, rng)
            table = np.column_stack([y, x])
            out.write("\n".join(fmt % tuple(row) for row in table.tolist()))
            out.write("\n")


def write_sparse(rows, path, rng):
    truth = rng.normal(size=SPARSE_DIM).astype(np.float32)
    with open(path, "w") as out:
        for start in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - start)
            lines = []
            for _ in range(n):
                idx = np.sort(rng.choice(SPARSE_DIM, size=SPARSE_NNZ, replace=False))
                val = np.round(rng.random(SPARSE_NNZ), 3)
                margin = float(val @ truth[idx]) / np.sqrt(SPARSE_NNZ) * 2.0
                y = int(rng.random() < 1.0 / (1.0 + np.exp(-margin)))
                lines.append(str(y) + "".join(" %d:%.3f" % (i + 1, v) for i, v in zip(idx.tolist(), val.tolist())))
            out.write("\n".join(lines))
            out.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["dense", "sparse"])
    parser.add_argument("rows", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    (write_dense if args.kind == "dense" else write_sparse)(args.rows, args.out, rng)


if __name__ == "__main__":
    main()
