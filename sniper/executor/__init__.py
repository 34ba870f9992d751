"""The bid executor: the lean path from "snipe due" to a bid on the wire and a settled outcome.

Deliberately free of the API layer, Powertools' event handler and pydantic (a test holds it to
that). Modules: `timing` (clocks and the fine wait), `claim` (the lease), `groups`, `prepare`
(token, auction re-read, warm connection), `fire` (the bid), `settle` (outcome, history,
notification), `engine` (the flow), `app` (the Lambda app).
"""
