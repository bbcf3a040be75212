"""The subcommands of ``fakedaemon``."""
