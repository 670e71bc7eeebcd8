"""The training objective: w_cls L_CLS + w_seg L_SEG + w_rep L_REP."""
import torch
import torch.nn.functional as F

PAD = 0


def segmentation_bce(logits, masks, pos_weight, other_lesion_weight):
    """Lesion voxels weigh pos_weight; a class's negatives on another class's lesion weigh up to other_lesion_weight."""
    other = (masks.max(1, keepdim=True).values - masks).clamp_min(0)
    negative_weight = 1 + (other_lesion_weight - 1) * other
    return -(pos_weight * masks * F.logsigmoid(logits) + (1 - masks) * negative_weight * F.logsigmoid(-logits)).mean()


def soft_dice(probabilities, targets):
    """1 - (2 |p g| + 1) / (|p| + |g| + 1), averaged over the (volume, class) pairs that hold a lesion."""
    p, g = probabilities.flatten(2), targets.flatten(2)
    loss = 1 - (2 * (p * g).sum(-1) + 1) / (p.sum(-1) + g.sum(-1) + 1)
    present = (g.sum(-1) > 0).float()
    return (loss * present).sum() / present.sum().clamp_min(1)


def losses(out, labels, masks, has_mask, tokens, c):
    """Returns {"cls", "seg", "rep", "total"}; a task that is not computed is absent."""
    result, total = {}, []
    if c["cls_weight"] > 0 and "cls_logits" in out:
        pos_weight = torch.tensor(c["cls_pos_weight"]) if c["cls_pos_weight"] else None
        result["cls"] = F.binary_cross_entropy_with_logits(out["cls_logits"], labels.float(), pos_weight=pos_weight)
        total.append(c["cls_weight"] * result["cls"])
    if c["seg_weight"] > 0 and "seg_logits" in out and has_mask.any():
        pred, target = out["seg_logits"][has_mask], masks[has_mask].float()
        if target.shape[2:] != pred.shape[2:]:
            target = F.adaptive_avg_pool3d(target, pred.shape[2:])
        bce = segmentation_bce(pred, target, c["seg_pos_weight"], c["seg_other_lesion_weight"])
        dice = soft_dice(torch.sigmoid(pred), target)
        result["seg"] = c["seg_dice_weight"] * dice + (1 - c["seg_dice_weight"]) * bce
        total.append(c["seg_weight"] * result["seg"])
    if c["rep_weight"] > 0 and "rep_logits" in out:
        logits = out["rep_logits"]
        result["rep"] = F.cross_entropy(logits.reshape(-1, logits.shape[2]), tokens[:, 1:].reshape(-1), ignore_index=PAD,
                                        label_smoothing=c["label_smoothing"])
        total.append(c["rep_weight"] * result["rep"])
    result["total"] = sum(total) if total else torch.zeros(())
    return result
