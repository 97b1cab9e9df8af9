"""One module per `devfiler` subcommand; devfiler/cli.py lists them."""
