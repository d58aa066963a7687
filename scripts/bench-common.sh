# Shared by the bench scripts (sourced, not run): the release build, the binaries to compare
# (JWTSCAN_BEFORE adds an older one), alternating timed runs, medians and the report check.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
declare -A bins=([jwtscan]="$here/target/release/jwtscan")
order=(jwtscan)
if [[ -n ${JWTSCAN_BEFORE:-} ]]; then bins[before]=$JWTSCAN_BEFORE; order+=(before); fi

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# measure RUNS DIR ARGS...: runs every binary RUNS times, alternating, as `BIN ARGS... -o DIR/NAME.json`;
# leaves the wall times in times[NAME] and the peak RSS in KB in rss[NAME].
measure() {
    local runs=$1 dir=$2 run name out kb
    shift 2
    declare -gA times=() rss=()
    for name in "${order[@]}"; do times[$name]=""; rss[$name]=0; done
    for ((run = 1; run <= runs; run++)); do
        for name in "${order[@]}"; do
            # time's own -o: its figures must not mix with the scanner's stderr, which is discarded.
            /usr/bin/time -o "$dir/time.txt" -f '%e %M' "${bins[$name]}" "$@" -o "$dir/$name.json" >/dev/null 2>&1 || true
            out=$(tail -1 "$dir/time.txt")
            times[$name]+="${out% *} "
            kb=${out#* }
            if ((kb > rss[$name])); then rss[$name]=$kb; fi
        done
    done
}

# same_reports DIR: whether the two binaries' JSON reports match, elapsed_ms aside (true without
# JWTSCAN_BEFORE).
same_reports() {
    [[ -z ${JWTSCAN_BEFORE:-} ]] ||
        cmp -s <(grep -v '"elapsed_ms"' "$1/jwtscan.json") <(grep -v '"elapsed_ms"' "$1/before.json")
}
