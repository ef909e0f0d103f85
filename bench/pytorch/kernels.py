"""One-thread throughput of single kernels in PyTorch on the CPU, the twin of bench/vs-pytorch/kernels.ts.

Prints one JSON line: {"kernel name": milliseconds (median), ...}. Same shapes as the ln side:
a large matmul (the machine's peak) and LeNet's convolutions at batch 256, forward and both gradients.
"""
import json
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(0)


def median_ms(f, reps=10):
    f()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1e3


F = torch.nn.functional
a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
x1, w1 = torch.randn(256, 1, 28, 28), torch.randn(6, 1, 5, 5)
dy1 = torch.randn(256, 6, 28, 28)
x2, w2 = torch.randn(256, 6, 14, 14), torch.randn(16, 6, 5, 5)
dy2 = torch.randn(256, 16, 10, 10)
grad = torch.nn.grad
results = {
    "matMul 1024x1024x1024": median_ms(lambda: a @ b),
    "conv1 forward": median_ms(lambda: F.conv2d(x1, w1, padding=2)),
    "conv1 filter gradient": median_ms(lambda: grad.conv2d_weight(x1, w1.shape, dy1, padding=2)),
    "conv2 forward": median_ms(lambda: F.conv2d(x2, w2)),
    "conv2 filter gradient": median_ms(lambda: grad.conv2d_weight(x2, w2.shape, dy2)),
    "conv2 input gradient": median_ms(lambda: grad.conv2d_input(x2.shape, w2, dy2)),
}
print(json.dumps(results))
