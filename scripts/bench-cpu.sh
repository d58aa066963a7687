#!/usr/bin/env bash
# jwtscan against ripgrep on one tree, for the CPU it runs on: the table docs/performance.md keeps
# per CPU. It starts with the CPU (model name, family/model, the SIMD and SHA flags the engines
# choose by), so a figure always names its CPU.
#
#   scripts/bench-cpu.sh TREE [RUNS]
#
# Rows: at 2 threads and at 1, `rg -c --no-ignore --hidden eyJ`, `jwtscan scan` with every rule,
# and without the forgery checks (`--disable` weak-secret, secret-in-repo, private-key and
# shared-rsa-prime, the rules that need key collection): median wall
# and median CPU (user + system) of RUNS alternated runs (default 5), and both as ratios to rg.
# With JWTSCAN_BEFORE naming another jwtscan binary, it runs too and the two JSON reports must be
# byte-identical (elapsed_ms aside).
#
# With INSTRUCTIONS=SMALL_TREE, each command also runs once under `valgrind --tool=callgrind` on
# SMALL_TREE at 1 thread, and the instructions per byte are printed per needle engine (the default
# `planned`: slim Teddy with measured buckets; `JWTSCAN_NEEDLES=fat`: the build before's fat Teddy
# for the fused token and hint search and the named-line search; `slim`: slim Teddy with the
# needles' own order): a count that load on the machine does not change. Valgrind hides AVX-512
# and SHA-NI, so those counts are of the AVX2 paths.
#
# Copy the trees to a tmpfs first (e.g. /dev/shm): the disk is slow for small files.
set -euo pipefail

tree=${1:?usage: scripts/bench-cpu.sh TREE [RUNS]}
runs=${2:-5}
source "$(dirname "$0")/bench-common.sh"
command -v rg >/dev/null || { echo "bench-cpu: ripgrep (rg) is required" >&2; exit 2; }

cpu() { awk -F': ' -v k="$1" '$1 ~ "^"k"[ \t]*$" { print $2; exit }' /proc/cpuinfo; }
flags=$(cpu flags | tr ' ' '\n' | grep -E '^(avx2|avx512.*|sha_ni|bmi2)$' | tr '\n' ' ')
echo "CPU: $(cpu 'model name'), family $(cpu 'cpu family') model $(cpu model) ($(cpu vendor_id)), $(nproc) CPUs"
echo "flags: ${flags:-none of avx2, avx512*, sha_ni}"
echo "rg: $(rg --version | sed -n 1p)"
bytes=$(du -sb --apparent-size "$tree" | cut -f1)
files=$(find "$tree" -type f | wc -l)
echo "tree: $tree  files: $files  size: $((bytes / 1048576)) MiB  runs: $runs"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
scan=(scan --no-ignore --format json --fail-on never --now 1767225600)
no_forgery=(--disable weak-secret --disable secret-in-repo --disable private-key --disable shared-rsa-prime)

# run NAME COMMAND...: one timed run, appending wall and user + system seconds to wall[NAME] and
# cpu[NAME].
declare -A wall cpu
run() {
    local name=$1 out
    shift
    /usr/bin/time -o "$dir/time" -f '%e %U %S' "$@" >/dev/null 2>&1 || true
    out=$(tail -1 "$dir/time")
    read -r w u s <<<"$out"
    wall[$name]+="$w "
    cpu[$name]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "
}

printf '\n| threads | run | wall (s) | CPU (s) | × rg wall | × rg CPU |\n| ---: | --- | ---: | ---: | ---: | ---: |\n'
for threads in 2 1; do
    names=(rg)
    for name in "${order[@]}"; do names+=("$name" "$name-no-forgery"); done
    for name in "${names[@]}"; do wall[$name]=""; cpu[$name]=""; done
    # Warm the page cache, then alternate so drift hits every command alike.
    rg -c --no-ignore --hidden eyJ "$tree" >/dev/null 2>&1 || true
    for ((i = 0; i < runs; i++)); do
        run rg rg -c --no-ignore --hidden -j"$threads" eyJ "$tree"
        for name in "${order[@]}"; do
            run "$name" "${bins[$name]}" "${scan[@]}" --threads "$threads" -o "$dir/$name.json" "$tree"
            run "$name-no-forgery" "${bins[$name]}" "${scan[@]}" "${no_forgery[@]}" --threads "$threads" -o /dev/null "$tree"
        done
    done
    rg_wall=$(echo "${wall[rg]}" | median)
    rg_cpu=$(echo "${cpu[rg]}" | median)
    for name in "${names[@]}"; do
        w=$(echo "${wall[$name]}" | median)
        c=$(echo "${cpu[$name]}" | median)
        awk -v t="$threads" -v n="$name" -v w="$w" -v c="$c" -v rw="$rg_wall" -v rc="$rg_cpu" 'BEGIN {
            printf "| %d | %s | %.2f | %.2f | %.2f | %.2f |\n", t, n, w, c, w / (rw > 0 ? rw : 0.001), c / (rc > 0 ? rc : 0.001) }'
    done
    if ! same_reports "$dir"; then
        echo "bench-cpu: the reports differ" >&2
        exit 1
    fi
done
[[ -z ${JWTSCAN_BEFORE:-} ]] || echo "reports byte-identical (elapsed_ms aside)"

[[ -n ${INSTRUCTIONS:-} ]] || exit 0
command -v valgrind >/dev/null || { echo "bench-cpu: INSTRUCTIONS needs valgrind" >&2; exit 2; }
small=$INSTRUCTIONS
small_bytes=$(du -sb --apparent-size "$small" | cut -f1)
# instructions COMMAND...: the instructions callgrind counts for one run.
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        awk '/Collected :/ { print $NF }'
}
printf '\n%s (%d bytes), 1 thread, under callgrind:\n\n| command | needles | instructions | per byte |\n| --- | --- | ---: | ---: |\n' "$small" "$small_bytes"
rg_count=$(instructions rg -c --no-ignore --hidden -j1 eyJ "$small")
awk -v i="$rg_count" -v b="$small_bytes" 'BEGIN { printf "| rg | | %d | %.2f |\n", i, i / b }'
for needles in planned fat slim; do
    for forgery in on off; do
        extra=()
        [[ $forgery == on ]] || extra=("${no_forgery[@]}")
        count=$(JWTSCAN_NEEDLES=$needles instructions "${bins[jwtscan]}" "${scan[@]}" "${extra[@]}" --threads 1 -o /dev/null "$small")
        awk -v n="jwtscan, forgery $forgery" -v e="$needles" -v i="$count" -v b="$small_bytes" 'BEGIN {
            printf "| %s | %s | %d | %.2f |\n", n, e, i, i / b }'
    done
done
