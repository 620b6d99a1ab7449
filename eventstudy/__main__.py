"""``python -m eventstudy``."""

from eventstudy.cli import app

app(prog_name="eventstudy")
