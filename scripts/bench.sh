#!/usr/bin/env bash
# Times `jwtscan scan` against `rg -c --no-ignore --hidden eyJ` (and gitleaks/kingfisher/betterleaks
# when on PATH) on one tree, alternating runs, and prints medians, MB/s, peak RSS and ratios.
#
#   scripts/bench.sh TREE [RUNS] [THREADS]
#
# Rows: `rg`, `jwtscan` (the default scan), `jwtscan-no-forgery` (weak-secret and secret-in-repo
# disabled: what the forgery checks cost), and `jwtscan-before` when JWTSCAN_BEFORE names another
# jwtscan binary (an older build, for before/after figures under the same conditions).
#
# Copy the tree to a tmpfs first (e.g. /dev/shm): the disk is slow and the page cache is dropped
# when idle, so timings of a tree on disk measure the disk.
set -euo pipefail

tree=${1:?usage: scripts/bench.sh TREE [RUNS] [THREADS]}
runs=${2:-5}
threads=${3:-$(nproc)}
here=$(cd "$(dirname "$0")/.." && pwd)

cargo build --release --quiet --manifest-path "$here/Cargo.toml"
jwtscan="$here/target/release/jwtscan"
command -v rg >/dev/null || { echo "bench: ripgrep (rg) is required" >&2; exit 2; }

bytes=$(du -sb --apparent-size "$tree" | cut -f1)
files=$(find "$tree" -type f | wc -l)
echo "tree: $tree  files: $files  size: $((bytes / 1048576)) MiB  runs: $runs  threads: $threads"

no_forgery=$(mktemp --suffix .toml)
trap 'rm -f "$no_forgery"' EXIT
printf '[rules]\ndisable = ["weak-secret", "secret-in-repo", "private-key", "shared-rsa-prime"]\n' >"$no_forgery"
scan_args="scan --no-ignore --threads $threads --format json --fail-on never -o /dev/null"
declare -A cmds=(
  [rg]="rg -c --no-ignore --hidden -j$threads eyJ $tree"
  [jwtscan]="$jwtscan $scan_args $tree"
  [jwtscan-no-forgery]="$jwtscan $scan_args --config $no_forgery $tree"
)
order=(rg jwtscan jwtscan-no-forgery)
if [[ -n ${JWTSCAN_BEFORE:-} ]]; then
  cmds[jwtscan-before]="$JWTSCAN_BEFORE $scan_args $tree"; order+=(jwtscan-before)
fi
if command -v gitleaks >/dev/null; then
  cmds[gitleaks]="gitleaks dir --no-banner --exit-code 0 -r /dev/null $tree"; order+=(gitleaks)
fi
if command -v kingfisher >/dev/null; then
  cmds[kingfisher]="kingfisher scan --no-validate $tree"; order+=(kingfisher)
fi
if command -v betterleaks >/dev/null; then
  cmds[betterleaks]="betterleaks fs $tree"; order+=(betterleaks)
fi

declare -A times rss
for name in "${order[@]}"; do times[$name]=""; rss[$name]=0; done
# Warm the page cache once per tool, then alternate so drift hits every tool alike.
for name in "${order[@]}"; do eval "${cmds[$name]}" >/dev/null 2>&1 || true; done
for ((run = 1; run <= runs; run++)); do
  for name in "${order[@]}"; do
    # rg exits 1 when it matches nothing: the exit status is not what is measured.
    out=$( { /usr/bin/time -f '%e %M' bash -c "${cmds[$name]} >/dev/null 2>&1; true" ; } 2>&1 | tail -1)
    times[$name]+="${out% *} "
    kb=${out#* }
    if ((kb > rss[$name])); then rss[$name]=$kb; fi
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
base=$(echo "${times[rg]}" | median)
printf '\n| command | median wall (s) | MB/s | files/s | x rg | peak RSS (MB) |\n| --- | ---: | ---: | ---: | ---: | ---: |\n'
for name in "${order[@]}"; do
  m=$(echo "${times[$name]}" | median)
  awk -v n="$name" -v m="$m" -v b="$base" -v bytes="$bytes" -v files="$files" -v r="${rss[$name]}" 'BEGIN {
    s = (m > 0) ? m : 0.001
    printf "| %s | %.3f | %.0f | %.0f | %.2f | %.1f |\n", n, m, bytes / 1048576 / s, files / s, m / b, r / 1024 }'
done
