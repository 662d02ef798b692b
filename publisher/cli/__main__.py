"""``python -m publisher.cli``: the same as the ``publisher`` command."""

from . import main

main()
