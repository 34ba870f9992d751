"""The live demonstration `make run` and `sniper demo` give: a scripted set of auctions on the
simulator, snipes set through the public API, watched until every auction has closed.

`script` says what is seeded and what must come of it (pure data), `driver` talks HTTP (the API,
the simulator's admin API) and reads the Postmark sink's files, `view` renders (pure), and
`session` runs the whole thing against a running local stack.
"""
