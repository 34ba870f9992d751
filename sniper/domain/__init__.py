"""The domain: pure rules and values, no I/O."""
