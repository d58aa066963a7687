#!/usr/bin/env bash
# Peak memory and time of `jwtscan git` against history length, on generated linear histories
# (scripts/make-history.sh, no network): by default 20,000, 100,000 and 200,000 commits.
#
#   scripts/bench-history.sh [RUNS] [THREADS] [COMMITS...]
#
# Prints, per history, the median wall time, commits per second, peak RSS and RSS per 1,000
# commits; with JWTSCAN_BEFORE naming another jwtscan binary, it runs too, alternating, and the
# two JSON reports must be identical (elapsed_ms aside). Histories go to $BENCH_DIR (default
# /dev/shm/jwtscan-bench-history: build them in a tmpfs, as the disk would be measured
# otherwise) and are kept for the next run. With HISTORY=webapp the histories are made by
# scripts/make-webapp-history.sh instead (shaped like a web application's: merges, lock files and
# translations of 100 KB to 1 MB changed often, a pack of ~300 MB at 48,000 commits).
set -euo pipefail

runs=${1:-3}
threads=${2:-$(nproc)}
shift $(($# < 2 ? $# : 2))
lengths=("$@")
((${#lengths[@]})) || lengths=(20000 100000 200000)
dir=${BENCH_DIR:-/dev/shm/jwtscan-bench-history}
source "$(dirname "$0")/bench-common.sh"
mkdir -p "$dir"
echo "threads: $threads  runs: $runs"
printf '| commits | pack (MB) | binary | median wall (s) | commits/s | peak RSS (MB) | KB per 1,000 commits |\n'
printf '| ---: | ---: | --- | ---: | ---: | ---: | ---: |\n'
for commits in "${lengths[@]}"; do
    if [[ ${HISTORY:-} == webapp ]]; then
        repo="$dir/webapp-$commits"
        [[ -d $repo ]] || "$here/scripts/make-webapp-history.sh" "$repo" "$commits" >/dev/null
    else
        repo="$dir/history-$commits"
        [[ -d $repo ]] || "$here/scripts/make-history.sh" "$repo" "$commits" >/dev/null
    fi
    pack=$(du -sm "$repo/.git/objects" | cut -f1)
    measure "$runs" "$dir" git --threads "$threads" --format json --now 1767225600 --fail-on never "$repo"
    for name in "${order[@]}"; do
        m=$(echo "${times[$name]}" | median)
        awk -v c="$commits" -v p="$pack" -v n="$name" -v m="$m" -v r="${rss[$name]}" 'BEGIN {
            printf "| %d | %d | %s | %.2f | %.0f | %.0f | %.0f |\n", c, p, n, m, c / (m > 0 ? m : 0.001), r / 1024, r / (c / 1000) }'
    done
    if ! same_reports "$dir"; then
        echo "bench-history: the reports of $commits commits differ" >&2
        exit 1
    fi
done
