"""`credence keys create|list|revoke`: manage the partner API keys in the key store (the
Redis named by CREDENCE_API_KEYS_URL, else CREDENCE_STATE_URL). A new key is printed once;
only its digest is stored."""

from __future__ import annotations

import json
import time

import typer

from services.auth.api_keys import KeyStore, new_key
from services.common.cli_errors import exit_code, print_error
from services.common.config import get_settings
from services.common.errors import CredenceError, invalid_argument

keys_app = typer.Typer(help="Manage partner API keys (stored hashed).", no_args_is_help=True)

_METHODS = (
    "ScoreUrl",
    "ScoreArticle",
    "GetSourceRating",
    "GetReport",
    "WatchReport",
    "ScoreBatch",
)


def key_store() -> KeyStore:
    """The key store the settings name."""
    settings = get_settings()
    return KeyStore(settings.api_keys_url or settings.state_url)


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp)) if stamp else ""


@keys_app.command("create")
def create(
    name: str = typer.Argument(..., help="Who the key is for, e.g. a partner's name."),
    rate: float = typer.Option(None, "--rate", help="Calls per second (default from settings)."),
    burst: int = typer.Option(None, "--burst", help="Calls in a burst (default from settings)."),
    method: list[str] = typer.Option(  # noqa: B008
        [], "--method", help="Allow only this RPC (repeatable), e.g. --method ScoreUrl."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the key and its record as JSON."),
    *,
    operator: bool = typer.Option(
        False, "--operator", help="An operator's key: any job, and the status page's details."
    ),
) -> None:
    """Create a key; it is printed once and cannot be shown again."""
    settings = get_settings()
    try:
        rate = settings.api_key_rate if rate is None else rate
        burst = settings.api_key_burst if burst is None else burst
        if rate < 0:
            raise invalid_argument("--rate", "must be zero or more")
        if burst < 1:
            raise invalid_argument("--burst", "must be at least 1")
        unknown = sorted(set(method) - set(_METHODS))
        if unknown:
            raise invalid_argument("--method", f"unknown {unknown}; known: {', '.join(_METHODS)}")
        key, record = new_key(name, rate, burst, method, operator=operator)
        key_store().put(record)
    except CredenceError as error:
        print_error(error, as_json)
        raise typer.Exit(exit_code(error)) from None
    if as_json:
        print(
            json.dumps(
                {
                    "key": key,
                    "key_id": record.key_id,
                    "name": name,
                    "rate": rate,
                    "burst": burst,
                    "methods": record.methods,
                    "operator": record.operator,
                }
            )
        )
    else:
        print(key)
        typer.echo(
            f"key id {record.key_id}: {rate:g}/s, burst {burst}; store it now,"
            " it is not shown again",
            err=True,
        )


@keys_app.command("list")
def list_keys(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List keys: id, name, quota, allowed methods, created and revoked times."""
    try:
        records = key_store().list()
    except CredenceError as error:
        print_error(error, as_json)
        raise typer.Exit(exit_code(error)) from None
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "key_id": r.key_id,
                        "name": r.name,
                        "rate": r.rate,
                        "burst": r.burst,
                        "methods": r.methods,
                        "created_at": _when(r.created_at),
                        "revoked_at": _when(r.revoked_at),
                    }
                    for r in records
                ]
            )
        )
        return
    for r in records:
        state = f"revoked {_when(r.revoked_at)}" if r.revoked else "active"
        methods = ",".join(r.methods) or "all methods"
        print(f"{r.key_id}  {r.name}  {r.rate:g}/s burst {r.burst}  {methods}  {state}")


@keys_app.command("revoke")
def revoke(
    key_id: str = typer.Argument(..., help="The key id (from `credence keys list`)."),
) -> None:
    """Revoke a key: its calls get PERMISSION_DENIED from then on."""
    try:
        record = key_store().revoke(key_id)
        if record is None:
            raise invalid_argument("KEY_ID", f"no key with id {key_id!r}", "API_KEY_NOT_FOUND")
    except CredenceError as error:
        print_error(error, False)
        raise typer.Exit(exit_code(error)) from None
    print(f"revoked {record.key_id} ({record.name})")


def register(app: typer.Typer) -> None:
    """Adds `keys` to the `credence` app."""
    app.add_typer(keys_app, name="keys")
