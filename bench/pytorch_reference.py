"""Our models trained the same way in PyTorch, as a speed reference for `autoencoder-train benchmark`.

Same data (an MNIST-format folder), same batch size and thread count, and the same model, loss and optimizer:
--arch fc is the article's recipe (784-100-20-100-784, ReLU everywhere, raw 0..255 pixels, MSE); --arch conv is
our convolutional network with the default recipe (two stages of 32 and 64 channels, two 3x3 convolutions each,
the second strided, LeakyReLU, a linear 20-number latent, the mirror image with transposed convolutions, sigmoid,
[0,1] pixels, binary cross-entropy). Prints the median seconds per training epoch after a warm-up epoch,
validation excluded.
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
    parser.add_argument("--arch", choices=("fc", "conv"), default="fc")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images = read_images(args.data)
    if args.arch == "fc":
        model = torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 20), torch.nn.ReLU(),
            torch.nn.Linear(20, 100), torch.nn.ReLU(), torch.nn.Linear(100, 784), torch.nn.ReLU(), torch.nn.Unflatten(1, (1, 28, 28)))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.MSELoss()
    else:
        images = images / 255
        act = lambda: torch.nn.LeakyReLU(0.01)
        model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3, 1, 1), act(), torch.nn.Conv2d(32, 32, 3, 2, 1), act(),
            torch.nn.Conv2d(32, 64, 3, 1, 1), act(), torch.nn.Conv2d(64, 64, 3, 2, 1), act(),
            torch.nn.Flatten(), torch.nn.Linear(64 * 7 * 7, 20),
            torch.nn.Linear(20, 64 * 7 * 7), act(), torch.nn.Unflatten(1, (64, 7, 7)),
            torch.nn.Conv2d(64, 64, 3, 1, 1), act(), torch.nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), act(),
            torch.nn.Conv2d(32, 32, 3, 1, 1), act(), torch.nn.ConvTranspose2d(32, 1, 3, 2, 1, 1), torch.nn.Sigmoid())
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        loss_fn = torch.nn.BCELoss()

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
    print(f"pytorch {torch.__version__}, {args.arch}: {len(images)} images, batch {args.batch_size}, {args.threads} threads: "
          f"median {median:.2f} s per epoch ({median * 10000 / len(images):.2f} s per 10,000 images)")


if __name__ == "__main__":
    main()
