#!/usr/bin/env python3
"""Generates synthetic trees for scripts/bench.sh.

  gen-tree.py small-files DIR [COUNT]   node_modules-like: COUNT files under 2 KB (default 200,000)
  gen-tree.py dense DIR [COUNT]         a fixtures folder: COUNT files, each holding tokens (default 10,000)
  gen-tree.py one-file DIR [TOKENS]     one file holding TOKENS tokens (default 100,000)
  gen-tree.py findings DIR [TOKENS] [FILES]
                                        TOKENS tokens (default 100,000) over FILES files (default 1),
                                        three findings each: for the many-findings benchmarks

Tokens are HS256-signed with random keys, so they exercise decoding and the rules, not the
weak-secret list; `findings` tokens are RS256 with a random 256-byte signature, no `exp` and an
`email` claim (leaked-token, no-expiry, pii-claim), so no forgery check runs on them and the
cost measured is that of the findings. Output is deterministic for a given seed.
"""
import base64
import hashlib
import hmac
import json
import os
import random
import sys

rng = random.Random(1234)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(i: int) -> str:
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"sub": f"user-{i}", "iat": 1700000000, "exp": 1700000000 + 3600 * (1 + i % 48)}
    payload = b64(json.dumps(claims, separators=(",", ":")).encode())
    key = rng.getrandbits(256).to_bytes(32, "big")
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


WORDS = "const let var function return import export default module require async await if else".split()


def source_text(size: int) -> str:
    lines, total = [], 0
    while total < size:
        line = "  ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10))) + ";"
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


def small_files(root: str, count: int) -> None:
    for i in range(count):
        folder = os.path.join(root, f"pkg{i // 1000:04d}", "lib")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"mod{i % 1000:03d}.js"), "w") as out:
            out.write(source_text(rng.randint(200, 1900)))


def dense(root: str, count: int) -> None:
    os.makedirs(root, exist_ok=True)
    for i in range(count):
        with open(os.path.join(root, f"fixture{i:06d}.json"), "w") as out:
            json.dump({"name": f"case {i}", "tokens": [token(i * 3 + k) for k in range(3)]}, out, indent=2)


def one_file(root: str, tokens: int) -> None:
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "tokens.log"), "w") as out:
        for i in range(tokens):
            out.write(f"2024-01-01T00:00:00Z GET /api Authorization: Bearer {token(i)}\n")


RS256_HEADER = b64(json.dumps({"alg": "RS256", "typ": "JWT"}, separators=(",", ":")).encode())


def findings(root: str, tokens: int, files: int) -> None:
    os.makedirs(root, exist_ok=True)
    per_file = -(-tokens // files)
    written = 0
    for f in range(files):
        name = "tokens.log" if files == 1 else os.path.join(f"dir{f // 1000:03d}", f"tokens{f:06d}.log")
        os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
        with open(os.path.join(root, name), "w") as out:
            for _ in range(min(per_file, tokens - written)):
                claims = {"sub": f"user-{written}", "email": f"user{written}@example.com", "iat": 1700000000}
                payload = b64(json.dumps(claims, separators=(",", ":")).encode())
                signature = b64(rng.getrandbits(2048).to_bytes(256, "big"))
                out.write(f"GET /api Authorization: Bearer {RS256_HEADER}.{payload}.{signature}\n")
                written += 1


def main() -> None:
    kinds = ("small-files", "dense", "one-file", "findings")
    if len(sys.argv) < 3 or sys.argv[1] not in kinds:
        sys.exit(__doc__)
    kind, root = sys.argv[1], sys.argv[2]
    defaults = {"small-files": 200_000, "dense": 10_000, "one-file": 100_000, "findings": 100_000}
    count = int(sys.argv[3]) if len(sys.argv) > 3 else defaults[kind]
    if kind == "findings":
        findings(root, count, int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    else:
        {"small-files": small_files, "dense": dense, "one-file": one_file}[kind](root, count)


if __name__ == "__main__":
    main()
