"""Reads a UniCT cache item with numpy, following only the format described in
include/unict/data/cache_item.h, and prints what it holds as JSON. Usage: read_cache_item.py FILE"""
import json
import struct
import sys
import zlib

import numpy as np

data = open(sys.argv[1], "rb").read()
assert data[:12] == b"UNICT-CACHE\n", "magic"
version, header_size, crc = struct.unpack_from("<IQQ", data, 12)
assert version == 2
assert crc == zlib.crc32(data[32:]), "CRC-32 of every byte after the 32-byte prefix"
header = json.loads(data[32:32 + header_size])
offset = 32 + header_size
assert offset % 64 == 0, "data is 64-byte aligned"
shape = header["shape"]
voxels = int(np.prod(shape))
ct = np.frombuffer(data, dtype=np.dtype("<i2" if header["dtype"] == "int16" else "u1"), count=voxels, offset=offset).reshape(shape)
offset += ct.nbytes
masks = []
if header["has_mask"]:
    per_class = (voxels + 7) // 8
    for c in range(len(header["classes"])):
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8, count=per_class, offset=offset), bitorder="little")[:voxels]
        masks.append(int(bits.sum()))
        offset += per_class
assert offset == len(data), "no trailing bytes"
print(json.dumps({"sum": float(ct.astype(np.float64).sum()), "first": int(ct.flat[0]), "mask_voxels": masks, "name": header["name"]}))
