#!/usr/bin/env bash
# Measures jwtscan on the hostile inputs of issue 17 at growing sizes: wall time and peak RSS.
#
#   scripts/hostile/measure.sh BINARY [CASE...]    cases: big-claims literals wordlists repeats
#                                                 keys baseline long-token (default: all)
#
# Each run is capped at 300 s (`timeout`); a capped run prints `timeout`. Prints one line per run:
# case, size, seconds, peak RSS in MB, exit status.
set -uo pipefail

bin=$(realpath "$1")
shift
here=$(cd "$(dirname "$0")" && pwd)
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=(big-claims literals wordlists repeats keys baseline long-token)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # label size dir args...
    local label=$1 size=$2 dir=$3
    shift 3
    local stats=$work/time.txt
    (cd "$dir" && /usr/bin/time -v -o "$stats" timeout 300 "$bin" "$@" >/dev/null 2>"$work/stderr")
    local status=$?
    local secs rss
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$stats")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$stats")
    [ $status -eq 124 ] && secs="timeout"
    printf '%-12s %-10s %10s %8s MB  exit %s\n' "$label" "$size" "$secs" "$rss" "$status"
}

gen() { python3 "$here/gen.py" "$@"; }

for case in "${cases[@]}"; do
    case $case in
    big-claims)
        for kb in 256 512 1024; do
            gen big-claims "$work/$case-$kb" "$kb"
            run "$case" "${kb}KiB" "$work/$case-$kb" scan --format json .
        done ;;
    literals)
        for n in 20000 40000 80000; do
            gen claims-and-literals "$work/$case-$n" 16 "$n"
            run "$case" "16K+$n" "$work/$case-$n" scan --format json .
        done ;;
    wordlists)
        for n in 10 20 40; do
            gen wordlist-repeats "$work/$case-$n" 256 "$n"
            run "$case" "256K*$n" "$work/$case-$n" scan --format json .
        done ;;
    repeats)
        for n in 100000 200000 400000; do
            gen repeated-tokens "$work/$case-$n" "$n"
            run "$case" "$n" "$work/$case-$n" scan --format json .
        done ;;
    keys)
        for n in 250000 500000 1000000; do
            gen literals "$work/$case-$n" "$n"
            run "$case" "$n" "$work/$case-$n" scan --format json .
        done ;;
    baseline)
        for n in 100000 200000 400000; do
            gen baseline "$work/$case-$n" "$n"
            mkdir -p "$work/$case-$n/tree"
            run "$case" "$n" "$work/$case-$n" scan --format json --baseline baseline.json tree
        done ;;
    long-token)
        for mb in 8 17 24; do
            gen long-token "$work/$case-$mb" "$mb"
            run "$case" "${mb}MiB" "$work/$case-$mb" scan --format json .
            printf '%-12s %-10s tokens found: %s\n' "$case" "${mb}MiB" \
                "$(cd "$work/$case-$mb" && "$bin" scan --format json . 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["tokens"])')"
        done ;;
    *) echo "unknown case $case" >&2; exit 2 ;;
    esac
done
