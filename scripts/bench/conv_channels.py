#!/usr/bin/env python3
"""What a 3 x 3 x 3 convolution costs by channel count on this CPU (issue 16's profile).

The quick start's segmentation decoder runs its last two stages at 32 x 24 x 24 with 8 output
channels, fed 24 and 16 channels; its encoder's first stage is 8 -> 8. Debian's python3-torch 1.13
runs the same oneDNN kernels as our LibTorch, so this times them alone: forward, and backward with
the input's gradient (as inside a network) and without it (the first layer), median of 20 runs,
with glibc malloc set as `unict` sets it. 2 threads, as the benchmarks.
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824 \\
        python3 scripts/bench/conv_channels.py
"""
import statistics
import time

import torch


def timed(conv, x, upstream):
    forward, backward = [], []
    for i in range(25):
        start = time.perf_counter()
        y = conv(x)
        middle = time.perf_counter()
        y.backward(upstream)
        end = time.perf_counter()
        if i >= 5:
            forward.append(middle - start)
            backward.append(end - middle)
    return statistics.median(forward) * 1e3, statistics.median(backward) * 1e3


def main():
    torch.set_num_threads(2)
    torch.manual_seed(0)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, oneDNN {torch.backends.mkldnn.is_available()}")
    print(f"{'conv (channels in -> out, grid)':<36} {'forward ms':>10} {'backward ms':>12} {'backward, no input grad':>24}")
    for c_in, c_out, grid in [(8, 8, (32, 24, 24)), (16, 8, (32, 24, 24)), (24, 8, (32, 24, 24)), (16, 16, (32, 24, 24)),
                              (32, 16, (32, 24, 24)), (48, 16, (16, 12, 12)), (1, 8, (32, 48, 48))]:
        conv = torch.nn.Conv3d(c_in, c_out, 3, padding=1, bias=False)
        upstream = torch.randn(2, c_out, *grid)
        f, b = timed(conv, torch.randn(2, c_in, *grid, requires_grad=True), upstream)
        _, b_weights = timed(conv, torch.randn(2, c_in, *grid), upstream)
        label = f"{c_in} -> {c_out}, {' x '.join(map(str, grid))}"
        print(f"{label:<36} {f:10.2f} {b:12.2f} {b_weights:24.2f}")


if __name__ == "__main__":
    main()
