"""Checks files written by the C++ writers against the expected C-order bytes.
Usage: check_npy.py FILE.npy|FILE.npz[:member] EXPECTED.raw SHAPE DESCR FORTRAN(0|1)"""
import sys

import numpy as np

path, raw, shape, descr, fortran = sys.argv[1:6]
shape = tuple(int(n) for n in shape.split("x") if n)
if ":" in path:
    path, member = path.split(":")
    with np.load(path) as archive:
        array = archive[member]
else:
    array = np.load(path)
expected = np.fromfile(raw, dtype=np.dtype(descr)).reshape(shape)
assert array.dtype == np.dtype(descr), (array.dtype, descr)
assert array.shape == shape, (array.shape, shape)
assert bool(array.flags.f_contiguous and not array.flags.c_contiguous) == (fortran == "1") or array.ndim < 2, array.flags
assert np.array_equal(array, expected), "values differ"
print("ok")
