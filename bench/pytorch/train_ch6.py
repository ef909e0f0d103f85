#!/usr/bin/env python3
"""PyTorch reference for d2l's `train_ch6`: the baseline that ln is compared against, on the CPU by
default (--device cuda on an NVIDIA GPU).

LeNet (default): the seed's LeNet on Fashion-MNIST read straight from the IDX .gz files, trained with
d2l's train_ch6 semantics (Xavier-uniform weights, SGD, mean cross-entropy, Accumulator of loss*n /
correct / n, test accuracy in eval mode after each epoch, a timer around the training steps only,
examples/sec = n * epochs / train time).

AlexNet (--model alexnet): seconds per training step of the seed's AlexNet at --resize x --resize.

With --json, stdout holds exactly one line, a JSON object (human lines go to stderr); without it the
human lines go to stdout like d2l's prints.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import struct
import sys
import time

import torch
from torch import nn

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"


# ---------------------------------------------------------------- data


def read_idx(path: str) -> torch.Tensor:
    """An IDX file (gzipped or not) as a uint8 tensor of its declared shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    data = torch.frombuffer(bytearray(raw), dtype=torch.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def find_file(data_dir: str, stem: str) -> str:
    for name in (stem + ".gz", stem):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{stem}(.gz) not found in {data_dir} (pass --data-dir)")


def load_fashion_mnist(data_dir: str, split: str, limit: int | None = None):
    """Images as float32 (N, 1, 28, 28) in [0, 1] (what d2l's ToTensor gives), labels as int64."""
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(find_file(data_dir, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find_file(data_dir, f"{prefix}-labels-idx1-ubyte"))
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = images.to(torch.float32).div_(255).unsqueeze(1).contiguous()
    return x, labels.to(torch.int64)


def batches_perm(x, y, batch_size, shuffle, generator=None):
    """A new random permutation each epoch, sliced into batches; the last one may be short.

    Same semantics as DataLoader(TensorDataset(x, y), batch_size, shuffle=shuffle) (drop_last=False),
    with one gather per batch instead of one per example plus a collate."""
    n = x.shape[0]
    order = torch.randperm(n, generator=generator) if shuffle else None
    for i in range(0, n, batch_size):
        if order is None:
            yield x[i : i + batch_size], y[i : i + batch_size]
        else:
            idx = order[i : i + batch_size]
            yield x.index_select(0, idx), y.index_select(0, idx)


def make_iter(kind, x, y, batch_size, shuffle, generator=None):
    """A callable giving one epoch's batches."""
    if kind == "perm":
        return lambda: batches_perm(x, y, batch_size, shuffle, generator)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y),
        batch_size=batch_size,
        shuffle=shuffle,
        num_workers=0,
        generator=generator,
    )
    return lambda: iter(loader)


# ---------------------------------------------------------------- models (the seed's)


class Reshape(nn.Module):
    def forward(self, X):
        return X.reshape((-1, 1, 28, 28))


def lenet():
    return nn.Sequential(
        Reshape(),
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        nn.Sigmoid(),
        nn.AvgPool2d(2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.Sigmoid(),
        nn.AvgPool2d(2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        nn.Sigmoid(),
        nn.Linear(84, 10),
    )


def alexnet():
    return nn.Sequential(
        nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(),
        nn.Linear(6400, 4096),
        nn.ReLU(),
        nn.Dropout(p=0.5),
        nn.Linear(4096, 4096),
        nn.ReLU(),
        nn.Dropout(p=0.5),
        nn.Linear(4096, 10),
    )


INIT_NOTE = "xavier_uniform_ on Linear/Conv2d weights (d2l init_weights); biases keep PyTorch's default init"


def init_weights(m):
    # d2l's train_ch6: only the weights; biases stay as PyTorch initialised them
    # (uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))).
    if type(m) == nn.Linear or type(m) == nn.Conv2d:  # noqa: E721 (d2l's exact test)
        nn.init.xavier_uniform_(m.weight)


# ---------------------------------------------------------------- d2l helpers


class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


class Timer:
    def __init__(self):
        self.times = []
        self.tik = None

    def start(self):
        self.tik = time.perf_counter()

    def stop(self):
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def sum(self):
        return sum(self.times)


def accuracy(y_hat, y):
    """Number of correct predictions (d2l.accuracy)."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy(net, data_iter, device):
    """d2l.evaluate_accuracy_gpu: eval mode, no grad, one Accumulator over all batches, each batch moved
    to `device`.

    (The seed's copy creates the Accumulator inside the loop, which returns only the last batch's
    accuracy; d2l's creates it once, as here.)"""
    net.eval()
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


# ---------------------------------------------------------------- runs


def log(args, *parts):
    print(*parts, file=sys.stderr if args.json else sys.stdout, flush=True)


def common_info(args):
    return {
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name() if args.device.startswith("cuda") else args.device,
        "python": platform.python_version(),
        "seed": args.seed,
        "init": INIT_NOTE,
    }


def run_lenet(args):
    lr = 0.9 if args.lr is None else args.lr
    t0 = time.perf_counter()
    train_x, train_y = load_fashion_mnist(args.data_dir, "train", args.limit)
    test_x, test_y = load_fashion_mnist(args.data_dir, "test", args.test_limit)
    load_s = time.perf_counter() - t0
    gen = torch.Generator().manual_seed(args.seed) if args.seed is not None else None
    train_iter = make_iter(args.loader, train_x, train_y, args.batch_size, True, gen)
    test_iter = make_iter(args.loader, test_x, test_y, args.batch_size, False)

    net = lenet()
    net.apply(init_weights)
    net.to(args.device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    log(args, f"training on {args.device}: {train_x.shape[0]} train / {test_x.shape[0]} test examples, "
        f"batch {args.batch_size}, lr {lr}, {args.epochs} epochs, {torch.get_num_threads()} threads, "
        f"loader {args.loader}, torch {torch.__version__} (data read in {load_s:.2f} s)")

    timer = Timer()
    epochs = []
    train_l = train_acc = test_acc = float("nan")
    wall0 = time.perf_counter()
    for epoch in range(args.epochs):
        metric = Accumulator(3)
        net.train()
        t_epoch = timer.sum()
        for X, y in train_iter():
            timer.start()
            # d2l's train_ch6 moves each batch to the device inside the timed step.
            X, y = X.to(args.device), y.to(args.device)
            optimizer.zero_grad()
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
            timer.stop()
            train_l = metric[0] / metric[2]
            train_acc = metric[1] / metric[2]
        test_acc = evaluate_accuracy(net, test_iter(), args.device)
        epoch_s = timer.sum() - t_epoch
        epochs.append({"epoch": epoch + 1, "loss": train_l, "train_acc": train_acc, "test_acc": test_acc,
                       "train_s": epoch_s, "examples_per_sec": metric[2] / epoch_s})
        log(args, f"epoch {epoch + 1}: loss {train_l:.3f}, train acc {train_acc:.3f}, "
            f"test acc {test_acc:.3f}, {metric[2] / epoch_s:.1f} examples/sec")
    wall_s = time.perf_counter() - wall0
    n = metric[2] if args.epochs else 0
    ex_per_sec = n * args.epochs / timer.sum() if args.epochs else float("nan")
    log(args, f"loss {train_l:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}")
    log(args, f"{ex_per_sec:.1f} examples/sec on {args.device}")
    return {
        "model": "lenet",
        "examples_per_sec": ex_per_sec,
        "loss": train_l,
        "train_acc": train_acc,
        "test_acc": test_acc,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": lr,
        "n_train": int(train_x.shape[0]),
        "n_test": int(test_x.shape[0]),
        "train_s": timer.sum(),
        "wall_s": wall_s,
        "loader": args.loader,
        **common_info(args),
        "per_epoch": epochs,
    }


def run_alexnet(args):
    # d2l trains AlexNet with lr 0.01 (the seed passes 0.1); the step time does not depend on it.
    lr = 0.01 if args.lr is None else args.lr
    size, bs = args.resize, args.batch_size
    steps, warmup = args.steps, args.warmup
    total = steps + warmup
    gen = torch.Generator().manual_seed(args.seed if args.seed is not None else 0)
    if args.data == "random":
        xs = [torch.rand(bs, 1, size, size, generator=gen) for _ in range(min(total, 2))]
        ys = [torch.randint(0, 10, (bs,), generator=gen) for _ in range(len(xs))]
    else:
        x, y = load_fashion_mnist(args.data_dir, "train", bs * min(total, 4))
        # d2l: transforms.Resize(224) then ToTensor (bilinear; upsampling, so antialias changes nothing)
        x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        xs, ys = list(x.split(bs)), list(y.split(bs))
    xs, ys = [x.to(args.device) for x in xs], [y.to(args.device) for y in ys]
    net = alexnet()
    net.apply(init_weights)
    net.to(args.device)
    net.train()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    log(args, f"alexnet on {args.device}: {size}x{size}, batch {bs}, {warmup} warm-up + {steps} timed steps, "
        f"{torch.get_num_threads()} threads, {args.data} data, torch {torch.__version__}")
    times = []
    for i in range(total):
        X, y = xs[i % len(xs)], ys[i % len(ys)]
        t = time.perf_counter()
        optimizer.zero_grad()
        l = loss(net(X), y)
        l.backward()
        optimizer.step()
        float(l)
        dt = time.perf_counter() - t
        if i >= warmup:
            times.append(dt)
        log(args, f"step {i + 1}{' (warm-up)' if i < warmup else ''}: {dt:.3f} s, loss {float(l):.3f}")
    med = statistics.median(times) if times else float("nan")
    log(args, f"median {med:.3f} s/step ({bs / med:.1f} examples/sec)")
    return {
        "model": "alexnet",
        "sec_per_step": med,
        "sec_per_step_all": times,
        "examples_per_sec": bs / med,
        "batch_size": bs,
        "resize": size,
        "steps": steps,
        "warmup": warmup,
        "data": args.data,
        "lr": lr,
        **common_info(args),
    }


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", choices=["lenet", "alexnet"], default="lenet")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=None, help="default 256 (lenet), 128 (alexnet)")
    p.add_argument("--lr", type=float, default=None, help="default 0.9 (lenet), 0.01 (alexnet)")
    p.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    p.add_argument("--limit", type=int, default=None, help="use the first N training examples")
    p.add_argument("--test-limit", type=int, default=None, help="use the first N test examples")
    p.add_argument("--seed", type=int, default=None, help="torch.manual_seed and the shuffle order")
    p.add_argument("--data-dir", default=os.environ.get("FASHION_MNIST_DIR", DEFAULT_DATA_DIR))
    p.add_argument("--loader", choices=["perm", "dataloader"], default="perm",
                   help="perm: randperm + index_select per batch (default, faster); "
                        "dataloader: DataLoader(TensorDataset, shuffle=True, num_workers=0)")
    p.add_argument("--json", action="store_true", help="stdout: one JSON line only; logs to stderr")
    g = p.add_argument_group("alexnet")
    g.add_argument("--resize", type=int, default=224)
    g.add_argument("--steps", type=int, default=3, help="timed steps")
    g.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    g.add_argument("--data", choices=["random", "real"], default="random",
                   help="random tensors, or Fashion-MNIST resized (bilinear)")
    args = p.parse_args(argv)
    if args.batch_size is None:
        args.batch_size = 128 if args.model == "alexnet" else 256
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.seed is not None:
        torch.manual_seed(args.seed)
    result = run_alexnet(args) if args.model == "alexnet" else run_lenet(args)
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
