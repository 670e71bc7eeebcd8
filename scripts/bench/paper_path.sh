#!/usr/bin/env bash
# Does the paper's global path carry the findings? (issue 35) On the main job's data (seed 42 unless
# SYNTH_SEED), the paper's configuration of the quick start (configs/quickstart.yaml without our
# three additions: cls_readout token, no findings read by the report, no mask gate) is trained and
# evaluated on the folds in FOLDS (default 0) once per variant below, each a set of config keys on
# top of it; then the linear probe of scripts/bench/pooled_probe.py reads the first variant's
# encoder. Prints, per variant, the test macro AUROC, the lowest class AUROC, the mean Dice and the
# clinical-efficacy F1 (means over the folds run), and the seconds it took.
#   bash scripts/bench/paper_path.sh [OUT]                         (default OUT: runs/paper_path)
#   VARIANTS="mean:encoder.pooling=mean max:encoder.pooling=max" bash scripts/bench/paper_path.sh
# A variant is NAME:key=value[,key=value...]. Run it alone on the machine (machine-notes.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/paper_path}
folds=${FOLDS:-0}
read -r -a variants <<<"${VARIANTS:-mean:encoder.pooling=mean max:encoder.pooling=max gem:encoder.pooling=gem attention:encoder.pooling=attention max_3_maps:encoder.pooling=max,encoder.pooled_maps=3 attention_3_maps:encoder.pooling=attention,encoder.pooled_maps=3}"
paper=(--set model.cls_readout=token --set model.report_reads_cls=false --set model.seg_detection_gate=0)
if [ -n "${UNICT_BINARY:-}" ]; then
  unict=$UNICT_BINARY
else
  cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
  unict=build/release/unict
fi
echo "machine: $(nproc) cores; commit $(git rev-parse --short HEAD); $(date -u +%F); folds $folds"
data="$out/synthetic"
seed=${SYNTH_SEED:-42}
mkdir -p "$out"
if [ ! -f "$data/.seed-$seed" ]; then
  "$unict" synth --out "$data" --profile grid --patients 260 --seed "$seed" --force >/dev/null
  touch "$data/.seed-$seed"
fi
set_data=(--set "data.ctrate_root=$data/ctrate" --set "data.rexgrounding_root=$data/rexgroundingct"
          --set "data.radchestct_root=$data/radchestct" --set "data.cache_dir=$out/cache")
"$unict" prepare --config configs/quickstart.yaml "${set_data[@]}" >/dev/null 2>&1
echo "data: unict synth --profile grid --patients 260 --seed $seed; the paper's configuration: ${paper[*]}"

first=""
for variant in "${variants[@]}"; do
  name=${variant%%:*}
  sets=()
  IFS=, read -r -a keys <<<"${variant#*:}"
  for k in "${keys[@]}"; do sets+=(--set "$k"); done
  rm -rf "$out/$name"
  start=$(date +%s)
  "$unict" --log-level warn cv --config configs/quickstart.yaml "${set_data[@]}" "${paper[@]}" "${sets[@]}" --folds "$folds" \
    --out "$out/$name" >/dev/null 2>"$out/$name.log" || { echo "$name: unict cv failed, see $out/$name.log"; continue; }
  seconds=$(( $(date +%s) - start ))
  /usr/bin/python3 - "$out/$name" "$name" "$seconds" "${sets[*]}" <<'PY'
import glob, json, sys
folder, name, seconds, sets = sys.argv[1:]
auroc, dice, ce, per_class = [], [], [], {}
for results in sorted(glob.glob(folder + "/fold*/test/results.json")):
    r = json.load(open(results))
    auroc.append(r["metrics"]["cls.auroc_macro"])
    dice.append(r["metrics"]["seg.dice_mean"])
    ce.append(r["metrics"]["rep.ce_f1_macro"])
    for c, v in r["cls"]["per_class"].items():
        if v.get("auroc") is not None:
            per_class.setdefault(c, []).append(v["auroc"])
mean = lambda v: sum(v) / len(v) if v else float("nan")  # noqa: E731
low = min((mean(v), c) for c, v in per_class.items())
print(f"{name:18s} AUROC {mean(auroc):.3f} (lowest class {low[0]:.2f}, {low[1]})  Dice {mean(dice):.3f}  "
      f"CE F1 {mean(ce):.3f}  {seconds} s  [{sets}]")
PY
  [ -z "$first" ] && first=$name
done

fold=${folds%%[-,]*}
echo "== linear probe of the encoder of '$first', fold $fold (scripts/bench/pooled_probe.py)"
"$unict" model export --run "$out/$first/fold$fold" --out "$out/$first.npz" --force >/dev/null
/usr/bin/python3 scripts/bench/pooled_probe.py "$out/$first/fold$fold" "$out/$first.npz" "$(ls -d "$out"/cache/rexgroundingct-*)"
