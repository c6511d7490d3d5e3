#!/usr/bin/env bash
# Training speed, ConvForge then PyTorch 1.13, on the same machine, network, batch (128) and optimizer
# (SGD, Nesterov momentum 0.9, lr 0.05, weight decay 5e-4), one right after the other.
# Usage: bash benchmarks/training-vs-pytorch.sh [NinFashion|FashionNin] [threads]
# Needs: dataset-fashion-mnist and python3-torch (apt); run on an otherwise idle machine (see `uptime`).
set -euo pipefail
cd "$(dirname "$0")/.."
network=${1:-NinFashion}
threads=${2:-2}

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== ConvForge"
dotnet run -c Release --project benchmarks/ConvForge.Benchmarks.Training -- --model "$network" --threads "$threads" --steps 30 --warmup 5
echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
/usr/bin/python3 benchmarks/pytorch/train_nin.py --network "$network" --threads "$threads" --warmup 5 --steps 30 --window 5
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
