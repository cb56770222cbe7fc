"""`flask compliance report`: the clause → implementation → tests table (docs/compliance.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

compliance_cli = AppGroup("compliance", help="Traceability of legal duties to code and tests.")


@compliance_cli.command("report")
@click.option("--tests", "tests_dir", default=None, help="Test folder to read markers from (default: ./tests).")
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write the Markdown table here.")
@with_appcontext
def report_command(tests_dir: str | None, output: str | None) -> None:
    """Print the table; exit 1 when a clause or local rule has no test, or names code that does not exist."""
    from portal.compliance.report import clause_rows, local_rule_rows, render_markdown, unknown_ids
    from portal.core import local_rules

    folder = Path(tests_dir) if tests_dir else Path(current_app.root_path).parent / "tests"
    rows = clause_rows(folder)
    local_rows = local_rule_rows(folder, local_rules.get)
    text = render_markdown(rows, local_rows)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text)
    problems = [p for row in rows + local_rows for p in row.problems]
    problems += [f"unknown clause id in a marker: {i}" for i in unknown_ids(folder)]
    covered = sum(1 for row in rows if row.tests)
    click.echo(f"{covered}/{len(rows)} clauses and "
               f"{sum(1 for r in local_rows if r.tests)}/{len(local_rows)} local rules proved by tests", err=True)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
