#!/usr/bin/python3
"""Converts Fashion-MNIST (IDX, gzip) into the benchmark's CSV and LIBSVM files.

Writes OUT/binary/{train,test}.{csv,libsvm} (label 1 = class 0 "T-shirt/top", 0 = the rest) and
OUT/multiclass/{train,test}.{csv,libsvm} (labels 0..9). Pixels stay raw integers 0..255; LIBSVM
files list the non-zero pixels with 1-based indices, as LIBLINEAR expects. --train-rows and
--test-rows take the first N images (for --quick runs).
"""
import argparse
import gzip
import os

import numpy as np

SOURCE = "/usr/share/datasets/fashion-mnist"
IDX_IMAGES_MAGIC = 2051
IDX_LABELS_MAGIC = 2049


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    header = np.frombuffer(data, dtype=">u4", count=1)[0]
    if header != magic:
        raise ValueError("%s: IDX magic %d, expected %d" % (path, header, magic))
    if magic == IDX_IMAGES_MAGIC:
        count, rows, cols = np.frombuffer(data, dtype=">u4", count=3, offset=4)
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows * cols)
    return np.frombuffer(data, dtype=np.uint8, offset=8)


def write_csv(path, labels, pixels):
    with open(path, "w") as out:
        for label, row in zip(labels.tolist(), pixels):
            out.write("%d,%s\n" % (label, ",".join(map(str, row.tolist()))))


def write_libsvm(path, labels, pixels):
    with open(path, "w") as out:
        for label, row in zip(labels.tolist(), pixels):
            nz = np.flatnonzero(row)
            pairs = " ".join("%d:%d" % (j + 1, v) for j, v in zip(nz.tolist(), row[nz].tolist()))
            out.write("%d %s\n" % (label, pairs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--train-rows", type=int, default=0, help="0: all 60000")
    parser.add_argument("--test-rows", type=int, default=0, help="0: all 10000")
    args = parser.parse_args()

    parts = {}
    for part, prefix, limit in (("train", "train", args.train_rows), ("test", "t10k", args.test_rows)):
        images = read_idx(os.path.join(SOURCE, prefix + "-images-idx3-ubyte.gz"), IDX_IMAGES_MAGIC)
        labels = read_idx(os.path.join(SOURCE, prefix + "-labels-idx1-ubyte.gz"), IDX_LABELS_MAGIC)
        if limit:
            images, labels = images[:limit], labels[:limit]
        parts[part] = (images, labels)

    for task in ("binary", "multiclass"):
        os.makedirs(os.path.join(args.out, task), exist_ok=True)
        for part, (images, labels) in parts.items():
            task_labels = (labels == 0).astype(np.uint8) if task == "binary" else labels
            base = os.path.join(args.out, task, part)
            write_csv(base + ".csv", task_labels, images)
            write_libsvm(base + ".libsvm", task_labels, images)
    print("fashion-mnist: %d train, %d test rows -> %s"
          % (len(parts["train"][1]), len(parts["test"][1]), args.out))


if __name__ == "__main__":
    main()
