#!/usr/bin/env python3
"""Does the report say what the classifier found? For one evaluated fold (a `test/` folder written
by `unict evaluate` / `unict cv`), per class: the F1 of the class head at probability 0.5, at the
validation-chosen thresholds (thresholds.json), the F1 of the generated reports (a finding counts
as stated when the report names it as the grid profile's reports do), and the share of volumes
where the report states what the head finds at 0.5 and at the chosen thresholds (reports of runs
before commit 09aa7dc read the findings at 0.5). With --show, the
volumes where they differ, with the head's findings and the report.
  /usr/bin/python3 scripts/bench/report_probe.py runs/quickstart/fold0/test [--show]
"""
import csv
import json
import os
import sys

import numpy as np
from sklearn.metrics import f1_score

# The name each grid-profile report sentence starts with (src/data/synthetic_report.cpp).
NAMES = {"bronchial_wall_thickening": "bronchial wall thickening", "bronchiectasis": "bronchiectasis", "emphysema": "emphysema",
         "septal_thickening": "septal thickening", "micronodules": "micronodules", "linear_opacity_fibrosis": "linear opacity",
         "atelectasis_consolidation": "consolidation", "ground_glass_opacity": "ground glass opacity", "nodule_mass": "pulmonary nodule",
         "pleural_effusion_thickening": "pleural effusion"}


def read_table(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0][1:], {r[0]: np.array([float(v) for v in r[1:]]) for r in rows[1:]}


def main(test_dir, show):
    classes, labels = read_table(os.path.join(test_dir, "labels_cls.csv"))
    _, scores = read_table(os.path.join(test_dir, "predictions_cls.csv"))
    with open(os.path.join(test_dir, "thresholds.json")) as f:
        chosen = json.load(f)["thresholds"]
    with open(os.path.join(test_dir, "reports.jsonl")) as f:
        reports = {j["VolumeName"]: j["report"].lower() for j in map(json.loads, f)}
    volumes = sorted(labels)
    y = np.array([labels[v] for v in volumes])
    p = np.array([scores[v] for v in volumes])
    t = np.array([chosen[c] for c in classes])
    stated = np.array([[NAMES[c] in reports[v] for c in classes] for v in volumes])
    head = p >= t
    print(f"{'class':30s} head@0.5 head@chosen report agree@0.5 agree@chosen")
    rows = []
    for i, c in enumerate(classes):
        row = (f1_score(y[:, i], p[:, i] >= 0.5, zero_division=0), f1_score(y[:, i], head[:, i], zero_division=0),
               f1_score(y[:, i], stated[:, i], zero_division=0), float(np.mean((p[:, i] >= 0.5) == stated[:, i])),
               float(np.mean(head[:, i] == stated[:, i])))
        rows.append(row)
        print(f"{c:30s} " + "    ".join(f"{x:.3f}" for x in row))
    print(f"{'macro':30s} " + "    ".join(f"{x:.3f}" for x in np.mean(rows, axis=0)))
    if show:
        for k, v in enumerate(volumes):
            if (head[k] != stated[k]).any():
                print(v, "| head:", [NAMES[c] for i, c in enumerate(classes) if head[k, i]], "\n   ", reports[v])


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--show"]
    if len(args) != 1:
        sys.exit(__doc__)
    main(args[0], "--show" in sys.argv[1:])
