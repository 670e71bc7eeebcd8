"""The UniCT network in plain PyTorch: nn.Modules and standard layers.

Module and parameter names follow the C++ model's, so that its exported weights load by name.
"""
import math
from math import gcd

import torch
import torch.nn as nn
import torch.nn.functional as F

TASK_ORDER = ("cls", "seg", "rep")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def norm3d(kind, channels):
    if kind == "batch":
        return nn.BatchNorm3d(channels)
    if kind == "instance":
        return nn.InstanceNorm3d(channels, affine=True)
    if kind == "group":
        return nn.GroupNorm(gcd(channels, max(1, channels // 8)), channels)
    raise ValueError(f"unknown normalisation {kind!r}")


def conv3d(cin, cout, kernel, stride):
    return nn.Conv3d(cin, cout, kernel, stride=stride, padding=[k // 2 for k in kernel], bias=False)


class BasicBlock(nn.Module):
    """A ResNet basic block; `conv(cin, cout, kernel, stride)` and `norm(channels)` make it 2-D or 3-D."""

    def __init__(self, cin, cout, stride, conv, norm):
        super().__init__()
        self.conv_a, self.norm_a = conv(cin, cout, 3, stride), norm(cout)
        self.conv_b, self.norm_b = conv(cout, cout, 3, 1), norm(cout)
        self.shortcut = nn.Sequential()
        strides = stride if isinstance(stride, tuple) else (stride,)
        if any(s != 1 for s in strides) or cin != cout:
            self.shortcut = nn.Sequential(conv(cin, cout, 1, stride), norm(cout))

    def forward(self, x):
        y = F.relu(self.norm_a(self.conv_a(x)), inplace=True)
        y = self.norm_b(self.conv_b(y))
        y += self.shortcut(x)
        return F.relu(y, inplace=True)


def block3d(cin, cout, stride, norm):
    """stride: (z, y, x); kernels are cubes, padded to keep the size."""
    conv = lambda i, o, k, s: conv3d(i, o, (k, k, k), s if isinstance(s, tuple) else (s, s, s))  # noqa: E731
    return BasicBlock(cin, cout, tuple(stride), conv, lambda c: norm3d(norm, c))


def block2d(cin, cout, stride):
    return BasicBlock(cin, cout, stride, lambda i, o, k, s: nn.Conv2d(i, o, k, s, k // 2, bias=False), nn.BatchNorm2d)


class ResNet3d(nn.Module):
    """A 3-D ResNet: a stem, then stages of basic blocks; returns the stem's and every stage's map."""

    def __init__(self, o):
        super().__init__()
        stride = list(o["stem_stride"])
        kernel = [2 * s + 1 if s > 1 else 3 for s in stride]
        self.stem = nn.Sequential(conv3d(1, o["stem_channels"], kernel, stride), norm3d(o["norm"], o["stem_channels"]),
                                  nn.ReLU(inplace=True))
        self.channels = [o["stem_channels"]]
        for s, width in enumerate(o["widths"]):
            first = (o["z_strides"][s], o["xy_strides"][s], o["xy_strides"][s])
            blocks = [block3d(self.channels[-1] if b == 0 else width, width, first if b == 0 else (1, 1, 1), o["norm"])
                      for b in range(o["depths"][s])]
            setattr(self, f"stage{s + 1}", nn.Sequential(*blocks))
            self.channels.append(width)
        self.stages = len(o["widths"])

    def forward(self, ct):
        x = self.stem(ct)
        maps = [x]
        for s in range(self.stages):
            x = getattr(self, f"stage{s + 1}")(x)
            maps.append(x)
        return maps


class ResNet2d(nn.Module):
    """torchvision's ResNet-18 / 34 trunk, returning the stem's map and the four stages'."""

    CHANNELS = (64, 64, 128, 256, 512)

    def __init__(self, depth):
        super().__init__()
        blocks = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}[depth]
        self.stem_conv = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.stem_norm = nn.BatchNorm2d(64)
        for s, n in enumerate(blocks):
            cin, cout = self.CHANNELS[s], self.CHANNELS[s + 1]
            setattr(self, f"stage{s + 1}", nn.Sequential(*[
                block2d(cin if b == 0 else cout, cout, 2 if b == 0 and s > 0 else 1) for b in range(n)]))

    def forward(self, images):
        x = F.relu(self.stem_norm(self.stem_conv(images)), inplace=True)
        maps = [x]
        x = F.max_pool2d(x, 3, 2, 1)
        for s in range(4):
            x = getattr(self, f"stage{s + 1}")(x)
            maps.append(x)
        return maps


class ResNet2p5d(nn.Module):
    """Each group of three adjacent slices is one RGB image for a 2-D ResNet."""

    def __init__(self, o):
        super().__init__()
        self.trunk = ResNet2d(int(o["depth"]))
        self.channels = list(ResNet2d.CHANNELS)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, ct):
        b, _, z, y, x = ct.shape
        groups = z // 3
        images = (ct.reshape(b * groups, 3, y, x) - self.mean) / self.std
        return [m.view(b, groups, *m.shape[1:]).permute(0, 2, 1, 3, 4).contiguous() for m in self.trunk(images)]


BACKBONES = {"resnet3d": ResNet3d, "resnet2p5d": ResNet2p5d}


class Pooling(nn.Module):
    """Positions [B, C, *] -> [B, C]: mean, max, generalised mean (p from 3) or attention (a
    softmax over positions of a linear score of their features, zero at the start)."""

    def __init__(self, kind, channels):
        super().__init__()
        self.kind = kind
        if kind == "gem":
            self.p = nn.Parameter(torch.tensor([3.0]))
        elif kind == "attention":
            self.score = nn.Linear(channels, 1)
            nn.init.zeros_(self.score.weight)
            nn.init.zeros_(self.score.bias)

    def forward(self, x):
        x = x.flatten(2)
        if self.kind == "mean":
            return x.mean(2)
        if self.kind == "max":
            return x.amax(2)  # ties (a slice of zeros) share the gradient, as in UniCT
        if self.kind == "gem":
            return x.clamp(min=1e-6).pow(self.p).mean(2).pow(1 / self.p)
        weights = torch.softmax(self.score(x.transpose(1, 2)).squeeze(2), 1)  # [B, P]
        return (x * weights.unsqueeze(1)).sum(2)


class VisualEncoder(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.backbone = BACKBONES[s.encoder](s.encoder_options)
        channels = self.backbone.channels[::-1][:s.pooled_maps]  # deepest first
        for k, c in enumerate(channels):
            setattr(self, f"pool{k}", Pooling(s.pooling, c))
        self.pooled_maps = s.pooled_maps
        d = s.embed_dim
        self.embed = nn.Sequential(nn.Linear(sum(channels), d), nn.GELU(), nn.Dropout(s.dropout), nn.Linear(d, d))

    def forward(self, ct):
        maps = self.backbone(ct)
        deepest = maps[-1]
        b, c, z = deepest.shape[:3]
        # Each slice of the deepest map pooled over its own positions: [B, z, C].
        slice_tokens = self.pool0(deepest.permute(0, 2, 1, 3, 4).reshape(b * z, c, -1)).view(b, z, c)
        pooled = [self.pool0(deepest)] + [getattr(self, f"pool{k}")(maps[-1 - k]) for k in range(1, self.pooled_maps)]
        return maps, slice_tokens, self.embed(torch.cat(pooled, 1))


class MultiHeadAttention(nn.Module):
    def __init__(self, dim, heads, dropout):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.q, self.k, self.v, self.out = (nn.Linear(dim, dim) for _ in range(4))
        self.dropout = nn.Dropout(dropout)

    def split(self, x):
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_dim).transpose(1, 2)

    def attend(self, q, k, v, allowed=None):
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)
        if allowed is not None:
            scores = scores.masked_fill(~allowed, float("-inf"))
        weights = scores.softmax(-1)
        mixed = (self.dropout(weights) @ v).transpose(1, 2).reshape(q.shape[0], q.shape[2], -1)
        return self.out(mixed), weights.mean(1)

    def forward(self, x, allowed=None):
        return self.attend(self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x)), allowed)


class FeedForward(nn.Module):
    def __init__(self, dim, hidden, dropout):
        super().__init__()
        self.expand, self.out, self.dropout = nn.Linear(dim, hidden), nn.Linear(hidden, dim), nn.Dropout(dropout)

    def forward(self, x):
        return self.out(self.dropout(F.gelu(self.expand(x))))


class TaskAdapter(nn.Module):
    def __init__(self, dim, dropout):
        super().__init__()
        self.norm, self.ffn = nn.LayerNorm(dim), FeedForward(dim, 2 * dim, dropout)

    def forward(self, x):
        return x + self.ffn(self.norm(x))


class MultiTaskFusion(nn.Module):
    """A pre-norm transformer block over the task tokens; returns them and the head-averaged attention."""

    def __init__(self, dim, heads, dropout):
        super().__init__()
        self.attention_norm, self.attention = nn.LayerNorm(dim), MultiHeadAttention(dim, heads, dropout)
        self.ffn_norm, self.ffn = nn.LayerNorm(dim), FeedForward(dim, 4 * dim, dropout)

    def forward(self, h):
        attended, weights = self.attention(self.attention_norm(h))
        x = h + attended
        return x + self.ffn(self.ffn_norm(x)), weights


class LesionEvidence(nn.Module):
    """Adds to each class's logit the centred mean of its mask channel's k strongest logits."""

    MOMENTUM = 0.1

    def __init__(self, classes, voxels):
        super().__init__()
        self.voxels = voxels
        self.scale = nn.Parameter(torch.ones(classes))
        self.offset = nn.Parameter(torch.zeros(classes))
        self.register_buffer("centre", torch.zeros(classes))
        self.register_buffer("centred", torch.zeros(()))

    def forward(self, seg_logits):
        flat = seg_logits.detach().flatten(2)
        evidence = flat.topk(min(self.voxels, flat.shape[2]), dim=2).values.mean(2)
        if self.training:
            with torch.no_grad():
                batch_mean = evidence.mean(0)
                if self.centred.item() > 0:
                    self.centre.mul_(1 - self.MOMENTUM).add_(batch_mean * self.MOMENTUM)
                else:
                    self.centre.copy_(batch_mean)
                self.centred.fill_(1)
        return (evidence - self.centre) * self.scale + self.offset


class SegmentationModulation(nn.Module):
    """SCF: FiLM of every encoder map by z_seg, starting as the identity (zero-initialised)."""

    def __init__(self, dim, map_channels):
        super().__init__()
        for k, c in enumerate(map_channels):
            film = nn.Linear(dim, 2 * c)
            nn.init.zeros_(film.weight)
            nn.init.zeros_(film.bias)
            setattr(self, f"film{k}", film)
        self.count = len(map_channels)

    def forward(self, maps, z_seg):
        out = []
        for k, m in enumerate(maps):
            gamma, beta = getattr(self, f"film{k}")(z_seg).view(z_seg.shape[0], -1, 1, 1, 1).chunk(2, 1)
            out.append(m * (1 + gamma) + beta)
        return out


def resize(x, size):
    if list(x.shape[2:]) == list(size):
        return x
    return F.interpolate(x, size=list(size), mode="trilinear", align_corners=False)


class SegDecoder(nn.Module):
    """A U-Net decoder over the encoder's maps, deepest first."""

    def __init__(self, map_channels, channels, norm, classes):
        super().__init__()
        below = map_channels[-1]
        for s, c in enumerate(channels):
            cin = below + map_channels[-2 - s]
            setattr(self, f"stage{s + 1}", nn.Sequential(
                nn.Conv3d(cin, c, 3, padding=1, bias=False), norm3d(norm, c), nn.ReLU(inplace=True),
                nn.Conv3d(c, c, 3, padding=1, bias=False), norm3d(norm, c), nn.ReLU(inplace=True)))
            below = c
        self.classifier = nn.Conv3d(below, classes, 1)
        self.stages = len(channels)

    def forward(self, maps, output_size):
        x = maps[-1]
        for s in range(self.stages):
            skip = maps[-2 - s]
            x = getattr(self, f"stage{s + 1}")(torch.cat([resize(x, skip.shape[2:]), skip], 1))
        return resize(self.classifier(x), output_size)


class DecoderBlock(nn.Module):
    def __init__(self, dim, heads, ff_dim, dropout):
        super().__init__()
        self.attention_norm, self.attention = nn.LayerNorm(dim), MultiHeadAttention(dim, heads, dropout)
        self.ffn_norm, self.ffn = nn.LayerNorm(dim), FeedForward(dim, ff_dim, dropout)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, allowed):
        y = x + self.dropout(self.attention(self.attention_norm(x), allowed)[0])
        return y + self.dropout(self.ffn(self.ffn_norm(y)))

    def step(self, x, cache):
        """One new position; `cache` holds this layer's keys and values so far and is extended."""
        a = self.attention
        normed = self.attention_norm(x)
        cache[0] = torch.cat([cache[0], a.split(a.k(normed))], 2)
        cache[1] = torch.cat([cache[1], a.split(a.v(normed))], 2)
        y = x + self.dropout(a.attend(a.split(a.q(normed)), cache[0], cache[1])[0])
        return y + self.dropout(self.ffn(self.ffn_norm(y)))


class ReportDecoder(nn.Module):
    """A prefix language model: [z_rep, slice tokens] is the prefix, seen in full; the text is causal."""

    def __init__(self, s, latent_dim, token_channels, vocab_size, findings_dim):
        super().__init__()
        d = s.rep_d_model
        self.max_tokens = s.rep_max_tokens
        self.latent_proj, self.latent_type = nn.Linear(latent_dim, d), nn.Embedding(1, d)
        self.slice_proj, self.slice_positions = nn.Linear(token_channels, d), nn.Embedding(s.rep_max_slice_tokens, d)
        self.token_embedding, self.text_positions = nn.Embedding(vocab_size, d), nn.Embedding(s.rep_max_tokens, d)
        for layer in range(s.rep_layers):
            setattr(self, f"block{layer}", DecoderBlock(d, s.rep_heads, s.rep_ff_dim, s.rep_dropout))
        self.layers = s.rep_layers
        self.final_norm, self.caption_head = nn.LayerNorm(d), nn.Linear(d, vocab_size)
        self.findings_proj = nn.Linear(findings_dim, d) if findings_dim > 0 else None
        self.dropout = nn.Dropout(s.rep_dropout)

    def blocks(self):
        return [getattr(self, f"block{layer}") for layer in range(self.layers)]

    def prefix(self, z_rep, slice_tokens):
        positions = torch.arange(slice_tokens.shape[1], device=slice_tokens.device)
        latent = self.latent_proj(z_rep).unsqueeze(1) + self.latent_type.weight.unsqueeze(0)
        return torch.cat([latent, self.slice_proj(slice_tokens) + self.slice_positions(positions).unsqueeze(0)], 1)

    def embed_text(self, text, first):
        positions = torch.arange(first, first + text.shape[1], device=text.device)
        return self.token_embedding(text) + self.text_positions(positions).unsqueeze(0)

    @staticmethod
    def allowed(prefix, text, device):
        n = prefix + text
        allowed = torch.ones(n, n, dtype=torch.bool, device=device).tril()
        allowed[:, :prefix] = True
        return allowed

    def forward(self, z_rep, slice_tokens, text, findings=None):
        pre = self.prefix(z_rep, slice_tokens)
        embedded = self.embed_text(text, 0)
        if self.findings_proj is not None:
            embedded = embedded + self.findings_proj(findings).unsqueeze(1)
        x = self.dropout(torch.cat([pre, embedded], 1))
        allowed = self.allowed(pre.shape[1], text.shape[1], x.device)
        for block in self.blocks():
            x = block(x, allowed)
        return self.caption_head(self.final_norm(x[:, pre.shape[1]:]))

    def start(self, z_rep, slice_tokens, findings=None):
        """Runs the prefix; returns the per-layer key / value caches and the findings' bias."""
        x = self.dropout(self.prefix(z_rep, slice_tokens))
        caches = []
        for block in self.blocks():
            a, normed = block.attention, block.attention_norm(x)
            caches.append([a.split(a.k(normed)), a.split(a.v(normed))])
            x = block(x, None)
        bias = self.findings_proj(findings).unsqueeze(1) if self.findings_proj is not None else None
        return {"layers": caches, "bias": bias, "length": 0}

    def step(self, state, tokens):
        """Logits [N, V] of the next token after `tokens` [N]."""
        x = self.embed_text(tokens.view(-1, 1), state["length"])
        if state["bias"] is not None:
            x = x + state["bias"]
        x = self.dropout(x)
        for block, cache in zip(self.blocks(), state["layers"]):
            x = block.step(x, cache)
        state["length"] += 1
        return self.caption_head(self.final_norm(x)).squeeze(1)


class UniCT(nn.Module):
    def __init__(self, s, classes, vocab_size):
        super().__init__()
        self.s = s
        self.tasks = [t for t in TASK_ORDER if t in s.tasks]
        d = s.embed_dim
        self.encoder = VisualEncoder(s)
        map_channels = self.encoder.backbone.channels
        if s.adapters:
            for t in self.tasks:
                setattr(self, f"adapter_{t}", TaskAdapter(d, s.dropout))
            if s.fusion:
                self.fusion = MultiTaskFusion(d, s.fusion_heads, s.dropout)
        if "cls" in self.tasks:
            self.cls_head = nn.Sequential(nn.Dropout(s.dropout), nn.Linear(d, classes))
        if s.cls_readout == "lesion_evidence":
            self.lesion_evidence = LesionEvidence(classes, s.lesion_evidence_voxels)
        if "seg" in self.tasks:
            if s.scf:
                self.scf = SegmentationModulation(d, map_channels)
            self.seg_decoder = SegDecoder(map_channels, s.seg_channels, s.seg_norm, classes)
        if "rep" in self.tasks:
            self.report_decoder = ReportDecoder(s, d, map_channels[-1], vocab_size, classes if s.report_reads_cls else 0)

    def task_tokens(self, embedded):
        """h [B, T, D] and z [B, T, D] (z = h without fusion), and the fusion's attention or None."""
        if not self.s.adapters:
            h = embedded.unsqueeze(1).expand(-1, len(self.tasks), -1)
            return h, h, None
        h = torch.stack([getattr(self, f"adapter_{t}")(embedded) for t in self.tasks], 1)
        if self.s.fusion:
            z, attention = self.fusion(h)
            return h, z, attention
        return h, h, None

    def latent(self, z, task):
        return z[:, self.tasks.index(task)]

    def forward(self, ct, tokens=None, findings=None):
        maps, slice_tokens, embedded = self.encoder(ct)
        h, z, attention = self.task_tokens(embedded)
        out = {"embedded": embedded, "latents": h, "fused": z, "attention": attention, "slice_tokens": slice_tokens}
        if "cls" in self.tasks:
            out["cls_logits"] = self.cls_head(self.latent(z, "cls"))
        if "seg" in self.tasks:
            if self.s.scf:
                maps = self.scf(maps, self.latent(z, "seg"))
            size = [max(1, n // self.s.seg_output_scale) for n in ct.shape[2:]]
            out["seg_logits"] = self.seg_decoder(maps, size)
        if self.s.cls_readout == "lesion_evidence":
            out["cls_logits"] = out["cls_logits"] + self.lesion_evidence(out["seg_logits"])
        if "rep" in self.tasks and tokens is not None:
            out["rep_logits"] = self.report_decoder(self.latent(z, "rep"), slice_tokens, tokens[:, :-1],
                                                    self.report_findings(out, findings))
        return out

    def report_findings(self, out, findings=None):
        if not self.s.report_reads_cls:
            return None
        if findings is not None:
            return findings.float()
        return (torch.sigmoid(out["cls_logits"].detach().double()) >= 0.5).float()
