"""Two independent checks behind docs/results.md, on a prepared quick-start cache (Debian's Python:
/usr/bin/python3 with numpy, scikit-learn and torch):

  histogram  how much a volume's HU histogram alone says about each class: 5-fold cross-validated
             logistic regression (scikit-learn) per class, AUROC printed per class;
  signatures per class: visible mask voxels, the AUROC of the true mask's voxel count and the
             histogram AUROC; exits 1 unless every count AUROC >= 0.95 and the histogram's macro
             AUROC <= 0.80 (and, with --model-auroc, the model beats it by 0.10);
  cnn        a plain PyTorch 3-D CNN (the quick-start encoder's size) trained for classification
             only on one fold's training volumes, test AUROC printed as it trains; options choose
             the normalisation, pooling, window, learning rate and updates;
  unet       a plain PyTorch 3-D U-Net (8-64 channels, full resolution) trained on one fold's masks
             (0.5 soft Dice over the present pairs + 0.5 BCE with --pos-weight on lesion voxels,
             as loss.seg_dice_weight / seg_pos_weight), test Dice at 0.5 printed every 150 updates:
             an independent check of what normalisation and loss do to segmentation.

  /usr/bin/python3 scripts/bench/learning_probes.py histogram CACHE_FOLDER
  /usr/bin/python3 scripts/bench/learning_probes.py signatures CACHE_FOLDER [--model-auroc 0.93]
  /usr/bin/python3 scripts/bench/learning_probes.py cnn CACHE_FOLDER RUN_FOLDER/split.json [--norm group|batch]
      [--pool avg|max] [--hu-max 1000] [--lr 2e-3] [--updates 900] [--train-volumes N] [--width 8]
  /usr/bin/python3 scripts/bench/learning_probes.py unet CACHE_FOLDER RUN_FOLDER/split.json [--norm group|batch]
      [--pos-weight 200] [--lr 2e-3] [--updates 300]
CACHE_FOLDER is <data.cache_dir>/rexgroundingct-<key>; the cache format is include/unict/data/cache_item.h."""
import argparse
import glob
import json
import os
import struct
import time

import numpy as np


def read_item(path, with_masks=False):
    data = open(path, "rb").read()
    _, header_size = struct.unpack_from("<IQ", data, 12)
    header = json.loads(data[32:32 + header_size])  # after magic, version, header length, checksum
    offset = 32 + header_size
    shape = header["shape"]
    voxels = int(np.prod(shape))
    ct = np.frombuffer(data, dtype="<i2", count=voxels, offset=offset).reshape(shape).astype(np.float32)
    if header["dtype"] != "int16":
        raise SystemExit("%s: stored as %s; these probes read int16 caches (preprocess.storage: int16)" % (path, header["dtype"]))
    # Masks follow the int16 CT: one bit-packed mask per class, voxel v in bit v % 8 of byte v / 8.
    stride = (voxels + 7) // 8
    masks = [np.unpackbits(np.frombuffer(data, np.uint8, stride, offset + 2 * voxels + c * stride), bitorder="little")[:voxels]
             for c in range(len(header["classes"]))] if with_masks and header["has_mask"] else []
    return ct, np.array(header["labels"], np.float32), header, masks


def voxels(cache):
    counts, names = {}, []
    for path in sorted(glob.glob(os.path.join(cache, "items", "*.uct"))):
        ct, y, header, masks = read_item(path, with_masks=True)
        names = header["classes"]
        for c, mask in enumerate(masks):
            if y[c]:
                counts.setdefault(c, []).append(int(mask.sum()))
    print("grid %s = %d voxels" % (" x ".join(map(str, ct.shape)), ct.size))
    for c in sorted(counts):
        v = counts[c]
        print("%-32s %3d positive volumes, mask voxels: median %5d, min %4d" % (names[c], len(v), np.median(v), min(v)))


def histogram_aurocs(cache, with_masks=False):
    """Per class: the 5-fold (grouped by patient) cross-validated AUROC of a logistic regression on
    each volume's HU histogram; also the labels, class names and (with_masks) mask voxel counts."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold, cross_val_predict
    features, labels, patients, names, counts = [], [], [], [], []
    for path in sorted(glob.glob(os.path.join(cache, "items", "*.uct"))):
        ct, y, header, masks = read_item(path, with_masks=with_masks)
        features.append(np.histogram(ct, bins=40, range=(-1000, 1000))[0] / ct.size * 100)
        labels.append(y)
        patients.append(header["patient"])
        names = header["classes"]
        counts.append([int(m.sum()) for m in masks])
    x, y = np.array(features), np.array(labels)
    print("%d volumes of %d patients; prevalence per class %s" % (len(x), len(set(patients)), np.round(y.mean(0), 2).tolist()))
    # Folds by patient: the scans of one patient show the same lesions, and one of them in the
    # training folds would give the others away.
    folds = GroupKFold(n_splits=5)
    aurocs = []
    for c in range(y.shape[1]):
        p = cross_val_predict(LogisticRegression(max_iter=2000, C=10), x, y[:, c], cv=folds, groups=patients, method="predict_proba")[:, 1]
        aurocs.append(roc_auc_score(y[:, c], p))
    return aurocs, y, names, np.array(counts)


def histogram(cache):
    aurocs, _, names, _ = histogram_aurocs(cache)
    for name, auroc in zip(names, aurocs):
        print("%-32s AUROC %.3f" % (name, auroc))


def signatures(cache, model_auroc):
    """The issue's three columns per class: visible mask voxels, the AUROC of the true mask's
    voxel count (is the information there?) and the HU-histogram AUROC (is space needed?)."""
    from sklearn.metrics import roc_auc_score
    aurocs, y, names, counts = histogram_aurocs(cache, with_masks=True)
    print("%-32s %9s %14s %12s %16s" % ("class", "positives", "mask voxels", "mask-count", "HU-histogram"))
    print("%-32s %9s %14s %12s %16s" % ("", "", "median (min)", "AUROC", "LR AUROC"))
    count_aurocs = []
    for c, name in enumerate(names):
        positive = y[:, c] > 0
        count_aurocs.append(roc_auc_score(y[:, c], counts[:, c]))
        print("%-32s %9d %8d (%3d) %12.3f %16.3f" % (name, positive.sum(), np.median(counts[positive, c]), counts[positive, c].min(),
                                                     count_aurocs[-1], aurocs[c]))
    macro = float(np.mean(aurocs))
    print("macro: mask-count AUROC %.3f (lowest %.3f), HU-histogram AUROC %.3f" % (np.mean(count_aurocs), min(count_aurocs), macro))
    ok = min(count_aurocs) >= 0.95 and macro <= 0.80
    print("information present (every mask-count AUROC >= 0.95): %s" % ("yes" if min(count_aurocs) >= 0.95 else "NO"))
    print("space needed (HU-histogram macro AUROC <= 0.80): %s" % ("yes" if macro <= 0.80 else "NO"))
    if model_auroc is not None:
        beats = model_auroc >= macro + 0.10
        ok = ok and beats
        print("model macro AUROC %.3f beats the histogram by >= 0.10: %s" % (model_auroc, "yes" if beats else "NO"))
    return ok


def masks(folder):
    import csv
    import nibabel
    from sklearn.metrics import roc_auc_score
    truth = list(csv.DictReader(open(os.path.join(folder, "labels_cls.csv"))))
    head = {row["VolumeName"]: row for row in csv.DictReader(open(os.path.join(folder, "predictions_cls.csv")))}
    classes = [name for name in truth[0] if name != "VolumeName"]
    labels, head_scores, mask_voxels = [], [], []
    for row in truth:
        # Predicted masks are NIfTI arrays (x, y, z, class) on the preprocessed grid.
        mask = np.asanyarray(nibabel.load(os.path.join(folder, "masks_grid", "pred", row["VolumeName"] + ".nii.gz")).dataobj)
        labels.append([int(row[c]) for c in classes])
        head_scores.append([float(head[row["VolumeName"]][c]) for c in classes])
        mask_voxels.append([float((mask[..., k] > 0).sum()) for k in range(len(classes))])
    y, h, m = np.array(labels), np.array(head_scores), np.array(mask_voxels)
    head_aurocs, mask_aurocs = [], []
    for k, name in enumerate(classes):
        if not 0 < y[:, k].sum() < len(y):
            continue  # AUROC needs positives and negatives
        head_aurocs.append(roc_auc_score(y[:, k], h[:, k]))
        mask_aurocs.append(roc_auc_score(y[:, k], m[:, k]))
        print("%-32s head AUROC %.3f, predicted-mask voxels AUROC %.3f" % (name, head_aurocs[-1], mask_aurocs[-1]))
    print("macro: head %.3f, predicted-mask voxels %.3f (%d volumes)" % (np.mean(head_aurocs), np.mean(mask_aurocs), len(y)))


def load_volumes(cache, names, hu_max, with_masks=False):
    """The named cache items as a torch batch [N, 1, z, y, x] windowed to [0, 1] (as our loader),
    their labels [N, C] and, with_masks, their masks [N, C, z, y, x] (else None)."""
    import torch
    cts, ys, masks = [], [], []
    for name in names:
        ct, y, _, m = read_item(os.path.join(cache, "items", name + ".uct"), with_masks=with_masks)
        cts.append(np.clip((ct + 1000) / (hu_max + 1000), 0, 1))
        ys.append(y)
        if with_masks:
            masks.append(np.stack(m).reshape(-1, *ct.shape))
    return torch.tensor(np.stack(cts))[:, None], np.stack(ys), torch.tensor(np.stack(masks)).float() if with_masks else None


def cnn(cache, split_file, norm, pool, hu_max, lr, updates, train_volumes, width):
    import torch
    import torch.nn as nn
    from sklearn.metrics import roc_auc_score
    torch.set_num_threads(2)
    torch.manual_seed(0)
    split = json.load(open(split_file))
    x_train, y_train, _ = load_volumes(cache, split["train"][:train_volumes] if train_volumes else split["train"], hu_max)
    x_test, y_test, _ = load_volumes(cache, split["test"], hu_max)
    y_train_array, y_train = y_train, torch.tensor(y_train)
    normalise = (lambda c: nn.GroupNorm(1, c)) if norm == "group" else (lambda c: nn.BatchNorm3d(c))

    def block(i, o, s):
        return nn.Sequential(nn.Conv3d(i, o, 3, s, 1, bias=False), normalise(o), nn.ReLU(), nn.Conv3d(o, o, 3, 1, 1, bias=False),
                             normalise(o), nn.ReLU())

    w = width  # 8: the quick-start encoder's widths (8, 8, 16, 32, 64)
    net = nn.Sequential(nn.Conv3d(1, w, 3, (1, 2, 2), 1), nn.ReLU(), block(w, w, 1), block(w, 2 * w, 2), block(2 * w, 4 * w, 2),
                        block(4 * w, 8 * w, 2), nn.AdaptiveAvgPool3d(1) if pool == "avg" else nn.AdaptiveMaxPool3d(1), nn.Flatten(),
                        nn.Linear(8 * w, 64), nn.GELU(), nn.Linear(64, y_test.shape[1]))
    optimiser = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    loss_fn = nn.BCEWithLogitsLoss()

    def macro_auroc(x, y):
        net.eval()
        with torch.no_grad():
            p = torch.cat([torch.sigmoid(net(x[i:i + 16])) for i in range(0, len(x), 16)]).numpy()
        net.train()
        return np.mean([roc_auc_score(y[:, c], p[:, c]) for c in range(y.shape[1]) if 0 < y[:, c].sum() < len(y)])

    start = time.time()
    for step in range(updates):
        rows = torch.randint(0, len(x_train), (2,))
        loss = loss_fn(net(x_train[rows]), y_train[rows])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if (step + 1) % 150 == 0 or step + 1 == updates:
            print("update %d: loss %.3f, training macro AUROC %.3f, test macro AUROC %.3f (%.0f s)" % (
                step + 1, loss.item(), macro_auroc(x_train, y_train_array), macro_auroc(x_test, y_test), time.time() - start), flush=True)


def unet(cache, split_file, norm, hu_max, lr, updates, pos_weight):
    import math
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(2)
    torch.manual_seed(0)
    split = json.load(open(split_file))
    x_train, _, m_train = load_volumes(cache, split["train"], hu_max, with_masks=True)
    x_test, _, m_test = load_volumes(cache, split["test"], hu_max, with_masks=True)
    # GroupNorm in groups of 8 channels, as seg_decoder.norm: group builds them.
    normalise = (lambda c: nn.GroupNorm(math.gcd(c, max(1, c // 8)), c)) if norm == "group" else (lambda c: nn.BatchNorm3d(c))

    def block(i, o):
        return nn.Sequential(nn.Conv3d(i, o, 3, 1, 1, bias=False), normalise(o), nn.ReLU(), nn.Conv3d(o, o, 3, 1, 1, bias=False),
                             normalise(o), nn.ReLU())

    class UNet(nn.Module):
        def __init__(self, classes):
            super().__init__()
            self.down = nn.ModuleList([block(1, 8), block(8, 16), block(16, 32), block(32, 64)])
            self.up = nn.ModuleList([block(64 + 32, 32), block(32 + 16, 16), block(16 + 8, 8)])
            self.out = nn.Conv3d(8, classes, 1)

        def forward(self, x):
            skips = []
            for k, stage in enumerate(self.down):
                x = stage(x if k == 0 else F.max_pool3d(x, 2))
                skips.append(x)
            for stage, skip in zip(self.up, reversed(skips[:-1])):
                x = stage(torch.cat([F.interpolate(x, size=skip.shape[2:]), skip], 1))
            return self.out(x)

    net = UNet(m_train.shape[1])
    optimiser = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)

    def soft_dice_loss(p, g):
        p, g = p.flatten(2), g.flatten(2)
        loss = 1 - (2 * (p * g).sum(-1) + 1) / (p.sum(-1) + g.sum(-1) + 1)
        present = (g.sum(-1) > 0).float()
        return (loss * present).sum() / present.sum().clamp_min(1)

    def test_dice():
        net.eval()
        with torch.no_grad():
            predicted = torch.cat([torch.sigmoid(net(x_test[i:i + 8])) for i in range(0, len(x_test), 8)]) >= 0.5
        net.train()
        per_class = []
        for c in range(m_test.shape[1]):
            p, g = predicted[:, c].flatten(1).float(), m_test[:, c].flatten(1)
            present = g.sum(1) > 0
            if present.any():  # Dice over the volumes with this class, as seg.dice_mean
                per_class.append((2 * (p * g).sum(1) / (p.sum(1) + g.sum(1)))[present].mean().item())
        return np.mean(per_class), per_class

    start = time.time()
    for step in range(updates):
        rows = torch.randint(0, len(x_train), (2,))
        logits, target = net(x_train[rows]), m_train[rows]
        bce = F.binary_cross_entropy_with_logits(logits, target, pos_weight=torch.tensor(pos_weight))
        loss = 0.5 * soft_dice_loss(torch.sigmoid(logits), target) + 0.5 * bce
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if (step + 1) % 150 == 0 or step + 1 == updates:
            mean, per_class = test_dice()
            print("update %d: loss %.3f, test Dice %.3f (per class %s) (%.0f s)" % (
                step + 1, loss.item(), mean, " ".join("%.2f" % d for d in per_class), time.time() - start), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probe", choices=["histogram", "signatures", "cnn", "unet", "voxels", "masks"])
    parser.add_argument("cache", help="the cache folder (masks: the evaluated test folder)")
    parser.add_argument("split", nargs="?")
    parser.add_argument("--norm", choices=["group", "batch"], default="group")
    parser.add_argument("--pool", choices=["avg", "max"], default="avg")
    parser.add_argument("--hu-max", type=float, default=1000.0)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--updates", type=int, default=900)
    parser.add_argument("--train-volumes", type=int, default=0, help="use only the first N training volumes (0: all)")
    parser.add_argument("--width", type=int, default=8, help="channels of the first stage; the next stages double it")
    parser.add_argument("--pos-weight", type=float, default=200.0, help="unet: BCE weight of lesion voxels")
    parser.add_argument("--model-auroc", type=float, help="signatures: the model's test macro AUROC, checked to beat the histogram by 0.10")
    args = parser.parse_args()
    if args.probe == "histogram":
        histogram(args.cache)
    elif args.probe == "signatures":
        raise SystemExit(0 if signatures(args.cache, args.model_auroc) else 1)
    elif args.probe == "voxels":
        voxels(args.cache)
    elif args.probe == "masks":
        masks(args.cache)
    elif args.probe == "unet":
        unet(args.cache, args.split, args.norm, args.hu_max, args.lr, args.updates, args.pos_weight)
    else:
        cnn(args.cache, args.split, args.norm, args.pool, args.hu_max, args.lr, args.updates, args.train_volumes, args.width)


# Importable: pooled_probe.py reads volumes with load_volumes and read_item.
if __name__ == "__main__":
    main()
