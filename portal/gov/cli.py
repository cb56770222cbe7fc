"""`flask gov ...` commands; the application registers the group with app.cli.add_command(gov)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from .sandbox import DEFAULT_APP_ID, DEFAULT_SECRET, run_sandbox

gov = AppGroup("gov", help="Government-services platform integration.")


def _load_list(path: Path | None) -> list[dict[str, Any]]:
    if path is None:
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, list):
        raise click.BadParameter(f"{path} must hold a JSON list of objects")
    return document


@gov.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5055, show_default=True, type=int)
@click.option("--app-id", default=None, help="Defaults to the app's GOV_APP_ID, else portal-dev.")
@click.option("--secret", default=None, help="Defaults to the app's GOV_SECRET, else a sandbox secret.")
@click.option("--error-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1))
@click.option("--latency-ms", default=0, show_default=True, type=click.IntRange(min=0))
@click.option("--timeout-after-apply-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1))
@click.option("--timeout-sleep-ms", default=6000, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=None, type=int, help="Makes fault injection and tokens repeatable.")
@click.option(
    "--users",
    "users_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON list of test users to preload.",
)
@click.option(
    "--enterprises",
    "enterprises_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON list of registry entries to preload.",
)
@click.option(
    "--synthesize-enterprises",
    is_flag=True,
    help="Answer 'active' for any well-formed USCC missing from the registry.",
)
def sandbox_command(
    host: str,
    port: int,
    app_id: str | None,
    secret: str | None,
    error_rate: float,
    latency_ms: int,
    timeout_after_apply_rate: float,
    timeout_sleep_ms: int,
    seed: int | None,
    users_file: Path | None,
    enterprises_file: Path | None,
    synthesize_enterprises: bool,
) -> None:
    """Run a local stand-in for the government platform, with optional fault injection."""
    config = {
        "app_id": app_id or current_app.config.get("GOV_APP_ID") or DEFAULT_APP_ID,
        "secret": secret or current_app.config.get("GOV_SECRET") or DEFAULT_SECRET,
        "seed": seed,
        "users": _load_list(users_file),
        "enterprises": _load_list(enterprises_file),
        "synthesize_unknown_enterprises": synthesize_enterprises,
        "faults": {
            "error_rate": error_rate,
            "latency_ms": latency_ms,
            "timeout_after_apply_rate": timeout_after_apply_rate,
            "timeout_sleep_ms": timeout_sleep_ms,
        },
    }
    run_sandbox(host=host, port=port, config=config)
