#!/usr/bin/env bash
# Seconds per training epoch of the article's model on 60,000 images (Fashion-MNIST), 2 threads:
# our TorchSharp trainer, then the same model in PyTorch (Debian's python3-torch) on the same machine.
# Usage: bench/train-speed.sh [data folder]   (default: Debian's dataset-fashion-mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-/usr/share/datasets/fashion-mnist}"

dotnet build src/Training -c Release -v quiet -nologo
dotnet src/Training/bin/Release/net10.0/autoencoder-train.dll benchmark --data "$data" --epochs 4 --threads 2

if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  /usr/bin/python3 bench/pytorch_reference.py --data "$data" --epochs 4 --threads 2
else
  echo "PyTorch reference skipped: apt-get install python3-torch"
fi
