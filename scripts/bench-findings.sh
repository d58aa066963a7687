#!/usr/bin/env bash
# Peak memory and time of `jwtscan scan` when a scan yields many findings, on generated inputs
# (no network): one file holding TOKENS tokens, and a tree of FILES files holding TREE_TOKENS
# tokens. Each token yields three findings (scripts/gen-tree.py findings), so the defaults are
# 300,000 findings in one file and 1,000,002 over the tree. Then `jwtscan git` over a history of
# the tree in two commits (the second edits every other file, whose findings are found again and
# reported at the first commit only): two findings a token there, 666,668 distinct findings
# (TREE_TOKENS 500001 and FILES 5001 make 1,000,002).
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
history="$dir/history-$tree_tokens-$files"
if [[ ! -d $history ]]; then
    cp -r "$tree" "$history"
    git -C "$history" -c init.defaultBranch=main init -q
    git -C "$history" add -A
    git -C "$history" -c user.name=bench -c user.email=bench@example.com commit -qm one
    git -C "$history" ls-files | awk 'NR % 2 == 0' | while read -r file; do echo "# edited" >>"$history/$file"; done
    git -C "$history" -c user.name=bench -c user.email=bench@example.com commit -qam two
    git -C "$history" gc -q
fi

printf '| input | binary | findings | median wall (s) | MB/s | peak RSS (MB) |\n| --- | --- | ---: | ---: | ---: | ---: |\n'
for input in "$one" "$tree" "$history"; do
    bytes=$(du -sb --apparent-size --exclude .git "$input" | cut -f1)
    command=scan
    [[ $input != "$history" ]] || command=git
    measure "$runs" "$dir" "$command" --format json --fail-on never --now 1767225600 "$input"
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
