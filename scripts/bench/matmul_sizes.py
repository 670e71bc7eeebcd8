#!/usr/bin/env python3
"""How long the report decoder's matrix products take with the BLAS that libblas.so.3 points to
(issue 16: Debian's default is the reference BLAS; scripts/setup.sh installs OpenBLAS). Median of
50 products, 2 threads. To see the reference BLAS again:
    update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/blas/libblas.so.3
and back with `update-alternatives --auto libblas.so.3-x86_64-linux-gnu`.
    /usr/bin/python3 scripts/bench/matmul_sizes.py
"""
import statistics
import time

import torch


def main():
    torch.set_num_threads(2)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    for rows, inner, cols in [(300, 118, 64), (118, 64, 300), (64, 128, 64), (2000, 64, 64)]:
        a, b = torch.randn(rows, inner), torch.randn(inner, cols)
        times = []
        for _ in range(50):
            start = time.perf_counter()
            torch.mm(a, b)
            times.append(time.perf_counter() - start)
        print(f"{rows} x {inner} by {inner} x {cols}: {statistics.median(times) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
