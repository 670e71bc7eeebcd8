"""Two independent checks behind docs/results.md, on a prepared quick-start cache (Debian's Python:
/usr/bin/python3 with numpy, scikit-learn and torch):

  histogram  how much a volume's HU histogram alone says about each class: 5-fold cross-validated
             logistic regression (scikit-learn) per class, AUROC printed per class;
  cnn        a plain PyTorch 3-D CNN (the quick-start encoder's size) trained for classification
             only on one fold's training volumes, test AUROC printed as it trains; options choose
             the normalisation, pooling, window, learning rate and updates.

  /usr/bin/python3 scripts/bench/learning_probes.py histogram CACHE_FOLDER
  /usr/bin/python3 scripts/bench/learning_probes.py cnn CACHE_FOLDER RUN_FOLDER/split.json [--norm group|batch]
      [--pool avg|max] [--hu-max 1000] [--lr 2e-3] [--updates 900]
CACHE_FOLDER is <data.cache_dir>/rexgroundingct-<key>; the cache format is include/unict/data/cache_item.h."""
import argparse
import glob
import json
import os
import struct
import time

import numpy as np


def read_item(path):
    data = open(path, "rb").read()
    _, header_size = struct.unpack_from("<IQ", data, 12)
    header = json.loads(data[24:24 + header_size])
    offset = 24 + header_size
    shape = header["shape"]
    voxels = int(np.prod(shape))
    ct = np.frombuffer(data, dtype="<i2", count=voxels, offset=offset).reshape(shape).astype(np.float32)
    return ct, np.array(header["labels"], np.float32), header


def histogram(cache):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict
    features, labels = [], []
    for path in sorted(glob.glob(os.path.join(cache, "items", "*.uct"))):
        ct, y, _ = read_item(path)
        features.append(np.histogram(ct, bins=40, range=(-1000, 1000))[0] / ct.size * 100)
        labels.append(y)
    x, y = np.array(features), np.array(labels)
    print("%d volumes; prevalence per class %s" % (len(x), np.round(y.mean(0), 2).tolist()))
    for c in range(y.shape[1]):
        p = cross_val_predict(LogisticRegression(max_iter=2000, C=10), x, y[:, c], cv=5, method="predict_proba")[:, 1]
        print("class %d: AUROC %.3f" % (c, roc_auc_score(y[:, c], p)))


def cnn(cache, split_file, norm, pool, hu_max, lr, updates):
    import torch
    import torch.nn as nn
    from sklearn.metrics import roc_auc_score
    torch.set_num_threads(2)
    torch.manual_seed(0)
    split = json.load(open(split_file))

    def load(names):
        cts, ys = [], []
        for name in names:
            ct, y, _ = read_item(os.path.join(cache, "items", name + ".uct"))
            cts.append(np.clip((ct + 1000) / (hu_max + 1000), 0, 1))
            ys.append(y)
        return torch.tensor(np.stack(cts))[:, None], np.stack(ys)

    x_train, y_train = load(split["train"])
    x_test, y_test = load(split["test"])
    y_train = torch.tensor(y_train)
    normalise = (lambda c: nn.GroupNorm(1, c)) if norm == "group" else (lambda c: nn.BatchNorm3d(c))

    def block(i, o, s):
        return nn.Sequential(nn.Conv3d(i, o, 3, s, 1, bias=False), normalise(o), nn.ReLU(), nn.Conv3d(o, o, 3, 1, 1, bias=False),
                             normalise(o), nn.ReLU())

    net = nn.Sequential(nn.Conv3d(1, 8, 3, (1, 2, 2), 1), nn.ReLU(), block(8, 8, 1), block(8, 16, 2), block(16, 32, 2), block(32, 64, 2),
                        nn.AdaptiveAvgPool3d(1) if pool == "avg" else nn.AdaptiveMaxPool3d(1), nn.Flatten(), nn.Linear(64, 64), nn.GELU(),
                        nn.Linear(64, y_test.shape[1]))
    optimiser = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    loss_fn = nn.BCEWithLogitsLoss()
    start = time.time()
    for step in range(updates):
        rows = torch.randint(0, len(x_train), (2,))
        loss = loss_fn(net(x_train[rows]), y_train[rows])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if (step + 1) % 150 == 0 or step + 1 == updates:
            net.eval()
            with torch.no_grad():
                p = torch.sigmoid(net(x_test)).numpy()
            net.train()
            aurocs = [roc_auc_score(y_test[:, c], p[:, c]) for c in range(y_test.shape[1]) if 0 < y_test[:, c].sum() < len(y_test)]
            print("update %d: loss %.3f, test macro AUROC %.3f (%.0f s)" % (step + 1, loss.item(), np.mean(aurocs), time.time() - start), flush=True)


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("probe", choices=["histogram", "cnn"])
parser.add_argument("cache")
parser.add_argument("split", nargs="?")
parser.add_argument("--norm", choices=["group", "batch"], default="group")
parser.add_argument("--pool", choices=["avg", "max"], default="avg")
parser.add_argument("--hu-max", type=float, default=1000.0)
parser.add_argument("--lr", type=float, default=2e-3)
parser.add_argument("--updates", type=int, default=900)
args = parser.parse_args()
if args.probe == "histogram":
    histogram(args.cache)
else:
    cnn(args.cache, args.split, args.norm, args.pool, args.hu_max, args.lr, args.updates)
