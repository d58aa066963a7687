import unittest

from app.auth import authenticate

TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImVtYWlsIjoiamFuZS5kb2VAZXhhbXBsZS5jb20iLCJwYXNzd29yZCI6Imh1bnRlcjIiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMjU5MjAwMH0.1dOtPfaqAoFGi5HgQaJ39KxXun9D1hfoWxCdG1sW8Q4"


class AuthTest(unittest.TestCase):
    def test_accepts_valid_token(self):
        self.assertEqual(authenticate(TOKEN).user_id, "42")


if __name__ == "__main__":
    unittest.main()
