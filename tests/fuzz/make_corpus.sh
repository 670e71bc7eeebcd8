#!/usr/bin/env bash
# Makes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from a tiny synthetic set
# written by `unict synth`, so that every seed is a file the framework reads in the real formats.
# The corpora are committed; run this again only to remake them (crash inputs added by hand stay:
# files whose names start with crash- are kept).
#   bash tests/fuzz/make_corpus.sh [UNICT_BINARY]     (default build/dev/unict)
set -euo pipefail
cd "$(dirname "$0")/../.."

unict=${1:-build/dev/unict}
[[ -x $unict ]] || { echo "make_corpus.sh: no unict binary at $unict (build the dev preset first)" >&2; exit 1; }
corpus=tests/fuzz/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$unict" synth --out "$work/synth" --profile grid --size 16x16x16 --spacing 18x22.5x22.5 --patients 8 --radchestct 2 --v1 \
  --lesion-probability 0.5 --seed 5 --threads 1 >"$work/synth.log" 2>&1 || { cat "$work/synth.log" >&2; exit 1; }
ctrate=$work/synth/ctrate/dataset

for target in npy npz csv json jsonl rexgrounding radchestct ctrate_metadata config cache_item nifti; do
  mkdir -p "$corpus/$target"
  find "$corpus/$target" -type f ! -name 'crash-*' -delete
done

# NPZ: RAD-ChestCT's volumes; NPY: their ct.npy members.
for npz in "$work"/synth/radchestct/*.npz; do
  cp "$npz" "$corpus/npz/$(basename "$npz")"
  python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("ct.npy"))' "$npz" \
    > "$corpus/npy/$(basename "$npz" .npz).npy"
done

# CSV: every CSV of the set; the data set targets: their own files.
cp "$ctrate/metadata/train_metadata.csv" "$corpus/csv/ctrate_metadata.csv"
cp "$ctrate/radiology_text_reports/train_reports.csv" "$corpus/csv/ctrate_reports.csv"
cp "$ctrate/multi_abnormality_labels/train_predicted_labels.csv" "$corpus/csv/ctrate_labels.csv"
cp "$work/synth/radchestct/imgtrain_Abnormality_and_Location_Labels.csv" "$corpus/csv/radchestct_labels.csv"
cp "$ctrate/metadata/train_metadata.csv" "$corpus/ctrate_metadata/train_metadata.csv"
cp "$ctrate/metadata/validation_metadata.csv" "$corpus/ctrate_metadata/validation_metadata.csv"
for split in imgtrain imgvalid; do
  cp "$work/synth/radchestct/${split}_Abnormality_and_Location_Labels.csv" "$corpus/radchestct/$split.csv"
done
cp "$work/synth/rexgroundingct/dataset.json" "$corpus/rexgrounding/dataset.json"
cp "$work/synth/rexgroundingct/dataset.json" "$corpus/json/dataset.json"

# NIfTI: a CT volume and a mask, gzipped as distributed and plain.
ct=$(find "$ctrate/train_fixed" -name '*.nii.gz' | sort | head -n 1)
mask=$(find "$work/synth/rexgroundingct/segmentations" -name '*.nii.gz' | sort | head -n 1)
cp "$ct" "$corpus/nifti/ct.nii.gz"
cp "$mask" "$corpus/nifti/mask.nii.gz"
gzip -dc "$ct" > "$corpus/nifti/ct.nii"

# The config loader: a run's config on a base, split at "#8<" (fuzz_config.cpp).
printf 'base: base.yaml\nrun: {name: fuzz, seed: 3}\ntrain: {lr: 0.001, duration: 10u}\n#8<\n' > "$corpus/config/run_on_base.yaml"
cat configs/base.yaml >> "$corpus/config/run_on_base.yaml"
cp configs/quickstart.yaml "$corpus/config/quickstart.yaml"

# A cache item and the JSON Lines the framework writes, from a tiny training of the set.
cat > "$work/tiny.yaml" <<YAML
base: $PWD/configs/base.yaml
run: {name: corpus, output_root: $work/runs, threads: 1, device: cpu, log_level: warn}
data:
  label_set: $PWD/configs/labels/unict10.yaml
  ctrate_root: $work/synth/ctrate
  rexgrounding_root: $work/synth/rexgroundingct
  radchestct_root: $work/synth/radchestct
  radchestct_spacing: 22.5
  cache_dir: $work/cache
split: {folds: 2, val_fraction: 0.25}
preprocess: {spacing: [18.0, 22.5, 22.5], size: [16, 16, 16]}
train: {batch_size: 2, duration: 4u, warmup: 1u, val_every: 2u, log_every: 1}
encoder: {name: resnet3d, resnet3d: {stem_channels: 4, widths: [4, 8, 8, 8], depths: [1, 1, 1, 1]}}
model: {embed_dim: 16, fusion_heads: 2}
seg_decoder: {channels: [8, 8, 4, 4]}
report_decoder: {d_model: 16, heads: 2, layers: 1, ff_dim: 32, max_tokens: 48}
decode: {method: greedy, max_tokens: 16}
tokenizer: {vocab_size: 60}
YAML
"$unict" train --config "$work/tiny.yaml" --fold 0 --out "$work/run" >"$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }
find "$work/cache" -name '*.uct' | sort | head -n 2 | while read -r item; do cp "$item" "$corpus/cache_item/$(basename "$item")"; done
head -n 5 "$work/run/metrics.jsonl" > "$corpus/jsonl/metrics.jsonl"
cp "$work/run/training.json" "$corpus/json/training.json"
find "$work/run" -name 'reports.jsonl' | head -n 1 | while read -r f; do head -n 3 "$f" > "$corpus/jsonl/reports.jsonl"; done

du -sh "$corpus"
for target in "$corpus"/*/; do echo "$(basename "$target"): $(find "$target" -type f | wc -l) seeds"; done
