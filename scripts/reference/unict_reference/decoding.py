"""Greedy and beam-search report generation with a key / value cache."""
import torch

BOS, EOS = 2, 3


@torch.no_grad()
def generate(model, ct, method, max_tokens, beam_size=1, length_penalty=1.0):
    """Token ids per volume, without BOS, ending with EOS when one was generated."""
    was_training = model.training
    model.eval()
    if model.s.report_reads_cls:
        out = model(ct)
        slice_tokens, z = out["slice_tokens"], out["fused"]
        findings = model.report_findings(out)
    else:
        _, slice_tokens, embedded = model.encoder(ct)
        z, findings = model.task_tokens(embedded)[1], None
    z_rep = model.latent(z, "rep")
    if method == "greedy":
        reports = greedy(model.report_decoder, z_rep, slice_tokens, findings, max_tokens)
    else:
        reports = beam_search(model.report_decoder, z_rep, slice_tokens, findings, max_tokens, beam_size, length_penalty)
    model.train(was_training)
    return reports


def greedy(decoder, z_rep, slice_tokens, findings, max_tokens):
    state = decoder.start(z_rep, slice_tokens, findings)
    last = torch.full((z_rep.shape[0],), BOS, dtype=torch.long, device=z_rep.device)
    finished = torch.zeros_like(last, dtype=torch.bool)
    steps = []
    for _ in range(max_tokens):
        last = decoder.step(state, last).argmax(-1)
        steps.append(last)
        finished |= last == EOS
        if finished.all():
            break
    reports = []
    for row in torch.stack(steps, 1).tolist():
        reports.append(row[:row.index(EOS) + 1] if EOS in row else row)
    return reports


def beam_search(decoder, z_rep, slice_tokens, findings, max_tokens, beams, length_penalty):
    """Beams ranked by log p / length ** length_penalty; a finished beam extends only with a free EOS."""
    batch, device = z_rep.shape[0], z_rep.device
    state = decoder.start(z_rep.repeat_interleave(beams, 0), slice_tokens.repeat_interleave(beams, 0),
                          None if findings is None else findings.repeat_interleave(beams, 0))
    scores = torch.full((batch, beams), float("-inf"), device=device)
    scores[:, 0] = 0  # one live hypothesis at first
    finished = torch.zeros(batch, beams, dtype=torch.bool, device=device)
    lengths = torch.zeros(batch, beams, device=device)
    history = torch.empty(batch, beams, 0, dtype=torch.long, device=device)
    last = torch.full((batch * beams,), BOS, dtype=torch.long, device=device)
    offsets = (torch.arange(batch, device=device) * beams).unsqueeze(1)
    for _ in range(max_tokens):
        logp = decoder.step(state, last).log_softmax(-1).view(batch, beams, -1)
        vocab = logp.shape[2]
        eos_only = torch.full((vocab,), float("-inf"), device=device)
        eos_only[EOS] = 0
        logp = torch.where(finished.unsqueeze(2), eos_only, logp)
        candidates = scores.unsqueeze(2) + logp
        candidate_lengths = (lengths + (~finished).float()).unsqueeze(2)
        ranked = candidates if length_penalty == 0 else candidates / candidate_lengths ** length_penalty
        flat = ranked.view(batch, -1).topk(beams, 1).indices
        origin, token = flat // vocab, flat % vocab
        scores = candidates.view(batch, -1).gather(1, flat)
        was_finished = finished.gather(1, origin)
        lengths = lengths.gather(1, origin) + (~was_finished).float()
        finished = was_finished | (token == EOS)
        history = torch.cat([history.gather(1, origin.unsqueeze(2).expand(-1, -1, history.shape[2])), token.unsqueeze(2)], 2)
        rows = (origin + offsets).view(-1)
        for cache in state["layers"]:
            cache[0], cache[1] = cache[0][rows], cache[1][rows]
        if state["bias"] is not None:
            state["bias"] = state["bias"][rows]
        last = token.view(-1)
        if finished.all():
            break
    final = scores if length_penalty == 0 else scores / lengths.clamp_min(1) ** length_penalty
    best = final.argmax(1)
    return [history[b, best[b], :int(lengths[b, best[b]])].tolist() for b in range(batch)]
