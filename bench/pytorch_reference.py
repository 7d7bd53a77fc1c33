"""The article's model trained the same way in PyTorch, as a speed reference for `autoencoder-train benchmark`.

Same data (an MNIST-format folder), same model (784-100-20-100-784, ReLU everywhere, raw 0..255 pixels),
same loss, optimizer, batch size and thread count; prints the median seconds per training epoch
after a warm-up epoch, validation excluded.
"""
import argparse
import gzip
import os
import statistics
import struct
import time

import torch


def read_images(folder):
    for name in ("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            _, count, rows, cols = struct.unpack(">iiii", data[:16])
            pixels = torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8)
            return pixels.view(count, 1, rows, cols).float()
    raise SystemExit(f"no training images in {folder}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images = read_images(args.data)
    model = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 20), torch.nn.ReLU(),
        torch.nn.Linear(20, 100), torch.nn.ReLU(), torch.nn.Linear(100, 784), torch.nn.ReLU(), torch.nn.Unflatten(1, (1, 28, 28)))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()

    seconds = []
    for epoch in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(len(images))
        for first in range(0, len(images), args.batch_size):
            batch = images[order[first:first + args.batch_size]]
            loss = loss_fn(model(batch), batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
        print(f"epoch {epoch + 1}: {seconds[-1]:.2f} s, loss {loss.item():.1f}", flush=True)

    median = statistics.median(seconds[1:])
    print(f"pytorch {torch.__version__}: {len(images)} images, batch {args.batch_size}, {args.threads} threads: "
          f"median {median:.2f} s per epoch ({median * 10000 / len(images):.2f} s per 10,000 images)")


if __name__ == "__main__":
    main()
