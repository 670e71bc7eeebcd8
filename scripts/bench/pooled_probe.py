"""Is what the classification needs in the encoder's maps, and where? (issue 35)

Runs the encoder of a trained run (the PyTorch reference of scripts/reference/, with the weights
`unict model export` wrote) over its fold's training and test volumes, pools each of its maps
over every position in three ways (mean = the paper's global average pooling, max, and the
generalised mean with p = 3), and fits a logistic regression per class (scikit-learn, on the
training volumes, standardised features) on each pooled map. Prints the test macro AUROC of each
map and pooling, per class for the best and the paper's, and how much of the volume and of the
deepest map a lesion covers (its weight in a global average).

  unict model export --run RUN --out weights.npz
  /usr/bin/python3 scripts/bench/pooled_probe.py RUN weights.npz CACHE_FOLDER

CACHE_FOLDER is <data.cache_dir>/rexgroundingct-<key> (as learning_probes.py). Takes about a
minute for the quick start's fold; run it alone on the machine (machine-notes.md)."""
import json
import os
import sys

import numpy as np
import torch
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
sys.path.insert(0, os.path.dirname(__file__))
from learning_probes import load_volumes, read_item  # noqa: E402
from unict_reference.config import load_settings  # noqa: E402
from unict_reference.model import Pooling, VisualEncoder  # noqa: E402

# The reference's own poolings, parameter-free or at their starting values (gem: p = 3).
POOLINGS = {kind: Pooling(kind, 0) for kind in ("mean", "max", "gem")}


def encoder_of(run, weights):
    s = load_settings(os.path.join(run, "config.yaml"))
    encoder = VisualEncoder(s)
    with np.load(weights) as archive:
        state = {n[len("encoder."):]: torch.from_numpy(archive[n]) for n in archive.files if n.startswith("encoder.")}
    encoder.load_state_dict(state, strict=True)
    return encoder.eval(), s


def pooled_features(encoder, volumes):
    """{(map index, pooling): [N, C]} over `volumes` [N, 1, z, y, x], and the maps' sizes."""
    features, sizes = {}, []
    with torch.no_grad():
        for i in range(0, len(volumes), 8):
            maps = encoder.backbone(volumes[i:i + 8])
            sizes = [tuple(m.shape[1:]) for m in maps]
            for k, m in enumerate(maps):
                for name, pool in POOLINGS.items():
                    features.setdefault((k, name), []).append(pool(m).numpy())
    return {key: np.concatenate(v) for key, v in features.items()}, sizes


def probe_aurocs(train_x, train_y, test_x, test_y):
    """Per class, the test AUROC of a logistic regression fitted on the training volumes (NaN
    where the test fold has one outcome only)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler
    scaler = StandardScaler().fit(train_x)
    a, b = scaler.transform(train_x), scaler.transform(test_x)
    aurocs = []
    for c in range(train_y.shape[1]):
        if not (0 < train_y[:, c].sum() < len(train_y)) or not (0 < test_y[:, c].sum() < len(test_y)):
            aurocs.append(float("nan"))
            continue
        fit = LogisticRegression(C=0.1, max_iter=5000).fit(a, train_y[:, c])
        aurocs.append(roc_auc_score(test_y[:, c], fit.decision_function(b)))
    return np.array(aurocs)


def lesion_weights(masks, labels, deepest_size, classes):
    """Per class: the median share of the volume a lesion's voxels are, and of the deepest map's
    positions whose block of input voxels holds any of them."""
    n, c, z, y, x = masks.shape
    dz, dy, dx = z // deepest_size[0], y // deepest_size[1], x // deepest_size[2]
    blocks = masks.reshape(n, c, deepest_size[0], dz, deepest_size[1], dy, deepest_size[2], dx).amax((3, 5, 7))
    for k, name in enumerate(classes):
        positive = (labels[:, k] > 0) & (masks[:, k].flatten(1).sum(1) > 0).numpy()
        if positive.sum() == 0:
            continue
        voxels = masks[positive, k].flatten(1).sum(1).numpy()
        positions = blocks[positive, k].flatten(1).sum(1).numpy()
        print(f"  {name:32s} {int(np.median(voxels)):5d} voxels = {np.median(voxels) / (z * y * x):.2%} of the volume; "
              f"{int(np.median(positions))} of the deepest map's {int(np.prod(deepest_size))} positions")


def main(run, weights, cache):
    torch.set_num_threads(2)
    encoder, s = encoder_of(run, weights)
    split = json.load(open(os.path.join(run, "split.json")))
    with open(os.path.join(run, "config.yaml")) as f:
        hu_max = float(yaml.safe_load(f)["preprocess"]["hu_max"])
    train_x, train_y, _ = load_volumes(cache, split["train"], hu_max)
    test_x, test_y, test_masks = load_volumes(cache, split["test"], hu_max, with_masks=True)
    classes = read_item(os.path.join(cache, "items", split["test"][0] + ".uct"))[2]["classes"]
    train_f, sizes = pooled_features(encoder, train_x)
    test_f, _ = pooled_features(encoder, test_x)
    print(f"run {run}: {len(train_y)} training, {len(test_y)} test volumes; encoder {s.encoder}, "
          f"pooling {s.pooling} of {s.pooled_maps} map(s) in the model")
    print("maps (channels, z, y, x), shallowest first: " + ", ".join(str(t) for t in sizes))
    results = {}
    for (k, name) in sorted(train_f):
        results[(k, name)] = probe_aurocs(train_f[(k, name)], train_y, test_f[(k, name)], test_y)
    print("test macro AUROC of a linear probe per map (rows) and pooling (columns):")
    print("  map  " + "  ".join(f"{p:>6s}" for p in POOLINGS))
    for k in range(len(sizes)):
        print(f"  {k:3d}  " + "  ".join(f"{np.nanmean(results[(k, p)]):6.3f}" for p in POOLINGS))
    best = max(results, key=lambda key: np.nanmean(results[key]))
    paper = (len(sizes) - 1, "mean")
    for label, key in (("the paper's (deepest map, mean)", paper), (f"the best (map {best[0]}, {best[1]})", best)):
        print(f"per class, {label}: " + ", ".join(f"{c} {a:.2f}" for c, a in zip(classes, results[key])))
    print("how much a lesion weighs (test fold, positive volumes with a mask):")
    lesion_weights(test_masks, test_y, sizes[-1][1:], classes)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
