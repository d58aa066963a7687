#!/usr/bin/env bash
# Builds a git repository with a long history from real files, for benchmarking `jwtscan git`.
#
#   scripts/make-history.sh OUT_DIR [COMMITS] [SOURCE_DIR]
#
# COMMITS (default 10000) small commits replay Rust sources from SOURCE_DIR (default: the cargo
# registry's unpacked crates): one or two files per commit, crate versions mapped onto one path so
# later versions become edits. Along the way a few tokens are added and removed again, some in
# their own file and some inside a source file, and there are tags and release branches. The
# stream goes through `git fast-import`, so 10,000 commits take seconds, not minutes.
set -euo pipefail

out=${1:?usage: make-history.sh OUT_DIR [COMMITS] [SOURCE_DIR]}
commits=${2:-10000}
source_dir=${3:-$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -n 1)}

if [[ -e $out ]]; then
    echo "make-history: $out exists; remove it first" >&2
    exit 2
fi
git -c init.defaultBranch=main init -q "$out"

list=$(mktemp)
trap 'rm -f "$list"' EXIT
# "path-in-repo<TAB>file", sorted so that versions of one crate follow each other.
(cd "$source_dir" && find . -name '*.rs' -size -64k -type f) |
    sed 's|^\./||' |
    awk '{ repo = $0; sub(/-[0-9]+\.[0-9]+\.[0-9]+[^\/]*\//, "/", repo); print repo "\t" $0 }' |
    LC_ALL=C sort >"$list"
total=$(wc -l <"$list")
if ((total == 0)); then
    echo "make-history: no .rs files under $source_dir" >&2
    exit 2
fi

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
token() {
    local header payload
    if (($1 % 2)); then
        header=$(printf '{"alg":"none"}' | b64url)
        printf '%s.%s.' "$header" "$(printf '{"sub":"user-%d"}' "$1" | b64url)"
    else
        header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
        payload=$(printf '{"sub":"svc-%d","iat":1700000000}' "$1" | b64url)
        printf '%s.%s.%s' "$header" "$payload" "$(printf 'sig-%d' "$1" | sha256sum | cut -c1-43 | b64url)"
    fi
}

# Writes one inline file modification: `M 100644 inline PATH` and its data.
inline() {
    local path=$1 content=$2
    printf 'M 100644 inline %s\ndata %d\n%s\n' "$path" "$(printf '%s' "$content" | wc -c)" "$content"
}

generate() {
    local k=0 mark line repo_path file extra when
    exec 3<"$list"
    for ((k = 1; k <= commits; k++)); do
        if ! IFS=$'\t' read -r repo_path file <&3; then
            exec 3<"$list"
            IFS=$'\t' read -r repo_path file <&3
        fi
        when=$((1600000000 + k * 600))
        mark=$k
        printf 'commit refs/heads/main\nmark :%d\n' "$mark"
        printf 'author Dev %d <dev%d@example.com> %d +0000\n' $((k % 7)) $((k % 7)) "$when"
        printf 'committer Dev %d <dev%d@example.com> %d +0000\n' $((k % 7)) $((k % 7)) "$when"
        printf 'data %d\nstep %d\n' $((${#k} + 6)) "$k"
        if ((k > total)); then
            # Second pass over the list: an edit, so the blob is new.
            extra="// revision $k"
        else
            extra=""
        fi
        if ((k % 2503 == 0)); then
            extra="$extra
// const API_TOKEN: &str = \"$(token "$k")\";"
        fi
        if [[ -n $extra ]]; then
            inline "$repo_path" "$(cat "$source_dir/$file")$extra"
        else
            size=$(stat -c %s "$source_dir/$file")
            printf 'M 100644 inline %s\ndata %d\n' "$repo_path" "$size"
            cat "$source_dir/$file"
            printf '\n'
        fi
        if ((k % 997 == 0)); then
            inline "config/token-$k.env" "SERVICE_TOKEN=$(token "$k")"
        fi
        if ((k > 3 && (k - 3) % 997 == 0)); then
            printf 'D config/token-%d.env\n' $((k - 3))
        fi
        printf '\n'
        if ((k % 1000 == 0)); then
            printf 'reset refs/tags/v%d\nfrom :%d\n\n' $((k / 1000)) "$mark"
        fi
        if ((k % 2000 == 0)); then
            printf 'reset refs/heads/release-%d\nfrom :%d\n\n' $((k / 2000)) "$mark"
        fi
    done
}

generate | git -C "$out" fast-import --quiet
# fast-import leaves the index and work tree empty: check the final tree out.
git -C "$out" reset -q --hard main
echo "make-history: $(git -C "$out" rev-list --all | wc -l) commits in $out" >&2
