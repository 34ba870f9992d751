"""One module per resource: its OPERATIONS (declared once) and a `build_router(...)`."""
