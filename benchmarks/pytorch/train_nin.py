#!/usr/bin/python3
"""Trains ConvForge's Fashion-MNIST sample networks with PyTorch, for the training benchmark.

The networks are built exactly as samples/ConvForge.Samples/Networks/NinFashion.cs and FashionNin.cs declare
them; the optimizer is the benchmark's: SGD with Nesterov momentum 0.9, learning rate 0.05, weight decay 5e-4,
batch 128, softmax cross-entropy on the logits (the global average pool's output).

Two modes:
  speed (default): --warmup steps untimed, then --steps timed steps in windows of --window steps; prints the
                   median images/s over the windows and the loss of the last step.
  --epochs N:      trains N epochs over the 60,000 training images (reshuffled each epoch) and prints the test
                   accuracy on the 10,000 test images after each, with the wall time so far.

Run with the system Python, where Debian's python3-torch (1.13) is installed:
  /usr/bin/python3 benchmarks/pytorch/train_nin.py --network NinFashion --threads 2
"""

import argparse
import gzip
import os
import statistics
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATASET_DIRECTORY = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """Reads one IDX file (gzip-compressed or not) into a numpy array of its stated shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as stream:
        data = stream.read()
    zero, data_type, dimensions = struct.unpack(">HBB", data[:4])
    if zero != 0 or data_type != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes (magic {data[:4].hex()})")
    shape = struct.unpack(">" + "I" * dimensions, data[4:4 + 4 * dimensions])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def find_idx(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{stem}[.gz] not in {directory} (apt-get install dataset-fashion-mnist)")


def load_fashion_mnist(directory):
    """Train and test images as normalized float tensors N x 1 x 28 x 28 (mean and std of the training set)."""
    def part(prefix):
        images = read_idx(find_idx(directory, f"{prefix}-images-idx3-ubyte"))
        labels = read_idx(find_idx(directory, f"{prefix}-labels-idx1-ubyte"))
        return torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))

    train_images, train_labels = part("train")
    test_images, test_labels = part("t10k")
    mean, std = train_images.mean().item(), train_images.std().item()
    return (train_images - mean) / std, train_labels, (test_images - mean) / std, test_labels


class ConvBnRelu(nn.Sequential):
    """A convolution without bias, batch norm (eps 1e-5, momentum 0.1 as ConvForge's [BatchNorm]), ReLU."""

    def __init__(self, in_channels, out_channels, kernel):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True))


def conv1x1_relu(in_channels, out_channels):
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1), nn.ReLU(inplace=True))


def nin_fashion():
    """NinFashion.cs: mlpconv 5x5 96-64-48, 2x2 max pool, 5x5 128-96-96, 2x2 max pool, 3x3 128-96-10, global average pool."""
    return nn.Sequential(
        ConvBnRelu(1, 96, 5), conv1x1_relu(96, 64), conv1x1_relu(64, 48),
        nn.MaxPool2d(2),
        ConvBnRelu(48, 128, 5), conv1x1_relu(128, 96), conv1x1_relu(96, 96),
        nn.MaxPool2d(2),
        ConvBnRelu(96, 128, 3), conv1x1_relu(128, 96), conv1x1_relu(96, 10),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())


def fashion_nin():
    """FashionNin.cs: 3x3 32, 3x3 32, max pool, 3x3 96, 1x1 96, max pool, 3x3 192, 1x1 192, 1x1 10 (no ReLU), global average pool."""
    return nn.Sequential(
        ConvBnRelu(1, 32, 3), ConvBnRelu(32, 32, 3),
        nn.MaxPool2d(2),
        ConvBnRelu(32, 96, 3), conv1x1_relu(96, 96),
        nn.MaxPool2d(2),
        ConvBnRelu(96, 192, 3), conv1x1_relu(192, 192), nn.Conv2d(192, 10, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())


NETWORKS = {"NinFashion": nin_fashion, "FashionNin": fashion_nin}


def make_optimizer(model, args):
    return torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)


def train_step(model, optimizer, images, labels):
    optimizer.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss


def batches(count, batch_size, generator):
    """Endless shuffled batches of indices into the training set (full batches only)."""
    while True:
        order = torch.randperm(count, generator=generator)
        for start in range(0, count - batch_size + 1, batch_size):
            yield order[start:start + batch_size]


def speed(model, train_images, train_labels, args):
    optimizer = make_optimizer(model, args)
    model.train()
    indices = batches(len(train_labels), args.batch, torch.Generator().manual_seed(args.seed))
    # The images of a step are gathered before the clock starts: the benchmark times training, not indexing.
    prepared = [next(indices) for _ in range(args.warmup + args.steps)]
    for step in range(args.warmup):
        train_step(model, optimizer, train_images[prepared[step]], train_labels[prepared[step]])

    rates = []
    loss = None
    for window_start in range(args.warmup, args.warmup + args.steps, args.window):
        window = prepared[window_start:min(window_start + args.window, args.warmup + args.steps)]
        inputs = [(train_images[i], train_labels[i]) for i in window]
        start = time.perf_counter()
        for images, labels in inputs:
            loss = train_step(model, optimizer, images, labels)
        loss_value = loss.item()
        rates.append(len(inputs) * args.batch / (time.perf_counter() - start))

    print(f"network {args.network}, torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch}")
    print(f"windows of {args.window} steps after {args.warmup} warm-up steps: "
          + ", ".join(f"{rate:.1f}" for rate in rates) + " images/s")
    print(f"median {statistics.median(rates):.1f} images/s; final loss {loss_value:.4f}")


def evaluate(model, images, labels, batch_size=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(labels), batch_size):
            logits = model(images[start:start + batch_size])
            correct += (logits.argmax(1) == labels[start:start + batch_size]).sum().item()
    model.train()
    return correct / len(labels)


def epochs(model, train_images, train_labels, test_images, test_labels, args):
    optimizer = make_optimizer(model, args)
    steps_per_epoch = len(train_labels) // args.batch
    scheduler = None
    if args.schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * steps_per_epoch)
    indices = batches(len(train_labels), args.batch, torch.Generator().manual_seed(args.seed))
    model.train()
    start = time.perf_counter()
    print(f"network {args.network}, torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch}, "
          f"schedule {args.schedule}")
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.perf_counter()
        total_loss = 0.0
        for _ in range(steps_per_epoch):
            batch = next(indices)
            total_loss += train_step(model, optimizer, train_images[batch], train_labels[batch]).item()
            if scheduler is not None:
                scheduler.step()
        train_seconds = time.perf_counter() - epoch_start
        accuracy = evaluate(model, test_images, test_labels)
        print(f"epoch {epoch}: loss {total_loss / steps_per_epoch:.4f}, test accuracy {100 * accuracy:.2f}%, "
              f"epoch {train_seconds:.1f} s ({steps_per_epoch * args.batch / train_seconds:.1f} images/s), "
              f"wall {time.perf_counter() - start:.1f} s", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--network", choices=sorted(NETWORKS), default="NinFashion")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before the timed ones (speed mode)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps (speed mode)")
    parser.add_argument("--window", type=int, default=5, help="steps per timed window (speed mode)")
    parser.add_argument("--epochs", type=int, default=0, help="train this many epochs and report test accuracy")
    parser.add_argument("--schedule", choices=["constant", "cosine"], default="constant",
                        help="learning rate over the epochs (--epochs mode): constant, or cosine to 0 per step")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=DATASET_DIRECTORY)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_images, train_labels, test_images, test_labels = load_fashion_mnist(args.data)
    model = NETWORKS[args.network]()
    print(f"{args.network}: {sum(p.numel() for p in model.parameters()):,} trainable parameters")
    if args.epochs > 0:
        epochs(model, train_images, train_labels, test_images, test_labels, args)
    else:
        speed(model, train_images, train_labels, args)


if __name__ == "__main__":
    main()
