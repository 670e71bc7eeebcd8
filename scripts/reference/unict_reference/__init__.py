"""A PyTorch implementation of the UniCT network, written independently of the C++ framework.

It is the peer the framework is measured against (scripts/bench/peer_bench.sh) and the second
implementation its outputs are checked against (tests/reference/). It builds from a run's
resolved config.yaml and loads weights exported by `unict model export`.
"""
