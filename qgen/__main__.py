from qgen.cli import main

main()
