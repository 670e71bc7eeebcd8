"""The Python reference pipeline of the CT-CLIP kind for the prepare benchmark: nibabel to read,
torch trilinear interpolation to resample to (1.5, 0.75, 0.75) mm, HU clip to [-1000, 1000],
centre crop / pad to 240 x 480 x 480, saved as int16 .npy. One process per thread, one torch
thread each, the same files as the C++ run.
Usage: prepare_reference.py OUT_DIR PROCESSES FILE.nii.gz ..."""
import os
import sys
import time
from multiprocessing import Pool

import nibabel as nib
import numpy as np
import torch
import torch.nn.functional as F

TARGET_SPACING = (1.5, 0.75, 0.75)
TARGET_SIZE = (240, 480, 480)


def prepare(args):
    path, out_dir = args
    torch.set_num_threads(1)
    img = nib.load(path)
    data = np.asanyarray(img.dataobj).astype(np.float32)  # (x, y, z)
    data[data < -2000] = -1000  # scanner padding
    zooms = img.header.get_zooms()[:3]
    volume = torch.from_numpy(np.ascontiguousarray(data.transpose(2, 1, 0)))  # (z, y, x)
    spacing = (zooms[2], zooms[1], zooms[0])
    size = [max(1, round(n * s / t)) for n, s, t in zip(volume.shape, spacing, TARGET_SPACING)]
    volume = F.interpolate(volume[None, None], size=size, mode="trilinear", align_corners=False)[0, 0]
    volume = volume.clamp(-1000, 1000)
    out = torch.full(TARGET_SIZE, -1000.0)
    src, dst = [], []
    for n, t in zip(volume.shape, TARGET_SIZE):
        if n >= t:
            a = (n - t) // 2
            src.append(slice(a, a + t))
            dst.append(slice(0, t))
        else:
            a = (t - n) // 2
            src.append(slice(0, n))
            dst.append(slice(a, a + n))
    out[tuple(dst)] = volume[tuple(src)]
    np.save(os.path.join(out_dir, os.path.basename(path) + ".npy"), out.round().to(torch.int16).numpy())


if __name__ == "__main__":
    out_dir, processes, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    start = time.time()
    with Pool(processes) as pool:
        pool.map(prepare, [(f, out_dir) for f in files])
    seconds = time.time() - start
    print("python reference: %d volumes in %.2f s = %.3f volumes/s (%d processes)" % (len(files), seconds, len(files) / seconds, processes))
