"""``python -m api`` runs the ``callsight`` command line."""

from api.cli import main

main()
