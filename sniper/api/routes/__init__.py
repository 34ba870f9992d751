"""One module per resource: its OPERATIONS (declared once) and a `build_router(...)`.

These modules and `sniper.api.inputs` do not postpone annotations (no `from __future__ import
annotations`): Powertools reads a route's and its inputs' annotations with get_type_hints on
every request, and would compile and evaluate string annotations anew each time (about 0.2 ms a
request, benchmarks/api_overhead.py; a test holds it)."""
