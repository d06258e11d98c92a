#!/usr/bin/env bash
# Runs every benchmark suite, copies BenchmarkDotNet's GitHub-markdown reports into benchmarks/results/ and
# regenerates the charts, the summary and the README's performance block from them (benchmarks/chart.py).
#
#   benchmarks/run-full.sh            # the full run: 3 launches per benchmark, 5 warmup and 15 measured iterations
#                                     # each (about 50 minutes on 2 cores); on a quiet machine. Includes the
#                                     # event-store suites, which seed 1,000,000-event streams.
#   benchmarks/run-full.sh --short    # a quick look (--job short); the reports and charts say "ShortRun"
#
# Extra arguments after the options go to BenchmarkDotNet, e.g. benchmarks/run-full.sh --short --filter '*Dispatch*'.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Three launches (separate processes) per benchmark in the full run: on a small machine a process tends to settle
# into one thread placement for its whole life (publisher and subscriber on one core, or on two), which moves
# results by up to 2-3x between processes; averaging launches keeps one lucky or unlucky process from deciding a ratio.
# Fixed iteration counts rather than BenchmarkDotNet's open-ended default, so the run takes a predictable time; 3 x 15
# measured iterations per benchmark is enough for the ratios reported.
job=(--launchCount 3 --warmupCount 5 --iterationCount 15 --buildTimeout 900)
if [[ "${1:-}" == "--short" ]]; then
  job=(--job short --buildTimeout 900)
  shift
fi
# A run of some suites (--filter given) replaces only their reports and adds a line to run-info.md; a run of every
# suite starts the results afresh.
filter=(--filter '*')
partial=""
if [[ " $* " == *" --filter "* ]]; then
  filter=()
  partial=1
fi

artifacts="$root/BenchmarkDotNet.Artifacts"
results="$root/benchmarks/results"
rm -rf "$artifacts"

load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo "load average before the run: $load (the machine should be quiet)"
started="$(date -u +'%Y-%m-%d %H:%M UTC')"
dotnet run -c Release --project benchmarks/EventBus.Benchmarks -- "${filter[@]}" "${job[@]}" "$@"
finished="$(date -u +'%Y-%m-%d %H:%M UTC')"

shopt -s nullglob
reports=("$artifacts"/results/*-report-github.md)
if (( ${#reports[@]} == 0 )); then
  echo "no reports in $artifacts/results" >&2
  exit 1
fi

mkdir -p "$results"
if [[ -z "$partial" ]]; then
  rm -f "$results"/*-report-github.md
fi
cp "${reports[@]}" "$results/"

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
if ! git diff --quiet HEAD -- src benchmarks/EventBus.Benchmarks 2>/dev/null; then
  dirty=" (with uncommitted changes)"
fi
info_target="$results/run-info.md"
if [[ -z "$partial" ]]; then
  : > "$info_target"
fi
suites="$(for r in "${reports[@]}"; do basename "$r" -report-github.md | sed 's/^EventBus\.Benchmarks\.//'; done | paste -sd, - | sed 's/,/, /g')"
cat >> "$info_target" <<INFO
- Run: ${started} → ${finished}, commit \`${commit}\`${dirty}; suites: ${suites}
- Command: \`benchmarks/run-full.sh $([[ "${job[*]}" == "--job short"* ]] && echo "--short ")$*\` (BenchmarkDotNet: \`${filter[*]} ${job[*]} $*\`)
- Load average (1, 5, 15 min) before the run: ${load}
INFO

python3 benchmarks/chart.py --results "$results" --readme README.md
echo "results in $results; review and commit them together with README.md"
