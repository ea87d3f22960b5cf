"""``python -m consentry``: the same as the ``consentry`` command."""

from consentry.cli.app import main

main()
