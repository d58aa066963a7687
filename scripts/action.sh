#!/usr/bin/env bash
# The logic of the jwtscan GitHub Action (action.yml), kept out of the YAML so that a test can run
# it with a fake GitHub environment:
#
#   action.sh install   put a jwtscan binary in place; writes the output `bin`
#   action.sh run       scan: annotations to the log, a SARIF log to a file; writes the outputs
#                       `findings`, `sarif` and `exit-code`; fails only on a usage error (exit 2)
#   action.sh finish    exit with the scan's verdict (after the SARIF upload has had its turn)
#
# Inputs come as INPUT_* variables (action.yml maps them explicitly: composite actions do not),
# never spliced into code. GitHub provides GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_OS,
# RUNNER_ARCH and RUNNER_TEMP. Also read:
#   JWTSCAN_BIN             use this binary instead of installing one
#   JWTSCAN_REPOSITORY      owner/name whose releases hold the binaries (default jwtscan/jwtscan)
#   JWTSCAN_DOWNLOAD_BASE   where `jwtscan-<version>-<target>.tar.gz` and its `.sha256` are
#                           (default: that repository's release for tag v<version>)
#   JWTSCAN_EXIT_CODE       for `finish`: the `exit-code` output of `run`
#
# Written for bash 3.2 too (macOS runners): no ${x,,}, no mapfile, guarded empty arrays.
set -euo pipefail

# Messages go through the runner's escaping so no input value can start a workflow command.
escape_data() {
    local text=$1
    text=${text//%/%25}
    text=${text//$'\r'/%0D}
    text=${text//$'\n'/%0A}
    printf '%s' "$text"
}

die() {
    printf '::error title=jwtscan action::%s\n' "$(escape_data "$*")"
    exit 2
}

set_output() {
    local name=$1 value=$2
    case $value in
    *$'\n'* | *$'\r'*) die "output $name holds a line break" ;;
    esac
    if [[ -n ${GITHUB_OUTPUT:-} ]]; then
        printf '%s=%s\n' "$name" "$value" >>"$GITHUB_OUTPUT"
    else
        printf '%s=%s\n' "$name" "$value"
    fi
}

temp_dir() {
    local dir=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
    # GNU tar on Windows reads `D:\...` as a remote host; use the POSIX spelling there.
    if command -v cygpath >/dev/null 2>&1; then
        dir=$(cygpath -u "$dir")
    fi
    printf '%s' "$dir"
}

exe_suffix() {
    if [[ ${RUNNER_OS:-} == Windows ]]; then printf '.exe'; fi
}

# The release target for this runner, or nothing when no binary is published for it.
target_triple() {
    case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) printf 'x86_64-unknown-linux-musl' ;;
    Linux/ARM64) printf 'aarch64-unknown-linux-musl' ;;
    macOS/X64) printf 'x86_64-apple-darwin' ;;
    macOS/ARM64) printf 'aarch64-apple-darwin' ;;
    Windows/X64) printf 'x86_64-pc-windows-msvc' ;;
    *) return 1 ;;
    esac
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | awk '{print $1}'
    else
        shasum -a 256 "$1" | awk '{print $1}'
    fi
}

fetch() {
    curl --fail --silent --show-error --location --retry 3 --proto '=https,file' --output "$2" "$1" ||
        die "cannot download $1"
}

install_release() {
    local version=$1 target=$2 dir archive base expected actual
    base=${JWTSCAN_DOWNLOAD_BASE:-${GITHUB_SERVER_URL:-https://github.com}/${JWTSCAN_REPOSITORY:-jwtscan/jwtscan}/releases/download/v$version}
    archive="jwtscan-$version-$target.tar.gz"
    dir="$(temp_dir)/jwtscan-$version-$target"
    mkdir -p "$dir"
    fetch "$base/$archive" "$dir/$archive"
    fetch "$base/$archive.sha256" "$dir/$archive.sha256"
    expected=$(awk '{print $1; exit}' "$dir/$archive.sha256" | tr 'A-F' 'a-f')
    actual=$(sha256_of "$dir/$archive" | tr 'A-F' 'a-f')
    [[ $expected =~ ^[0-9a-f]{64}$ ]] || die "$archive.sha256 does not hold a SHA-256"
    if [[ $expected != "$actual" ]]; then
        rm -f "$dir/$archive"
        die "checksum mismatch for $archive: expected $expected, got $actual"
    fi
    tar -xzf "$dir/$archive" -C "$dir"
    BIN="$dir/jwtscan$(exe_suffix)"
    [[ -f $BIN ]] || die "$archive has no jwtscan$(exe_suffix) at its top level"
    chmod +x "$BIN"
}

install_from_source() {
    local source root
    source=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
    root="$(temp_dir)/jwtscan-source"
    command -v cargo >/dev/null 2>&1 ||
        die "cargo is not installed: set the action's version input to download a release binary"
    echo "Building jwtscan from $source (set the version input to download a release binary instead)"
    cargo install --locked --path "$source" --root "$root"
    BIN="$root/bin/jwtscan$(exe_suffix)"
}

cmd_install() {
    local version target
    if [[ -n ${JWTSCAN_BIN:-} ]]; then
        [[ -f $JWTSCAN_BIN && -x $JWTSCAN_BIN ]] || die "JWTSCAN_BIN=$JWTSCAN_BIN is not an executable file"
        BIN=$JWTSCAN_BIN
    elif [[ -n ${INPUT_VERSION:-} ]]; then
        version=${INPUT_VERSION#v}
        [[ $version =~ ^[0-9A-Za-z.+-]+$ ]] || die "version must look like 1.2.3, got $INPUT_VERSION"
        if target=$(target_triple); then
            install_release "$version" "$target"
        else
            echo "No release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; building from source"
            install_from_source
        fi
    else
        install_from_source
    fi
    "$BIN" --version
    set_output bin "$BIN"
}

cmd_run() {
    local bin=${JWTSCAN_BIN:-jwtscan} dir sarif annotations status sarif_status findings line
    local -a paths=() options=() extra=() fail_on=() category=()
    # One path per line; a single line may also list several paths separated by spaces.
    case ${INPUT_PATHS:-} in
    *$'\n'*)
        while IFS= read -r line; do
            line=${line%$'\r'}
            if [[ -n $line ]]; then paths+=("$line"); fi
        done <<<"$INPUT_PATHS"
        ;;
    *) read -r -a paths <<<"${INPUT_PATHS:-}" ;;
    esac
    if [[ ${#paths[@]} -eq 0 ]]; then paths=(.); fi
    if [[ -n ${INPUT_CONFIG:-} ]]; then options+=(--config "$INPUT_CONFIG"); fi
    if [[ -n ${INPUT_BASELINE:-} ]]; then options+=(--baseline "$INPUT_BASELINE"); fi
    if [[ -n ${INPUT_FAIL_ON:-} ]]; then fail_on=(--fail-on "$INPUT_FAIL_ON"); fi
    if [[ -n ${INPUT_CATEGORY:-} ]]; then category=(--sarif-category "$INPUT_CATEGORY"); fi
    read -r -a extra <<<"${INPUT_ARGS:-}"

    dir=$(temp_dir)
    sarif="$dir/jwtscan.sarif"
    annotations="$dir/jwtscan-annotations.txt"
    set +e
    "$bin" scan --format github ${fail_on[@]+"${fail_on[@]}"} ${options[@]+"${options[@]}"} \
        ${extra[@]+"${extra[@]}"} -- "${paths[@]}" | tee "$annotations"
    status=${PIPESTATUS[0]}
    set -e
    if [[ $status -ne 0 && $status -ne 1 ]]; then
        die "jwtscan exited with status $status (a usage or configuration error; see above)"
    fi
    set +e
    # Its warnings repeat the first scan's, so they are shown only if this scan fails.
    "$bin" scan --format sarif --output "$sarif" --fail-on never ${category[@]+"${category[@]}"} \
        ${options[@]+"${options[@]}"} ${extra[@]+"${extra[@]}"} -- "${paths[@]}" 2>"$dir/jwtscan-sarif.log"
    sarif_status=$?
    set -e
    if [[ $sarif_status -ne 0 ]]; then
        cat "$dir/jwtscan-sarif.log" >&2
        die "writing the SARIF log failed (jwtscan exited with status $sarif_status)"
    fi
    # The github format escapes line breaks, so each finding is exactly one line of this form.
    findings=$(grep -cE '^::(error|warning|notice) ' "$annotations" || true)
    set_output findings "$findings"
    set_output sarif "$sarif"
    set_output exit-code "$status"
}

cmd_finish() {
    case ${JWTSCAN_EXIT_CODE:-} in
    0) exit 0 ;;
    1)
        echo "jwtscan: findings at or above the fail-on threshold (see the annotations above)"
        exit 1
        ;;
    *) die "no scan result to act on (exit-code output: '${JWTSCAN_EXIT_CODE:-}')" ;;
    esac
}

case ${1:-} in
install) cmd_install ;;
run) cmd_run ;;
finish) cmd_finish ;;
*)
    echo "usage: $0 install|run|finish" >&2
    exit 2
    ;;
esac
