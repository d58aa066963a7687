#!/usr/bin/env bash
# Peak memory and time of `jwtscan scan` when a scan yields many findings, on generated inputs
# (no network): one file holding TOKENS tokens, and a tree of FILES files holding TREE_TOKENS
# tokens. Each token yields three findings (scripts/gen-tree.py findings), so the defaults are
# 300,000 findings in one file and 1,000,002 over the tree.
#
#   scripts/bench-findings.sh [RUNS] [TOKENS] [TREE_TOKENS] [FILES]
#
# With JWTSCAN_BEFORE naming another jwtscan binary, it runs too, alternating, and the two JSON
# reports must be byte-identical (elapsed_ms aside). Inputs go to $BENCH_DIR (default
# /dev/shm/jwtscan-bench-findings) and are kept for the next run.
set -euo pipefail

runs=${1:-3}
tokens=${2:-100000}
tree_tokens=${3:-333334}
files=${4:-3334}
dir=${BENCH_DIR:-/dev/shm/jwtscan-bench-findings}
source "$(dirname "$0")/bench-common.sh"
mkdir -p "$dir"
one="$dir/one-file-$tokens"
tree="$dir/tree-$tree_tokens-$files"
[[ -d $one ]] || python3 "$here/scripts/gen-tree.py" findings "$one" "$tokens" 1
[[ -d $tree ]] || python3 "$here/scripts/gen-tree.py" findings "$tree" "$tree_tokens" "$files"

printf '| input | binary | findings | median wall (s) | MB/s | peak RSS (MB) |\n| --- | --- | ---: | ---: | ---: | ---: |\n'
for input in "$one" "$tree"; do
    bytes=$(du -sb --apparent-size "$input" | cut -f1)
    measure "$runs" "$dir" scan --format json --fail-on never --now 1767225600 "$input"
    for name in "${order[@]}"; do
        m=$(echo "${times[$name]}" | median)
        count=$(grep -c '"rule":' "$dir/$name.json" || true)
        awk -v i="${input##*/}" -v n="$name" -v c="$count" -v m="$m" -v b="$bytes" -v r="${rss[$name]}" 'BEGIN {
            printf "| %s | %s | %d | %.2f | %.0f | %.0f |\n", i, n, c, m, b / 1048576 / (m > 0 ? m : 0.001), r / 1024 }'
    done
    if ! same_reports "$dir"; then
        echo "bench-findings: the reports of ${input##*/} differ" >&2
        exit 1
    fi
    [[ -z ${JWTSCAN_BEFORE:-} ]] || echo "| ${input##*/} | reports byte-identical | | | | |"
done
