#!/usr/bin/env bash
# Fuzzes jwtscan with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   each target for SECONDS (default 60), one after another
#   scripts/fuzz.sh --smoke [TARGET...]     each target for 10 s: a quick check that nothing regressed
#   scripts/fuzz.sh --seed                  only (re)write the seed corpora
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz passes nightly-only flags
# (-Zsanitizer=address); on a stable toolchain RUSTC_BOOTSTRAP=1 lets them through.
# Seeds are written to fuzz/corpus/<target>/seed-*; libFuzzer adds what it discovers beside them.
# A crash is saved under fuzz/artifacts/<target>/; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/crash-...
# then turn it into a regression test (tests/it/bad_input.rs or the owning module) before fixing it.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
fuzz=$root/fuzz

ALL_TARGETS=(find token scan config baseline time jwk layers ignore artifact)

seconds=60
seed_only=false
case "${1:-}" in
--smoke) seconds=10; shift ;;
--seed) seed_only=true; shift ;;
'' | *[!0-9]*) ;;
*) seconds=$1; shift ;;
esac
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${ALL_TARGETS[@]}")

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
b64() { base64 -w0; }
# A compact JWS from header JSON, claims JSON and a base64url signature.
jws() { printf '%s.%s.%s' "$(printf '%s' "$1" | b64url)" "$(printf '%s' "$2" | b64url)" "$3"; }
seed() { mkdir -p "$fuzz/corpus/$1"; cat >"$fuzz/corpus/$1/seed-$2"; }

write_seeds() {
    local hs none jwe rs es kid jku jwk zip pbes wrapped big
    hs='eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'
    none=$(jws '{"alg":"none"}' '{"sub":"admin","exp":1e400}' '')
    jwe='eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXZpdml2aXZpdml2.Y2lwaGVy.dGFndGFndGFndGFn'
    zip="$(printf '{"alg":"dir","enc":"A128GCM","zip":"DEF"}' | b64url)..aXZpdml2aXZpdml2.Y2lwaGVy.dGFndGFndGFndGFn"
    pbes="$(printf '{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2c":99999999999}' | b64url).ZWs.aXY.Y3Q.dGFn"
    rs=$(jws '{"alg":"RS256","kid":"k1"}' '{"sub":"1","iat":1,"exp":4102444800}' "$(head -c 128 /dev/zero | tr '\0' '\207' | b64url)")
    es=$(jws '{"alg":"ES256"}' '{"sub":"1","exp":"tomorrow"}' "$(head -c 64 /dev/zero | b64url)")
    kid=$(jws '{"alg":"HS256","kid":"../../dev/null; rm -rf / #"}' '{"password":"hunter2","email":"a@b.c"}' 'c2ln')
    jku=$(jws '{"alg":"RS256","jku":"https://evil.example/jwks.json","x5u":"http://x"}' '{"exp":-1,"nbf":1e20}' 'c2ln')
    jwk=$(jws '{"alg":"HS256","jwk":{"kty":"oct","k":"c2VjcmV0"}}' '{"a":{"a":{"a":[[[[1]]]]}},"a":2}' 'c2ln')
    wrapped=$(printf '%s' "$hs" | b64)
    big=$(jws '{"alg":"HS512"}' "{\"sub\":\"$(head -c 3000 /dev/zero | tr '\0' x)\"}" 'c2ln')

    local token
    for token in hs none jwe zip pbes rs es kid jku jwk wrapped; do
        printf '%s' "${!token}" | seed token "$token"
        printf 'const t = "%s"; // %s\n' "${!token}" "$token" | seed find "$token"
    done
    # Structured token seeds: odd first byte, then header, claims and signature split by 0xFF.
    printf '\001{"alg":"HS256","typ":"JWT"}\377{"sub":"1","exp":1e400,"iat":-1}\377sig' | seed token structured-hs
    printf '\001{"alg":"ES512"}\377{"exp":"tomorrow","email":"a@b.c"}\377\000\000' | seed token structured-es
    printf '\001{"alg":"dir","enc":"A256GCM","zip":"DEF"}\377\377iv\377ct\377tag' | seed token structured-jwe

    local secret
    secret=$(cat <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: api-token
type: Opaque
data:
  token: $wrapped
stringData:
  raw: $hs
EOF
)
    printf '%s\n' "$secret" | seed scan k8s-secret
    local auth docker
    auth=$(printf 'serviceaccount:%s' "$hs" | b64)
    docker=$(printf '{"auths":{"quay.io":{"auth":"%s"}}}' "$auth")
    printf '%s' "$docker" | seed layers docker-config
    printf '.dockerconfigjson: %s\n' "$(printf '%s' "$docker" | b64)" | seed layers dockerconfigjson
    printf 'source: data:,%s\n' "$(printf '%s' "$docker" | sed 's/{/%7B/g; s/}/%7D/g; s/"/%22/g; s/:/%3A/g')" | seed layers data-url
    printf 'release: %s\n' "$(printf '{"manifest":"token: %s"}' "$hs" | gzip -c | b64 | b64)" | seed layers helm
    printf '{"auth":"%s"}' "$(printf 'x:%s' "$hs" | base64 -w 64 | sed 's/$/\\n/' | tr -d '\n' | sed 's,/,\\/,g')" |
        seed layers json-escaped
    printf '%s\n' "$secret" | seed find k8s-secret
    printf 'AUTH=%s\nNONE=%s # jwtscan:ignore\nJWE=%s\n\xff\xfe\x00bad utf8 %s\r\n' "$hs" "$none" "$jwe" "$kid" |
        seed scan env
    printf '{"tokens":["%s","%s","%s"],"zip":"%s","pbes":"%s"}' "$rs" "$es" "$jku" "$zip" "$pbes" | seed scan json
    printf 'é€ %s\n%s.%s\n%s' "$jwk" "$none" "$none" "$big" | seed scan mixed
    printf '%s' "$hs" | iconv -f utf-8 -t utf-16le | seed scan utf16
    local work
    work=$(mktemp -d)
    mkdir -p "$work/app" "$work/layer"
    printf 'TOKEN=%s\n' "$hs" >"$work/app/.env"
    (cd "$work" && tar -cf layer/layer.tar app && zip -qr bundle.zip app layer && tar -czf site.tgz app)
    cat "$work/bundle.zip" | seed artifact zip
    cat "$work/layer/layer.tar" | seed artifact tar
    cat "$work/site.tgz" | seed artifact tgz
    printf 'TOKEN=%s\n' "$hs" | bzip2 -c | seed artifact bz2
    printf 'TOKEN=%s\n' "$hs" | xz -c | seed artifact xz
    if command -v zstd >/dev/null; then printf 'TOKEN=%s\n' "$hs" | zstd -qc | seed artifact zst; fi
    rm -rf "$work"
    printf '{"keys":[{"kty":"RSA","kid":"1","n":"sXch","e":"AQAB","d":"X4cT"},{"kty":"EC","crv":"P-256","x":"f83O","y":"x_FE"}]}' |
        seed jwk jwks
    printf 'jwt:\n  key:\n    kty: oct\n    k: AyM1SysPpbyDfgZld3umj1qz\n' | seed jwk yaml
    printf '"{\\"kty\\":\\"OKP\\",\\"crv\\":\\"Ed25519\\",\\"x\\":\\"11qY\\",\\"d\\":\\"nWGx\\"}"' | seed jwk escaped

    cat <<'EOF' | seed config spec
fail_on = "medium"
min_severity = "low"
max_lifetime = "24h"
exclude = ["tests/fixtures/**", "*.min.js", "/build/"]
wordlists = ["ops/secrets.txt"]

[rules]
disable = ["pii-claim"]

[rules.severity]
no-expiry = "low"

[allowlist]
tokens = ["0000000000000000000000000000000000000000000000000000000000000000"]

[claims]
sensitive = ["tenant_key"]
pii = ["employee_id"]
EOF
    printf 'fail_on = "never"\nmax_lifetime = 3600\n' | seed config minimal
    printf 'exclude = ["{a,b}/**/[!x]*"]\n[rules.severity]\nalg-none = "info"\n' | seed config globs
    printf 'max_lifetime = "9999999999999999d"\n' | seed config overflow

    cat <<'EOF' | seed baseline report
{
  "tool": {"name": "jwtscan", "version": "0.1.0"},
  "findings": [
    {
      "rule": "weak-secret", "severity": "critical", "message": "HS256 token is signed with a guessable secret",
      "path": "config/dev.env", "line": 3, "column": 11, "end_line": 3, "end_column": 170,
      "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.[redacted]",
      "token_sha256": "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
      "fingerprint": "0123456789abcdef0123456789abcdef",
      "evidence": {"secret": "s****t"}
    }
  ],
  "summary": {"files_scanned": 1, "bytes_scanned": 10, "tokens": 1, "findings": 1, "skipped": 0, "errors": 0, "elapsed_ms": 0}
}
EOF
    printf '{"findings":[]}' | seed baseline empty
    printf '{"findings":[{"fingerprint":1}]}' | seed baseline bad-fingerprint

    printf 'target/\n*.log\n\377target/\n*.log\n*.env\n!keep.env\nsrc/**\n' | seed ignore added-lines
    printf '\377[z-a]\n\\\n**/***\n' | seed ignore bad-globs

    for text in 1700000000 2023-11-14T22:13:20Z 2023-11-15T00:13:20.5+02:00 1970-01-02 24h 7d 90 -5m; do
        printf '%s' "$text" | seed time "$text"
    done
}

write_seeds
$seed_only && exit 0

export RUSTC_BOOTSTRAP=1
cd "$fuzz"
build_started=$(date +%s)
cargo fuzz build
echo "fuzz: build took $(($(date +%s) - build_started)) s"

for target in "${targets[@]}"; do
    dict=()
    case $target in
    find | token | scan) dict=(-dict="$fuzz/jwt.dict") ;;
    config) dict=(-dict="$fuzz/toml.dict") ;;
    esac
    echo "fuzz: $target for ${seconds} s"
    # -timeout: an input that takes seconds is a quadratic blow-up worth a report.
    cargo fuzz run "$target" "$fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=25 -max_len=65536 -print_final_stats=1 "${dict[@]}"
done
