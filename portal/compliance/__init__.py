"""Traceability of legal duties: each clause of the legal basis, what implements it, and the tests that prove it."""
