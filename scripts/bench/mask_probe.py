#!/usr/bin/env python3
"""What a fold's written test masks say about classification (docs/results.md).

Per class, from RUN/foldK/test (masks/*.nii.gz at p >= 0.5, labels_cls.csv, predictions_cls.csv):
the AUROC of the predicted mask's voxel count against the head's AUROC, the median predicted voxels
in volumes without / with the class, and where the false-positive voxels of volumes without the
class lie: on background or on another class's true lesion (read from the ReXGroundingCT
segmentations the run was trained on).

  /usr/bin/python3 scripts/bench/mask_probe.py RUN/fold0/test DATA/rexgroundingct
"""
import collections
import csv
import json
import os
import sys

import nibabel as nib
import numpy as np
from sklearn.metrics import roc_auc_score

CODES = {"1a": "bronchial_wall_thickening", "1b": "bronchiectasis", "1c": "emphysema", "1d": "septal_thickening",
         "1e": "micronodules", "2a": "linear_opacity_fibrosis", "2b": "atelectasis_consolidation",
         "2c": "ground_glass_opacity", "2d": "nodule_mass", "2e": "pleural_effusion_thickening"}


def main(test_dir, rexgrounding_root):
    classes = json.load(open(os.path.join(test_dir, "masks", "classes.json")))["classes"]
    labels = list(csv.reader(open(os.path.join(test_dir, "labels_cls.csv"))))
    predictions = {r[0]: r for r in csv.reader(open(os.path.join(test_dir, "predictions_cls.csv")))}
    header = labels[0]
    dataset = json.load(open(os.path.join(rexgrounding_root, "dataset.json")))
    entries = {e["name"][: -len(".nii.gz")]: e for split in dataset.values() for e in split}

    y, counts, scores = [], [], []
    false_positive_owner = collections.defaultdict(collections.Counter)
    for row in labels[1:]:
        name = row[0]
        predicted = np.asarray(nib.load(os.path.join(test_dir, "masks", name + ".nii.gz")).dataobj) > 0  # (x, y, z, class)
        truth = np.asarray(nib.load(os.path.join(rexgrounding_root, "segmentations", name + ".nii.gz")).dataobj)  # (finding, x, y, z)
        owner = np.full(truth.shape[1:], "background", dtype=object)
        for finding, code in entries[name]["categories"].items():
            owner[truth[int(finding)] > 0] = CODES[code]
        y.append([int(row[header.index(c)]) for c in classes])
        scores.append([float(predictions[name][predictions["VolumeName"].index(c)]) for c in classes])
        counts.append([int(predicted[..., i].sum()) for i in range(len(classes))])
        for i, c in enumerate(classes):
            if not y[-1][i]:
                false_positive_owner[c].update(collections.Counter(owner[predicted[..., i]]))
    y, counts, scores = np.array(y), np.array(counts), np.array(scores)
    print("class                          count AUROC  head AUROC  median voxels (without / with)  false positives on")
    for i, c in enumerate(classes):
        fp = false_positive_owner[c]
        total = sum(fp.values())
        where = ", ".join("%s %.2f" % (o, n / total) for o, n in fp.most_common(3)) if total else "-"
        print("%-30s %11.3f %11.3f %14.0f / %-14.0f %s (%d voxels)" % (
            c, roc_auc_score(y[:, i], counts[:, i]), roc_auc_score(y[:, i], scores[:, i]),
            np.median(counts[y[:, i] == 0, i]), np.median(counts[y[:, i] == 1, i]), where, total))
    print("macro: count %.3f, head %.3f" % (np.mean([roc_auc_score(y[:, i], counts[:, i]) for i in range(len(classes))]),
                                           np.mean([roc_auc_score(y[:, i], scores[:, i]) for i in range(len(classes))])))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
