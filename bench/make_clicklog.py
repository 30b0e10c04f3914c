#!/usr/bin/python3
"""Seeded synthetic click log: hashed categorical features with a known logistic model.

Each row has FIELDS categorical fields. Field f has a vocabulary of VOCAB[f] values (10 to 1M,
geometric in f) drawn from a Zipf law (P(rank k) proportional to k^-ZIPF_EXPONENT), so a few
values are frequent and most are rare, as in ad-click logs. The label is drawn from a logistic
model over the (field, value) pairs: logit = BIAS + sum over fields of w[f][value], with every
w[f][v] ~ N(0, WEIGHT_SD^2) (WEIGHT_SD is set so that the true model's test AUC is about 0.93).
The learners see the pairs hashed into 2^20 buckets: index = (splitmix64(f * 2^32 + value) >> 44)
+ 1 (LIBSVM's 1-based indices), value 1 (2 in the rare row where two of its pairs share a
bucket). The true model, which knows the pairs, is reported in truth.json as
true_model_test_auc (and accuracy), the best a learner can expect on average.

Three seeded streams: the model, the training rows and the test rows, so --rows changes the
training set only. Writes OUT/train.libsvm, OUT/test.libsvm (labels 0/1), OUT/train.vw,
OUT/test.vw (`LABEL | INDEX ...`, labels -1/1; Vowpal Wabbit hashes an all-digit feature name
to the number itself, so both formats hold the same features) and OUT/truth.json.
"""
import argparse
import json
import os

import numpy as np
from sklearn.metrics import roc_auc_score

FIELDS = 26
DIM_BITS = 20
VOCAB = np.round(10.0 ** np.linspace(1, 6, FIELDS)).astype(np.int64)
ZIPF_EXPONENT = 1.1
WEIGHT_SD = 0.7
BIAS = -2.4
CHUNK = 100_000


def splitmix64(x):
    """The splitmix64 finalizer on uint64 arrays (wrapping arithmetic)."""
    x = (x + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class Model:
    def __init__(self, seed):
        rng = np.random.default_rng([seed, 0])
        self.cdf = []
        self.weights = []
        for size in VOCAB:
            p = np.arange(1, size + 1, dtype=np.float64) ** -ZIPF_EXPONENT
            self.cdf.append(np.cumsum(p) / p.sum())
            self.weights.append(rng.normal(0.0, WEIGHT_SD, size=size))

    def draw(self, rng, n):
        """(values [n, FIELDS], labels, true logits) of n rows."""
        values = np.empty((n, FIELDS), dtype=np.int64)
        logit = np.full(n, BIAS)
        for f in range(FIELDS):
            values[:, f] = np.minimum(np.searchsorted(self.cdf[f], rng.random(n)), VOCAB[f] - 1)
            logit += self.weights[f][values[:, f]]
        labels = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
        return values, labels, logit


def hashed(values):
    """Sorted 1-based bucket indices per row, [n, FIELDS]."""
    keys = (np.arange(FIELDS, dtype=np.uint64) << np.uint64(32)) + values.astype(np.uint64)
    return np.sort((splitmix64(keys) >> np.uint64(64 - DIM_BITS)).astype(np.int64) + 1, axis=1)


def row_pairs(indices):
    """[(index, count)] of a sorted index row with repeats (the rare collision)."""
    unique, counts = np.unique(indices, return_counts=True)
    return list(zip(unique.tolist(), counts.tolist()))


def write_chunk(libsvm, vw, labels, indices):
    libsvm_fmt = "%d" + " %d:1" * FIELDS + "\n"
    vw_fmt = "%d |" + " %d" * FIELDS + "\n"
    collided = np.any(indices[:, 1:] == indices[:, :-1], axis=1)
    for label, row, repeat in zip(labels.tolist(), indices.tolist(), collided.tolist()):
        if repeat:
            pairs = row_pairs(np.array(row))
            libsvm.write("%d%s\n" % (label, "".join(" %d:%d" % p for p in pairs)))
            vw.write("%d |%s\n" % (2 * label - 1, "".join(" %d:%d" % p for p in pairs)))
        else:
            libsvm.write(libsvm_fmt % (label, *row))
            vw.write(vw_fmt % (2 * label - 1, *row))


def write_part(model, rng, n, out, part):
    """Writes one part; returns its labels and true logits."""
    labels_all, logits_all = [], []
    with open(os.path.join(out, part + ".libsvm"), "w") as libsvm, \
            open(os.path.join(out, part + ".vw"), "w") as vw:
        for start in range(0, n, CHUNK):
            values, labels, logit = model.draw(rng, min(CHUNK, n - start))
            write_chunk(libsvm, vw, labels, hashed(values))
            labels_all.append(labels)
            logits_all.append(logit)
    return np.concatenate(labels_all), np.concatenate(logits_all)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="training rows")
    parser.add_argument("--test-rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model = Model(args.seed)
    train_labels, _ = write_part(model, np.random.default_rng([args.seed, 1]), args.rows, args.out, "train")
    labels, logit = write_part(model, np.random.default_rng([args.seed, 2]), args.test_rows, args.out, "test")
    p = 1.0 / (1.0 + np.exp(-logit))
    truth = {"task": "binary", "feature_dim": 1 << DIM_BITS, "fields": FIELDS,
             "vocabulary_sizes": VOCAB.tolist(), "zipf_exponent": ZIPF_EXPONENT,
             "weight_sd": WEIGHT_SD, "bias": BIAS,
             "true_model_test_auc": float(roc_auc_score(labels, logit)),
             "true_model_test_accuracy": float(np.mean((logit > 0) == (labels == 1))),
             "true_model_test_log_loss": float(-np.mean(labels * np.log(p) + (1 - labels) * np.log1p(-p))),
             "train_positive_rate": float(train_labels.mean()), "test_positive_rate": float(labels.mean()),
             "rows": args.rows, "test_rows": args.test_rows, "seed": args.seed}
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    print("clicklog: %s" % json.dumps({k: v for k, v in truth.items() if k != "vocabulary_sizes"}))


if __name__ == "__main__":
    main()
