"""Checks a NIfTI written by the C++ writer against a reference written by make_nifti.py: same
voxels, dtype, shape and affine. Usage: check_nifti.py WRITTEN.nii.gz REFERENCE.nii.gz"""
import sys

import nibabel as nib
import numpy as np

written, reference = (nib.load(p) for p in sys.argv[1:3])
assert written.shape == reference.shape, (written.shape, reference.shape)
assert written.get_data_dtype() == reference.get_data_dtype(), (written.get_data_dtype(), reference.get_data_dtype())
assert np.array_equal(np.asanyarray(written.dataobj), np.asanyarray(reference.dataobj)), "voxels differ"
if len(reference.shape) == 3:
    assert np.allclose(written.affine, reference.affine, atol=1e-4), (written.affine, reference.affine)
print("ok")
