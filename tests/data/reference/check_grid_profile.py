"""Checks the promises of `unict synth --profile grid` (docs/data.md) on the written files, with
numpy and nibabel only (independent of the C++ generator and readers):
  - every CT is exactly on the design grid (shape and spacing);
  - no voxel belongs to two findings' masks (one owner);
  - every mask voxel shows its class's attenuation band (band +- 5.5 noise sigmas);
  - each class's mask voxel count lies in its stated range;
  - the report is exactly the finding sentences (nothing random), and the CT-RATE labels and the
    truth file say what the masks show.
Usage: check_grid_profile.py ROOT Z Y X SZ SY SX"""
import csv
import glob
import json
import os
import sys

import nibabel as nib
import numpy as np

root = sys.argv[1]
shape_zyx = tuple(int(v) for v in sys.argv[2:5])
spacing_zyx = tuple(float(v) for v in sys.argv[5:8])

# The stated signatures (docs/data.md, "The grid profile"): band in HU, voxel range at the grid.
DENSE, HAZY, LUCENT, SIGMA = 30, -450, -990, 20
SPEC = {"1a": (DENSE, 30, 400), "1b": (LUCENT, 40, 360), "1c": (LUCENT, 40, 360), "1d": (HAZY, 30, 280), "1e": (DENSE, 72, 200),
        "2a": (DENSE, 30, 220), "2b": (DENSE, 50, 260), "2c": (HAZY, 30, 180), "2d": (DENSE, 45, 170), "2e": (DENSE, 50, 320)}
TOLERANCE = 5.5 * SIGMA
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)


ds = os.path.join(root, "ctrate", "dataset")
reports, labels = {}, {}
for split, long in [("train", "train"), ("valid", "validation")]:
    with open(os.path.join(ds, "radiology_text_reports", long + "_reports.csv"), newline="") as f:
        for row in csv.DictReader(f):
            reports[row["VolumeName"]] = row["Findings_EN"]
cts = {os.path.basename(p): p for p in glob.glob(os.path.join(ds, "*_fixed", "*", "*", "*.nii.gz"))}
for name, path in cts.items():
    img = nib.load(path)
    check(img.shape == shape_zyx[::-1], "%s: shape %s, expected the grid %s (x, y, z)" % (name, img.shape, shape_zyx[::-1]))
    check(np.allclose(img.header.get_zooms(), spacing_zyx[::-1], atol=1e-4), "%s: spacing %s" % (name, img.header.get_zooms()))

truth = json.load(open(os.path.join(root, "synthetic_truth.json")))
check(truth["generator"]["profile"] == "grid", "truth names the grid profile")
rex = json.load(open(os.path.join(root, "rexgroundingct", "dataset.json")))
counts = {code: [] for code in SPEC}
annotated = 0
for split in ("train", "val"):
    for e in rex[split]:
        name = e["name"]
        ct = np.asanyarray(nib.load(cts[name]).dataobj).astype(np.float64)
        mask = np.asanyarray(nib.load(os.path.join(root, "rexgroundingct", "segmentations", name)).dataobj)
        keys = sorted(e["findings"], key=int)
        owners = (mask > 0).sum(axis=0)
        check(owners.max() <= 1, "%s: %d voxels claimed by two findings" % (name, int((owners > 1).sum())))
        codes = []
        for k in keys:
            code = e["categories"][k]
            codes.append(code)
            band, low, high = SPEC[code]
            hu = ct[mask[int(k)] > 0]
            counts[code].append(hu.size)
            check(low <= hu.size <= high, "%s: %s has %d voxels, stated range %d-%d" % (name, code, hu.size, low, high))
            outside = int((np.abs(hu - band) > TOLERANCE).sum())
            check(outside == 0, "%s: %d voxels of %s do not show its band %d HU" % (name, outside, code, band))
        # The report states the findings and nothing else; the truth file agrees with the masks.
        check(reports[name] == " ".join(e["findings"][k] for k in keys), "%s: the report is not the finding sentences" % name)
        check(sorted(truth["ctrate"][name[:-len(".nii.gz")]]["codes"]) == sorted(codes), "%s: truth codes differ from the masks" % name)
        annotated += 1
check(annotated > 0, "some annotated volumes")
for code, c in counts.items():
    check(len(c) > 0, "class %s never painted" % code)

if problems:
    print("\n".join(problems[:40]))
    sys.exit(1)
print("grid profile: %d annotated volumes; voxels per class (median): %s" % (
    annotated, ", ".join("%s %d" % (code, np.median(c)) for code, c in counts.items() if c)))
