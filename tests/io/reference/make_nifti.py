"""Writes NIfTI files with nibabel and the expected voxels (<name>.raw, C order of the reversed
axes, i.e. nibabel's array in Fortran order) and geometry (<name>.json, ITK's LPS convention).
Usage: make_nifti.py OUT_DIR"""
import gzip
import json
import os
import struct
import sys

import nibabel as nib
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(11)
LPS = np.diag([-1.0, -1.0, 1.0])


def rotation(ax, ay, az):
    cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def save(name, data, affine):
    img = nib.Nifti1Image(data, affine)
    img.header.set_data_dtype(data.dtype)
    nib.save(img, os.path.join(out, name + ".nii.gz"))
    np.asarray(data).ravel(order="F").tofile(os.path.join(out, name + ".raw"))
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    n = data.ndim
    direction = np.eye(n)
    direction[:3, :3] = LPS @ affine[:3, :3] / spacing
    geometry = {
        "dims": list(data.shape),
        "dtype": str(data.dtype),
        "spacing": list(spacing) + [1.0] * (n - 3),
        "origin": list(LPS @ affine[:3, 3]) + [0.0] * (n - 3),
        "direction": direction.ravel().tolist(),
    }
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(geometry, f)


# A CT: int16, rotated, flipped and shifted, anisotropic spacing.
affine = np.eye(4)
affine[:3, :3] = rotation(0.1, -0.2, 0.3) @ np.diag([-0.7, 0.8, 1.5])
affine[:3, 3] = [120.5, -80.25, -300.0]
save("ct_int16", rng.integers(-1024, 2000, size=(9, 8, 7)).astype(np.int16), affine)
# float32 and uint8 volumes with a plain LPS-like affine (nibabel axis codes L, P, S).
save("vol_float32", (rng.standard_normal((5, 6, 4)) * 100).astype(np.float32), np.diag([-0.5, -0.6, 2.0, 1.0]))
save("vol_uint8", rng.integers(0, 255, size=(4, 5, 6)).astype(np.uint8), np.diag([1.0, 1.0, 1.0, 1.0]))
# A ReXGroundingCT mask: (findings, x, y, z) instance ids, identity affine.
mask = np.zeros((3, 6, 5, 4), dtype=np.uint8)
mask[0, 1:3, 1:3, 1:2] = 1
mask[1, 4, 4, 3] = 2
mask[2, :, 0, 0] = 1
save("mask_4d", mask, np.eye(4))

# Header scaling (scl_slope 2, scl_inter -1024) patched into a plain int16 file.
data = rng.integers(0, 1000, size=(4, 3, 2)).astype(np.int16)
plain = os.path.join(out, "scaled.nii")
nib.save(nib.Nifti1Image(data, np.eye(4)), plain)
with open(plain, "rb") as f:
    raw = bytearray(f.read())
struct.pack_into("<ff", raw, 112, 2.0, -1024.0)
with gzip.open(os.path.join(out, "scaled.nii.gz"), "wb") as f:
    f.write(bytes(raw))
os.remove(plain)
data.ravel(order="F").tofile(os.path.join(out, "scaled.raw"))

# NIfTI-2: nibabel's own test file (little-endian, 4-D, qform and sform, header extensions before
# the voxels), and volumes nibabel writes as NIfTI-2 in both byte orders.
def describe(name, image):
    data = np.asanyarray(image.dataobj)
    data = data.astype(data.dtype.newbyteorder("="))  # the reader hands back native byte order
    np.asarray(data).ravel(order="F").tofile(os.path.join(out, name + ".raw"))
    affine = image.affine
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    geometry = {
        "dims": list(data.shape),
        "dtype": str(data.dtype),
        "spacing": list(spacing),  # the first three axes
        "origin": list(LPS @ affine[:3, 3]),
        "direction": (LPS @ affine[:3, :3] / spacing).ravel().tolist(),
    }
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(geometry, f)


example = os.path.join(os.path.dirname(nib.__file__), "tests", "data", "example_nifti2.nii.gz")
with open(example, "rb") as f, open(os.path.join(out, "example_nifti2.nii.gz"), "wb") as g:
    g.write(f.read())
describe("example_nifti2", nib.load(example))
for order, tag in (("<", "little"), (">", "big")):
    data = rng.integers(-1024, 2000, size=(7, 6, 5)).astype(order + "i2")
    header = nib.Nifti2Header(endianness=order)
    image = nib.Nifti2Image(data, affine, header=header)
    image.header.set_data_dtype(data.dtype)
    path = os.path.join(out, "nifti2_" + tag + ".nii.gz")
    nib.save(image, path)
    written = nib.load(path)
    assert written.header["sizeof_hdr"] == 540 and written.header.endianness == order, (written.header["sizeof_hdr"], written.header.endianness)
    describe("nifti2_" + tag, written)
