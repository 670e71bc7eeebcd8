#!/usr/bin/env python3
"""Mean Dice of a fold's written test masks, as scored and with each class's mask kept only where
the class head calls the class (docs/results.md: the control's Dice).

Reads RUN/foldK/test: masks_grid/pred and masks_grid/truth (the grid masks `unict evaluate`
scores), predictions_cls.csv and thresholds.json. Prints per class the mean Dice over volumes with
the class (the definition of seg.dice_mean) three ways: the masks as written; zeroed where the
head's probability is below the validation-chosen threshold; zeroed where it is below 0.5.

  /usr/bin/python3 scripts/bench/gated_dice_probe.py RUN/fold0/test [RUN/fold1/test ...]
"""
import csv
import json
import os
import sys

import nibabel as nib
import numpy as np


def class_masks(file, classes):
    a = np.asarray(nib.load(file).dataobj) > 0
    axis = a.shape.index(classes) if a.ndim == 4 else None
    return np.moveaxis(a, axis, 0).reshape(classes, -1)


def dice(p, g):
    return 2.0 * np.logical_and(p, g).sum() / (p.sum() + g.sum())


def fold_dice(test_dir):
    classes = json.load(open(os.path.join(test_dir, "masks_grid", "pred", "classes.json")))["classes"]
    thresholds = json.load(open(os.path.join(test_dir, "thresholds.json")))["thresholds"]
    rows = list(csv.reader(open(os.path.join(test_dir, "predictions_cls.csv"))))
    column = {c: rows[0].index(c) for c in classes}
    scores = {r[0]: {c: float(r[column[c]]) for c in classes} for r in rows[1:]}
    sums = {way: np.zeros(len(classes)) for way in ("as written", "gated at chosen", "gated at 0.5")}
    counts = np.zeros(len(classes))
    for name in scores:
        pred = class_masks(os.path.join(test_dir, "masks_grid", "pred", name + ".nii.gz"), len(classes))
        truth = class_masks(os.path.join(test_dir, "masks_grid", "truth", name + ".nii.gz"), len(classes))
        for i, c in enumerate(classes):
            if not truth[i].any():
                continue
            counts[i] += 1
            d = dice(pred[i], truth[i])
            sums["as written"][i] += d
            sums["gated at chosen"][i] += d if scores[name][c] >= float(thresholds[c]) else 0.0
            sums["gated at 0.5"][i] += d if scores[name][c] >= 0.5 else 0.0
    present = counts > 0
    return classes, {way: np.where(present, s / np.maximum(counts, 1), np.nan) for way, s in sums.items()}


def main(test_dirs):
    folds = [fold_dice(d) for d in test_dirs]
    classes = folds[0][0]
    ways = list(folds[0][1])
    print("%-30s %s" % ("class (mean over folds)", "  ".join("%15s" % w for w in ways)))
    for i, c in enumerate(classes):
        print("%-30s %s" % (c, "  ".join("%15.3f" % np.nanmean([f[1][w][i] for f in folds]) for w in ways)))
    for d, (_, by_way) in zip(test_dirs, folds):
        print("%-30s %s" % (os.path.basename(os.path.dirname(d.rstrip("/"))) + " dice_mean",
                            "  ".join("%15.3f" % np.nanmean(by_way[w]) for w in ways)))
    print("%-30s %s" % ("mean over folds", "  ".join("%15.3f" % np.mean([np.nanmean(f[1][w]) for f in folds]) for w in ways)))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
