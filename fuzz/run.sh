#!/usr/bin/env bash
# Fuzzes the API's image-to-tensor path with afl-fuzz for MINUTES minutes, then prints the figures.
# Usage: fuzz/run.sh MINUTES
# Installs nothing: it says what is missing and how to get it.
set -euo pipefail

usage() { echo "Usage: $0 MINUTES   (a whole number of minutes to fuzz, at least 1)" >&2; exit 2; }
[[ $# -eq 1 && $1 =~ ^[0-9]+$ && $1 -ge 1 ]] || usage
minutes=$1

fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
build_dir="$fuzz_dir/out/bin"
findings_dir="$fuzz_dir/findings"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

missing=0
if ! command -v afl-fuzz >/dev/null; then
  echo "afl-fuzz is missing: install AFL++ with 'apt-get install afl++' (Debian's package)." >&2
  missing=1
fi
# The tool manifest in fuzz/ pins SharpFuzz.CommandLine to the version of the SharpFuzz library the harness uses.
if (cd "$fuzz_dir" && dotnet tool run sharpfuzz >/dev/null 2>&1); then
  sharpfuzz() { (cd "$fuzz_dir" && dotnet tool run sharpfuzz "$@"); }
else
  echo "The sharpfuzz tool is missing: run '(cd fuzz && dotnet tool restore)'." >&2
  missing=1
fi
[[ $missing -eq 0 ]] || exit 1

# sharpfuzz rewrites assemblies in place, so every run instruments a fresh, plain build.
echo "Building the harness into $build_dir"
rm -rf "$build_dir"
dotnet publish "$fuzz_dir/ImageFuzz/ImageFuzz.csproj" -c Release -o "$build_dir" --nologo -v quiet

# Coverage is collected where bytes become pixels and pixels become the model input; the
# harness and the rest of the API stay uninstrumented, so they add no noise to the coverage map.
echo "Instrumenting SixLabors.ImageSharp.dll and the Autoencoder.Api.Images namespace"
sharpfuzz "$build_dir/SixLabors.ImageSharp.dll"
sharpfuzz "$build_dir/Autoencoder.Api.dll" Autoencoder.Api.Images

afl_options=(-i "$fuzz_dir/seeds" -o "$findings_dir" -x "$fuzz_dir/image.dict" -t 10000 -m none -V $((minutes * 60)))
# afl-fuzz binds itself and the .NET processes it starts to one free core; FUZZ_CPU picks which.
if [[ -n ${FUZZ_CPU:-} ]]; then afl_options+=(-b "$FUZZ_CPU"); fi
# No status screen when the output goes to a log rather than a terminal.
[[ -t 1 ]] || export AFL_NO_UI=1

echo "Fuzzing for $minutes minutes; findings in $findings_dir"
# SKIP_BIN_CHECK: the target is the dotnet host, whose coverage comes from the instrumented assemblies.
# AUTORESUME: a second run continues from the corpus, crashes and hangs of the first.
AFL_SKIP_BIN_CHECK=1 AFL_AUTORESUME=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  afl-fuzz "${afl_options[@]}" -- "$(command -v dotnet)" "$build_dir/ImageFuzz.dll"

stats="$findings_dir/default/fuzzer_stats"
stat() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
echo
echo "fuzzing time:   $(stat run_time) s"
echo "executions:     $(stat execs_done)"
echo "execs/sec:      $(stat execs_per_sec)"
echo "corpus (paths): $(stat corpus_count)"
echo "edges found:    $(stat edges_found) ($(stat bitmap_cvg) of the map)"
echo "stability:      $(stat stability)"
echo "crashes:        $(stat saved_crashes)"
echo "hangs:          $(stat saved_hangs)"
if [[ $(stat saved_crashes) != 0 || $(stat saved_hangs) != 0 ]]; then
  echo "Reproduce with: dotnet run --project fuzz/ImageFuzz -c Release -- --repro fuzz/findings/default/crashes fuzz/findings/default/hangs"
  exit 1
fi
