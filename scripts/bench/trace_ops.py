#!/usr/bin/env python3
"""Self time per operator in a Chrome trace of LibTorch's autograd profiler (peer_bench --profile).

An event's self time is its duration less that of the events nested in it on the same thread.
Prints the operators that take the most self time, their call counts, and the total, divided by
STEPS (the steps the trace holds).
    python3 scripts/bench/trace_ops.py TRACE.json [TOP] [STEPS]
"""
import collections
import json
import sys


def self_times(events):
    by_thread = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X":
            by_thread[e["tid"]].append(e)
    total = collections.Counter()
    calls = collections.Counter()
    for evs in by_thread.values():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []  # [end, name, child time]
        def close(entry):
            end, name, start, dur, child = entry
            total[name] += dur - child
            if stack:
                stack[-1][4] += dur
        for e in evs:
            while stack and stack[-1][0] <= e["ts"]:
                close(stack.pop())
            stack.append([e["ts"] + e["dur"], e["name"], e["ts"], e["dur"], 0.0])
            calls[e["name"]] += 1
        while stack:
            close(stack.pop())
    return total, calls


def short(name):
    """Our autograd functions' backward nodes by their class: "SegmentationLossFunction (backward)"."""
    if name.startswith("torch::autograd::CppNode<"):
        return name[len("torch::autograd::CppNode<"):].rstrip(">").split("::")[-1] + " (backward)"
    return name


def main():
    events = json.load(open(sys.argv[1]))
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    total, calls = self_times(events)
    whole = sum(total.values())
    print(f"{'operator (per step)':<60} {'self ms':>9} {'share':>6} {'calls':>6}")
    for name, us in total.most_common(top):
        print(f"{short(name)[:60]:<60} {us / 1e3 / steps:9.2f} {100 * us / whole:5.1f}% {calls[name] / steps:6.0f}")
    print(f"{'all':<60} {whole / 1e3 / steps:9.2f}")


if __name__ == "__main__":
    main()
