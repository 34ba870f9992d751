"""Use cases: one per module, collaborators passed in, no I/O of their own beyond those."""
