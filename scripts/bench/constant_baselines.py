#!/usr/bin/env python3
"""What a model that never looks at the image can score: the bar for the shuffled-targets control.

For each test fold of a cross-validation folder this builds, from the other folds' test volumes
only (their true labels and masks, as written by `unict cv`), the two best image-blind outputs:
  * the constant report: the findings that maximise the macro F1 on those volumes (per class, the
    finding is stated when stating it always scores higher than never; a class's F1 is undefined,
    and left out, where the fold has no positive, as in UniCT's clinical efficacy);
  * the constant mask: per class, the other folds' mean mask (the location prior), thresholded
    where its Dice on those volumes is highest.
It scores them on the fold as `unict evaluate` scores the model (clinical-efficacy macro F1; mean
Dice over volumes with the class, then over classes) and prints each fold and the mean. A control
at chance scores no better than these; a model that reads the image scores far higher.
  /usr/bin/python3 scripts/bench/constant_baselines.py runs/learning_check/control
"""
import csv
import glob
import os
import sys

import nibabel
import numpy as np


def read_labels(test_dir):
    with open(os.path.join(test_dir, "labels_cls.csv")) as f:
        rows = list(csv.reader(f))
    return rows[0][1:], {r[0]: np.array([int(v) for v in r[1:]], dtype=bool) for r in rows[1:]}


def read_masks(test_dir, names):
    return {n: np.asarray(nibabel.load(os.path.join(test_dir, "masks_grid", "truth", n + ".nii.gz")).dataobj) > 0 for n in names}


def class_axis(mask, classes):
    # UniCT writes C x Z x Y x X; nibabel reads NIfTI's axes in reverse order (x, y, z, c).
    return mask.ndim - 1 if mask.shape[-1] == classes else 0


def macro_f1(stated, labels):
    f1s = []
    for c in range(labels.shape[1]):
        positives = labels[:, c].sum()
        if positives == 0:
            continue
        tp = positives if stated[c] else 0
        predicted = labels.shape[0] if stated[c] else 0
        f1s.append(2 * tp / (predicted + positives))
    return float(np.mean(f1s)) if f1s else float("nan")


def dice_per_threshold(prior, truths, thresholds):
    """Mean Dice over the masks that hold the class, of `prior >= t` for each t (one matrix product)."""
    present = [g.ravel() for g in truths if g.any()]
    if not present:
        return None
    g = np.array(present, dtype=np.float32)                                      # volumes x voxels
    p = (prior.ravel()[:, None] >= thresholds[None, :]).astype(np.float32)       # voxels x thresholds
    overlap = g @ p
    return (2 * overlap / (g.sum(1)[:, None] + p.sum(0)[None, :])).mean(0)


def main(folder):
    folds = sorted(glob.glob(os.path.join(folder, "fold*", "test")))
    if len(folds) < 2:
        sys.exit(f"constant_baselines.py: {folder} holds {len(folds)} test folds (fold*/test); at least 2 are needed")
    data = []
    for test_dir in folds:
        classes, labels = read_labels(test_dir)
        names = sorted(labels)
        data.append((test_dir, classes, np.array([labels[n] for n in names]), read_masks(test_dir, names)))
    rows = []
    for k, (test_dir, classes, labels, masks) in enumerate(data):
        other_labels = np.concatenate([d[2] for j, d in enumerate(data) if j != k])
        other_masks = [m for j, d in enumerate(data) if j != k for m in d[3].values()]
        stated = other_labels.any(0)  # stating a finding scores F1 2p / (1 + p) > 0, never stating it 0
        axis = class_axis(other_masks[0], len(classes))
        dices = []
        for c in range(len(classes)):
            truths = [np.take(m, c, axis=axis) for m in other_masks]
            prior = np.mean(truths, axis=0)
            if not (prior > 0).any():
                continue
            thresholds = np.unique(np.quantile(prior[prior > 0], np.linspace(0, 1, 101)))
            chosen = thresholds[int(np.argmax(dice_per_threshold(prior, truths, thresholds)))]
            scored = dice_per_threshold(prior, [np.take(m, c, axis=axis) for m in masks.values()], np.array([chosen]))
            if scored is not None:
                dices.append(float(scored[0]))
        ce = macro_f1(stated, labels)
        dice = float(np.mean(dices))
        rows.append((ce, dice))
        print(f"  {os.path.basename(os.path.dirname(test_dir))}: constant report CE F1 {ce:.3f}, constant mask Dice {dice:.3f}")
    ce, dice = np.mean(rows, axis=0)
    print(f"  mean: constant report CE F1 {ce:.3f}, constant mask Dice {dice:.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
