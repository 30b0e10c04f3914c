#!/usr/bin/python3
"""Writes the small sample data sets under data/ (CSV, no header, label in the first column).

Deterministic: every random draw comes from a fixed seed, so re-running this script reproduces the
committed files byte for byte. Run it with Debian's interpreter, which ships numpy and scikit-learn:

    /usr/bin/python3 scripts/make_sample_data.py [--out data]

- churn:    synthetic online-brokerage churn table, binary, drawn from a known logistic model.
- iris:     sklearn.datasets.load_iris, 3 classes, seeded stratified 80/20 split.
- digits:   sklearn.datasets.load_digits (8x8 images), 10 classes, seeded stratified 80/20 split.
- diabetes: sklearn.datasets.load_diabetes(scaled=False), raw features and target, seeded 80/20 split.
"""
import argparse
import os

import numpy as np

CHURN_SEED = 20240501
SPLIT_SEED = 7
CHURN_ROWS = {"train": 4000, "validation": 1000, "test": 1000}


def write_csv(path, labels, columns):
    """Writes rows `label,feature...`; `columns` is a list of (values, printf format) per feature."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as out:
        for r in range(len(labels)):
            fields = [labels[r]] + [fmt % values[r] for values, fmt in columns]
            out.write(",".join(fields) + "\n")


def churn_features(rng, n):
    """Twelve features of a brokerage account on very different scales, rounded as stored."""
    balance = np.round(rng.lognormal(mean=np.log(25000.0), sigma=1.0, size=n), 2)
    trades = rng.poisson(rng.gamma(shape=1.5, scale=4.0, size=n)).astype(float)
    tenure = rng.integers(0, 6000, size=n).astype(float)
    age = rng.integers(18, 86, size=n).astype(float)
    has_margin = rng.random(n) < 0.35
    margin = np.round(np.where(has_margin, rng.beta(1.5, 4.0, size=n), 0.0), 4)
    logins = rng.poisson(rng.gamma(shape=2.0, scale=6.0, size=n)).astype(float)
    trade_size = np.round(rng.lognormal(mean=np.log(2500.0), sigma=0.8, size=n), 2)
    tickets = rng.poisson(0.6, size=n).astype(float)
    options = (rng.random(n) < 0.25).astype(float)
    idle_days = np.floor(rng.exponential(scale=12.0, size=n))
    deposits = rng.poisson(1.2, size=n).astype(float)
    cash = np.round(rng.beta(2.0, 5.0, size=n), 4)
    return [
        (balance, "%.2f"), (trades, "%d"), (tenure, "%d"), (age, "%d"), (margin, "%.4f"),
        (logins, "%d"), (trade_size, "%.2f"), (tickets, "%d"), (options, "%d"),
        (idle_days, "%d"), (deposits, "%d"), (cash, "%.4f"),
    ]


# The ground-truth logistic model, per standardized feature (same order as churn_features):
# idle accounts, support trouble, margin stress and cash piles churn; engaged, long-standing,
# wealthy accounts stay.
CHURN_WEIGHTS_STD = np.array([-1.35, -1.2, -1.5, 0.3, 1.05, -1.65, -0.45, 1.35, -0.6, 2.4, -0.9, 1.2])
CHURN_BIAS = -0.6
# Population moments of the features, fixed so the model is exact in raw units.
CHURN_MEANS = np.array([41216.0, 6.0, 3000.0, 51.5, 0.0868, 12.0, 3437.0, 0.6, 0.25, 11.5, 1.2, 0.2857])
CHURN_STDS = np.array([54040.0, 5.5, 1732.0, 19.6, 0.14, 9.2, 3182.0, 0.775, 0.433, 12.0, 1.095, 0.16])


def make_churn(out_dir):
    rng = np.random.default_rng(CHURN_SEED)
    total = sum(CHURN_ROWS.values())
    columns = churn_features(rng, total)
    x = np.column_stack([values for values, _ in columns])
    logit = ((x - CHURN_MEANS) / CHURN_STDS) @ CHURN_WEIGHTS_STD + CHURN_BIAS
    p = 1.0 / (1.0 + np.exp(-logit))
    labels = (rng.random(total) < p).astype(int)
    bayes_accuracy = float(np.mean(np.maximum(p, 1.0 - p)))
    start = 0
    for name, rows in CHURN_ROWS.items():
        part = slice(start, start + rows)
        write_csv(os.path.join(out_dir, "churn", name + ".csv"),
                  [str(v) for v in labels[part]], [(values[part], fmt) for values, fmt in columns])
        start += rows
    print("churn: %d rows, positive rate %.3f, ground-truth model expected accuracy %.3f"
          % (total, labels.mean(), bayes_accuracy))


def stratified_split(labels, test_fraction, seed):
    """Indices (train, test): each class shuffled and split test_fraction/rest, then sorted."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        rng.shuffle(members)
        n_test = int(round(len(members) * test_fraction))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def random_split(n, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def write_table(out_dir, name, x, y, train_idx, test_idx, label_fmt):
    for part, idx in (("train", train_idx), ("test", test_idx)):
        columns = [(x[idx, j], "%.10g") for j in range(x.shape[1])]
        write_csv(os.path.join(out_dir, name, part + ".csv"), [label_fmt % v for v in y[idx]], columns)
    print("%s: %d train + %d test rows, %d features" % (name, len(train_idx), len(test_idx), x.shape[1]))


def make_sklearn_sets(out_dir):
    from sklearn.datasets import load_diabetes, load_digits, load_iris

    for name, loader in (("iris", load_iris), ("digits", load_digits)):
        x, y = loader(return_X_y=True)
        train_idx, test_idx = stratified_split(y, 0.2, SPLIT_SEED)
        write_table(out_dir, name, x, y, train_idx, test_idx, "%d")
    x, y = load_diabetes(return_X_y=True, scaled=False)
    train_idx, test_idx = random_split(len(y), 0.2, SPLIT_SEED)
    write_table(out_dir, "diabetes", x, y, train_idx, test_idx, "%.10g")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data"))
    args = parser.parse_args()
    make_churn(args.out)
    make_sklearn_sets(args.out)


if __name__ == "__main__":
    main()
