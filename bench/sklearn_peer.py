#!/usr/bin/python3
"""scikit-learn peer: loads the CSV sets, fits one model, scores the test set, writes JSON.

The caller times the whole process (end to end, reading the CSV included); this script also
times the fit alone on the preloaded arrays (StandardScaler included where the model uses it).
"""
import argparse
import json
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

MAX_ITER = 1000


def build(model):
    """The estimator, as a user of scikit-learn would write it for raw features."""
    if model == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(solver="lbfgs", max_iter=MAX_ITER))
    if model == "sgd":
        return make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", random_state=0))
    if model == "linreg":
        return LinearRegression()
    if model == "ridge":
        return Ridge(alpha=1.0)
    raise ValueError(model)


def load(path):
    data = np.loadtxt(path, delimiter=",", dtype=np.float64)
    return data[:, 1:], data[:, 0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["logreg", "sgd", "linreg", "ridge"], required=True)
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    start = time.perf_counter()
    x_train, y_train = load(args.train)
    x_test, y_test = load(args.test)
    read_seconds = time.perf_counter() - start

    estimator = build(args.model)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        estimator.fit(x_train, y_train)
    fit_seconds = time.perf_counter() - start

    predictions = estimator.predict(x_test)
    result = {"read_seconds": read_seconds, "fit_seconds": fit_seconds,
              "train_rows": int(len(y_train)), "test_rows": int(len(y_test))}
    if args.model in ("linreg", "ridge"):
        mse = float(np.mean((predictions - y_test) ** 2))
        result["metrics"] = {"mse": mse, "r2": 1.0 - mse / float(np.var(y_test))}
    else:
        result["metrics"] = {"accuracy": float(np.mean(predictions == y_test))}
        final = estimator[-1]
        result["iterations"] = int(np.max(final.n_iter_))
        result["converged"] = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
