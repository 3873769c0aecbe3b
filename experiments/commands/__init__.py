"""Subcommands of the ``crowdsafe`` command line, one module each."""
