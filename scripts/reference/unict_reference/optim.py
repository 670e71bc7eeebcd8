"""AdamW with UniCT's parameter groups, its warmup + cosine schedule and gradient clipping."""
import math

import torch


def parameter_groups(model, c):
    """Encoder and the rest, each with and without weight decay (biases and norm weights: 1-D)."""
    encoder = {id(p) for p in model.encoder.parameters()}
    groups = []
    for in_encoder in (True, False):
        for decays in (True, False):
            params = [p for p in model.parameters() if p.requires_grad and (id(p) in encoder) == in_encoder and (p.dim() >= 2) == decays]
            if params:
                groups.append({"params": params, "weight_decay": c["weight_decay"] if decays else 0.0,
                               "lr_scale": c["encoder_lr_scale"] if in_encoder else 1.0})
    return groups


def make_optimizer(model, c):
    return torch.optim.AdamW(parameter_groups(model, c), lr=c["lr"], weight_decay=c["weight_decay"])


def schedule_factor(step, warmup, total, min_ratio):
    """Linear warmup over `warmup` updates, then cosine decay to min_ratio at the last update."""
    if step < warmup:
        return (step + 1) / warmup
    decay = total - warmup
    if decay <= 1:
        return 1.0
    progress = min(1.0, (step - warmup) / (decay - 1))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def update(model, optimizer, lr, clip_grad_norm):
    """Clips the gradients, sets each group's learning rate and steps."""
    if clip_grad_norm > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
    for group in optimizer.param_groups:
        group["lr"] = lr * group["lr_scale"]
    optimizer.step()
