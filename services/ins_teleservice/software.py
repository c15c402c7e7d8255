"""Which software may call INSi in a tenant: the IDAM (``ContexteLPS/LPS/IDAM``, the CNDA approval number,
digest §1.2) must be one the setting ``INS_TELESERVICE_APPROVED_IDAMS`` lists (every tenant) or one the
tenant registered through ``/_admin/software``, so a vendor tests with its real IDAM without a restart.

The digest gives no format for an IDAM; the ones seen in [TLSI] are 12 uppercase letters and digits
(as ``ACME0LPS2025`` is), the sandbox's own are ``SANDBOX-IDAM-DEMO``. A registration takes 1-64 ASCII letters,
digits, ``-``, ``_`` or ``.``, starting with a letter or a digit, compared as sent (case kept).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr
from sqlalchemy import Row

from core.db import Database
from core.errors import SandboxError
from core.jsonbody import validated
from core.settings import DEFAULT_TENANT
from services.ins_teleservice import store
from services.ins_teleservice.codes import InsCode
from services.ins_teleservice.settings import InsTeleserviceSettings

logger = logging.getLogger("services.ins_teleservice")
IDAM_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_PER_TENANT = 100  # registrations per tenant: a team has a few products, not thousands
SETTING = "INS_TELESERVICE_APPROVED_IDAMS"


class SoftwareIn(BaseModel):
    """A software a team registers for its tenant."""

    model_config = ConfigDict(extra="forbid")
    idam: StrictStr = Field(description="The IDAM the software sends in ContexteLPS/LPS/IDAM.",
                            examples=["ACME0LPS2025"])
    name: Annotated[StrictStr, Field(min_length=1, max_length=200)] | None = Field(
        None, description="The software's name, for the team's own reference.", examples=["Mon LPS 2.1"])


def bad(message: str, where: str) -> SandboxError:
    return SandboxError(400, InsCode.BAD_SOFTWARE, message, expression=[where])


def parse(body: object) -> SoftwareIn:
    """The registration, or a 400 INS-0044 naming the field at fault."""
    if not isinstance(body, dict):
        raise SandboxError(400, InsCode.BAD_JSON, "The body must be a JSON object: {\"idam\": \"...\"}.",
                           expression=["body"])
    data = validated(SoftwareIn, body, lambda message, where: bad(f"{message}.", where))
    if not IDAM_RE.fullmatch(data.idam):
        raise bad(f"idam {data.idam[:70]!r} must be 1-64 ASCII letters, digits, '-', '_' or '.', starting with a "
                  "letter or a digit (e.g. ACME0LPS2025).", "idam")
    return data


def registration(idam: str, name: str | None = None) -> dict:
    """A new registration's row values."""
    return {"idam": idam, "name": name, "registered_at": datetime.now(UTC).isoformat(timespec="seconds")}


def to_json(row: Row | None = None, *, idam: str | None = None) -> dict:
    """A registration as the admin API shows it; ``idam`` alone: one the setting accepts."""
    if row is None:
        return {"idam": idam, "name": None, "origin": "setting", "registeredAt": None}
    return {"idam": row.idam, "name": row.name, "origin": "tenant", "registeredAt": row.registered_at}


class Approvals:
    """The IDAMs one tenant's requests may carry; a refusal is logged with what would have been accepted."""

    def __init__(self, settings: InsTeleserviceSettings, db: Database | None, tenant: str = DEFAULT_TENANT) -> None:
        self.settings, self.db, self.tenant = settings, db, tenant  # no db: the setting's IDAMs only

    def approved(self, idam: str) -> bool:
        if self.settings.idam_approved(idam):
            return True
        if self.db is None or not IDAM_RE.fullmatch(idam):
            return False  # never registrable: no lookup
        with self.db.read() as conn:
            return store.software_registered(conn, tenant=self.tenant, idam=idam)

    def refused(self, idam: str) -> str:
        """Log the refusal (WARNING) and return the sandbox's advice, for the ``X-Sandbox-Help`` header."""
        registered = []
        if self.db is not None:
            with self.db.read() as conn:
                registered = [r.idam for r in store.list_software(conn, tenant=self.tenant)]
        shown = ", ".join(registered[:10]) + (", ..." if len(registered) > 10 else "") if registered else "none"
        advice = (f"IDAM {idam[:64]!r} is not accepted in tenant {self.tenant!r}. Accepted: "
                  f"{', '.join(self.settings.approved_idams) or 'none'} (setting {SETTING}, every tenant) and "
                  f"this tenant's registered IDAMs ({shown}). Register yours: POST "
                  f"{self.settings.base_url(self.tenant)}/_admin/software {{\"idam\": \"...\"}}.")
        logger.warning("INSi desir_550: %s", advice)
        return advice
