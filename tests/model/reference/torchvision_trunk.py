"""Reference for the resnet2p5d weight import: a randomly initialised torchvision ResNet (with
random batch-norm statistics, so they matter), exported with scripts/export_torchvision_resnet.py,
and torchvision's own forward of its trunk on a random input.

usage: torchvision_trunk.py DEPTH OUT_DIR
writes OUT_DIR/weights.npz (the export) and OUT_DIR/reference.npz (input, stem, layer1..layer4)
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torchvision

depth, out = int(sys.argv[1]), sys.argv[2]
torch.manual_seed(1234)
model = {18: torchvision.models.resnet18, 34: torchvision.models.resnet34}[depth](weights=None)
with torch.no_grad():
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.uniform_(0.5, 1.5)
            module.bias.uniform_(-0.2, 0.2)
model.eval()
weights = os.path.join(out, "state.pth")
torch.save(model.state_dict(), weights)
script = os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts", "export_torchvision_resnet.py")
subprocess.run([sys.executable, script, "--depth", str(depth), "--weights", weights, "--out", os.path.join(out, "weights.npz")], check=True)

x = torch.rand(2, 3, 64, 48)
with torch.no_grad():
    stem = model.relu(model.bn1(model.conv1(x)))
    maps = {"input": x, "stem": stem}
    h = model.maxpool(stem)
    for i in range(1, 5):
        h = getattr(model, f"layer{i}")(h)
        maps[f"layer{i}"] = h
np.savez(os.path.join(out, "reference.npz"), **{k: v.numpy() for k, v in maps.items()})
