from kconnect.cli import main

main()
