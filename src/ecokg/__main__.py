from ecokg.cli import main

main()
