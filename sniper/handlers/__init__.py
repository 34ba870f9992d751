"""The eight Lambda entrypoints: thin, `handler = Entrypoint(build)` each."""
