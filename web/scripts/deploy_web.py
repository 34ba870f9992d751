"""Upload a built copy of web/ to the stack's Amplify app (when it has no repository to build).

Reads the stack's outputs, writes dist/config.json from them (the same keys
scripts/write-config.mjs writes on an Amplify build), zips dist/, and runs Amplify's manual
deployment: create-deployment, upload the zip to the URL it gives, start-deployment, then waits
for the job. Usage: python web/scripts/deploy_web.py --stack NAME [--region REGION]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import boto3

DIST = Path(__file__).resolve().parents[1] / "dist"
DEPLOY_TIMEOUT_S = 600
POLL_S = 5


def outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def app_config(found: dict[str, str], region: str) -> dict[str, Any]:
    return {
        "apiUrl": found["ApiUrl"],
        "region": region,
        "userPoolId": found["UserPoolId"],
        "userPoolClientId": found["UserPoolClientId"],
        "snipeTiming": {
            "leadSeconds": int(found.get("ScheduleLeadSeconds", "120")),
            "precisionSeconds": 60,  # EventBridge Scheduler's grid
        },
        "environment": "deployed",
    }


def zipped(dist: Path, config: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(dist.rglob("*")):
            if path.is_file() and path.name != "config.json":
                archive.write(path, path.relative_to(dist).as_posix())
        archive.writestr("config.json", json.dumps(config, indent=2) + "\n")
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region")
    args = parser.parse_args(argv)
    if not (DIST / "index.html").is_file():
        sys.stderr.write("web/dist is not built: run `make web` first\n")
        return 2
    session = boto3.session.Session(region_name=args.region)
    region = session.region_name
    found = outputs(session.client("cloudformation"), args.stack)
    if "AmplifyAppId" not in found:
        sys.stderr.write(
            f"stack {args.stack} hosts no web app (it was deployed with FrontendOrigin set)\n"
        )
        return 2
    app_id, branch = found["AmplifyAppId"], found["AmplifyBranchName"]
    amplify = session.client("amplify")
    deployment = amplify.create_deployment(appId=app_id, branchName=branch)
    request = urllib.request.Request(  # noqa: S310 - Amplify's presigned HTTPS upload URL
        deployment["zipUploadUrl"],
        data=zipped(DIST, app_config(found, region)),
        method="PUT",
        headers={"Content-Type": "application/zip"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        if response.status >= 300:
            sys.stderr.write(f"the upload was refused: HTTP {response.status}\n")
            return 1
    job_id = deployment["jobId"]
    amplify.start_deployment(appId=app_id, branchName=branch, jobId=job_id)
    deadline = time.monotonic() + DEPLOY_TIMEOUT_S
    while time.monotonic() < deadline:
        status = amplify.get_job(appId=app_id, branchName=branch, jobId=job_id)["job"]["summary"]
        if status["status"] in ("SUCCEED", "FAILED", "CANCELLED"):
            sys.stdout.write(f"deployment {job_id}: {status['status']}\n")
            sys.stdout.write(f"the web app: {found.get('WebAppUrl', '')}\n")
            return 0 if status["status"] == "SUCCEED" else 1
        time.sleep(POLL_S)
    sys.stderr.write(f"deployment {job_id} did not finish within {DEPLOY_TIMEOUT_S} s\n")
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
