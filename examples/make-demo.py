#!/usr/bin/env python3
"""Regenerates the tokens of examples/demo/: `python3 examples/make-demo.py`.

Every token is made up; the timestamps are fixed so the demo's output only changes with `--now`.
"""
import base64
import hashlib
import hmac
import json
import os

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo")
IAT = 1700000000  # 2023-11-14T22:13:20Z
REPO_SECRET = "s3cr3t-dev-signing-key-2024"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def part(obj) -> str:
    return b64(json.dumps(obj, separators=(",", ":")).encode())


def hs256(header, claims, secret: str) -> str:
    signing_input = part(header) + "." + part(claims)
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(mac)


def unsigned(header, claims) -> str:
    return part(header) + "." + part(claims) + "."


def fake_rs256(header, claims, size: int) -> str:
    # A stand-in signature: only its length matters to the scanner (weak-rsa-key).
    signature = hashlib.sha512(json.dumps(claims).encode()).digest() * (size // 64)
    return part(header) + "." + part(claims) + "." + b64(signature[:size])


def write(path: str, text: str) -> None:
    full = os.path.join(DEMO, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)


# .env: a service token signed with "secret" that lives ten years, and the repository's signing key.
service = hs256({"alg": "HS256", "typ": "JWT"},
                {"sub": "svc-billing", "iss": "https://auth.example.com", "aud": "billing-api",
                 "iat": IAT, "exp": IAT + 10 * 365 * 86400, "scope": "invoices:write"}, "secret")
write(".env", f"""# local development settings
DATABASE_URL=postgres://app@localhost:5432/app
JWT_SECRET={REPO_SECRET}
BILLING_API_TOKEN={service}
""")

# k8s secret: a base64-wrapped token with a weak RSA signature and a jku header.
wrapped = fake_rs256({"alg": "RS256", "typ": "JWT", "kid": "2023-11", "jku": "https://keys.example.com/jwks.json"},
                     {"sub": "deploy-bot", "iss": "https://auth.example.com", "iat": IAT, "exp": IAT + 3600}, 128)
write("deploy/k8s/api-secret.yaml", f"""apiVersion: v1
kind: Secret
metadata:
  name: api-credentials
  namespace: production
type: Opaque
data:
  username: ZGVwbG95LWJvdA==
  token: {base64.b64encode(wrapped.encode()).decode()}
""")

# JS client: an unsigned admin token, and one whose kid walks out of the key folder.
admin = unsigned({"alg": "none", "typ": "JWT"}, {"sub": "admin", "role": "admin", "iat": IAT})
traversal = hs256({"alg": "HS256", "kid": "../../../../dev/null"}, {"sub": "guest", "iat": IAT, "exp": IAT + 900}, "")
write("src/api/client.js", f"""// Temporary: hard-coded while the login flow is being rebuilt.
const ADMIN_TOKEN = "{admin}";
const GUEST_TOKEN = '{traversal}';

export async function fetchInvoices(baseUrl) {{
  const response = await fetch(`${{baseUrl}}/invoices`, {{
    headers: {{ Authorization: `Bearer ${{ADMIN_TOKEN}}` }},
  }});
  return response.json();
}}

export const guestHeaders = () => ({{ Authorization: `Bearer ${{GUEST_TOKEN}}` }});
""")

# Python test: credentials and personal data inside the claims.
sensitive = hs256({"alg": "HS256", "typ": "JWT"},
                  {"sub": "42", "email": "jane.doe@example.com", "password": "hunter2", "iat": IAT,
                   "exp": IAT + 86400 * 30}, "test-secret-not-used-in-prod")
write("tests/test_auth.py", f'''import unittest

from app.auth import authenticate

TOKEN = "{sensitive}"


class AuthTest(unittest.TestCase):
    def test_accepts_valid_token(self):
        self.assertEqual(authenticate(TOKEN).user_id, "42")


if __name__ == "__main__":
    unittest.main()
''')

# Log: an expired token signed with the JWT_SECRET from .env.
logged = hs256({"alg": "HS256", "typ": "JWT"},
               {"sub": "user-1138", "iss": "https://auth.example.com", "iat": IAT, "exp": IAT + 3600},
               REPO_SECRET)
write("logs/app.log", f"""2023-11-14T22:13:21Z INFO  request_id=7f3a GET /api/orders 200 12ms
2023-11-14T22:13:22Z DEBUG request_id=7f3b headers={{"Host": "api.example.com", "Authorization": "Bearer {logged}"}}
2023-11-14T22:13:22Z INFO  request_id=7f3b GET /api/profile 200 8ms
""")

# JWKS checked in with the private half of the signing key.
digest = hashlib.sha256(b"demo-ec-key").digest()
write("config/jwks.json", json.dumps({"keys": [{
    "kty": "EC", "crv": "P-256", "kid": "2023-11", "use": "sig", "alg": "ES256",
    "x": b64(hashlib.sha256(b"x" + digest).digest()), "y": b64(hashlib.sha256(b"y" + digest).digest()),
    "d": b64(digest)}]}, indent=2) + "\n")

# README: the jwt.io sample, a well-known public example.
jwt_io = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
          "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
write("README.md", f"""# billing-service

Calls the billing API with a bearer token. To try it locally:

```sh
curl -H "Authorization: Bearer {jwt_io}" http://localhost:8080/invoices
```

(That is the example token from jwt.io, not a real one.)
""")
