"""The local stack: every piece that stands in for AWS and eBay, started and stopped together.

In order: the web app's host (its origin and eBay callback must be known first), the local AWS
(moto, built from template.yaml), the eBay simulator, the Postmark sink, the local Lambda runtime
with its Invoke API, the AWS fault proxy (when asked for), the local scheduler, and the API
gateway. The functions are pointed at the simulator and the sink before any of them is built. A
demo user is created in the local user pool so the API can be called at once (`sign_in` gives its
tokens).

Where AWS behaves in a way that matters to a snipe, the stack does too, by default: a failed
asynchronous invocation is retried after ~60 s and ~120 s (`StackOptions.retry_timing`), API
calls run concurrently in containers of their own, the bid executor runs in killable process
containers, the scheduler fires every schedule. For tests:
    stack.functions.kill_at(Step.SENT, bid_id=...)            # see sniper.devstack.local.crashes
    stack.functions.kill_now("BidExecutorFunction", bid_id=...)
    StackOptions(aws_faults=True); stack.aws_faults.add("dynamodb", "PutItem", error=...)
    StackOptions(retry_timing=RetryTiming.scaled(20, why="..."))   # only with a reason
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import shutil
import tempfile
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from sniper.config import BidManagementSettings, load_settings
from sniper.devstack.ebaysim import SimConfig, SimulatorServer
from sniper.devstack.local.async_retries import RetryTiming
from sniper.devstack.local.aws import ACCOUNT_ID, LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LocalAws
from sniper.devstack.local.aws_faults import AwsFaults
from sniper.devstack.local.aws_proxy import AwsFaultProxy
from sniper.devstack.local.event_sources import SqsEventSources
from sniper.devstack.local.gateway import GatewayRoutes, LocalGateway
from sniper.devstack.local.jwt_auth import JwtAuthorizer
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.devstack.local.postmark_sink import PostmarkSink
from sniper.devstack.local.scheduler import LocalScheduler
from sniper.devstack.local.template import Cors, Template
from sniper.devstack.local.webapp import WebApp, app_config

log = logging.getLogger("sniper.devstack.local.stack")

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "Sniper-Demo-Passw0rd!"  # noqa: S105 - the local pool's documented demo login
DEMO_EMAIL = "demo@example.com"
DEMO_NAME = "Demo Sniper"

# The deployed product wakes the executor ~2 minutes before a close on EventBridge Scheduler's
# 60 s grid. The local scheduler honours seconds, so locally snipes can go through it with a short
# lead: a demo (or a developer) does not wait minutes for an auction.
LOCAL_TIMING: Mapping[str, Mapping[str, str]] = {
    "BidManagementFunction": {
        "SCHEDULE_LEAD_SECONDS": "15",
        "STANDBY_LEAD_SECONDS": "10",
        "SCHEDULE_PRECISION_SECONDS": "1",
    },
}


# The bid executor runs in its own processes: a crash is a real one, and its timing does not share
# a loop with the gateway, the simulator and moto. A cold start costs a process spawn (measured
# in tests/integration/local/test_process_containers.py).
DEFAULT_PROCESS_FUNCTIONS = frozenset({"BidExecutorFunction"})


@dataclass(frozen=True)
class StackOptions:
    host: str = "127.0.0.1"
    api_port: int = 3000  # 0: any free port
    # The web app's port; None: the one after api_port (any free port when api_port is 0).
    web_port: int | None = None
    state_file: Path | None = None
    # Where the Postmark sink keeps emails; None: a temporary directory removed on exit.
    postmark_dir: Path | None = None
    # Names every resource; two stacks in one process (moto's state is per process) need two.
    stack_name: str = "sniper-local"
    template: Template | None = None
    demo_user: bool = True
    # When Lambda retries a failed asynchronous invocation: AWS's ~60 s and ~120 s, unless a
    # test names a faster profile and says why.
    retry_timing: RetryTiming = field(default_factory=RetryTiming.aws)
    # Functions (logical ids) run in process containers, which can be killed with no cleanup;
    # the others run in-process (see sniper.devstack.local.containers).
    process_functions: frozenset[str] = DEFAULT_PROCESS_FUNCTIONS
    # Put the AWS fault proxy between the functions and AWS (`LocalStack.aws_faults`).
    aws_faults: bool = False
    # Per function (logical id): environment variables set over template.yaml's (LOCAL_TIMING).
    function_overrides: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Tokens:
    """A Cognito sign-in's result."""

    id_token: str
    access_token: str
    refresh_token: str
    expires_in: int


class LocalStack:
    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.aws: LocalAws | None = None
        self.ebay: SimulatorServer | None = None
        self.postmark: PostmarkSink | None = None
        self.functions: LocalFunctions | None = None
        self.scheduler: LocalScheduler | None = None
        self.gateway: LocalGateway | None = None
        self.aws_proxy: AwsFaultProxy | None = None
        self.event_sources: SqsEventSources | None = None
        self.web: WebApp | None = None
        self.api_url: str | None = None
        self._exit = AsyncExitStack()

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> LocalStack:
        try:
            await self._start()
        except BaseException:
            await self._exit.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._exit.aclose()

    async def _start(self) -> None:
        options = self.options
        web = WebApp(lambda: app_config(self.describe()))
        await web.start(options.host, self._web_port())
        self.web = web
        self._exit.push_async_callback(web.stop)

        aws = await asyncio.to_thread(
            LocalAws.start,
            host=options.host,
            stack_name=options.stack_name,
            template=options.template,
        )
        self.aws = aws
        self._exit.push_async_callback(asyncio.to_thread, aws.stop)

        ebay = SimulatorServer(
            host=options.host,
            config=SimConfig(
                client_id=LOCAL_CLIENT_ID,
                client_secret=LOCAL_CLIENT_SECRET,
                # eBay sends the browser to the RuName's accept URL: locally, the app's callback.
                accept_url=web.callback_url,
            ),
        )
        await ebay.start()
        self.ebay = ebay
        self._exit.push_async_callback(ebay.stop)

        postmark = PostmarkSink(self._postmark_dir())
        await postmark.start(options.host)
        self.postmark = postmark
        self._exit.push_async_callback(postmark.stop)

        # Before any function is built: their environment points at the simulator and the sink.
        aws.ebay_base_url = ebay.url
        aws.postmark_base_url = postmark.url

        functions = LocalFunctions(
            aws,
            retry_timing=options.retry_timing,
            process_functions=options.process_functions,
            overrides=options.function_overrides,
        )
        await functions.start(options.host)
        self.functions = functions
        self._exit.push_async_callback(functions.stop)
        if options.retry_timing != RetryTiming.aws():
            log.warning("asynchronous retries are not AWS's: %s", options.retry_timing.describe())

        if options.aws_faults:
            assert functions.url is not None
            proxy = AwsFaultProxy(aws_endpoint=aws.endpoint, lambda_endpoint=functions.url)
            await proxy.start(options.host)
            self.aws_proxy = proxy
            self._exit.push_async_callback(proxy.stop)
            functions.aws_proxy_url = proxy.url

        await self._start_scheduler(aws, functions)
        event_sources = SqsEventSources(aws, functions)
        await event_sources.start()
        self.event_sources = event_sources
        self._exit.push_async_callback(event_sources.stop)

        http = aiohttp.ClientSession()
        self._exit.push_async_callback(http.close)
        gateway = LocalGateway(
            routes=GatewayRoutes.from_template(aws.template),
            invoker=functions,
            authorizer=JwtAuthorizer.for_local_aws(aws, http),
            cors=_allowing(aws.template.cors(), web.origins),
            account_id=ACCOUNT_ID,
        )
        self.api_url = await gateway.start(options.host, options.api_port)
        self.gateway = gateway
        self._exit.push_async_callback(gateway.stop)

        if options.demo_user:
            await self.create_user(DEMO_USERNAME, DEMO_PASSWORD, email=DEMO_EMAIL, name=DEMO_NAME)
        if options.state_file is not None:
            self._write_state(options.state_file)

    def _web_port(self) -> int:
        if self.options.web_port is not None:
            return self.options.web_port
        return self.options.api_port + 1 if self.options.api_port else 0

    def _postmark_dir(self) -> Path:
        if self.options.postmark_dir is not None:
            return self.options.postmark_dir
        directory = Path(tempfile.mkdtemp(prefix="sniper-mail-"))
        self._exit.callback(shutil.rmtree, directory, ignore_errors=True)
        return directory

    async def _start_scheduler(self, aws: LocalAws, functions: LocalFunctions) -> None:
        scheduler = LocalScheduler(aws, functions)
        await scheduler.start()
        self.scheduler = scheduler
        self._exit.push_async_callback(scheduler.stop)

    def _write_state(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.describe(), indent=2) + "\n", encoding="utf-8")
        # A state file outliving the stack would name dead ports.
        self._exit.callback(_unlink_quietly, path)

    # ------------------------------------------------------------------ users
    async def create_user(self, username: str, password: str, *, email: str, name: str) -> None:
        """A confirmed user with a permanent password in the local user pool."""
        aws = self._running_aws()
        pool_id = aws.refs["UserPool"]

        def create() -> None:
            cognito = aws.client("cognito-idp")
            cognito.admin_create_user(
                UserPoolId=pool_id,
                Username=username,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "name", "Value": name},
                ],
                MessageAction="SUPPRESS",
            )
            cognito.admin_set_user_password(
                UserPoolId=pool_id, Username=username, Password=password, Permanent=True
            )

        await asyncio.to_thread(create)

    async def sign_in(self, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> Tokens:
        aws = self._running_aws()
        return await asyncio.to_thread(
            sign_in, aws.endpoint, aws.region, aws.refs["UserPoolClient"], username, password
        )

    # ------------------------------------------------------------------ tests
    @property
    def aws_faults(self) -> AwsFaults:
        """The AWS fault proxy's rules (StackOptions(aws_faults=True))."""
        if self.aws_proxy is None:
            raise RuntimeError("no AWS fault proxy: start the stack with aws_faults=True")
        return self.aws_proxy.faults

    async def reset(self) -> None:
        """Empty the tables, the schedules, the simulator and the mailbox, forget kill plans and
        AWS faults, and retire the warm function containers; users in the pool stay.

        Asynchronous invocations still running (a previous test's) finish first, so none of
        them writes into the next test's clean tables; those waiting for a retry are dropped.
        """
        if self.aws_proxy is not None:
            self.aws_proxy.faults.clear()
        if self.event_sources is not None:
            # A previous test's wakes, still delayed in the queue, must not fire into this one.
            self.event_sources.forget()
        if self.functions is not None:
            self.functions.crashes.plans.clear()  # nothing more is killed
            await self.functions.discard_pending()
            self.functions.clear_records()
            # Fresh containers too: a warm one caches what the reset simulator forgot (its
            # application token), which no real eBay would do to it.
            await self.functions.retire_containers()
        await asyncio.to_thread(self._running_aws().reset)
        if self.scheduler is not None:
            # Forget the schedules just deleted rather than wait for the next poll.
            await self.scheduler.rescan()
        if self.ebay is not None:
            self.ebay.reset()
        if self.postmark is not None:
            self.postmark.clear()

    # ------------------------------------------------------------------ what is where
    def describe(self) -> dict[str, Any]:
        aws = self._running_aws()
        summary = aws.summary()
        described: dict[str, Any] = {
            "webUrl": self.web.url if self.web else None,
            "apiUrl": self.api_url,
            "ebaySimUrl": self.ebay.url if self.ebay else None,
            "awsEndpoint": summary["endpoint"],
            "region": summary["region"],
            "userPoolId": aws.refs["UserPool"],
            "userPoolClientId": aws.refs["UserPoolClient"],
            "lambdaEndpoint": self.functions.url if self.functions else None,
            "retryTiming": self.options.retry_timing.describe(),
            "processFunctions": sorted(self.options.process_functions),
        }
        if self.aws_proxy is not None:
            described["awsFaultProxyUrl"] = self.aws_proxy.url
        if self.functions is not None:
            described["snipeTiming"] = self._snipe_timing(aws, self.functions)
        if self.options.demo_user:
            described["demoUsername"] = DEMO_USERNAME
            described["demoPassword"] = DEMO_PASSWORD
        if self.postmark is not None:
            described["postmarkSinkUrl"] = self.postmark.url
            described["postmarkSinkDir"] = str(self.postmark.directory)
        described["resources"] = summary["resources"]
        return described

    @staticmethod
    def _snipe_timing(aws: LocalAws, functions: LocalFunctions) -> dict[str, Any]:
        """How early the executor is woken before a close, here and as deployed."""
        name = "BidManagementFunction"

        def timing(env: Mapping[str, str]) -> dict[str, int]:
            settings = load_settings(BidManagementSettings, env)
            return {
                "leadSeconds": settings.schedule_lead_seconds,
                "precisionSeconds": settings.schedule_precision_seconds,
            }

        local = timing(functions.environment(name))
        return {**local, "deployed": timing(aws.function_environment(name))}

    def _running_aws(self) -> LocalAws:
        if self.aws is None:
            raise RuntimeError("the local stack is not running")
        return self.aws


def sign_in(endpoint: str, region: str, client_id: str, username: str, password: str) -> Tokens:
    """USER_PASSWORD_AUTH against the local user pool (blocking: boto3)."""
    import boto3

    cognito = boto3.client("cognito-idp", endpoint_url=endpoint, region_name=region)
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return Tokens(
        id_token=result["IdToken"],
        access_token=result["AccessToken"],
        refresh_token=result.get("RefreshToken", ""),
        expires_in=int(result.get("ExpiresIn", 3600)),
    )


def _allowing(cors: Cors, origins: tuple[str, ...]) -> Cors:
    """The template's CORS with the local app's origins: locally the stack hosts the app, as
    the Amplify app does when deployed (whose URL the template's origin names)."""
    return dataclasses.replace(cors, allow_origins=(*cors.allow_origins, *origins))


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
