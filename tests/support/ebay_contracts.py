"""Hold an HTTP exchange with eBay (or the simulator) to eBay's own contracts.

The OpenAPI files (Browse, Buy Offer, Identity) are found by tests/support/contract_files.py
(SNIPER_CONTRACTS_DIR, ../shared/contracts/ebay, or the cache `make contracts` fills) and checked
with openapi-core. Two things are made stricter than the published files, on purpose:

- every object schema is closed (additionalProperties: false), so a misspelt field fails instead
  of passing unnoticed;
- an error answer must be eBay's envelope {"errors": [Error]}, and where the contract lists
  errorIds for that status, the errorId must be one of them.

The parts of eBay with no OpenAPI file (OAuth consent and token endpoint, Trading's XML,
getPublicKey) are checked against their documented shapes below.

Use `validate_request(...)` / `validate_response(...)` on any call, or `exchange_problems(...)`
on what the simulator recorded. Both raise / return ContractViolation messages. Without the
contract a check needs, `validate_*` raise ContractMissing; `check_request` and
`exchange_problems` note the check as skipped and go on (the test itself still runs), and
`needs_contracts(...)` skips a test that is about the contracts themselves.
"""

from __future__ import annotations

import base64
import copy
import json
import warnings
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from defusedxml import ElementTree as SafeElementTree
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

from tests.support.contract_files import ContractMissing, find, note_skipped, require, skip_reason

HOST = "https://api.ebay.com"
TRADING_NS = "urn:ebay:apis:eBLBaseComponents"

# Base path of each OpenAPI file (its servers' basePath default), longest first when matching.
OPENAPI_FILES: dict[str, str] = {
    "/buy/browse/v1": "browse.openapi.yaml",
    "/buy/offer/v1_beta": "offer.openapi.yaml",
    "/commerce/identity/v1": "identity.openapi.yaml",
}

# Statuses eBay answers on any API although the per-operation contracts do not list them.
GATEWAY_ERRORS: dict[int, set[int]] = {
    401: {1001},  # invalid / expired / revoked access token
    403: {1100},  # insufficient permissions (wrong token type or scope)
    429: {2001},  # too many requests
}
INTERNAL_ERROR_IDS = {"/buy/browse/v1": 11000, "/buy/offer/v1_beta": 120000,
                      "/commerce/identity/v1": 140000}  # fmt: skip

# eBay Trading API element names the sniper may send or receive (GetMyeBayBuying and the
# common envelope), spelt as in eBay's eBLBaseComponents schema.
_TRADING_WORDS = """
    GetMyeBayBuyingRequest GetMyeBayBuyingResponse RequesterCredentials eBayAuthToken
    ErrorLanguage WarningLevel Version MessageID DetailLevel OutputSelector
    WatchList BidList BestOfferList WonList LostList DeletedFromWonList DeletedFromLostList
    FavoriteSearches FavoriteSellers SecondChanceOffer BidAssistantList UserDefinedLists
    Include IncludeNotes Sort DurationInDays Pagination EntriesPerPage PageNumber HideVariations
    Timestamp Ack Errors ShortMessage LongMessage ErrorCode SeverityCode ErrorParameters Value
    ErrorClassification Build CorrelationID HardExpirationWarning BuyingSummary
    ItemArray Item ItemID Title SubTitle ListingType ListingDetails StartTime EndTime
    ViewItemURL ViewItemURLForNaturalSearch SellingStatus CurrentPrice ConvertedCurrentPrice
    BidCount HighBidder MinimumToBid ReserveMet QuantitySold TimeLeft PictureDetails GalleryURL
    PictureURL BuyItNowPrice ConvertedBuyItNowPrice StartPrice Seller UserID ShippingDetails
    ShippingServiceOptions ShippingServiceCost ShippingType Currency Site WatchCount
    QuestionCount Quantity SKU PrivateNotes eBayNotes PaginationResult TotalNumberOfPages
    TotalNumberOfEntries
    """
TRADING_ELEMENTS = frozenset(_TRADING_WORDS.split())
TRADING_ATTRIBUTES = frozenset({"currencyID"})
TRADING_HEADERS = ("X-EBAY-API-CALL-NAME", "X-EBAY-API-SITEID", "X-EBAY-API-COMPATIBILITY-LEVEL",
                   "X-EBAY-API-IAF-TOKEN")  # fmt: skip

TOKEN_GRANTS: dict[str, tuple[str, ...]] = {
    "authorization_code": ("code", "redirect_uri"),
    "refresh_token": ("refresh_token",),
    "client_credentials": ("scope",),
}


class ContractViolation(AssertionError):
    """A request or response that eBay's contract does not allow."""


def needs_contracts(*names: str) -> pytest.MarkDecorator:
    """Skip a test about the contracts themselves when one of them is not here."""
    missing = [name for name in names if find(name) is None]
    return pytest.mark.skipif(bool(missing), reason=skip_reason(", ".join(missing)))


def _close_objects(node: Any) -> None:
    """Make every object schema with declared properties refuse undeclared ones."""
    if isinstance(node, dict):
        if "properties" in node and node.get("type", "object") == "object":
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _close_objects(value)
    elif isinstance(node, list):
        for value in node:
            _close_objects(value)


@cache
def _spec_dict(base_path: str) -> dict[str, Any]:
    path = require(OPENAPI_FILES[base_path])
    with path.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.load(handle, Loader=yaml.CSafeLoader)
    spec = copy.deepcopy(spec)
    # openapi-core cannot match a server whose path is a variable; pin it to its default.
    spec["servers"] = [{"url": HOST + base_path}]
    _close_objects(spec.get("components", {}).get("schemas", {}))
    return spec


@cache
def _openapi(base_path: str) -> OpenAPI:
    return OpenAPI.from_dict(_spec_dict(base_path))


def _base_path(path: str) -> str | None:
    for base in sorted(OPENAPI_FILES, key=len, reverse=True):
        if path == base or path.startswith(base + "/"):
            return base
    return None


def _headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> dict[str, str]:
    if headers is None:
        return {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    merged: dict[str, str] = {}
    for key, value in items:
        merged[key] = value
    return merged


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _mock_request(method: str, url: str, headers: dict[str, str], body: bytes) -> MockRequest:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    content_type = (_header(headers, "Content-Type") or "application/json").split(";")[0]
    return MockRequest(HOST, method, parts.path, args=query, headers=headers, data=body,
                       content_type=content_type)  # fmt: skip


def _explain(exc: Exception) -> str:
    details = [str(exc)]
    for attr in ("schema_errors", "errors"):
        for inner in getattr(exc, attr, None) or []:
            details.append(f"  - {getattr(inner, 'message', inner)}")
    cause = exc.__cause__
    if cause is not None:
        details.append(f"  caused by: {cause}")
    return "\n".join(details)


# -- requests --------------------------------------------------------------------------------


def validate_request(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> None:
    """Raise ContractViolation if eBay's contract does not allow this request."""
    header_map = _headers(headers)
    payload = body or b""
    path = urlsplit(url).path
    base = _base_path(path)
    if base is not None:
        _openapi_request(base, method, url, header_map, payload)
    elif path == "/identity/v1/oauth2/token":
        _token_request(method, header_map, payload)
    elif path == "/oauth2/authorize":
        _authorize_request(method, url)
    elif path == "/ws/api.dll":
        _trading_request(method, header_map, payload)
    elif path.startswith("/commerce/notification/v1/public_key/"):
        _require_bearer(header_map)
    else:
        raise ContractViolation(f"no eBay contract covers {method} {path}")


def check_request(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> None:
    """validate_request, except that a check whose contract is not here is noted, not failed."""
    try:
        validate_request(method, url, headers, body)
    except ContractMissing as missing:
        note_skipped(missing.name)


def _require_bearer(headers: dict[str, str]) -> None:
    scheme, _, token = (_header(headers, "Authorization") or "").partition(" ")
    if scheme != "Bearer" or not token.strip():
        raise ContractViolation("Authorization: Bearer <access token> is required")


def _openapi_request(
    base: str, method: str, url: str, headers: dict[str, str], body: bytes
) -> None:
    _require_bearer(headers)
    request = _mock_request(method, url, headers, body)
    openapi = _openapi(base)  # outside the try: a missing contract is not a violation
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Unsupported scheme type")
            openapi.validate_request(request)
    except Exception as exc:
        raise ContractViolation(f"{method} {url}: {_explain(exc)}") from exc


def _token_request(method: str, headers: dict[str, str], body: bytes) -> None:
    if method != "POST":
        raise ContractViolation("the token endpoint takes POST only")
    scheme, _, encoded = (_header(headers, "Authorization") or "").partition(" ")
    try:
        client_id, colon, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except ValueError:
        client_id, colon, secret = "", "", ""
    if scheme != "Basic" or not (client_id and colon and secret):
        raise ContractViolation("token requests need Authorization: Basic base64(id:secret)")
    content_type = (_header(headers, "Content-Type") or "").split(";")[0].strip()
    if content_type != "application/x-www-form-urlencoded":
        raise ContractViolation(f"token request body must be form-encoded, not {content_type!r}")
    form = parse_qs(body.decode(), keep_blank_values=True)
    grant = (form.get("grant_type") or [""])[0]
    if grant not in TOKEN_GRANTS:
        raise ContractViolation(f"grant_type {grant!r} is not one of {sorted(TOKEN_GRANTS)}")
    missing = [name for name in TOKEN_GRANTS[grant] if not (form.get(name) or [""])[0]]
    if missing:
        raise ContractViolation(f"{grant} grant is missing {', '.join(missing)}")


def _authorize_request(method: str, url: str) -> None:
    if method != "GET":
        raise ContractViolation("the consent page is a GET")
    query = parse_qs(urlsplit(url).query)
    missing = [n for n in ("client_id", "redirect_uri", "response_type", "scope") if n not in query]
    if missing:
        raise ContractViolation(f"consent URL is missing {', '.join(missing)}")
    if query["response_type"] != ["code"]:
        raise ContractViolation("response_type must be code")


def _trading_request(method: str, headers: dict[str, str], body: bytes) -> None:
    if method != "POST":
        raise ContractViolation("Trading calls are POST")
    missing = [name for name in TRADING_HEADERS if not _header(headers, name)]
    if missing:
        raise ContractViolation(f"Trading call is missing headers {', '.join(missing)}")
    call = _header(headers, "X-EBAY-API-CALL-NAME")
    _trading_document(body, f"{call}Request")


def _trading_document(body: bytes, root_name: str) -> Any:
    try:
        root = SafeElementTree.fromstring(body)
    except Exception as exc:
        raise ContractViolation(f"Trading body is not XML: {exc}") from exc
    if root.tag != f"{{{TRADING_NS}}}{root_name}":
        raise ContractViolation(f"Trading root is {root.tag}, expected {{{TRADING_NS}}}{root_name}")
    for element in root.iter():
        namespace, _, name = element.tag.rpartition("}")
        if namespace.lstrip("{") != TRADING_NS:
            raise ContractViolation(f"Trading element {element.tag} is outside {TRADING_NS}")
        if name not in TRADING_ELEMENTS:
            raise ContractViolation(f"{name} is not a Trading element eBay defines")
        unknown = set(element.attrib) - TRADING_ATTRIBUTES
        if unknown:
            raise ContractViolation(f"{name} has attributes eBay does not define: {unknown}")
    return root


# -- responses -------------------------------------------------------------------------------


def validate_response(
    method: str,
    url: str,
    status: int,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    body: bytes,
    *,
    request_headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    request_body: bytes | None = None,
) -> None:
    """Raise ContractViolation if eBay's contract does not allow this answer to this request."""
    header_map = _headers(headers)
    path = urlsplit(url).path
    base = _base_path(path)
    if base is not None:
        request = _mock_request(method, url, _headers(request_headers), request_body or b"")
        _openapi_response(base, request, status, header_map, body)
    elif path == "/identity/v1/oauth2/token":
        _token_response(status, body, request_body or b"")
    elif path == "/oauth2/authorize":
        _authorize_response(url, status, header_map)
    elif path == "/ws/api.dll":
        call = _header(_headers(request_headers), "X-EBAY-API-CALL-NAME") or "GetMyeBayBuying"
        _trading_response(status, body, call)
    elif path.startswith("/commerce/notification/v1/public_key/"):
        _public_key_response(status, body)
    else:
        raise ContractViolation(f"no eBay contract covers {method} {path}")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ContractViolation(f"body is not JSON: {body[:200]!r}") from exc


def _operation(base: str, request: MockRequest) -> dict[str, Any]:
    spec = _spec_dict(base)
    relative = request.path[len(base) :]
    # Literal paths first: /item/get_item_by_legacy_id is not /item/{item_id}.
    for template, item in sorted(spec["paths"].items(), key=lambda kv: kv[0].count("{")):
        pattern = template.split("/")
        actual = relative.split("/")
        if len(pattern) == len(actual) and all(
            p == a or (p.startswith("{") and p.endswith("}") and a)
            for p, a in zip(pattern, actual, strict=True)
        ):
            operation = item.get(request.method)
            if operation is not None:
                return dict(operation)
    raise ContractViolation(
        f"no operation in {OPENAPI_FILES[base]} for {request.method} {request.path}"
    )


def _openapi_response(
    base: str, request: MockRequest, status: int, headers: dict[str, str], body: bytes
) -> None:
    operation = _operation(base, request)
    declared = operation.get("responses", {})
    if 200 <= status < 300:
        content_type = (_header(headers, "Content-Type") or "").split(";")[0]
        response = MockResponse(body, status, headers, content_type=content_type)
        openapi = _openapi(base)
        try:
            openapi.validate_response(request, response)
        except Exception as exc:
            raise ContractViolation(f"{status} answer to {request.path}: {_explain(exc)}") from exc
        return
    allowed: set[int] | None
    if str(status) in declared:
        codes = declared[str(status)].get("x-response-codes", {}).get("errors", {})
        allowed = {int(code) for code in codes} or None
    elif status in GATEWAY_ERRORS:
        allowed = GATEWAY_ERRORS[status]
    elif status >= 500:
        allowed = {INTERNAL_ERROR_IDS[base]}
    else:
        raise ContractViolation(f"{operation['operationId']} never answers {status}")
    _error_envelope(base, body, allowed, f"{status} answer of {operation['operationId']}")


def _error_envelope(base: str, body: bytes, allowed: set[int] | None, where: str) -> None:
    payload = _json(body)
    envelope = {
        "type": "object",
        "required": ["errors"],
        "additionalProperties": False,
        "properties": {"errors": {"type": "array", "minItems": 1, "items": {
            "$ref": "#/components/schemas/Error"}}},
        "components": _spec_dict(base)["components"],
    }  # fmt: skip
    problems = [error.message for error in OAS30Validator(envelope).iter_errors(payload)]
    if problems:
        raise ContractViolation(f"{where}: not eBay's error envelope: {problems}")
    for error in payload["errors"]:
        if not isinstance(error.get("errorId"), int) or not error.get("message"):
            raise ContractViolation(f"{where}: every error needs an errorId and a message")
        if allowed is not None and error["errorId"] not in allowed:
            raise ContractViolation(f"{where}: errorId {error['errorId']} not in {sorted(allowed)}")


def _token_response(status: int, body: bytes, request_body: bytes) -> None:
    payload = _json(body)
    if status != 200:
        if status not in (400, 401) or set(payload) - {"error", "error_description"}:
            raise ContractViolation(
                f"token error must be 400/401 {{error, error_description}}: {payload}"
            )
        if not isinstance(payload.get("error"), str):
            raise ContractViolation("token error needs an `error` code")
        return
    grant = (parse_qs(request_body.decode()).get("grant_type") or [""])[0]
    required = {"access_token": str, "expires_in": int, "token_type": str}
    if grant == "authorization_code":
        required |= {"refresh_token": str, "refresh_token_expires_in": int}
    for name, kind in required.items():
        if not isinstance(payload.get(name), kind):
            raise ContractViolation(f"token answer lacks {name} ({kind.__name__})")
    if grant != "authorization_code" and "refresh_token" in payload:
        raise ContractViolation("a refresh or client-credentials grant returns no refresh_token")
    extra = set(payload) - set(required)
    if extra:
        raise ContractViolation(f"token answer has fields eBay does not send: {sorted(extra)}")


def _authorize_response(url: str, status: int, headers: dict[str, str]) -> None:
    if status != 302:
        return  # a refused consent request answers with a page, not a redirect
    location = _header(headers, "Location") or ""
    query = parse_qs(urlsplit(location).query)
    if not query.get("code"):
        raise ContractViolation("consent redirect carries no code")
    sent_state = parse_qs(urlsplit(url).query).get("state")
    if sent_state and query.get("state") != sent_state:
        raise ContractViolation("consent redirect must echo state unchanged")


def _trading_response(status: int, body: bytes, call: str) -> None:
    if status != 200:
        raise ContractViolation(f"Trading answers 200 even for errors, not {status}")
    root = _trading_document(body, f"{call}Response")
    ack = root.findtext(f"{{{TRADING_NS}}}Ack")
    if ack not in ("Success", "Warning", "Failure", "PartialFailure"):
        raise ContractViolation(f"Trading Ack {ack!r} is not one eBay sends")


def _public_key_response(status: int, body: bytes) -> None:
    payload = _json(body)
    if status == 200:
        if set(payload) != {"algorithm", "digest", "key"}:
            raise ContractViolation(f"public key answer fields: {sorted(payload)}")
        if "BEGIN PUBLIC KEY" not in payload["key"]:
            raise ContractViolation("public key is not PEM")
    elif "errors" not in payload:
        raise ContractViolation("public key error is not eBay's error envelope")


# -- recorded exchanges ----------------------------------------------------------------------


def exchange_problems(
    exchanges: Iterable[Any], *, allow_invalid_requests: bool = False
) -> list[str]:
    """Every contract problem in recorded simulator exchanges (admin /sim/ calls are skipped).

    A request the contract refuses is a problem unless allow_invalid_requests, in which case
    the answer must at least be a contract-shaped 4xx error.
    """
    problems: list[str] = []
    for exchange in exchanges:
        if exchange.path.startswith("/sim/"):
            continue
        url = HOST + exchange.raw_path + (f"?{exchange.query}" if exchange.query else "")
        label = f"{exchange.method} {exchange.raw_path} -> {exchange.status or 'dropped'}"
        try:
            validate_request(exchange.method, url, exchange.headers, exchange.body)
        except ContractMissing as missing:
            note_skipped(missing.name)
            continue
        except ContractViolation as violation:
            if not allow_invalid_requests:
                problems.append(f"{label}: request: {violation}")
                continue
            if exchange.status and not _refused(exchange):
                problems.append(f"{label}: an invalid request was not refused: {violation}")
                continue
        if exchange.status == 0:
            continue
        try:
            validate_response(exchange.method, url, exchange.status, exchange.response_headers,
                              exchange.response_body, request_headers=exchange.headers,
                              request_body=exchange.body)  # fmt: skip
        except ContractMissing as missing:
            note_skipped(missing.name)
        except ContractViolation as violation:
            problems.append(f"{label}: response: {violation}")
    return problems


def _refused(exchange: Any) -> bool:
    if 400 <= exchange.status < 500:
        return True
    if exchange.path == "/ws/api.dll" and exchange.status == 200:
        try:
            root = SafeElementTree.fromstring(exchange.response_body)
        except Exception:
            return False
        return root.findtext(f"{{{TRADING_NS}}}Ack") == "Failure"
    return False
