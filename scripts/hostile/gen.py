#!/usr/bin/env python3
"""Builds the hostile inputs of issue 17 at a chosen size, to measure how cost grows with it.

  gen.py big-claims DIR KB             one HS256 token (strong secret) whose claims hold KB KiB
  gen.py claims-and-literals DIR KB N  that token plus N distinct string literals beside it
  gen.py wordlist-repeats DIR KB N     that token, a 2,000-line wordlist, and a config naming it N times
  gen.py repeated-tokens DIR N         one file holding N copies of a short alg-none token
  gen.py literals DIR N                one hinted file holding N distinct short literals, no token
  gen.py baseline DIR N                a JSON baseline with N findings (about 330 bytes each)
  gen.py deep-tree DIR DEPTH           a git repository whose token sits DEPTH folders deep
  gen.py long-token DIR MB             one alg-none token of MB MiB, alone in a file
  gen.py leaks DIR                     tokens whose header carries key material or another token

Tokens are deterministic, so runs compare. The weak-secret and secret-in-repo passes never
succeed on these tokens: every candidate is tried, which is the attacker's worst case for us.
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys

STRONG = b"not-in-any-list-\x01\x02\x03-0123456789abcdef"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(header: dict, claims_text: str, key: bytes = STRONG) -> str:
    signing = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + b64url(claims_text.encode())
    return signing + "." + b64url(hmac.new(key, signing.encode(), hashlib.sha256).digest())


def unsigned(claims_text: str, header: str = '{"alg":"none"}') -> str:
    return b64url(header.encode()) + "." + b64url(claims_text.encode()) + "."


def big_token(kib: int) -> str:
    return hs256({"alg": "HS256", "typ": "JWT"}, json.dumps({"sub": "1", "blob": "A" * (kib * 1024)}))


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def main() -> int:
    kind, out = sys.argv[1], sys.argv[2]
    args = [int(a) for a in sys.argv[3:]]
    os.makedirs(out, exist_ok=True)
    if kind == "big-claims":
        write(f"{out}/token.txt", big_token(args[0]) + "\n")
    elif kind == "claims-and-literals":
        lines = [f'const jwt = "{big_token(args[0])}";']
        lines += [f'const s{i} = "lit-{i:010d}";' for i in range(args[1])]
        write(f"{out}/app.js", "\n".join(lines) + "\n")
    elif kind == "wordlist-repeats":
        write(f"{out}/token.txt", big_token(args[0]) + "\n")
        write(f"{out}/words.txt", "".join(f"word-{i}\n" for i in range(2000)))
        write(f"{out}/jwtscan.toml", "wordlists = [" + ", ".join(['"words.txt"'] * args[1]) + "]\n")
    elif kind == "repeated-tokens":
        token = unsigned('{"sub":"1"}')
        write(f"{out}/many.txt", (token + "\n") * args[0])
    elif kind == "literals":
        rows = [f'secret_{i} = "k{i:09d}"' for i in range(args[0])]
        write(f"{out}/keys.py", "\n".join(rows) + "\n")
    elif kind == "baseline":
        finding = {
            "rule": "alg-none", "severity": "critical", "message": "token is unsigned", "path": "a/b.env",
            "line": 1, "column": 1, "end_line": 1, "end_column": 40, "token": "eyJ….[redacted]",
            "token_sha256": "0" * 64, "evidence": {},
        }
        with open(f"{out}/baseline.json", "w") as handle:
            handle.write('{"findings":[')
            for i in range(args[0]):
                finding["fingerprint"] = f"{i:032x}"
                handle.write(("," if i else "") + json.dumps(finding))
            handle.write('],"summary":{}}')
    elif kind == "deep-tree":
        repo = out
        folder = os.path.join(repo, *(["d"] * args[0]))
        write(os.path.join(folder, "t.env"), unsigned('{"sub":"deep"}') + "\n")
        git = ["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@t"]
        subprocess.run(["git", "init", "-q", repo], check=True)
        subprocess.run(git + ["add", "-A"], check=True)
        subprocess.run(git + ["commit", "-qm", "deep"], check=True)
    elif kind == "long-token":
        write(f"{out}/long.txt", unsigned(json.dumps({"blob": "A" * (args[0] << 20)})) + "\n")
    elif kind == "leaks":
        inner = unsigned('{"sub":"inner-canary"}')
        jwk = {"kty": "oct", "k": "a2V5LWNhbmFyeS1vY3Qtc2VjcmV0"}
        tokens = [
            hs256({"alg": "HS256", "jwk": jwk}, '{"sub":"1"}'),
            hs256({"alg": "HS256", "kid": inner}, '{"sub":"2"}'),
            hs256({"alg": "HS256", "jku": "https://x.example/jwks?t=" + inner}, '{"sub":"3"}'),
            unsigned(json.dumps({"sub": "4", "refresh": inner})),
        ]
        write(f"{out}/leaks.env", "".join(f"T{i}={t}\n" for i, t in enumerate(tokens)))
        write(f"{out}/canaries.txt", "\n".join([inner, jwk["k"]]) + "\n")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
