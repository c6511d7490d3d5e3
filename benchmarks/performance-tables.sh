#!/usr/bin/env bash
# The whole matrix of docs/performance.md in one go: NIN, SqueezeNet 1.1, GoogLeNet, ResNet-18 and ResNet-50 against
# ONNX Runtime on 1 and 2 threads at batch 1, 8 and 32, on our AVX-512 path and on our AVX2 path (DOTNET_EnableAVX512=0,
# which only our side reads: ONNX Runtime keeps its best path), then ResNet-18 step by step on both paths.
# Writes the Markdown tables to the file named by the first argument (default performance-tables.md); progress goes
# to the terminal. Each table row gets about BUDGET seconds (default 12) of warm-up and timed runs, so batch 32 of the
# big networks gets a few runs and batch 1 of the small ones gets RUNS (default 30): about 10-15 minutes on 2 cores.
#
#   benchmarks/performance-tables.sh [OUTPUT.md]
#   BUDGET=30 RUNS=50 benchmarks/performance-tables.sh results.md     # more runs, longer
#   MODELS="nin squeezenet" BUDGET=2 benchmarks/performance-tables.sh quick.md   # a quick check of the script
set -euo pipefail

output=$(realpath -m "${1:-performance-tables.md}")
cd "$(dirname "$0")/.."
budget=${BUDGET:-12}
runs=${RUNS:-30}
warmup=${WARMUP:-5}

if ! build=$(dotnet build benchmarks/ConvForge.Benchmarks -c Release 2>&1); then
    grep -E " error " <<<"$build" | sort -u >&2 || true
    echo "The benchmark does not build." >&2
    exit 1
fi
binary=(dotnet run -c Release --no-build --project benchmarks/ConvForge.Benchmarks --)
models=()
for model in ${MODELS:-nin squeezenet googlenet resnet18 resnet50}; do models+=(--model "$model"); done
matrix=(--threads 1 --threads 2 --batch 1 --batch 8 --batch 32 --runs "$runs" --warmup "$warmup" --budget "$budget")
layers=(--layers --model resnet18 --threads 1 --threads 2 --runs "$runs" --warmup "$warmup")

status=0
run() {
    echo "== $*" >&2
    "$@" >>"$output" || status=1
}

{
    echo "# Performance tables, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "Made by benchmarks/performance-tables.sh (BUDGET=$budget RUNS=$runs WARMUP=$warmup); load average at the start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)."
    echo
} >"$output"

start=$SECONDS
run env -u DOTNET_EnableAVX512 "${binary[@]}" "${models[@]}" "${matrix[@]}"
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    run env DOTNET_EnableAVX512=0 "${binary[@]}" "${models[@]}" "${matrix[@]}"
else
    echo "This CPU has no AVX-512: the run above is the AVX2 path, and there is no AVX-512 table." | tee -a "$output" >&2
fi
run env -u DOTNET_EnableAVX512 "${binary[@]}" "${layers[@]}"
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    run env DOTNET_EnableAVX512=0 "${binary[@]}" "${layers[@]}"
fi

echo "Tables in $output ($((SECONDS - start)) s)." >&2
[ "$status" -eq 0 ] || echo "Some outputs differed from ONNX Runtime's (or a run failed): see $output." >&2
exit "$status"
