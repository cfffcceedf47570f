"""`python -m qgen`: the command line."""

from qgen.cli import main

main()
