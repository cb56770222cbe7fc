"""Firms: self-registration, the registration record, certificates, staff roster and the bureau's review."""
