"""The HTTP API: Powertools resolver apps, one router per resource, one exception map.

Requests are decoded with msgspec (never pydantic); the OpenAPI document is generated from the
same Structs (see `operations`, `openapi`).
"""
