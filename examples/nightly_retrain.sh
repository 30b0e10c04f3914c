#!/usr/bin/env bash
# Nightly retrain: train tonight's model warm from the production one, gate it against production's
# metrics, and promote it (an atomic rename of the `production` link) only when the gate passes.
#   LINLEARN=path/to/linlearn examples/nightly_retrain.sh TRAIN VALIDATION MODELS_DIR
# Exit 0: promoted; 4: the gate failed and production is unchanged; anything else: an error.
set -euo pipefail
train=$1 validation=$2 models=$3
linlearn=${LINLEARN:-linlearn}
tonight="$models/${RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)}"
warm=()
if [[ -e "$models/production" ]]; then warm=(--initial-model "$models/production"); fi

"$linlearn" train --predictor_type binary_classifier --train "$train" --validation "$validation" \
  --output-dir "$tonight" "${warm[@]}" --quiet

if [[ -e "$models/production" ]] &&
  ! "$linlearn" check "$tonight/metrics.json" --baseline "$models/production/metrics.json" \
    --max-regression validation:binary_classification_accuracy=0.01; then
  echo "gate failed: $tonight stays unpromoted" >&2
  exit 4
fi
ln -sfn "$(basename "$tonight")" "$models/production.next"
mv -T "$models/production.next" "$models/production"
echo "promoted $tonight"
