#!/usr/bin/env python3
"""Builds compact JWS/JWE test tokens from JSON text, for rule examples and test fixtures.

The signature is an HMAC under --hmac-key (HS*), or filler bytes of --sig-len, or given raw
bytes (--sig-hex) or base64url text (--sig-b64). A JWE gets fixed dummy key, IV, ciphertext and
tag parts: scanners judge its header, not its contents.

  scripts/mktoken.py '{"alg":"HS256"}' '{"sub":"42"}' --hmac-key example-key
  scripts/mktoken.py '{"alg":"RS256"}' '{"sub":"42"}' --sig-len 128
  scripts/mktoken.py --jwe '{"alg":"dir","enc":"A256GCM","zip":"DEF"}'
"""

import argparse
import base64
import hashlib
import hmac
import sys


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("header", help="header JSON text, used verbatim")
    parser.add_argument("payload", nargs="?", default="", help="payload text (JWS only), used verbatim")
    parser.add_argument("--jwe", action="store_true", help="build a five-part JWE from the header")
    signature = parser.add_mutually_exclusive_group()
    signature.add_argument("--hmac-key", help="sign with HMAC; the hash follows the header's HS256/384/512")
    signature.add_argument("--sig-len", type=int, help="a signature of this many filler bytes")
    signature.add_argument("--sig-hex", help="the signature bytes, in hex")
    signature.add_argument("--sig-b64", help="the signature segment, as base64url text")
    args = parser.parse_args()

    header = b64url(args.header.encode())
    if args.jwe:
        parts = [b"encrypted-key", b"iv-iv-iv-iv-", b"ciphertext", b"tag-tag-tag-tag-"]
        print(".".join([header] + [b64url(part) for part in parts]))
        return 0
    signing_input = f"{header}.{b64url(args.payload.encode())}"
    if args.hmac_key is not None:
        bits = "512" if '"HS512"' in args.header else "384" if '"HS384"' in args.header else "256"
        digest = getattr(hashlib, f"sha{bits}")
        sig = b64url(hmac.new(args.hmac_key.encode(), signing_input.encode(), digest).digest())
    elif args.sig_len is not None:
        sig = b64url(bytes((i * 37 + 11) % 251 + 1 for i in range(args.sig_len)))
    elif args.sig_hex is not None:
        sig = b64url(bytes.fromhex(args.sig_hex))
    else:
        sig = args.sig_b64 or ""
    print(f"{signing_input}.{sig}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
