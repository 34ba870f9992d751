"""The `sniper` command: sign in to a stack (deployed, or the local one), link eBay, set and
follow snipes from a terminal; and `sniper local` / `sniper demo` to run the stack here."""

from sniper.cli.main import main

__all__ = ["main"]
