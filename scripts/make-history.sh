#!/usr/bin/env bash
# Builds a git repository with a long history from real files, for benchmarking `jwtscan git`.
#
#   scripts/make-history.sh OUT_DIR [COMMITS] [SOURCE_DIR]
#
# COMMITS (default 10000) small commits replay Rust sources from SOURCE_DIR (default: the cargo
# registry's unpacked crates): one or two files per commit, crate versions mapped onto one path so
# later versions become edits. Along the way a few tokens are added and removed again, some in
# their own file and some inside a source file, and there are tags and release branches. The
# stream goes through `git fast-import`, so 100,000 commits take a minute or two.
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

# The stream is written by Python: a shell loop forking per commit took minutes per 10,000.
generate() {
    python3 - "$list" "$source_dir" "$commits" <<'PY'
import base64, hashlib, sys

list_file, source_dir, commits = sys.argv[1], sys.argv[2], int(sys.argv[3])
entries = [line.rstrip("\n").split("\t") for line in open(list_file, encoding="utf-8", errors="surrogateescape")]
out = sys.stdout.buffer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(k: int) -> str:
    if k % 2:
        claims = '{"sub":"user-%d"}' % k
        return b64url(b'{"alg":"none"}') + "." + b64url(claims.encode()) + "."
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    payload = b64url(f'{{"sub":"svc-{k}","iat":1700000000}}'.encode())
    signature = b64url(hashlib.sha256(f"sig-{k}".encode()).hexdigest()[:43].encode())
    return f"{header}.{payload}.{signature}"


def data(content: bytes) -> None:
    out.write(b"data %d\n" % len(content))
    out.write(content)
    out.write(b"\n")


for k in range(1, commits + 1):
    repo_path, file = entries[(k - 1) % len(entries)]
    when = 1600000000 + k * 600
    who = k % 7
    out.write(b"commit refs/heads/main\nmark :%d\n" % k)
    out.write(b"author Dev %d <dev%d@example.com> %d +0000\n" % (who, who, when))
    out.write(b"committer Dev %d <dev%d@example.com> %d +0000\n" % (who, who, when))
    data(b"step %d" % k)
    with open(f"{source_dir}/{file}", "rb") as source:
        content = source.read()
    # Second pass over the list: an edit, so the blob is new.
    extra = f"// revision {k}" if k > len(entries) else ""
    if k % 2503 == 0:
        extra += f'\n// const API_TOKEN: &str = "{token(k)}";'
    out.write(f"M 100644 inline {repo_path}\n".encode(errors="surrogateescape"))
    data(content + extra.encode())
    if k % 997 == 0:
        out.write(f"M 100644 inline config/token-{k}.env\n".encode())
        data(f"SERVICE_TOKEN={token(k)}".encode())
    if k > 3 and (k - 3) % 997 == 0:
        out.write(f"D config/token-{k - 3}.env\n".encode())
    out.write(b"\n")
    if k % 1000 == 0:
        out.write(b"reset refs/tags/v%d\nfrom :%d\n\n" % (k // 1000, k))
    if k % 2000 == 0:
        out.write(b"reset refs/heads/release-%d\nfrom :%d\n\n" % (k // 2000, k))
PY
}

generate | git -C "$out" fast-import --quiet
# fast-import leaves the index and work tree empty: check the final tree out.
git -C "$out" reset -q --hard main
echo "make-history: $(git -C "$out" rev-list --all | wc -l) commits in $out" >&2
