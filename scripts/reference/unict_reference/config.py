"""The parts of a resolved UniCT config.yaml that the network, its losses and its optimiser read."""
import math
from dataclasses import dataclass, field
from typing import List

import yaml


@dataclass
class Settings:
    tasks: List[str]
    adapters: bool
    fusion: bool
    scf: bool
    cls_readout: str
    lesion_evidence_voxels: int
    report_reads_cls: bool
    embed_dim: int
    fusion_heads: int
    dropout: float
    encoder: str
    encoder_options: dict
    pooling: str
    pooled_maps: int
    seg_channels: List[int]
    seg_output_scale: int
    seg_norm: str
    rep_d_model: int
    rep_heads: int
    rep_layers: int
    rep_ff_dim: int
    rep_dropout: float
    rep_max_tokens: int
    rep_max_slice_tokens: int
    decode: dict
    loss: dict
    train: dict
    input_size: List[int] = field(default_factory=list)


def load_settings(path):
    """Reads a resolved config (every key present, as `unict` writes it into a run folder)."""
    with open(path) as f:
        c = yaml.safe_load(f)
    m, rd, sd = c["model"], c["report_decoder"], c["seg_decoder"]
    name = c["encoder"]["name"]
    return Settings(
        tasks=list(m["tasks"]), adapters=bool(m["adapters"]), fusion=bool(m["fusion"]), scf=bool(m["scf"]),
        cls_readout=m["cls_readout"], lesion_evidence_voxels=int(m["lesion_evidence_voxels"]),
        report_reads_cls=bool(m["report_reads_cls"]), embed_dim=int(m["embed_dim"]),
        fusion_heads=int(m["fusion_heads"]), dropout=float(m["dropout"]),
        encoder=name, encoder_options=dict(c["encoder"][name]),
        pooling=c["encoder"]["pooling"], pooled_maps=int(c["encoder"]["pooled_maps"]),
        seg_channels=[int(x) for x in sd["channels"]], seg_output_scale=int(sd["output_scale"]), seg_norm=sd["norm"],
        rep_d_model=int(rd["d_model"]), rep_heads=int(rd["heads"]), rep_layers=int(rd["layers"]),
        rep_ff_dim=int(rd["ff_dim"]), rep_dropout=float(rd["dropout"]), rep_max_tokens=int(rd["max_tokens"]),
        rep_max_slice_tokens=int(rd["max_slice_tokens"]),
        decode=dict(c["decode"]), loss=dict(c["loss"]), train=dict(c["train"]),
        input_size=[int(x) for x in c["preprocess"]["size"]])


def updates_of(duration, key, updates_per_epoch=None):
    """A duration ("2000u", or "1.5e" with updates_per_epoch) in optimiser updates, at least 1."""
    unit, value = duration[-1], float(duration[:-1])
    if unit == "u":
        return max(1, int(value))
    if unit == "e" and updates_per_epoch:
        return max(1, math.ceil(value * updates_per_epoch - 1e-9))
    raise ValueError(f"{key} = {duration!r}: give updates (\"u\"), or the updates per epoch for epochs")
