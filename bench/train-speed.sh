#!/usr/bin/env bash
# Seconds per training epoch on Fashion-MNIST's 60,000 images, 2 threads, batch 64: the article's fully connected
# model and our convolutional one, each with our TorchSharp trainer and then in PyTorch (Debian's python3-torch),
# alternating on the same machine. Our trainer holds a tenth of the images out for validation, so compare the
# "per 10,000 images" figures.
# Usage: bench/train-speed.sh [data folder]   (default: Debian's dataset-fashion-mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-/usr/share/datasets/fashion-mnist}"

dotnet build src/Training -c Release -v quiet -nologo
has_torch=false
/usr/bin/python3 -c "import torch" 2>/dev/null && has_torch=true
$has_torch || echo "PyTorch reference skipped: apt-get install python3-torch libopenblas0-pthread"

dotnet src/Training/bin/Release/net10.0/autoencoder-train.dll benchmark --data "$data" --epochs 4 --threads 2
$has_torch && /usr/bin/python3 bench/pytorch_reference.py --data "$data" --epochs 4 --threads 2

dotnet src/Training/bin/Release/net10.0/autoencoder-train.dll benchmark --data "$data" --recipe default --arch conv --epochs 3 --threads 2
$has_torch && /usr/bin/python3 bench/pytorch_reference.py --data "$data" --arch conv --epochs 3 --threads 2
exit 0
