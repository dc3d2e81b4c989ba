"""``python -m api`` runs the ``callsight`` command line."""

from api.cli.main import main

main()
