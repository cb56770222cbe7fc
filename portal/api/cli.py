"""`flask api-token create USERNAME` / `flask api-token revoke`: bearer tokens for the JSON API."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext

api_token_cli = AppGroup("api-token", help="Bearer tokens for the JSON API.")


@api_token_cli.command("create")
@click.argument("username")
@click.option("--name", default="", help="A label to recognise the token by.")
@with_appcontext
def create_command(username: str, name: str) -> None:
    """Print a new token for USERNAME (shown once; only its hash is stored)."""
    from portal.api import tokens as api_tokens
    from portal.core.errors import NotFound

    try:
        token, row = api_tokens.create(username, name=name)
    except NotFound:
        click.echo(f"no active user {username!r}", err=True)
        sys.exit(1)
    click.echo(token)
    click.echo(f"token id {row.id} for {username}", err=True)


@api_token_cli.command("revoke")
@click.argument("token_or_id")
@with_appcontext
def revoke_command(token_or_id: str) -> None:
    """Revoke a token, given the token itself or its id."""
    from portal.api import tokens as api_tokens
    from portal.core.errors import NotFound

    try:
        row = api_tokens.revoke(token_or_id)
    except NotFound:
        click.echo("no such live token", err=True)
        sys.exit(1)
    click.echo(f"revoked token id {row.id}")


@api_token_cli.command("list")
@click.argument("username", required=False)
@with_appcontext
def list_command(username: str | None) -> None:
    """List tokens (id, user, name, created, last used, revoked)."""
    from portal.api import tokens as api_tokens

    for row, user in api_tokens.listing(username):
        click.echo(f"{row.id}\t{user}\t{row.name}\t{row.created_at:%Y-%m-%d %H:%M}\t"
                   f"{row.last_used_at or '-'}\t{row.revoked_at or '-'}")
