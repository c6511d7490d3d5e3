#!/usr/bin/env bash
# Runs every test project in Release, then the parity tests again on the AVX2 and portable kernel paths,
# and prints one closing line: "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
status=0
dotnet build Generator.sln -c Release --nologo -v quiet || exit 1
dotnet test Generator.sln -c Release --no-build --nologo 2>&1 | tee "$log" || status=$?

# The first run covers the machine's best path (AVX-512 here). The runtime's switches take the others away
# from the test process only: AVX2 + FMA without AVX-512, then no hardware intrinsics at all (portable).
parity=tests/ConvForge.Parity.Tests/ConvForge.Parity.Tests.csproj
for switch in DOTNET_EnableAVX512=0 DOTNET_EnableHWIntrinsic=0; do
  echo "+ parity tests with $switch"
  dotnet test "$parity" -c Release --no-build --nologo -e "$switch" 2>&1 | tee -a "$log" || status=$?
done

# dotnet test prints one "Passed!/Failed! - Failed: F, Passed: P, Skipped: S" line per assembly and run.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
