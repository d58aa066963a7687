#!/usr/bin/env bash
# The logic of the jwtscan GitHub Action (action.yml), kept out of the YAML so that a test can run
# it with a fake GitHub environment:
#
#   action.sh install   put a jwtscan binary in place; writes the output `bin`
#   action.sh run       one scan: annotations to the log, a SARIF log to a file; writes the outputs
#                       `findings`, `sarif`, `upload` and `exit-code`; fails only on a usage
#                       error (exit 2)
#   action.sh finish    exit with the scan's verdict (after the SARIF upload has had its turn)
#
# Inputs come as INPUT_* variables (action.yml maps them explicitly: composite actions do not),
# never spliced into code. GitHub provides GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_EVENT_NAME,
# GITHUB_REPOSITORY, GITHUB_REF, RUNNER_OS, RUNNER_ARCH and RUNNER_TEMP. Also read:
#   JWTSCAN_BIN             use this binary instead of installing one
#   JWTSCAN_ACTION_REF      the ref the workflow gave the action (`github.action_ref`): its
#                           release is the one installed unless INPUT_VERSION says otherwise
#   JWTSCAN_REPOSITORY      owner/name whose releases hold the binaries (default jwtscan/jwtscan)
#   JWTSCAN_DOWNLOAD_BASE   where `jwtscan-<version>-<target>.tar.gz` and its `.sha256` are
#                           (default: that repository's release for tag v<version>)
#   JWTSCAN_EVENT_BASE, JWTSCAN_EVENT_HEAD, JWTSCAN_EVENT_HEAD_REPO
#                           a pull request's base and head commits and the head's owner/name
#   JWTSCAN_EVENT_BEFORE, JWTSCAN_EVENT_AFTER
#                           a push's old and new commit (all zeros: created or deleted)
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

warning() {
    printf '::warning title=jwtscan action::%s\n' "$(escape_data "$*")"
}

notice() {
    printf '::notice title=jwtscan action::%s\n' "$(escape_data "$*")"
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
    curl --fail --silent --show-error --location --retry 3 --proto '=https,file' --output "$2" "$1"
}

# Downloads and checks the release archive; returns 1 when it cannot be downloaded (the caller
# decides whether building from source is an acceptable substitute) and dies on a bad checksum.
install_release() {
    local version=$1 target=$2 dir archive base expected actual
    base=${JWTSCAN_DOWNLOAD_BASE:-${GITHUB_SERVER_URL:-https://github.com}/${JWTSCAN_REPOSITORY:-jwtscan/jwtscan}/releases/download/v$version}
    archive="jwtscan-$version-$target.tar.gz"
    dir="$(temp_dir)/jwtscan-$version-$target"
    mkdir -p "$dir"
    fetch "$base/$archive" "$dir/$archive" || return 1
    fetch "$base/$archive.sha256" "$dir/$archive.sha256" || return 1
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

action_source() {
    printf '%s' "${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
}

install_from_source() {
    local source root
    source=$(action_source)
    root="$(temp_dir)/jwtscan-source"
    command -v cargo >/dev/null 2>&1 ||
        die "cargo is not installed and no release binary fits: use a release tag of the action or set its version input"
    echo "Building jwtscan from $source with cargo"
    cargo install --locked --path "$source" --root "$root"
    BIN="$root/bin/jwtscan$(exe_suffix)"
}

# The version in the action's own Cargo.toml: the release a commit SHA of a release tag holds.
source_version() {
    sed -n 's/^version = "\([^"]*\)"$/\1/p' "$(action_source)/Cargo.toml" 2>/dev/null | head -n 1
}

# The release to download: the version input, else the one the action's ref names (a tag
# v1.2.3, or a commit SHA whose Cargo.toml says which release it is). Prints nothing for a
# branch or a local action (`uses: ./`), which no release binary matches.
release_version() {
    local ref=${JWTSCAN_ACTION_REF:-}
    if [[ -n ${INPUT_VERSION:-} ]]; then
        printf '%s' "${INPUT_VERSION#v}"
    elif [[ $ref =~ ^v?[0-9]+[.][0-9]+[.][0-9]+([+-][0-9A-Za-z.+-]*)?$ ]]; then
        printf '%s' "${ref#v}"
    elif [[ $ref =~ ^[0-9a-f]{40}$ || $ref =~ ^[0-9a-f]{64}$ ]]; then
        source_version
    fi
}

cmd_install() {
    local version target
    if [[ -n ${JWTSCAN_BIN:-} ]]; then
        [[ -f $JWTSCAN_BIN && -x $JWTSCAN_BIN ]] || die "JWTSCAN_BIN=$JWTSCAN_BIN is not an executable file"
        BIN=$JWTSCAN_BIN
    else
        version=$(release_version)
        if [[ -n $version && ! $version =~ ^[0-9A-Za-z.+-]+$ ]]; then
            die "version must look like 1.2.3, got ${INPUT_VERSION:-$version}"
        fi
        if [[ -z $version ]]; then
            echo "The action's ref '${JWTSCAN_ACTION_REF:-}' is not a release: building from source"
            install_from_source
        elif ! target=$(target_triple); then
            echo "No release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}: building from source"
            install_from_source
        elif ! install_release "$version" "$target"; then
            # An explicit version must be that version; the ref's release may simply not exist.
            [[ -z ${INPUT_VERSION:-} ]] || die "cannot download jwtscan $version for $target"
            warning "no jwtscan $version release binary for $target could be downloaded: building the action's source with cargo"
            install_from_source
        fi
    fi
    "$BIN" --version
    set_output bin "$BIN"
}

ZEROS=0000000000000000000000000000000000000000

is_commit_id() {
    [[ $1 =~ ^[0-9a-f]{40}$ || $1 =~ ^[0-9a-f]{64}$ ]]
}

has_commit() {
    git -C "$REPO" cat-file -e "$1^{commit}" 2>/dev/null
}

# The commits a new branch (or tag) brings that no other branch has: from the merge base of its
# tip with all other branch tips (git merge-base A B C = base of A and a merge of B and C).
new_branch_range() {
    local after=$1 sha ref base pushed=${GITHUB_REF:-}
    local -a others=()
    while read -r sha ref; do
        case $ref in
        "$pushed" | "refs/remotes/origin/${pushed#refs/heads/}") continue ;;
        esac
        others+=("$sha")
    done < <(git -C "$REPO" for-each-ref --format='%(objectname) %(refname)' refs/heads refs/remotes)
    if [[ ${#others[@]} -gt 0 ]] && base=$(git -C "$REPO" merge-base "$after" "${others[@]}" 2>/dev/null); then
        printf '%s..%s' "$base" "$after"
    else
        printf '%s' "$after"
    fi
}

# Sets RANGE (empty: the whole history) or SKIP (nothing to scan) from the event.
git_range() {
    local base head before after
    RANGE='' SKIP=''
    case ${GITHUB_EVENT_NAME:-} in
    pull_request | pull_request_target)
        base=${JWTSCAN_EVENT_BASE:-} head=${JWTSCAN_EVENT_HEAD:-}
        is_commit_id "$base" && is_commit_id "$head" || die "the pull_request event has no base and head commits"
        has_commit "$base" && has_commit "$head" ||
            die "the pull request's base $base or head $head is not in the clone: check out with fetch-depth: 0"
        RANGE="$base..$head"
        ;;
    push)
        before=${JWTSCAN_EVENT_BEFORE:-} after=${JWTSCAN_EVENT_AFTER:-}
        is_commit_id "$before" && is_commit_id "$after" || die "the push event has no before and after commits"
        if [[ $after == "$ZEROS" ]]; then
            SKIP="the push deleted ${GITHUB_REF:-a reference}: nothing to scan"
            return
        fi
        has_commit "$after" || die "the pushed commit $after is not in the clone"
        if [[ $before == "$ZEROS" ]]; then
            RANGE=$(new_branch_range "$after")
            notice "new ${GITHUB_REF:-reference}: scanning the commits no other branch has ($RANGE)"
        elif ! has_commit "$before"; then
            RANGE=$(new_branch_range "$after")
            notice "$before is not in the clone (a force-push, or fetch-depth too small): scanning the commits no other branch has ($RANGE)"
        else
            RANGE="$before..$after"
        fi
        ;;
    *)
        notice "${GITHUB_EVENT_NAME:-this event} names no commits: scanning the whole history"
        ;;
    esac
}

# Splits $1 into the array WORDS as a POSIX shell splits a command line: blanks separate words,
# '…' keeps everything literally, "…" keeps everything but \" \\ \$ \` (and drops \newline), a
# backslash outside quotes keeps the next character. Nothing is expanded or run: an unquoted or
# double-quoted $ or ` is an error (a shell would expand it), and so is an unclosed quote.
split_words() {
    local text=$1 word="" quote="" have=false char next i=0 n=${#1}
    WORDS=()
    while ((i < n)); do
        char=${text:i:1}
        next=${text:i+1:1}
        i=$((i + 1))
        case $quote in
        "'")
            if [[ $char == "'" ]]; then quote=""; else word+=$char; fi
            continue
            ;;
        '"')
            case $char in
            '"') quote="" ;;
            \\)
                case $next in
                '"' | \\ | '$' | '`')
                    word+=$next
                    i=$((i + 1))
                    ;;
                $'\n') i=$((i + 1)) ;;
                *) word+=$char ;;
                esac
                ;;
            '$' | '`') die "args: $char is not expanded here; put the value in single quotes ('…') to pass it as it is" ;;
            *) word+=$char ;;
            esac
            continue
            ;;
        esac
        case $char in
        ' ' | $'\t' | $'\n' | $'\r')
            if [[ $have == true ]]; then WORDS+=("$word"); fi
            word="" have=false
            ;;
        "'" | '"')
            quote=$char have=true
            ;;
        \\)
            if ((i >= n)); then die "args: ends with a lone backslash"; fi
            if [[ $next != $'\n' ]]; then word+=$next have=true; fi
            i=$((i + 1))
            ;;
        '$' | '`') die "args: $char is not expanded here; put the value in single quotes ('…') to pass it as it is" ;;
        *) word+=$char have=true ;;
        esac
    done
    if [[ -n $quote ]]; then die "args: a $quote quote is not closed"; fi
    if [[ $have == true ]]; then WORDS+=("$word"); fi
}

# Whether the SARIF log can be uploaded: a pull request from a fork gets a read-only token.
sarif_upload() {
    [[ ${INPUT_SARIF:-false} == true ]] || return 1
    if [[ ${GITHUB_EVENT_NAME:-} == pull_request && -n ${JWTSCAN_EVENT_HEAD_REPO:-} &&
        ${JWTSCAN_EVENT_HEAD_REPO} != "${GITHUB_REPOSITORY:-}" ]]; then
        notice "pull request from the fork ${JWTSCAN_EVENT_HEAD_REPO}: its token cannot write to code scanning, so the SARIF upload is skipped (annotations and the verdict stand)"
        return 1
    fi
}

cmd_run() {
    local bin=${JWTSCAN_BIN:-jwtscan} mode=${INPUT_MODE:-scan} dir sarif annotations status sarif_status findings line
    local -a paths=() options=() extra=() fail_on=() category=() command=()
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
    split_words "${INPUT_ARGS:-}"
    extra=(${WORDS[@]+"${WORDS[@]}"})

    case $mode in
    scan) command=(scan) ;;
    git)
        [[ ${#paths[@]} -eq 1 ]] || die "mode git scans one repository; paths lists ${#paths[@]}"
        REPO=${paths[0]}
        git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "mode git: $REPO is not in a git repository"
        if [[ $(git -C "$REPO" rev-parse --is-shallow-repository) == true ]]; then
            warning "shallow clone: set fetch-depth: 0 on actions/checkout, or the oldest fetched commit is blamed for everything before it"
        fi
        git_range
        if [[ -n $SKIP ]]; then
            notice "$SKIP"
            set_output findings 0
            set_output sarif ""
            set_output upload false
            set_output exit-code 0
            return
        fi
        command=(git)
        if [[ -n $RANGE ]]; then command+=(--range "$RANGE"); fi
        ;;
    *) die "mode must be scan or git, got $mode" ;;
    esac

    dir=$(temp_dir)
    sarif="$dir/jwtscan.sarif"
    annotations="$dir/jwtscan-annotations.txt"
    # One scan writes both: the annotations on stdout, the SARIF log beside them.
    set +e
    "$bin" "${command[@]}" --format github --sarif-output "$sarif" ${category[@]+"${category[@]}"} \
        ${fail_on[@]+"${fail_on[@]}"} ${options[@]+"${options[@]}"} ${extra[@]+"${extra[@]}"} -- "${paths[@]}" |
        tee "$annotations"
    status=${PIPESTATUS[0]}
    set -e
    if [[ $status -ne 0 && $status -ne 1 ]]; then
        die "jwtscan exited with status $status (a usage or configuration error; see above)"
    fi
    [[ -s $sarif ]] || die "jwtscan wrote no SARIF log"
    # Each result has exactly one "ruleId" key; inside JSON strings a quote is escaped, so the
    # key cannot be imitated by scanned text. Annotations are capped, so they cannot be counted.
    findings=$({ grep -o '"ruleId":' "$sarif" || true; } | wc -l | tr -d ' ')
    set_output findings "$findings"
    set_output sarif "$sarif"
    if sarif_upload; then set_output upload true; else set_output upload false; fi
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
