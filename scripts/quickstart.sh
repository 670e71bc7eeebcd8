#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds the release preset and runs what
# the framework can do today. It says plainly what is not built yet; it never pretends.
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
"$unict" synth --out data/synthetic --patients 40 --seed 42 --force

step "6. patient-level, label-stratified 5-fold splits (unict split)"
# The data were just regenerated, so the splits are rewritten to match them.
"$unict" split --config configs/quickstart.yaml --force

step "7. preprocessing into the cache (unict prepare), for training and for external validation"
"$unict" prepare --config configs/quickstart.yaml
"$unict" prepare --config configs/quickstart.yaml --dataset radchestct

step "8. a look at one volume and its mask (unict inspect)"
volume=$(find data/synthetic/ctrate/dataset/train_fixed -name '*.nii.gz' | sort | awk 'NR == 1')  # awk reads all input: no SIGPIPE under pipefail
mask=data/synthetic/rexgroundingct/segmentations/$(basename "$volume")
"$unict" inspect "$volume" | grep -E '"(file|dtype|min|max|mean)"|"shape"' || true
[ -f "$mask" ] && "$unict" inspect "$mask" | tr -d ' \n' | grep -o '"nonzero_per_first_axis_index":\[[0-9,]*\]' || true

step "9. the model the quick-start config builds, with one forward pass (unict model summary)"
"$unict" model summary --config configs/quickstart.yaml --depth 1

cat <<'MSG'

== What runs today, and what does not yet
Works: the build, configuration loading and validation (unict config), the synthetic data set in
the three distributed formats (unict synth, in data/synthetic/), their readers, patient-level
stratified splits (unict split, in runs/quickstart/splits.json), preprocessing into the cache
(unict prepare, in data/cache/quickstart/), unict inspect, the batch loader (tested by ctest), and
the UniCT model with its ablation switches, report tokenizer and decoding (unict model summary
above; random weights), and the metrics and figures computed from prediction files (unict metrics
cls / seg / reports / compare, docs/evaluation.md).
Not built yet, so not run here: training with 5-fold cross-validation and external validation
(`unict cv`). When they land, this command runs them and prints where the
summary tables are.
No model was trained and no metric was computed: there are no results to look at yet.
MSG
