"""``python -m nianbao.cli``."""

from nianbao.cli import app

app()
