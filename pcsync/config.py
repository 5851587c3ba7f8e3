"""Configuration: defaults in code, overrides from the environment, validated once.

Every process (ingest, worker, beat, CLI) builds one `Settings` at start-up.
A bad value stops the process with one line per problem naming the variable,
instead of failing later in the middle of a sync.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

CATALOGS = ("Sandbox", "AWS")
# What one ingest serves: everything, or one side of a split deployment
# (public webhooks apart from the operators' API and console).
INGEST_SURFACES = ("all", "webhooks", "management")
SIGNATURE_VERSIONS = ("v1", "v2", "v3")
MIN_SECRET_CHARS = 8
AWS_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# The solution every Sandbox account may associate (https://docs.aws.amazon.com/partner-central/latest/developer-guide/testing-sandbox.html).
SANDBOX_SOLUTION_ID = "S-1234567"
SIMULATOR_MODES = ("auto", "on", "off")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
RESOURCE_STORES = ("local", "s3")
# Documents partners share: PDF, Office and OpenDocument files, images,
# video, plain text and Markdown.
DEFAULT_RESOURCE_CONTENT_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.text",
    "image/png",
    "image/jpeg",
    "video/mp4",
    "text/plain",
    "text/markdown",
)
# What AssignOpportunity's BusinessTitle may say for the opportunity owner
# (AssignOpportunity's documentation; the model only bounds the length).
ASSIGNEE_BUSINESS_TITLES = ("PartnerAccountManager", "OpportunityOwner")


class ConfigError(Exception):
    """One or more configuration values are invalid; `problems` names each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    celery_broker_url: str
    redis_url: str | None
    hubspot_access_token: str | None
    hubspot_client_secret: str | None
    hubspot_api_base_url: str
    hubspot_portal_id: str | None
    hubspot_app_id: str | None
    public_url: str
    pc_catalog: str
    pc_role_arn: str | None
    pc_endpoint_url: str | None
    api_tokens: tuple[str, ...]
    events_secret: str | None
    debounce_seconds: float
    max_body_bytes: int
    signature_max_age_seconds: int
    simulators: str
    engine_config_path: str | None
    log_level: str
    log_json: bool
    ingest_bind: str
    visibility_timeout_seconds: int
    solution_ids: tuple[str, ...] = ()
    auto_accept_referrals: bool = False
    involvement_type: str = "Co-Sell"
    # HubSpot owner (id or e-mail) -> Partner Central user, for people whose
    # HubSpot e-mail is not their Partner Central login (see _owner_map).
    owner_map: dict = field(default_factory=dict)
    assignee_business_title: str = "PartnerAccountManager"
    # Beat's engagement lifecycle cycle runs this often (minutes).
    engagement_sync_minutes: int = 30
    # Signs the operator console's session cookie and CSRF tokens; None means
    # "generate one and keep it under the data dir" (ingest/console/keys.py).
    secret_key: str | None = None
    # The partner resource library (pcsync/resource_store.py): where uploaded
    # files are kept, how big they may be, and how long a download link lives.
    resource_store: str = "local"
    resource_bucket: str | None = None
    resource_s3_endpoint_url: str | None = None
    resource_max_bytes: int = 25 * 1024 * 1024
    resource_content_types: tuple[str, ...] = DEFAULT_RESOURCE_CONTENT_TYPES
    resource_link_seconds: int = 300
    # The audit trail: rows older than this many days are purged (7 years).
    audit_retention_days: int = 2557
    audit_pseudonymise: bool = False
    audit_pseudonym_secret: str | None = None
    # HubSpot signature versions the webhook accepts (ingest/signatures.py).
    webhook_signatures: tuple[str, ...] = ("v3",)
    # Seconds past its due time before a pending object's task counts as lost.
    pending_margin_seconds: float = 120.0
    # gunicorn threads per ingest worker, and how long a request body may take.
    ingest_threads: int = 8
    ingest_serves: str = "all"
    request_read_timeout_seconds: float = 10.0
    # Multiprocess counters of every host (see pcsync/metrics.py); None: in-process.
    metrics_dir: Path | None = None
    # Slack-compatible incoming webhook for operator notifications; None: off.
    notify_url: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def serves_webhooks(self) -> bool:
        return self.ingest_serves in ("all", "webhooks")

    @property
    def serves_management(self) -> bool:
        return self.ingest_serves in ("all", "management")

    @property
    def embedded_broker(self) -> bool:
        return self.celery_broker_url.startswith("filesystem://")

    @property
    def broker_folder(self) -> Path:
        return self.data_dir / "broker"

    def submission_solution_ids(self) -> tuple[str, ...]:
        """Solutions to associate before submitting to AWS: the configured ones,
        else the Sandbox test solution in Sandbox; empty means "not configured"
        (submission to the AWS catalog then fails with a clear message)."""
        if self.solution_ids:
            return self.solution_ids
        return (SANDBOX_SOLUTION_ID,) if self.pc_catalog == "Sandbox" else ()

    def audit_pseudonym_key(self) -> str | None:
        """The key personal data in audit diffs is tokenised with, or None
        when the trail stores it as is."""
        return self.audit_pseudonym_secret if self.audit_pseudonymise else None

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line."""
        # An incoming-webhook URL carries its own credential in the path.
        values = [
            self.hubspot_access_token,
            self.hubspot_client_secret,
            self.events_secret,
            self.secret_key,
            self.audit_pseudonym_secret,
            self.notify_url,
        ]
        values.extend(self.api_tokens)
        # boto3 reads these itself; their values must not be logged either.
        values.extend(os.environ.get(name) for name in AWS_CREDENTIAL_VARIABLES)
        # A value this short is no credential (a test's "TEST"), and replacing
        # it everywhere would garble every line; the patterns still apply.
        return [v for v in values if v and len(v) >= MIN_SECRET_CHARS]


# Parsers turn a raw string into a value or raise ValueError with a reason.


def _nonempty(raw: str) -> str:
    if not raw.strip():
        raise ValueError("must not be empty")
    return raw.strip()


def _optional(raw: str) -> str | None:
    return raw.strip() or None


def _http_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http(s) URL with a host, got {raw!r}")
    return raw.strip().rstrip("/")


def _optional_http_url(raw: str) -> str | None:
    return _http_url(raw) if raw.strip() else None


def _database_url(raw: str) -> str:
    scheme = urlsplit(raw).scheme
    if not scheme.startswith(("sqlite", "postgresql")):
        raise ValueError("must be a sqlite:// or postgresql:// SQLAlchemy URL")
    if scheme == "postgresql":
        # Plain postgresql:// would pick psycopg2, which is not installed.
        raw = "postgresql+psycopg" + raw[len("postgresql") :]
    return raw


def _broker_url(raw: str) -> str:
    scheme = urlsplit(raw).scheme
    if scheme not in ("redis", "rediss", "filesystem", "memory", "amqp", "pyamqp"):
        raise ValueError("must be redis://, rediss://, amqp:// or filesystem:// (embedded)")
    return raw


def _optional_redis_url(raw: str) -> str | None:
    if not raw.strip():
        return None
    if urlsplit(raw).scheme not in ("redis", "rediss", "unix"):
        raise ValueError("must be a redis:// or rediss:// URL")
    return raw.strip()


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {raw!r}")
        return raw

    return parse


def _role_arn(raw: str) -> str | None:
    if not raw.strip():
        return None
    if not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", raw.strip()):
        raise ValueError("must be an IAM role ARN like arn:aws:iam::123456789012:role/Name")
    return raw.strip()


def _tokens(raw: str) -> tuple[str, ...]:
    tokens = tuple(t.strip() for t in raw.split(",") if t.strip())
    short = [t for t in tokens if len(t) < 16]
    if short:
        raise ValueError("each token must be at least 16 characters")
    return tokens


def _optional_secret_key(raw: str) -> str | None:
    key = raw.strip()
    if key and len(key) < 32:
        raise ValueError("must be at least 32 characters (or unset to generate one)")
    return key or None


def _positive_float(raw: str) -> float:
    value = float(raw)
    if value < 0:
        raise ValueError("must be zero or positive")
    return value


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _signature_versions(raw: str) -> tuple[str, ...]:
    versions = tuple(dict.fromkeys(v.strip().lower() for v in raw.split(",") if v.strip()))
    unknown = [v for v in versions if v not in SIGNATURE_VERSIONS]
    if unknown or not versions:
        raise ValueError(f"must list some of {', '.join(SIGNATURE_VERSIONS)}, got {raw!r}")
    return versions


def _solution_ids(raw: str) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(i.strip() for i in raw.split(",") if i.strip()))
    bad = [i for i in ids if not re.fullmatch(r"S-[0-9]{1,19}", i)]
    if bad:
        raise ValueError(f"solution ids look like S-1234567, got {', '.join(bad)}")
    if len(ids) > 10:
        raise ValueError("an opportunity takes at most 10 solutions")
    return ids


def _involvement_type(raw: str) -> str:
    # The default is held to the service model by a unit test, so a process
    # left on it (the ingest) never loads botocore to check it.
    if raw == Settings.involvement_type:
        return raw
    # Other values against the installed service model, not a hand-typed copy.
    from workers.engine.model import enum_values

    return _one_of(enum_values("SalesInvolvementType"))(raw)


def _owner_map(raw: str) -> dict[str, dict[str, str]]:
    """JSON, inline or in a file: {"<HubSpot owner id or e-mail>": "<Partner
    Central login>" or {"email", "firstName"?, "lastName"?}}. Keys and e-mails
    come back lower-cased, each value as {"email", ...names given}."""
    text = raw.strip()
    if not text:
        return {}
    if not text.startswith(("{", "[")):  # else a file path
        try:
            text = Path(text).read_text()
        except OSError as exc:
            raise ValueError(f"is neither a JSON object nor a readable file: {exc}") from exc
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not valid JSON: {exc}") from exc
    if not isinstance(entries, dict):
        raise ValueError("must be a JSON object mapping HubSpot owners to Partner Central users")
    from workers.engine.model import shape_at  # the Email pattern of AssignOpportunity

    email_pattern = shape_at("AssigneeContact", "Email").metadata["pattern"]
    mapped, problems = {}, []
    for key, value in entries.items():
        user = {"email": value} if isinstance(value, str) else value
        email = user.get("email") if isinstance(user, dict) else None
        if not key.strip():
            problems.append("an owner key is empty")
        elif not isinstance(email, str) or not re.fullmatch(email_pattern, email.strip().lower()):
            problems.append(f"{key!r} needs a Partner Central login e-mail, got {value!r}")
        else:
            names = {k: str(user[k]) for k in ("firstName", "lastName") if user.get(k)}
            mapped[key.strip().lower()] = {"email": email.strip().lower(), **names}
    if problems:
        raise ValueError("; ".join(problems))
    return mapped


def _content_types(raw: str) -> tuple[str, ...]:
    types = tuple(dict.fromkeys(t.strip().lower() for t in raw.split(",") if t.strip()))
    bad = [t for t in types if not re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", t)]
    if bad or not types:
        raise ValueError(f"must be a comma-separated list of media types, got {raw!r}")
    return types


def _optional_path(raw: str) -> Path | None:
    return Path(raw.strip()).resolve() if raw.strip() else None


def _bind(raw: str) -> str:
    host, sep, port = raw.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError("must be HOST:PORT")
    return raw


# variable name -> (settings attribute, parser, default raw value or None)
VARIABLES: dict[str, tuple[str, Callable[[str], object], str | None]] = {
    "DATABASE_URL": ("database_url", _database_url, None),
    "CELERY_BROKER_URL": ("celery_broker_url", _broker_url, "filesystem://"),
    "REDIS_URL": ("redis_url", _optional_redis_url, ""),
    "HUBSPOT_ACCESS_TOKEN": ("hubspot_access_token", _optional, ""),
    "HUBSPOT_CLIENT_SECRET": ("hubspot_client_secret", _optional, ""),
    "HUBSPOT_API_BASE_URL": ("hubspot_api_base_url", _http_url, "https://api.hubapi.com"),
    "HUBSPOT_PORTAL_ID": ("hubspot_portal_id", _optional, ""),
    # pcsync's own app: property changes HubSpot reports as made by this app
    # are pcsync's writes coming back and are not synced again.
    "HUBSPOT_APP_ID": ("hubspot_app_id", _optional, ""),
    "PCSYNC_PUBLIC_URL": ("public_url", _http_url, "http://127.0.0.1:8700"),
    "PC_CATALOG": ("pc_catalog", _one_of(CATALOGS), "Sandbox"),
    "PC_ROLE_ARN": ("pc_role_arn", _role_arn, ""),
    "PC_ENDPOINT_URL": ("pc_endpoint_url", _optional_http_url, ""),
    "PCSYNC_API_TOKENS": ("api_tokens", _tokens, ""),
    "PCSYNC_EVENTS_SECRET": ("events_secret", _optional, ""),
    "PCSYNC_DEBOUNCE_SECONDS": ("debounce_seconds", _positive_float, "2"),
    "PCSYNC_MAX_BODY_BYTES": ("max_body_bytes", _positive_int, str(1024 * 1024)),
    "PCSYNC_SIGNATURE_MAX_AGE": ("signature_max_age_seconds", _positive_int, "300"),
    "PCSYNC_SIMULATORS": ("simulators", _one_of(SIMULATOR_MODES), "auto"),
    "PCSYNC_ENGINE_CONFIG": ("engine_config_path", _optional, ""),
    "PCSYNC_LOG_LEVEL": ("log_level", _one_of(LOG_LEVELS), "INFO"),
    "PCSYNC_LOG_JSON": ("log_json", _bool, "true"),
    "PCSYNC_INGEST_BIND": ("ingest_bind", _bind, "127.0.0.1:8700"),
    # How long Redis waits before redelivering an unacknowledged task (a
    # worker that died mid-task). Must exceed every countdown and run time.
    "PCSYNC_VISIBILITY_TIMEOUT": ("visibility_timeout_seconds", _positive_int, "10800"),
    # Submission to AWS (see Settings.submission_solution_ids for the default).
    "PCSYNC_SOLUTION_IDS": ("solution_ids", _solution_ids, ""),
    "PCSYNC_INVOLVEMENT_TYPE": ("involvement_type", _involvement_type, "Co-Sell"),
    # AWS referrals are accepted only by an operator unless this is true.
    "PCSYNC_AUTO_ACCEPT_REFERRALS": ("auto_accept_referrals", _bool, "false"),
    # Opportunity assignment follows the HubSpot deal owner.
    "PCSYNC_OWNER_MAP": ("owner_map", _owner_map, ""),
    "PCSYNC_ASSIGNEE_BUSINESS_TITLE": (
        "assignee_business_title",
        _one_of(ASSIGNEE_BUSINESS_TITLES),
        "PartnerAccountManager",
    ),
    # How often beat refreshes AWS engagements on deals (workers/sync/engagements).
    "PCSYNC_ENGAGEMENT_SYNC_MINUTES": ("engagement_sync_minutes", _positive_int, "30"),
    # Operator console sessions and CSRF tokens.
    "PCSYNC_SECRET_KEY": ("secret_key", _optional_secret_key, ""),
    # The partner resource library: "local" keeps files under the data dir,
    # "s3" in PCSYNC_RESOURCE_BUCKET (an S3-compatible endpoint may be given).
    "PCSYNC_RESOURCE_STORE": ("resource_store", _one_of(RESOURCE_STORES), "local"),
    "PCSYNC_RESOURCE_BUCKET": ("resource_bucket", _optional, ""),
    "PCSYNC_RESOURCE_S3_ENDPOINT_URL": ("resource_s3_endpoint_url", _optional_http_url, ""),
    "PCSYNC_RESOURCE_MAX_BYTES": ("resource_max_bytes", _positive_int, str(25 * 1024 * 1024)),
    "PCSYNC_RESOURCE_CONTENT_TYPES": (
        "resource_content_types",
        _content_types,
        ",".join(DEFAULT_RESOURCE_CONTENT_TYPES),
    ),
    "PCSYNC_RESOURCE_LINK_SECONDS": ("resource_link_seconds", _positive_int, "300"),
    # Audit trail retention (days) and pseudonymised personal data in diffs;
    # the secret keys the tokens, so one person always gets the same token.
    "PCSYNC_AUDIT_RETENTION_DAYS": ("audit_retention_days", _positive_int, "2557"),
    "PCSYNC_AUDIT_PSEUDONYMISE": ("audit_pseudonymise", _bool, "false"),
    "PCSYNC_AUDIT_PSEUDONYM_SECRET": ("audit_pseudonym_secret", _optional, ""),
    # v1 and v2 carry no timestamp, so a captured request replays forever
    # (HubSpot sends v1 beside v3): only listed versions are accepted.
    "PCSYNC_WEBHOOK_SIGNATURES": ("webhook_signatures", _signature_versions, "v3"),
    # The pending sweeper re-queues a pending object this long past due
    # (tasks/pending.py): above queueing delays, below the visibility timeout.
    "PCSYNC_PENDING_MARGIN_SECONDS": ("pending_margin_seconds", _positive_float, "120"),
    # Slow clients (ingest/body_deadline.py): each trickling body holds one
    # thread for at most the read timeout.
    "PCSYNC_INGEST_THREADS": ("ingest_threads", _positive_int, "8"),
    "PCSYNC_INGEST_SERVES": ("ingest_serves", _one_of(INGEST_SURFACES), "all"),
    "PCSYNC_REQUEST_READ_TIMEOUT": ("request_read_timeout_seconds", _positive_float, "10"),
    # Read again by pcsync/metrics.py at import, before prometheus-client is loaded.
    "PCSYNC_METRICS_DIR": ("metrics_dir", _optional_path, ""),
    "PCSYNC_NOTIFY_URL": ("notify_url", _optional_http_url, ""),
}

PSEUDONYM_SECRET_MIN = 16


def _cross_checks(values: dict) -> list[str]:
    """Problems that involve more than one variable."""
    problems = []
    secret = values.get("audit_pseudonym_secret")
    if values.get("audit_pseudonymise") and (not secret or len(secret) < PSEUDONYM_SECRET_MIN):
        problems.append(
            "PCSYNC_AUDIT_PSEUDONYM_SECRET: PCSYNC_AUDIT_PSEUDONYMISE=true needs a secret of "
            f"at least {PSEUDONYM_SECRET_MIN} characters to key the tokens"
        )
    if values.get("resource_store") == "s3" and not values.get("resource_bucket"):
        problems.append("PCSYNC_RESOURCE_BUCKET: must be set when PCSYNC_RESOURCE_STORE is s3")
    return problems


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, object] | None = None
) -> Settings:
    """Build Settings from `environ` (default os.environ) and test overrides.

    `overrides` maps Settings attribute names to already-typed values.
    Raises ConfigError listing every bad variable at once.
    """
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("PCSYNC_DATA_DIR", "var")).resolve()
    values: dict[str, object] = {"data_dir": data_dir}
    problems: list[str] = []
    for name, (attr, parse, default) in VARIABLES.items():
        raw = env.get(name)
        # Empty means unset: a compose .env lists every variable, most blank.
        if raw is None or not raw.strip():
            raw = default if default is not None else f"sqlite:///{data_dir / 'pcsync.sqlite3'}"
        try:
            values[attr] = parse(raw)
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    problems += _cross_checks(values)
    if problems:
        raise ConfigError(problems)
    settings = Settings(**values)
    if overrides:
        known = {f.name for f in fields(Settings)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError([f"unknown setting override: {name}" for name in unknown])
        settings = replace(settings, **overrides)
    return settings


def uses_simulators(settings: Settings, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the local simulators stand in for HubSpot and Partner Central.

    `auto` means: only when no real credentials are configured at all, so a
    fresh machine runs end to end and a configured one never talks to a fake.
    """
    if settings.simulators != "auto":
        return settings.simulators == "on"
    env = os.environ if environ is None else environ
    aws_configured = any(
        env.get(name) for name in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_ROLE_ARN")
    )
    return not (settings.hubspot_access_token or aws_configured or settings.pc_role_arn)
