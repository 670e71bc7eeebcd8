"""Writes .npy/.npz files with numpy, and beside each the expected C-order bytes (<name>.raw) and
shape (<name>.shape), for the C++ readers to match. Usage: make_npy.py OUT_DIR"""
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(7)


def expect(name, array):
    array.tofile(os.path.join(out, name + ".raw"))  # C order, whatever the array's layout
    with open(os.path.join(out, name + ".shape"), "w") as f:
        f.write(" ".join(str(n) for n in array.shape))


for descr in ["<i2", "|u1", "<f4", "<f8", "|b1", "<i4", "<i8", "<u2", "|i1"]:
    for order in ["C", "F"]:
        for shape in [(3, 4, 5), (7,), (2, 3)]:
            values = rng.integers(-300, 300, size=shape)
            array = np.array(values, dtype=np.dtype(descr), order=order)
            if descr == "|b1":
                array = np.array(values > 0, order=order)
            if descr[1] == "f":
                array = np.array(values * 0.37, dtype=np.dtype(descr), order=order)
            name = "a_%s_%s_%s" % (descr[1:], order, "x".join(map(str, shape)))
            np.save(os.path.join(out, name + ".npy"), array)
            expect(name, array)

# RAD-ChestCT style: one member ct.npy, int16, Fortran order, deflate; and a stored (uncompressed) one.
ct = np.asfortranarray(rng.integers(-1000, 1000, size=(6, 5, 4)).astype("<i2"))
np.savez_compressed(os.path.join(out, "deflate.npz"), ct=ct)
np.savez(os.path.join(out, "stored.npz"), ct=ct, other=np.zeros(3))
expect("ct", ct)
