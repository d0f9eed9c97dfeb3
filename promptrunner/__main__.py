from promptrunner.cli import main

main()
