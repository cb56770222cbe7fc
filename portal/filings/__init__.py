"""Project filings (项目报备): firms file projects, agencies confirm and accept, regulators review."""
