"""`python -m services.cli` runs the `credence` command."""

from services.cli.main import app

app(prog_name="credence")
