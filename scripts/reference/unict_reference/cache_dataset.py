"""A torch.utils.data.Dataset over UniCT's prepared cache (include/unict/data/cache_item.h), with the
loader's augmentation: a random intensity scale and shift in HU, random shifts per axis (zero
outside), random flips; then the HU window mapped onto [0, 1] and clamped."""
import json
import os
import struct

import numpy as np
import torch

MAGIC = b"UNICT-CACHE\n"


def read_item(path):
    """(header dict, CT array (z, y, x) as stored, masks (classes, z, y, x) uint8 or None), memory-mapped."""
    with open(path, "rb") as f:
        head = f.read(32)  # magic, version, header length, checksum
        if head[:12] != MAGIC:
            raise ValueError(f"{path}: not a UniCT cache item")
        (length,) = struct.unpack("<Q", head[16:24])
        header = json.loads(f.read(length))
    data_start = 32 + length
    shape = tuple(header["shape"])
    dtype = np.dtype(header["dtype"])
    ct = np.memmap(path, dtype=dtype, mode="r", offset=data_start, shape=shape)
    masks = None
    if header["has_mask"]:
        voxels = int(np.prod(shape))
        stride = (voxels + 7) // 8
        packed = np.memmap(path, dtype=np.uint8, mode="r", offset=data_start + voxels * dtype.itemsize,
                           shape=(len(header["classes"]), stride))
        masks = np.unpackbits(packed, axis=1, count=voxels, bitorder="little").reshape((-1,) + shape)
    return header, ct, masks


def shifted(volume, shift, flips):
    """volume moved by `shift` voxels per axis (zeros where it leaves no data), after the flips."""
    for axis, flip in enumerate(flips):
        if flip:
            volume = np.flip(volume, axis=axis - 3)
    out = np.zeros_like(volume)
    source, target = [], []
    for axis, s in enumerate(shift):
        n = volume.shape[axis - 3]
        source.append(slice(max(0, -s), n - max(0, s)))
        target.append(slice(max(0, s), n - max(0, -s)))
    out[(Ellipsis, *target)] = volume[(Ellipsis, *source)]
    return out


class CacheDataset(torch.utils.data.Dataset):
    def __init__(self, folder, augment=True, intensity_scale=0.0, intensity_shift=0.0, max_shift=(0, 0, 0), flip_axes=()):
        with open(os.path.join(folder, "manifest.json")) as f:
            self.files = [os.path.join(folder, item["file"]) for item in json.load(f)["items"]]
        self.augment, self.scale, self.shift = augment, intensity_scale, intensity_shift
        self.max_shift, self.flip_axes = list(max_shift), list(flip_axes)

    def __len__(self):
        return len(self.files)

    def total_bytes(self):
        return sum(os.path.getsize(f) for f in self.files)

    def __getitem__(self, index):
        header, stored, masks = read_item(self.files[index])
        rng = np.random.default_rng()
        scale, shift_hu, shift, flips = 1.0, 0.0, [0, 0, 0], [False, False, False]
        if self.augment:
            if self.scale > 0:
                scale = 1 + rng.uniform(-self.scale, self.scale)
            if self.shift > 0:
                shift_hu = rng.uniform(-self.shift, self.shift)
            shift = [int(rng.integers(-m, m + 1)) if m > 0 else 0 for m in self.max_shift]
            flips = [axis in self.flip_axes and bool(rng.integers(0, 2)) for axis in range(3)]
        hu_min, hu_max = header["hu_min"], header["hu_max"]
        hu = stored.astype(np.float32)
        if header["dtype"] == "uint8":
            hu = hu_min + hu * ((hu_max - hu_min) / 255.0)
        ct = np.clip((hu * scale + shift_hu - hu_min) / (hu_max - hu_min), 0, 1)
        ct = shifted(ct, shift, flips)  # outside the volume: the window minimum, 0
        if masks is None:
            masks = np.zeros((len(header["classes"]),) + stored.shape, dtype=np.float32)
        else:
            masks = shifted(masks, shift, flips).astype(np.float32)
        return {"ct": torch.from_numpy(np.ascontiguousarray(ct[None])), "masks": torch.from_numpy(masks),
                "labels": torch.tensor(header["labels"], dtype=torch.float32), "has_mask": header["has_mask"],
                "report": header["report"]}
