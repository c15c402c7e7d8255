"""Settings objects, built at the edge (``main.py``, CLI) and passed to ``create_app(settings)``.

Global keys use the ``SANDBOX_`` prefix; each service reads its own keys with its slug as prefix
(``ins-teleservice`` -> ``INS_TELESERVICE_DATABASE_URL``). Nothing here is a module-level singleton.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_TENANT = "default"


def split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# A list setting written as ``A,B,C`` in the environment (not as JSON).
CommaList = Annotated[list[str], NoDecode, BeforeValidator(split_commas)]


def env_prefix(slug: str) -> str:
    """The environment prefix of a service: its slug upper-cased with ``_`` for ``-``."""
    return slug.upper().replace("-", "_") + "_"


def package_name(slug: str) -> str:
    """The Python package (and table prefix) of a slug: ``ins-teleservice`` -> ``ins_teleservice``."""
    return slug.replace("-", "_")


class SandboxSettings(BaseSettings):
    """Keys shared by the gateway and every service (env prefix ``SANDBOX_``)."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_", extra="ignore")

    public_url: str = Field(
        "http://127.0.0.1:8080", description="Base of every absolute URL the sandbox hands out."
    )
    data_dir: Path = Field(Path(".sandbox"), description="Where the SQLite files live.")
    admin_token: SecretStr | None = Field(None, description="When set, `/_admin` requires it as a Bearer token.")
    max_body_bytes: int = Field(10 * 1024 * 1024, description="Largest request body accepted (413 beyond).")
    max_json_depth: int = Field(
        100, ge=2, le=500, description="Deepest nesting of arrays and objects in a JSON body (400 FHIR-0021 beyond).",
    )
    record_body_bytes: int = Field(64 * 1024, description="How much of each body the recorder keeps.")
    record_durable: bool = Field(
        False, description="Journal each exchange before the last byte of its response is sent (none lost on a crash)."
    )
    database_url: str | None = Field(None, description="Gateway database (tenants, exchanges); SQLite by default.")
    auto_tenants: bool | None = Field(
        None, description="Create a tenant on first use of /t/{tenant}/: default yes without admin token, no with one."
    )
    fault_max_latency_ms: int = Field(60_000, ge=1, le=600_000, description="Longest latency_ms a fault rule "
                                      "may add (400 GW-0012 beyond).")
    max_tenants: int = Field(200, ge=1, description="Most tenants, the default one included (409 GW-0009 beyond).")
    page_secret: SecretStr | None = Field(
        None, description="Key signing FHIR page links (`_page?id=`); random at each start when unset, so set it "
        "when several processes serve one service or links must survive a restart.")
    page_ttl: int = Field(3600, ge=1, le=7 * 24 * 3600, description="Seconds a FHIR page link (`_page?id=`) stays "
                          "valid (410 FHIR-0024 after).")
    trusted_proxies: CommaList = Field(
        default_factory=list,
        description="Addresses of TLS terminators whose client-certificate headers (X-SSL-Client-CN) are passed on.",
    )

    @property
    def creates_tenants_on_first_use(self) -> bool:
        return self.auto_tenants if self.auto_tenants is not None else self.admin_token is None

    def sqlite_url(self, name: str) -> str:
        return f"sqlite:///{(self.data_dir / f'{name}.db').as_posix()}"

    @property
    def public_base(self) -> str:
        return self.public_url.rstrip("/")


class ServiceSettings(BaseSettings):
    """Settings of one service. Subclass it to add a service's own keys.

    Build it with :meth:`for_slug` so that the service's env prefix applies.
    """

    model_config = SettingsConfigDict(extra="ignore")

    slug: str
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    database_url: str | None = Field(None, description="Service database; SQLite under the data dir by default.")
    url: str | None = Field(None, description="Where the gateway reaches this service in split mode.")

    @classmethod
    def for_slug(cls, slug: str, sandbox: SandboxSettings | None = None, **values):
        return cls(_env_prefix=env_prefix(slug), slug=slug, sandbox=sandbox or SandboxSettings(), **values)

    @property
    def package(self) -> str:
        return package_name(self.slug)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or self.sandbox.sqlite_url(self.package)

    def base_url(self, tenant: str = DEFAULT_TENANT) -> str:
        """Public URL of this service for a tenant: public URL + tenant prefix + slug."""
        prefix = "" if tenant == DEFAULT_TENANT else f"/t/{tenant}"
        return f"{self.sandbox.public_base}{prefix}/{self.slug}"
