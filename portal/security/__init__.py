"""Security primitives: field encryption, look-up hashes and password hashing (no Flask)."""
