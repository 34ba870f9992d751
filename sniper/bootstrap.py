"""The composition root: what the deployed functions are made of, each piece built in one place.

A function's entrypoint loads its settings and asks the root for what it needs:

    root = Root(load_settings(BidHistorySettings, environ), service="bid-history")
    history = await root.history_repository()

The root builds each collaborator from the settings and one source of AWS clients (made on
first use, kept for the container's life). What a root can build follows from its settings'
type: a method asks for settings that carry what it needs (sniper.config's protocols), so asking
a BidHistorySettings root for the users repository is a type error, not a cold-start failure.

Each method imports what it builds: a function loads the modules it is made of and no others
(the bid executor stays lean, the history API never loads the eBay client or Postmark's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aws_lambda_powertools import Logger

from sniper.aws_clients import AwsClients
from sniper.clock import SYSTEM_CLOCK, Clock
from sniper.config import (
    BaseSettings,
    BidManagementSettings,
    BidsTable,
    EbayOAuthSettings,
    EbaySettings,
    ExecutorSettings,
    HistoryTable,
    LinkedEbaySettings,
    NotificationSettings,
    NotifiesUsers,
    ScheduleGroup,
    TokenRefreshSettings,
    UserManagementSettings,
    UsersTable,
)
from sniper.runtime import ClientSource, Closer, close_all

if TYPE_CHECKING:
    from sniper.api.idempotency import IdempotentRequests
    from sniper.app_secrets import SecretsReader
    from sniper.dispatch import LambdaDispatch
    from sniper.ebay.client import EbayClient
    from sniper.ebay.credentials import AppCredentials
    from sniper.events import SnipeDue
    from sniper.executor.engine import BidExecutor, Hooks
    from sniper.metrics import SniperMetrics
    from sniper.notifications.notifier import Notifier
    from sniper.notifications.postmark import PostmarkMailer
    from sniper.scheduling import EventBridgeSnipeScheduler, ScheduleRemoval
    from sniper.services.account_removal import AccountRemoval
    from sniper.services.ebay_linking import EbayLinking
    from sniper.services.ebay_notices import AccountDeletionNotices
    from sniper.services.ebay_tokens import EbayTokens
    from sniper.services.oauth_state import OAuthStates
    from sniper.services.profiles import Profiles
    from sniper.services.snipes import Snipes
    from sniper.services.token_refresh import TokenRefresh
    from sniper.services.watchlist import Watchlist
    from sniper.storage.history import HistoryRepository
    from sniper.storage.idempotency import IdempotencyRecords
    from sniper.storage.live_guards import LiveGuards
    from sniper.storage.notices import NoticesRepository
    from sniper.storage.snipes import SnipesRepository
    from sniper.storage.spent_states import SpentStates
    from sniper.storage.table import DynamoTable
    from sniper.storage.users import UsersRepository
    from sniper.vault import TokenVault
    from sniper.wake import WakeQueue

Settings = TypeVar("Settings", covariant=True)
T = TypeVar("T")

# The bid must not wait 10 s for an answer that would come after the close.
BID_RESPONSE_TIMEOUT_S = 3.0


class Root(Generic[Settings]):
    def __init__(
        self,
        settings: Settings,
        *,
        service: str,
        clients: ClientSource | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if not isinstance(settings, BaseSettings):
            raise TypeError(f"a root is built from a function's settings, not {settings!r}")
        self._settings = settings
        self.common: BaseSettings = settings
        self.clients: ClientSource = clients or AwsClients.for_settings(settings)
        self.clock = clock
        self.service = service
        self._shared: dict[str, Any] = {}
        self._closers: list[Closer] = [self.clients.close]

    @property
    def settings(self) -> Settings:
        return self._settings

    @cached_property
    def logger(self) -> Logger:
        """Powertools' JSON logger; its records carry the correlation id once one is set. Made
        when first asked for: the bid executor configures its own."""
        return Logger(service=self.service, level=self.common.log_level, use_rfc3339=True)

    async def aclose(self) -> None:
        """Release what was built (the eBay client's connections, then the AWS clients)."""
        await close_all(self._closers)

    async def _once(self, name: str, build: Callable[[], Awaitable[T]]) -> T:
        """What holds state worth keeping (caches, connections) is built once per root."""
        if name not in self._shared:
            self._shared[name] = await build()
        built: T = self._shared[name]
        return built

    # ------------------------------------------------------------------ DynamoDB
    async def _table(self, name: str) -> DynamoTable:
        from sniper.storage.table import DynamoTable

        return DynamoTable(await self.clients.get("dynamodb"), name)

    async def users_repository(self: Root[UsersTable]) -> UsersRepository:
        from sniper.storage.users import UsersRepository

        return UsersRepository(await self._table(self.settings.users_table))

    async def snipes_repository(self: Root[BidsTable]) -> SnipesRepository:
        from sniper.storage.snipes import SnipesRepository

        return SnipesRepository(await self._table(self.settings.bids_table))

    async def live_guards(self: Root[BidsTable]) -> LiveGuards:
        from sniper.storage.live_guards import LiveGuards

        return LiveGuards(await self._table(self.settings.bids_table))

    async def idempotency_records(self: Root[BidsTable]) -> IdempotencyRecords:
        from sniper.storage.idempotency import IdempotencyRecords

        return IdempotencyRecords(await self._table(self.settings.bids_table))

    async def spent_states(self: Root[BidsTable]) -> SpentStates:
        from sniper.storage.spent_states import SpentStates

        return SpentStates(await self._table(self.settings.bids_table))

    async def notices_repository(self: Root[BidsTable]) -> NoticesRepository:
        from sniper.storage.notices import NoticesRepository

        return NoticesRepository(await self._table(self.settings.bids_table))

    async def history_repository(
        self: Root[HistoryTable], *, retention_days: int | None = None
    ) -> HistoryRepository:
        """`retention_days`: how long an entry written here is kept (the executor's setting)."""
        from sniper.storage.history import DEFAULT_RETENTION_DAYS, HistoryRepository

        return HistoryRepository(
            await self._table(self.settings.bid_history_table),
            retention_days=retention_days or DEFAULT_RETENTION_DAYS,
        )

    # ------------------------------------------------------------------ KMS, Secrets Manager
    async def token_vault(self: Root[LinkedEbaySettings]) -> TokenVault:
        from sniper.vault import TokenVault

        return TokenVault(await self.clients.get("kms"), self.settings.token_key_id)

    async def secrets_reader(self) -> SecretsReader:
        async def build() -> SecretsReader:
            from sniper.app_secrets import SecretsReader

            return SecretsReader(await self.clients.get("secretsmanager"))

        return await self._once("secrets", build)

    # ------------------------------------------------------------------ eBay
    async def ebay_credentials(self: Root[EbaySettings]) -> AppCredentials:
        """Our eBay application's keys, from the eBay secret."""
        from sniper.app_secrets import EbayAppSecret
        from sniper.ebay.credentials import AppCredentials

        secrets = await self.secrets_reader()
        app = await secrets.read(self.settings.ebay_secret_arn, EbayAppSecret)
        return AppCredentials(
            client_id=app.client_id, client_secret=app.client_secret, ru_name=app.ru_name
        )

    async def ebay_client(self: Root[EbaySettings]) -> EbayClient:
        """Every eBay API on one transport (its connections closed with the root)."""

        async def build() -> EbayClient:
            from sniper.ebay.client import EbayClient
            from sniper.ebay.endpoints import endpoints_for
            from sniper.ebay.http import EbayHttp

            settings = self.settings
            http = EbayHttp(total_timeout_s=settings.ebay_timeout_seconds)
            self._closers.append(http.close)
            endpoints = endpoints_for(settings.ebay_environment, settings.ebay_base_url)
            return EbayClient(endpoints, await self.ebay_credentials(), http)

        return await self._once("ebay", build)

    async def verification_token(self: Root[EbaySettings]) -> Callable[[], Awaitable[str]]:
        """The eBay secret's verification token (account-deletion notices), read when needed."""
        from sniper.app_secrets import EbayAppSecret

        secrets = await self.secrets_reader()

        async def verification_token() -> str:
            app = await secrets.read(self.settings.ebay_secret_arn, EbayAppSecret)
            return app.verification_token

        return verification_token

    async def ebay_tokens(self: Root[LinkedEbaySettings]) -> EbayTokens:
        from sniper.services.ebay_tokens import EbayTokens

        ebay = await self.ebay_client()
        return EbayTokens(
            await self.users_repository(), await self.token_vault(), ebay.oauth, clock=self.clock
        )

    # ------------------------------------------------------------------ Scheduler, Lambda
    async def schedule_removal(self: Root[ScheduleGroup]) -> ScheduleRemoval:
        from sniper.scheduling import ScheduleRemoval

        client = await self.clients.get("scheduler")
        return ScheduleRemoval(client, self.settings.scheduler_group_name)

    async def snipe_scheduler(self: Root[BidManagementSettings]) -> EventBridgeSnipeScheduler:
        from sniper.dispatch import LambdaDispatch
        from sniper.scheduling import EventBridgeSnipeScheduler

        settings = self.settings
        return EventBridgeSnipeScheduler(
            await self.clients.get("scheduler"),
            LambdaDispatch(await self.clients.get("lambda"), settings.bid_executor_function_arn),
            group_name=settings.scheduler_group_name,
            role_arn=settings.scheduler_role_arn,
            executor_arn=settings.bid_executor_function_arn,
            dlq_arn=settings.executor_dlq_arn,
            timing=settings.timing(),
        )

    async def notification_dispatch(self: Root[NotifiesUsers]) -> LambdaDispatch:
        """Hands an event to the notification handler (asynchronously)."""
        from sniper.dispatch import LambdaDispatch

        client = await self.clients.get("lambda")
        return LambdaDispatch(client, self.settings.notification_function_name)

    async def wake_queue(self: Root[ExecutorSettings]) -> WakeQueue:
        """Where an executor woken early hands itself to a later one (sniper/wake.py)."""
        from sniper.wake import WakeQueue

        return WakeQueue(await self.clients.get("sqs"), self.settings.wake_queue_url)

    async def self_dispatch(self: Root[ExecutorSettings], function_name: str) -> LambdaDispatch:
        """Hands an event to a fresh invocation of the running function (named at run time:
        a function cannot name itself in the template without a cycle)."""
        from sniper.dispatch import LambdaDispatch

        return LambdaDispatch(await self.clients.get("lambda"), function_name)

    async def bid_executor(
        self: Root[ExecutorSettings], *, hooks: Hooks | None = None
    ) -> BidExecutor:
        """The bid executor: every collaborator from this root; the bid itself leaves on a warm
        connection of its own to eBay's API (the one hand-made I/O: precision lives there)."""
        from sniper.ebay.wire import WarmConnection
        from sniper.executor.engine import BidExecutor, ExecutorConfig

        settings = self.settings
        ebay = await self.ebay_client()
        api_base = ebay.endpoints.api_base

        async def redispatch(function_name: str, due: SnipeDue) -> None:
            await (await self.self_dispatch(function_name))(due)

        return BidExecutor(
            snipes=await self.snipes_repository(),
            history=await self.history_repository(retention_days=settings.history_ttl_days),
            notices=await self.notices_repository(),
            tokens=await self.ebay_tokens(),
            browse=ebay.browse,
            connect=lambda: WarmConnection(api_base, response_timeout_s=BID_RESPONSE_TIMEOUT_S),
            notify=await self.notification_dispatch(),
            wake=await self.wake_queue(),
            redispatch=redispatch,
            clock=self.clock,
            config=ExecutorConfig(timing=settings.timing(), probes=settings.latency_probes),
            hooks=hooks,
            metrics=self.sniper_metrics(),
        )

    def sniper_metrics(self) -> SniperMetrics:
        from sniper.metrics import SniperMetrics

        return SniperMetrics(
            namespace=self.common.powertools_metrics_namespace,
            service=self.common.powertools_service_name,
        )

    # ------------------------------------------------------------------ Postmark
    async def postmark_mailer(self: Root[NotificationSettings]) -> PostmarkMailer:
        from sniper.app_secrets import PostmarkSecret
        from sniper.notifications.postmark import PostmarkMailer

        settings = self.settings
        secrets = await self.secrets_reader()

        async def server_token() -> str:
            return (await secrets.read(settings.postmark_secret_arn, PostmarkSecret)).server_token

        return PostmarkMailer(
            server_token,
            sender=settings.email_from,
            base_url=settings.postmark_base_url,
            timeout_s=settings.postmark_timeout_seconds,
        )

    # ------------------------------------------------------------------ use cases
    async def profiles(self: Root[UsersTable]) -> Profiles:
        from sniper.services.profiles import Profiles

        return Profiles(await self.users_repository(), clock=self.clock)

    async def account_removal(self: Root[UserManagementSettings]) -> AccountRemoval:
        from sniper.services.account_removal import AccountRemoval

        return AccountRemoval(
            await self.users_repository(),
            await self.snipes_repository(),
            await self.history_repository(),
            await self.schedule_removal(),
            clock=self.clock,
        )

    async def account_deletion_notices(
        self: Root[UserManagementSettings],
    ) -> AccountDeletionNotices:
        from sniper.services.ebay_notices import AccountDeletionNotices
        from sniper.services.ebay_public_keys import EbayPublicKeys

        ebay = await self.ebay_client()
        return AccountDeletionNotices(
            keys=EbayPublicKeys(ebay.http, ebay.endpoints, ebay.oauth),
            users=await self.users_repository(),
            removal=await self.account_removal(),
        )

    async def snipes_service(self: Root[BidManagementSettings]) -> Snipes:
        from sniper.services.snipes import Snipes

        return Snipes(
            users=await self.users_repository(),
            store=await self.snipes_repository(),
            guards=await self.live_guards(),
            browse=(await self.ebay_client()).browse,
            scheduler=await self.snipe_scheduler(),
            timing=self.settings.timing(),
            clock=self.clock,
        )

    async def idempotent_requests(self: Root[BidsTable]) -> IdempotentRequests:
        from sniper.api.idempotency import IdempotentRequests

        return IdempotentRequests(
            await self.idempotency_records(),
            correlation_id=self.logger.get_correlation_id,
            clock=self.clock,
        )

    async def watchlist(self: Root[LinkedEbaySettings]) -> Watchlist:
        from sniper.services.watchlist import Watchlist

        ebay = await self.ebay_client()
        return Watchlist(
            users=await self.users_repository(),
            tokens=await self.ebay_tokens(),
            trading=ebay.trading,
            browse=ebay.browse,
            snipes=await self.snipes_repository(),
            clock=self.clock,
        )

    async def oauth_states(self: Root[EbayOAuthSettings]) -> Callable[[], Awaitable[OAuthStates]]:
        """OAuth states under the current HMAC key (re-read a while later: a rotation lands)."""
        from sniper.services.oauth_state import OAuthStates, StateKeySource

        settings = self.settings
        secrets = await self.secrets_reader()
        key = StateKeySource(lambda: secrets.read_text(settings.oauth_state_secret_arn))
        spent = await self.spent_states()

        async def states() -> OAuthStates:
            return OAuthStates(
                await key.key(),
                ttl_seconds=settings.oauth_state_ttl_seconds,
                ledger=spent,
                clock=self.clock,
            )

        return states

    async def ebay_linking(self: Root[EbayOAuthSettings]) -> EbayLinking:
        from sniper.services.bidding_access import BiddingAccessProbe
        from sniper.services.ebay_linking import EbayLinking

        ebay = await self.ebay_client()
        return EbayLinking(
            users=await self.users_repository(),
            profiles=await self.profiles(),
            tokens=await self.ebay_tokens(),
            oauth=ebay.oauth,
            identity=ebay.identity,
            snipes=await self.snipes_repository(),
            scheduler=await self.schedule_removal(),
            states=await self.oauth_states(),
            bidding_probe=BiddingAccessProbe(
                watch_list=ebay.trading, offer=ebay.offer, clock=self.clock
            ),
            clock=self.clock,
        )

    async def token_refresh(self: Root[TokenRefreshSettings]) -> TokenRefresh:
        from sniper.services.token_refresh import TokenRefresh

        return TokenRefresh(
            await self.users_repository(),
            await self.snipes_repository(),
            await self.ebay_tokens(),
            await self.notification_dispatch(),
            expiry_threshold_days=self.settings.token_expiry_threshold,
            access_margin_seconds=self.settings.access_refresh_margin_seconds,
            clock=self.clock,
        )

    async def notifier(self: Root[NotificationSettings]) -> Notifier:
        from sniper.notifications.notifier import Notifier

        return Notifier(
            await self.users_repository(),
            await self.postmark_mailer(),
            snipes=await self.snipes_repository(),
            notices=await self.notices_repository(),
            history=await self.history_repository(),
            clock=self.clock,
        )
