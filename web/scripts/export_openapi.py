"""Write the API's OpenAPI document, built from the route declarations, to a file.

The web app's typed client is generated from this file (`pnpm gen:api`), so the UI is checked
against the API the code declares. `make web-api-check` regenerates both and compares.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sniper.api.routes.openapi import api_document


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: export_openapi.py OUTPUT.json\n")
        return 2
    text = json.dumps(api_document(), indent=2, ensure_ascii=False) + "\n"
    Path(argv[0]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
