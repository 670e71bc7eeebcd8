"""Where the PyTorch reference's DataLoader spends its time on a prepared cache (issue 16): the
Dataset's __getitem__ in this process, default_collate, and whole epochs of a DataLoader with no
worker and with one worker process (batch 2, shuffled, prefetch 2). One torch thread.
    /usr/bin/python3 scripts/reference/dataloader_profile.py CACHE_FOLDER
"""
import os
import statistics
import sys
import time

import torch
from torch.utils.data import DataLoader, default_collate

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unict_reference.cache_dataset import CacheDataset  # noqa: E402


def main():
    torch.set_num_threads(1)
    dataset = CacheDataset(sys.argv[1], augment=True, intensity_shift=10, intensity_scale=0, max_shift=(0, 2, 2))
    n = len(dataset)
    rounds = []
    for _ in range(3):
        start = time.perf_counter()
        for i in range(n):
            dataset[i]
        rounds.append((time.perf_counter() - start) / n)
    print(f"items: {n}; __getitem__ in this process: {statistics.median(rounds) * 1e3:.2f} ms a volume (median of 3 passes)")
    pair = [dataset[0], dataset[1]]
    start = time.perf_counter()
    for _ in range(50):
        default_collate(pair)
    print(f"default_collate of 2 volumes: {(time.perf_counter() - start) / 50 / 2 * 1e3:.2f} ms a volume")
    for workers in (0, 1):
        ahead = {"prefetch_factor": 2, "persistent_workers": True} if workers else {}
        loader = DataLoader(dataset, batch_size=2, shuffle=True, num_workers=workers, **ahead)
        for _ in loader:  # a first epoch starts the worker
            pass
        epochs = []
        for _ in range(3):
            start = time.perf_counter()
            volumes = sum(batch["ct"].shape[0] for batch in loader)
            epochs.append((time.perf_counter() - start) / volumes)
        print(f"DataLoader, {workers} worker(s): {statistics.median(epochs) * 1e3:.2f} ms a volume (median of 3 epochs)")


if __name__ == "__main__":
    main()
