"""How every `credence` command reports a CredenceError: on stderr as text or JSON, with an
exit code a script can branch on. Shared by the CLI and the subcommands of each package."""

from __future__ import annotations

import json
import sys

import grpc

from services.common.errors import CredenceError


def print_error(error: CredenceError, as_json: bool) -> None:
    """The error on stderr: its reason and message, or the JSON error object."""
    if as_json:
        print(json.dumps({"error": error.to_dict()}), file=sys.stderr)
    else:
        print(f"error: {error.reason}: {error.message}", file=sys.stderr)


def exit_code(error: CredenceError) -> int:
    """2 for bad input, 1 for everything else."""
    return 2 if error.code == grpc.StatusCode.INVALID_ARGUMENT else 1
