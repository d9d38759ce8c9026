from evidra.cli import main

main()
