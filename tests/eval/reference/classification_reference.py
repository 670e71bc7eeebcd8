"""scikit-learn's classification metrics (and a direct O(n^2) DeLong) for the cases the C++ test
wrote: DIR/case<k>_scores.npy (float64), DIR/case<k>_labels.npy (uint8), DIR/case<k>_other.npy
(a second score for DeLong). Writes DIR/reference.json: one entry per case.

usage: classification_reference.py DIR COUNT
"""
import json
import math
import sys

import numpy as np
from sklearn.metrics import (accuracy_score, average_precision_score, f1_score, precision_recall_curve, precision_score,
                             recall_score, roc_auc_score)


def delong(a, b, y):
    # Placements by their definition: psi(x, y) = 1 if x > y, 1/2 if equal, 0 otherwise.
    pos, neg = y == 1, y == 0
    def components(s):
        x, z = s[pos][:, None], s[neg][None, :]
        psi = (x > z) + 0.5 * (x == z)
        return psi.mean(axis=1), psi.mean(axis=0)
    a10, a01 = components(a)
    b10, b01 = components(b)
    s10 = np.cov(np.vstack([a10, b10]))
    s01 = np.cov(np.vstack([a01, b01]))
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / len(a10) + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / len(a01)
    z = (a10.mean() - b10.mean()) / math.sqrt(var)
    return {"auc_a": a10.mean(), "auc_b": b10.mean(), "z": z, "p": math.erfc(abs(z) / math.sqrt(2))}


folder, count = sys.argv[1], int(sys.argv[2])
out = []
for k in range(count):
    s = np.load(f"{folder}/case{k}_scores.npy")
    y = np.load(f"{folder}/case{k}_labels.npy").astype(int)
    other = np.load(f"{folder}/case{k}_other.npy")
    pred = (s >= 0.5).astype(int)
    entry = {
        "auroc": roc_auc_score(y, s),
        "ap": average_precision_score(y, s),
        "f1": f1_score(y, pred, zero_division=0),
        "precision": precision_score(y, pred, zero_division=0),
        "recall": recall_score(y, pred, zero_division=0),
        "specificity": recall_score(y, pred, pos_label=0, zero_division=0),
        "accuracy": accuracy_score(y, pred),
    }
    precision, recall, thresholds = precision_recall_curve(y, s)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0)[:-1]
    best = f1.max()
    entry["best_f1"] = float(best)
    entry["delong"] = delong(s, other, y)
    out.append(entry)
with open(f"{folder}/reference.json", "w") as f:
    json.dump(out, f)
