#!/usr/bin/env bash
# JIT spill check: reads RyuJIT's machine code for every convolution microkernel instantiation a program compiles
# (ConvTile and SinglePixelTile of Avx512Ops and Avx2Ops) and reports, per instantiation, vector registers stored to
# or reloaded from the stack (zmm/ymm operands at [rbp..] or [rsp..]) and calls inside a loop. A spill in the FMA loop
# costs several times the kernel's speed (perf-facts: 13 instead of 60 GFLOP/s), so any is a failure: exit status 1.
# Spills after the loops (the epilogue) are not counted.
#
# The AVX-512 family is checked as the process runs by default (if the CPU has AVX-512), the AVX2 family with
# DOTNET_EnableAVX512=0: the JIT then encodes Vector256 code with VEX and 16 ymm registers, as on an AVX2-only machine
# (with AVX-512 enabled it may use EVEX and 32).
#
# Usage: bash benchmarks/jit-spill-check.sh [--networks] [--verbose]
#   default     the kernel benchmark (benchmarks/ConvForge.Benchmarks.Kernels, 0.02 s per measurement, --more):
#               five ResNet/first-layer shapes, the full tiles and their remainders and border pixels, a few seconds
#   --networks  the sample networks' forward passes (benchmarks/ConvForge.Benchmarks, one run each, ONNX Runtime
#               too): every instantiation the five networks use, with their epilogues; a few minutes
#   --verbose   also print the offending instructions
# Environment: SPILL_CHECK_METHODS (default "ConvTile* SinglePixelTile*") names the methods to disassemble.
set -euo pipefail
cd "$(dirname "$0")/.."

program=kernels
verbose=0
for argument in "$@"; do
    case "$argument" in
        --networks) program=networks ;;
        --verbose) verbose=1 ;;
        *) echo "Usage: bash benchmarks/jit-spill-check.sh [--networks] [--verbose]" >&2; exit 2 ;;
    esac
done
methods=${SPILL_CHECK_METHODS:-"ConvTile* SinglePixelTile*"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$program" = kernels ]; then
    project=benchmarks/ConvForge.Benchmarks.Kernels
    run=(dotnet "$project/bin/Release/net10.0/ConvForge.Benchmarks.Kernels.dll" 0.02 --more)
else
    project=benchmarks/ConvForge.Benchmarks
    run=(dotnet "$project/bin/Release/net10.0/ConvForge.Benchmarks.dll" --runs 1 --warmup 1)
fi
echo "== building $project"
dotnet build "$project" -c Release -v q -nologo 2>&1 | grep -E " error |rror\(s\)" || true

has_avx512=$(grep -qw avx512f /proc/cpuinfo && echo 1 || echo 0)

# One listing file per path; awk then prints one table row per instantiation of that path's family.
check() { # $1 = path label, $2 = family type (Avx512Ops|Avx2Ops), rest = extra environment
    local label=$1 family=$2
    shift 2
    echo "== $label: ${run[*]}"
    env "$@" DOTNET_JitDisasm="$methods" DOTNET_JitStdOutFile="$work/$label.asm" "${run[@]}" > "$work/$label.out" 2>&1 ||
        { echo "the program failed:"; tail -20 "$work/$label.out"; return 2; }
    awk -v family="$family" -v verbose="$verbose" -f /dev/stdin "$work/$label.asm" <<'AWK'
function flush(   i, j, t, inLoop, stores, reloads, calls, name, shape, pixels, blocks, epilogue, s, detail, verdict) {
    if (method == "" || index(method, family ":") == 0 || tier ~ /Tier0|Instrumented/) { method = ""; return }
    # A loop: a jump back to a label above it; every line from the label to the jump is inside.
    for (i = 1; i <= n; i++) inLoop[i] = 0
    for (j = 1; j <= n; j++)
        if (jumpTarget[j] != "" && (jumpTarget[j] in labelLine) && labelLine[jumpTarget[j]] < j)
            for (i = labelLine[jumpTarget[j]]; i <= j; i++) inLoop[i] = 1
    stores = reloads = calls = 0; detail = ""
    for (i = 1; i <= n; i++) {
        if (!inLoop[i]) continue
        t = text[i]
        if (t ~ /[yz]mm/ && t ~ /\[r[bs]p[-+]/) {
            if (t ~ /^[ \t]*[a-z0-9]+[ \t]+[a-z]*word ptr \[r[bs]p/) stores++; else reloads++
            detail = detail "\n      " t
        } else if (t ~ /^[ \t]*call[ \t]/) { calls++; detail = detail "\n      " t }
    }
    # ConvForge.Kernels.Avx512Ops:ConvTile[ConvForge.Kernels.BlockedGeometry`2[Conv3x3,...],ConvForge.Kernels.C14,ConvForge.Kernels.C2,ConvForge.Kernels.Epilogue`1[ConvForge.Kernels.Relu]](ptr,...)
    s = method; gsub(/ConvForge\.Kernels\./, "", s); sub(/\(ptr.*$/, "", s)
    name = s; sub(/\[.*$/, "", name); sub(/^.*:/, "", name)
    shape = s; sub(/^[^[]*\[[A-Za-z]*Geometry`2\[/, "", shape); sub(/,.*$/, "", shape)
    sub(/^ConvForge\.Samples\./, "", shape); sub(/\+ForwardPass\+/, ".", shape) # Nin.Conv5x5S1P2_3To192_32x32
    pixels = "-"; blocks = "-"
    if (match(s, /\],C[0-9]+,C[0-9]+,/)) { split(substr(s, RSTART + 2, RLENGTH - 3), pb, ","); pixels = substr(pb[1], 2); blocks = substr(pb[2], 2) }
    else if (match(s, /\],C[0-9]+,/)) { pixels = 1; blocks = substr(s, RSTART + 3, RLENGTH - 4) }
    epilogue = s; sub(/^.*,C[0-9]+,/, "", epilogue); sub(/\]$/, "", epilogue); gsub(/`[0-9]+\[/, "<", epilogue); gsub(/\]/, ">", epilogue)
    verdict = (stores + reloads + calls == 0) ? "ok" : "SPILLS"
    if (verdict != "ok") failures++
    rows++
    printf "| %-15s | %-40s | %6s | %6s | %-26s | %6d | %7d | %5d | %-6s |\n", name, shape, pixels, blocks, epilogue, stores, reloads, calls, verdict
    if (verbose && detail != "") print "    in loops:" detail
    method = ""
}
BEGIN {
    printf "| %-15s | %-40s | %6s | %6s | %-26s | %6s | %7s | %5s | %-6s |\n", "method", "layer shape", "pixels", "blocks", "epilogue", "spills", "reloads", "calls", "loop"
    print "|-----------------|------------------------------------------|-------:|-------:|----------------------------|-------:|--------:|------:|--------|"
}
/^; Assembly listing for method / {
    flush()
    method = $0; sub(/^; Assembly listing for method /, "", method)
    tier = method; sub(/^.*\) \(/, "", tier)
    n = 0; delete labelLine; delete jumpTarget; delete text
    next
}
method != "" {
    n++; text[n] = $0; jumpTarget[n] = ""
    if ($0 ~ /^G_M[0-9]+_IG[0-9]+:/) { l = $0; sub(/:.*$/, "", l); labelLine[l] = n }
    else if ($1 ~ /^j[a-z]+$/) { target = ($2 == "SHORT") ? $3 : $2; jumpTarget[n] = target }
}
END {
    flush()
    if (rows == 0) { print "no " family " microkernel was compiled (is the family supported here?)"; exit 3 }
    printf "%d instantiation(s) of %s, %d with vector spills, reloads or calls in a loop.\n", rows, family, failures
    exit failures > 0 ? 1 : 0
}
AWK
}

status=0
if [ "$has_avx512" = 1 ]; then
    check avx512 Avx512Ops || status=1
else
    echo "== avx512: this CPU has no AVX-512; skipped (run the check on an AVX-512 machine)"
fi
check avx2 Avx2Ops DOTNET_EnableAVX512=0 || status=1
exit $status
