"""Our SigV4 signer agrees with AWS's published example and with botocore's signer."""

from __future__ import annotations

import datetime

import pytest
from botocore import auth as botocore_auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from sniper.lean.sigv4 import Credentials, sign

EXAMPLE = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


def test_aws_get_vanilla_example() -> None:
    # From AWS's Signature Version 4 test suite ("get-vanilla").
    headers = sign(method="GET", url="https://example.amazonaws.com/", headers={}, body=b"",
                   credentials=EXAMPLE, region="us-east-1", service="service",
                   amz_date="20150830T123600Z")  # fmt: skip
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    )


@pytest.mark.parametrize(
    ("method", "url", "headers", "body", "service"),
    [
        ("POST", "https://dynamodb.eu-west-1.amazonaws.com/",
         {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.GetItem"},
         b'{"TableName":"t"}', "dynamodb"),
        ("POST", "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/my-fn/invocations",
         {"X-Amz-Invocation-Type": "Event"}, b"{}", "lambda"),
        ("GET", "https://example.eu-west-1.amazonaws.com/a/b?z=1&a=x%20y", {}, b"", "service"),
    ],
)  # fmt: skip
def test_matches_botocore(
    method: str, url: str, headers: dict[str, str], body: bytes, service: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    instant = datetime.datetime(2026, 11, 25, 12, 0, 0)
    monkeypatch.setattr(botocore_auth, "get_current_datetime", lambda: instant)
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    botocore_auth.SigV4Auth(
        BotoCredentials("AKID", "SECRET", "TOKEN"), service, "eu-west-1"
    ).add_auth(request)
    ours = sign(method=method, url=url, headers=headers, body=body,
                credentials=Credentials("AKID", "SECRET", "TOKEN"), region="eu-west-1",
                service=service, amz_date="20261125T120000Z")  # fmt: skip
    assert ours["authorization"] == request.headers["Authorization"]
    assert ours["x-amz-security-token"] == "TOKEN"


def test_credentials_repr_hides_the_secret() -> None:
    assert "wJalr" not in repr(EXAMPLE)
