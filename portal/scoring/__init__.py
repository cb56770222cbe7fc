"""Scoring area: rule sets, periods, score pages with evidence, objections and applied results."""
