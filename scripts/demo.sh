#!/usr/bin/env bash
# Installs what is missing, builds linlearn in Release and trains on the bundled churn sample
# (train ends by saying where the artifacts are).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLINLEARN_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target linlearn
./build/linlearn train --predictor_type binary_classifier \
  --train data/churn/train.csv --validation data/churn/validation.csv --test data/churn/test.csv \
  --output-dir output/churn
