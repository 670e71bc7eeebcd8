"""Checks a synthetic data set against the formats of ../shared/docs/datasets.md with numpy,
nibabel and the csv module (independent of the C++ readers). Usage: check_synthetic.py ROOT"""
import csv
import glob
import json
import os
import sys
import zipfile

import nibabel as nib
import numpy as np

root = sys.argv[1]
ds = os.path.join(root, "ctrate", "dataset")
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


LABELS = ["Medical material", "Arterial wall calcification", "Cardiomegaly", "Pericardial effusion",
          "Coronary artery wall calcification", "Hiatal hernia", "Lymphadenopathy", "Emphysema", "Atelectasis",
          "Lung nodule", "Lung opacity", "Pulmonary fibrotic sequela", "Pleural effusion", "Mosaic attenuation pattern",
          "Peribronchial thickening", "Consolidation", "Bronchiectasis", "Interlobular septal thickening"]

volumes = {}
for split, long in [("train", "train"), ("valid", "validation")]:
    meta = {r["VolumeName"]: r for r in rows(os.path.join(ds, "metadata", long + "_metadata.csv"))}
    reports = rows(os.path.join(ds, "radiology_text_reports", long + "_reports.csv"))
    check(set(reports[0].keys()) == {"VolumeName", "ClinicalInformation_EN", "Technique_EN", "Findings_EN", "Impressions_EN"} if reports else True, "report columns")
    with open(os.path.join(ds, "multi_abnormality_labels", split + "_predicted_labels.csv"), newline="") as f:
        header = next(csv.reader(f))
    check(header == ["VolumeName"] + LABELS, "label columns and order")
    for path in glob.glob(os.path.join(ds, split + "_fixed", "*", "*", "*.nii.gz")):
        name = os.path.basename(path)
        patient = name.rsplit("_", 2)[0]
        check(path.endswith(os.path.join(split + "_fixed", patient, name.rsplit("_", 1)[0], name)), "CT-RATE path layout " + path)
        img = nib.load(path)
        check(img.get_data_dtype() == np.int16, "v2 int16 " + name)
        check(nib.aff2axcodes(img.affine) == ("L", "P", "S"), "v2 axis codes LPS " + name)
        m = meta[name]
        xy = json.loads(m["XYSpacing"])
        check(np.allclose(img.header.get_zooms()[:2], xy, atol=1e-4) and abs(img.header.get_zooms()[2] - float(m["ZSpacing"])) < 1e-4, "spacing matches metadata " + name)
        check(int(m["NumberofSlices"]) == img.shape[2], "NumberofSlices " + name)
        data = np.asanyarray(img.dataobj)
        volumes[name] = (img, data)
        v1 = os.path.join(ds, split, patient, name.rsplit("_", 1)[0], name)
        if os.path.exists(v1):
            raw = np.asanyarray(nib.load(v1).dataobj).astype(np.int32)
            hu = raw * float(m["RescaleSlope"]) + float(m["RescaleIntercept"])
            check(np.array_equal(hu, data.astype(np.int32)), "v1 rescaled equals v2 " + name)
check(len(volumes) > 0, "some CT-RATE volumes")

rex = json.load(open(os.path.join(root, "rexgroundingct", "dataset.json")))
check(set(rex.keys()) == {"train", "val", "test"}, "dataset.json splits")
for split, entries in rex.items():
    for e in entries:
        name = e["name"]
        check(name in volumes, "ReXGroundingCT volume exists " + name)
        mask_path = os.path.join(root, "rexgroundingct", "segmentations", name)
        if split == "test":
            check(set(e.keys()) == {"name", "findings"} and not os.path.exists(mask_path), "test entries: names and findings only")
            continue
        img, ct = volumes[name]
        check(e["shape"] == list(img.shape), "shape = CT nibabel shape " + name)
        mask = np.asanyarray(nib.load(mask_path).dataobj)
        check(mask.dtype == np.uint8, "mask uint8")
        keys = sorted(e["findings"], key=int)
        check(mask.shape == (len(keys),) + img.shape, "mask (F, H, W, D) " + name)
        for k in keys:
            f = int(k)
            check(int(np.count_nonzero(mask[f])) == e["pixels"][k], "pixels " + name + " " + k)
            check(len(set(np.unique(mask[f])) - {0}) == e["entity_counts"][k], "entity_counts " + name + " " + k)
            check(e["categories"][k] in ["1a", "1b", "1c", "1d", "1e", "2a", "2b", "2c", "2d", "2e"], "category code")

rad = os.path.join(root, "radchestct")
ids = set()
for kind in ["imgtrain", "imgvalid", "imgtest"]:
    table = rows(os.path.join(rad, kind + "_Abnormality_and_Location_Labels.csv"))
    with open(os.path.join(rad, kind + "_Abnormality_and_Location_Labels.csv"), newline="") as f:
        header = next(csv.reader(f))
    check(header[0] == "NoteAcc_DEID" and all(h.count("*") == 1 for h in header[1:]), "RAD-ChestCT columns abnormality*location")
    for r in table:
        ids.add(r["NoteAcc_DEID"])
        check(set(r[h] for h in header[1:]) <= {"0", "1"}, "labels 0/1")
for npz in glob.glob(os.path.join(rad, "*.npz")):
    with zipfile.ZipFile(npz) as z:
        check(z.namelist() == ["ct.npy"], "one member ct.npy")
        check(z.getinfo("ct.npy").compress_type == zipfile.ZIP_DEFLATED, "deflate")
        with z.open("ct.npy") as f:
            version = np.lib.format.read_magic(f)
            shape, fortran, dtype = np.lib.format._read_array_header(f, version)
        check(fortran and dtype == np.dtype("<i2"), "Fortran order int16")
    ct = np.load(npz)["ct"]
    check(ct.min() >= -1000 and ct.max() <= 1000, "HU clipped to [-1000, 1000]")
    check(os.path.basename(npz)[:-4] in ids, "RAD-ChestCT volume has labels")

if problems:
    print("\n".join(sorted(set(problems))))
    sys.exit(1)
print("ok: %d CT-RATE volumes, %d ReXGroundingCT entries" % (len(volumes), sum(len(v) for v in rex.values())))
