"""Test-session settings.

The unit tests train tiny networks on tiny batches, where torch's intra-op
threads cost more than they save (and spin for a long time when another
process holds the other core): one thread keeps the suite fast and its
timing stable. Benchmarks and user code keep torch's default.
"""

import torch

torch.set_num_threads(1)
