"""Use cases: the only layer that commits; raises the errors in `portal.services.errors`."""
