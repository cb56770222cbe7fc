"""Archive Outsourcing Supervision Portal."""
