"""scipy / numpy reference for the segmentation metrics: for DIR/mask<k>_pred.npy and
DIR/mask<k>_truth.npy (uint8, z y x) writes DIR/reference.json with the Dice (numpy), and for each
mask the 26-connected component count and sorted component sizes (scipy.ndimage.label with a
3 x 3 x 3 structure).

usage: segmentation_reference.py DIR COUNT
"""
import json
import sys

import numpy as np
from scipy import ndimage

folder, count = sys.argv[1], int(sys.argv[2])
out = []
for k in range(count):
    p = np.load(f"{folder}/mask{k}_pred.npy") > 0
    g = np.load(f"{folder}/mask{k}_truth.npy") > 0
    total = p.sum() + g.sum()
    entry = {"dice": None if total == 0 else float(2 * (p & g).sum() / total)}
    for name, m in (("pred", p), ("truth", g)):
        labels, n = ndimage.label(m, structure=np.ones((3, 3, 3), dtype=int))
        entry[name + "_components"] = int(n)
        entry[name + "_sizes"] = sorted(int(s) for s in np.bincount(labels.ravel())[1:])
    out.append(entry)
with open(f"{folder}/reference.json", "w") as f:
    json.dump(out, f)
