#!/usr/bin/env python3
"""Export a torchvision ResNet-18 / 34 trunk to the .npz that UniCT's resnet2p5d encoder loads.

With ImageNet weights already on disk (a torchvision state dict, e.g. resnet18-f37072fd.pth):
    python3 scripts/export_torchvision_resnet.py --depth 18 --weights resnet18-f37072fd.pth --out resnet18.npz
then set `encoder.resnet2p5d.pretrained: resnet18.npz` in the config.

Without --weights the network is randomly initialised from --seed (what the tests use). Nothing is
downloaded. Needs Debian's python3-torchvision. Every array keeps torchvision's name
("layer1.0.conv1.weight"); UniCT's name map (src/model/pretrained.cpp) places it in the trunk.
The classifier (fc) and the num_batches_tracked counters are left out.
"""
import argparse
import sys

import numpy as np
import torch
import torchvision


def build(depth):
    factory = {18: torchvision.models.resnet18, 34: torchvision.models.resnet34}.get(depth)
    if factory is None:
        sys.exit(f"export_torchvision_resnet.py: --depth must be 18 or 34, got {depth}")
    return factory(weights=None)


def trunk_arrays(model):
    arrays = {}
    for name, tensor in model.state_dict().items():
        if name.startswith("fc.") or name.endswith("num_batches_tracked"):
            continue
        arrays[name] = tensor.detach().cpu().numpy().astype(np.float32)
    return arrays


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depth", type=int, default=18)
    parser.add_argument("--weights", help="a torchvision state dict (.pth); default: random init from --seed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="the .npz to write")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    model = build(args.depth)
    if args.weights:
        try:
            state = torch.load(args.weights, map_location="cpu")
        except Exception as error:  # the file's own error says what is wrong with it
            sys.exit(f"export_torchvision_resnet.py: cannot read {args.weights}: {error}")
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing:
            sys.exit(f"export_torchvision_resnet.py: {args.weights} lacks {len(missing)} tensors of ResNet-{args.depth}, e.g. {missing[0]}")
        if unexpected:
            print(f"export_torchvision_resnet.py: ignoring {len(unexpected)} unknown tensors, e.g. {unexpected[0]}", file=sys.stderr)
    np.savez(args.out, **trunk_arrays(model))
    print(f"wrote {args.out}: ResNet-{args.depth} trunk, {len(trunk_arrays(model))} arrays")


if __name__ == "__main__":
    main()
