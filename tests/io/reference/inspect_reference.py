"""Prints what `unict inspect` should say about a file, computed with nibabel / numpy.
Usage: inspect_reference.py FILE OUT.json"""
import json
import sys

import nibabel as nib
import numpy as np

path, out = sys.argv[1:3]
if path.endswith(".nii") or path.endswith(".nii.gz"):
    img = nib.load(path)
    data = np.asanyarray(img.dataobj.get_unscaled())  # stored values, as inspect reports them
else:
    data = np.load(path)
    if hasattr(data, "files"):
        data = data[data.files[0]]
values = data.astype(np.float64)
result = {"dtype": str(data.dtype), "shape": list(data.shape), "min": values.min(), "max": values.max(),
          "mean": values.mean(), "sum": values.sum()}
if data.ndim == 4:
    result["nonzero_per_first_axis_index"] = [int(np.count_nonzero(data[i])) for i in range(data.shape[0])]
json.dump(result, open(out, "w"))
