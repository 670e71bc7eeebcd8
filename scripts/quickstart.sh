#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds the release preset, writes the
# synthetic data set, prepares it, runs a 5-fold cross-validation of the full model with external
# validation on the synthetic RAD-ChestCT, and prints the summary table and where everything is.
#   sudo bash scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "1. dependencies (Debian packages)"
bash scripts/setup.sh
echo "all present"

step "2. build (cmake --preset release)"
cmake --preset release >/dev/null
cmake --build --preset release
unict=build/release/unict

step "3. the unict command"
"$unict" --version

step "4. the quick-start configuration (unict config show --config configs/quickstart.yaml --origins)"
"$unict" config show --config configs/quickstart.yaml --origins

step "5. synthetic data in the CT-RATE / ReXGroundingCT / RAD-ChestCT formats (unict synth)"
# Regenerated every time (a few seconds); --force only ever replaces an earlier synthetic set.
# --profile grid: drawn natively on the quick start's 32 x 48 x 48 grid at 9 x 7.5 x 7.5 mm, one
# scan per patient, so that each class's signature survives (docs/data.md); 260 patients give test
# folds of about 48 volumes.
"$unict" synth --out data/synthetic --profile grid --patients 260 --seed "${UNICT_SYNTH_SEED:-42}" --force
# The cache is derived from these files; its key covers settings, not file contents, so it goes too.
rm -rf data/cache/quickstart

step "6. preprocessing into the cache (unict prepare), for training and for external validation"
"$unict" prepare --config configs/quickstart.yaml
"$unict" prepare --config configs/quickstart.yaml --dataset radchestct

step "7. the model the quick-start config builds (unict model summary)"
"$unict" model summary --config configs/quickstart.yaml --depth 1 --no-forward

step "8. 5-fold cross-validation with external validation on RAD-ChestCT (unict cv)"
# The data were just regenerated, so an earlier run would not match them: it is kept, renamed.
[ -d runs/quickstart ] && mv runs/quickstart "runs/quickstart.$(date +%Y%m%d-%H%M%S)"
start=$(date +%s)
"$unict" cv --config configs/quickstart.yaml
echo "cross-validation took $(( $(date +%s) - start )) s"

step "9. the test metrics per fold and their mean (from runs/quickstart/summary.md)"
grep -E '^\|(---| (metric|cls\.auroc_macro|seg\.dice_mean|rep\.ce_f1_macro|rep\.bleu4|radchestct\.cls\.auroc_macro) )' runs/quickstart/summary.md

cat <<'MSG'

== Where the results are
runs/quickstart/summary.md (.json, .csv)   mean ± std over the 5 test folds, pooled 95 % intervals,
                                          RAD-ChestCT external validation (radchestct.cls.*)
runs/quickstart/attention_mean.png         the task-attention matrix averaged over folds
runs/quickstart/roc_pr_pooled.png          ROC and PR curves of all test folds' predictions
runs/quickstart/fold0/test/figures/example.png   a test volume, its true and predicted masks, both reports
runs/quickstart/fold<k>/                   config.yaml, train.log, metrics.jsonl, training_curves.png,
                                          checkpoints/, test/ (predictions_cls.csv, masks/, reports.jsonl,
                                          attention.json, results.json, figures/), radchestct/
Next: unict evaluate --run runs/quickstart/fold0 --split val
      unict predict --run runs/quickstart/fold0 --input <scan.nii.gz> --out /tmp/prediction
      unict ablate --config configs/ablations/quickstart_suite.yaml --folds 0-1
These are synthetic data (the grid profile) and a small CPU model: the figures show that the
pipeline learns, not UniCT's accuracy on real CT (docs/results.md: what this configuration reaches,
with the control run of scripts/bench/learning_check.sh).
MSG
