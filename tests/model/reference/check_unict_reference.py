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
import torch.nn.functional as F

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
# the variants of reference_test.cpp).
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
# A ReLU's gradient jumps at zero. Two float32 computations that round differently can put an
# input that is zero to within their rounding on opposite sides of it; then one side's gradients
# carry that voxel's upstream gradient and the other's do not. Under oneDNN's SSE4.1 kernels with
# ATen's unvectorised ones, one ReLU input of no_fusion's decoder (7.0e-7 in float64, of ~10^6
# ReLU inputs) did, and its upstream gradient (1.1e-4) moved a BatchNorm bias gradient by 1e-3
# relative and every gradient below it. Where gradients differ beyond their tolerance, the check
# therefore works out which ReLU inputs within KINK_MARGIN x the largest input of their ReLU of
# zero went the other way in UniCT: it computes what flipping each would change in the gradients
# (backward from that input alone), fits UniCT's differences with them, takes each input whose
# coefficient rounds to 1 as flipped, and compares the gradients again, at the same tolerance,
# with those flips applied to the reference. The margin is the forward outputs' tolerance; the
# reference's float32 pre-activations differ from its float64 ones by at most ~1.3e-6 of that
# scale (measured on no_fusion). Only ReLUs are handled: max pooling (encoder.pooling: max) has the
# same kind of jump where two positions are nearly equal; its variant has not needed it so far.
KINK_MARGIN = 1e-5

failures = []
worst = {}  # kind -> (relative difference, name)


class ReluKinks:
    """Stands in for F.relu in the reference: the same values, not in place (so that each ReLU's
    input stays in the graph), and it keeps each input and the gradient that reaches its output."""

    def __init__(self):
        self.original = F.relu
        self.records = []

    def __call__(self, x, inplace=False):
        y = self.original(x)
        if torch.is_grad_enabled() and x.requires_grad:
            record = {"input": x}
            y.register_hook(lambda g, r=record: r.__setitem__("grad", g))
            self.records.append(record)
        return y

    def flips(self, parameters):
        """For each ReLU input within KINK_MARGIN of zero, what taking it the other way changes
        in the gradients of `parameters` ({name: change}), and where it is."""
        names = [n for n, p in parameters]
        tensors = [p for n, p in parameters]
        found = []
        for relu, record in enumerate(self.records):
            x, g = record["input"], record.get("grad")
            if g is None:
                continue
            magnitude = x.detach().abs()
            for index in (magnitude <= KINK_MARGIN * magnitude.max()).nonzero():
                at = tuple(index.tolist())
                # The reference passed g where x > 0 and blocked it elsewhere.
                delta = torch.zeros_like(x)
                delta[at] = -g[at] if x[at] > 0 else g[at]
                changes = torch.autograd.grad(x, tensors, delta, retain_graph=True, allow_unused=True)
                found.append(({n: c.double() for n, c in zip(names, changes) if c is not None},
                              f"ReLU {relu} at {list(at)} (input {x[at].item():.2e})"))
        return found


def flipped_relus(flips, differences):
    """Which of `flips` explain `differences` ({name: UniCT's gradient - the reference's}): the
    least-squares coefficients over all their entries, rounded to 0 or 1."""
    if not flips:
        return []
    columns = [torch.cat([change.get(n, torch.zeros_like(d)).flatten() for n, d in differences.items()])
               for change, _ in flips]
    target = torch.cat([d.flatten() for d in differences.values()])
    coefficients = torch.linalg.lstsq(torch.stack(columns, 1), target.unsqueeze(1)).solution.flatten()
    return [(flip, c) for flip, c in zip(flips, coefficients.tolist()) if c > 0.5]


def compare(name, ours, reference, kind, floor=0.0, final=True, label=None):
    """Returns whether ours is within tolerance of the reference. A comparison that is not final
    records nothing when it fails: another decides."""
    ours = torch.as_tensor(np.asarray(ours)).double()
    reference = reference.detach().double()
    if tuple(ours.shape) != tuple(reference.shape):
        failures.append(f"{name}: shape {tuple(ours.shape)} against the reference's {tuple(reference.shape)}")
        print(f"FAIL {name}: shapes differ")
        return False
    scale = max(reference.abs().max().item() if reference.numel() else 0.0, floor)
    diff = (ours - reference).abs().max().item() if reference.numel() else 0.0
    relative = diff / scale if scale > 0 else diff
    ok = relative <= TOLERANCE[kind]
    if not ok and not final:
        print(f"over {kind:8s} {name:60s} max|diff| {diff:.3e}  max|ref| {scale:.3e}  relative {relative:.2e}")
        return False
    label = label or name
    worst[kind] = max(worst.get(kind, (0.0, "")), (relative, label))
    print(f"{'ok  ' if ok else 'FAIL'} {kind:8s} {label:60s} max|diff| {diff:.3e}  max|ref| {scale:.3e}  relative {relative:.2e}")
    if not ok:
        failures.append(f"{label}: relative difference {relative:.2e} > {TOLERANCE[kind]}")
    return ok


def reports_of(array):
    return [[int(t) for t in row if t >= 0] for row in array]


def main(folder):
    s = load_settings(os.path.join(folder, "config.yaml"))
    computed = np.load(os.path.join(folder, "computed.npz"))
    get = lambda name: torch.from_numpy(computed[name])  # noqa: E731
    classes, vocab = int(computed["meta.classes"]), int(computed["meta.vocab_size"])
    kinks = ReluKinks()
    F.relu = kinks  # the reference's modules call F.relu (nn.ReLU too)
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

    loss["total"].backward(retain_graph=True)  # kept for the ReLU inputs' flips below
    ours_with_grad = {n[len("grad."):] for n in computed.files if n.startswith("grad.")}
    reference_with_grad = {n for n, p in model.named_parameters() if p.grad is not None}
    if ours_with_grad != reference_with_grad:
        failures.append(f"gradients: only UniCT {sorted(ours_with_grad - reference_with_grad)}, "
                        f"only the reference {sorted(reference_with_grad - ours_with_grad)}")
    largest = max(p.grad.abs().max().item() for p in model.parameters() if p.grad is not None)
    compared = [(n, p) for n, p in model.named_parameters() if n in ours_with_grad and p.grad is not None]
    beyond = []
    for name, p in compared:
        if not compare(f"grad.{name}", computed[f"grad.{name}"], p.grad, "gradient", GRADIENT_FLOOR * largest,
                       final=False):
            beyond.append((name, p.grad.clone()))  # decided below, ReLU inputs near zero considered
    if beyond:
        flips = kinks.flips(compared)
        differences = {n: get(f"grad.{n}").double() - g.double() for n, g in beyond}
        flipped = flipped_relus(flips, differences)
        print(f"{len(beyond)} gradients differ beyond tolerance; of the {len(flips)} ReLU inputs within "
              f"{KINK_MARGIN} x their ReLU's largest input of zero, UniCT took {len(flipped)} the other way:")
        for (_, where), c in flipped:
            print(f"     {where}: fitted coefficient {c:.3f}")
        for name, gradient in beyond:
            reference = gradient.double() + sum((change[name] for (change, _), _ in flipped if name in change),
                                                torch.zeros_like(gradient, dtype=torch.float64))
            compare(f"grad.{name}", computed[f"grad.{name}"], reference, "gradient", GRADIENT_FLOOR * largest,
                    label=f"grad.{name} (ReLUs flipped)")
    for name, p in compared:
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
