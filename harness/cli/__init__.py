"""The command line: main (the entry point: instant help, list and bad input), parser, commands, history (history and check)."""
