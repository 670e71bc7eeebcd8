"""Checks what the C++ model computed (tests/model/reference_test.cpp wrote it into DIR) against the
independent PyTorch reference of scripts/reference/, from the same weights and inputs:

  DIR/config.yaml         the resolved config the C++ model was built from
  DIR/weights.npz         its initial weights (the format of `unict model export`)
  DIR/weights_after.npz   its weights and buffers after one clipped AdamW update
  DIR/computed.npz        inputs, outputs, losses, gradients ("grad.<name>") and reports

Prints one line per compared quantity and exits 1 when any differs beyond its tolerance.
usage: check_unict_reference.py DIR
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts", "reference"))
from unict_reference.config import load_settings, updates_of  # noqa: E402
from unict_reference.decoding import generate  # noqa: E402
from unict_reference.losses import losses  # noqa: E402
from unict_reference.model import UniCT  # noqa: E402
from unict_reference.optim import make_optimizer, schedule_factor, update  # noqa: E402
from unict_reference.weights import load_weights  # noqa: E402

# Relative to the reference's largest magnitude: |ours - reference| <= tolerance * max |reference|.
# Forward outputs and losses: float32 with the same kernels, summed in another order in places
# (our fused BCE, LibTorch's own reductions): a few ulps of the largest value (at most 2.8e-7 in
# the eight variants of reference_test.cpp).
# Gradients pass back through BatchNorm's batch statistics and sums over ~10^5 voxel terms: 1e-4
# (at most 3.2e-6 measured; 4.1e-5 for a gradient at the floor below).
# A gradient that is zero in exact arithmetic (the key bias of attention: softmax ignores a
# constant added to every score of a row) is float32 rounding noise on both sides, so gradients
# are compared at no less than GRADIENT_FLOOR x the largest gradient of the model.
# The update is compared on its own: the reference applies its AdamW to UniCT's gradients. From
# the reference's own gradients it could not be: AdamW's first step is lr * g / (|g| + eps), which
# turns the rounding noise of a gradient near eps (1e-8) into a change of up to lr.
TOLERANCE = {"forward": 1e-5, "gradient": 1e-4, "update": 1e-5}
GRADIENT_FLOOR = 1e-4

failures = []
worst = {}  # kind -> (relative difference, name)


def compare(name, ours, reference, kind, floor=0.0):
    ours = torch.as_tensor(np.asarray(ours)).double()
    reference = reference.detach().double()
    if tuple(ours.shape) != tuple(reference.shape):
        failures.append(f"{name}: shape {tuple(ours.shape)} against the reference's {tuple(reference.shape)}")
        print(f"FAIL {name}: shapes differ")
        return
    scale = max(reference.abs().max().item() if reference.numel() else 0.0, floor)
    diff = (ours - reference).abs().max().item() if reference.numel() else 0.0
    relative = diff / scale if scale > 0 else diff
    ok = relative <= TOLERANCE[kind]
    worst[kind] = max(worst.get(kind, (0.0, "")), (relative, name))
    print(f"{'ok  ' if ok else 'FAIL'} {kind:8s} {name:60s} max|diff| {diff:.3e}  max|ref| {scale:.3e}  relative {relative:.2e}")
    if not ok:
        failures.append(f"{name}: relative difference {relative:.2e} > {TOLERANCE[kind]}")


def reports_of(array):
    return [[int(t) for t in row if t >= 0] for row in array]


def main(folder):
    s = load_settings(os.path.join(folder, "config.yaml"))
    computed = np.load(os.path.join(folder, "computed.npz"))
    get = lambda name: torch.from_numpy(computed[name])  # noqa: E731
    classes, vocab = int(computed["meta.classes"]), int(computed["meta.vocab_size"])
    model = UniCT(s, classes, vocab)
    load_weights(model, os.path.join(folder, "weights.npz"))
    model.train()

    ct, tokens, labels = get("input.ct"), get("input.tokens"), get("input.labels")
    masks, has_mask = get("input.masks"), get("input.has_mask")
    out = model(ct, tokens, labels)
    for name in ("cls_logits", "seg_logits", "rep_logits", "attention"):
        present = out.get(name) is not None
        if present != (f"output.{name}" in computed.files):
            failures.append(f"{name}: computed by {'the reference only' if present else 'UniCT only'}")
        elif present:
            compare(name, computed[f"output.{name}"], out[name], "forward")

    loss = losses(out, labels, masks, has_mask, tokens, s.loss)
    for name in ("cls", "seg", "rep", "total"):
        if (name in loss) != (f"loss.{name}" in computed.files):
            failures.append(f"loss {name}: computed by one side only")
        elif name in loss:
            compare(f"loss.{name}", computed[f"loss.{name}"], loss[name], "forward")

    loss["total"].backward()
    ours_with_grad = {n[len("grad."):] for n in computed.files if n.startswith("grad.")}
    reference_with_grad = {n for n, p in model.named_parameters() if p.grad is not None}
    if ours_with_grad != reference_with_grad:
        failures.append(f"gradients: only UniCT {sorted(ours_with_grad - reference_with_grad)}, "
                        f"only the reference {sorted(reference_with_grad - ours_with_grad)}")
    largest = max(p.grad.abs().max().item() for p in model.parameters() if p.grad is not None)
    for name, p in model.named_parameters():
        if name in ours_with_grad and p.grad is not None:
            compare(f"grad.{name}", computed[f"grad.{name}"], p.grad, "gradient", GRADIENT_FLOOR * largest)
            p.grad = get(f"grad.{name}").clone()  # the update below starts from UniCT's gradients

    t = s.train
    warmup = updates_of(t["warmup"], "train.warmup")
    total = updates_of(t["duration"], "train.duration")
    step = int(computed["meta.schedule_step"])
    lr = t["lr"] * schedule_factor(step, min(warmup, total), total, t["min_lr_ratio"])
    compare("learning rate", computed["meta.lr"], torch.tensor(lr, dtype=torch.float64), "forward")
    optimizer = make_optimizer(model, t)
    update(model, optimizer, lr, t["clip_grad_norm"])
    with np.load(os.path.join(folder, "weights_after.npz")) as after:
        for name, value in model.state_dict().items():
            compare(f"updated {name}", after[name], value, "update")

    d = s.decode
    for method in ("greedy", "beam") if "rep" in model.tasks else ():
        ours = reports_of(computed[f"reports.{method}"])
        reference = generate(model, ct, method, d["max_tokens"], d["beam_size"], d["length_penalty"])
        same = ours == reference
        print(f"{'ok  ' if same else 'FAIL'} {method} reports identical: {same} (lengths {[len(r) for r in ours]})")
        if not same:
            failures.append(f"{method} reports differ: UniCT {ours}, the reference {reference}")

    print("largest relative differences: " + "; ".join(f"{k} {v[0]:.2e} ({v[1]})" for k, v in worst.items()))
    if failures:
        print("\n".join(["", "differences beyond tolerance:"] + failures))
        return 1
    print("every output, loss, gradient, updated weight and report agrees with the reference")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
