"""The commands, one module per area: the account (sign-in, eBay link), snipes, and records
(watch list, history, stats). Each command is `run_<name>(context) -> exit status`."""
