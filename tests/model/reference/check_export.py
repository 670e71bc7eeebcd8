"""Checks an `unict model export` archive against the checkpoint it came from, read independently
by PyTorch (torch.jit.load reads LibTorch's checkpoint archives): the same names, every tensor
bitwise equal, nothing left over on either side.
usage: check_export.py EXPORT.npz CHECKPOINT.pt
"""
import sys

import numpy as np
import torch

exported = np.load(sys.argv[1])
archive = torch.jit.load(sys.argv[2])
checkpoint = {}
for name, tensor in list(archive.named_parameters()) + list(archive.named_buffers()):
    if name.startswith("model."):
        checkpoint[name[len("model."):]] = tensor
names = set(exported.files)
if names != set(checkpoint):
    print(f"only in the export: {sorted(names - set(checkpoint))}; only in the checkpoint: {sorted(set(checkpoint) - names)}")
    sys.exit(1)
different = [n for n in names if not torch.equal(torch.from_numpy(exported[n]), checkpoint[n])]
if different:
    print(f"tensors that differ: {sorted(different)}")
    sys.exit(1)
print(f"{len(names)} tensors, all bitwise equal to the checkpoint's")
