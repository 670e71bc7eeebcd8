"""Linear resampling with scipy.ndimage.map_coordinates (order 1, edges clamped), sampling input
coordinate (o + 0.5) * in / out - 0.5 (clamped at 0) along each axis: the rule of
torch.nn.functional.interpolate(mode="trilinear", align_corners=False).
Usage: resample_reference.py IN.npy OUT_Z OUT_Y OUT_X RESULT.npy"""
import sys

import numpy as np
from scipy import ndimage

source = np.load(sys.argv[1]).astype(np.float64)
out = [int(v) for v in sys.argv[2:5]]
axes = []
for n, m in zip(source.shape, out):
    axes.append(np.maximum(0.0, (np.arange(m) + 0.5) * n / m - 0.5))
coords = np.meshgrid(*axes, indexing="ij")
result = ndimage.map_coordinates(source, coords, order=1, mode="nearest")
np.save(sys.argv[5], result.astype(np.float32))
