"""``GET /lps?wsdl`` and ``GET /lps?xsd=NAME``: the INSi contract, with every URL pointing at this sandbox.

The WSDL's ``soap12:address`` and its ``schemaLocation`` imports are written from the tenant's public URL
(``SANDBOX_PUBLIC_URL`` + tenant prefix + slug), so a client that loads the WSDL over HTTP, zeep for
instance, then reaches the right tenant and never needs w3.org (ws-addr.xsd is served locally).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from xml.sax.saxutils import escape

PLACEHOLDER = "{{LPS}}"
WSDL_NAME = "DESIR_ICIR_EXP_1.5.0.wsdl"
SCHEMAS = (
    "INSi_RECSANS_INS.xsd", "INSi_RECVITALE_INS.xsd", "INSi_RESULTAT_INS.xsd", "Security.xsd", "ws-addr.xsd",
    "ROOT_ctxlps_CTXLPS_V01_00.xsd", "ROOT_ctxbam_CTXBAM_V01_02.xsd", "schema_faultSOAP_V01_01.xsd",
)


@cache
def source(name: str) -> str:
    """A contract file as packaged (the WSDL still holds its ``{{LPS}}`` placeholder)."""
    return files("services.ins_teleservice.wsdl").joinpath(name).read_text(encoding="utf-8")


def wsdl(endpoint: str) -> str:
    """The WSDL for the INSi endpoint URL ``endpoint`` (e.g. ``http://127.0.0.1:8080/ins-teleservice/lps``)."""
    return source(WSDL_NAME).replace(PLACEHOLDER, escape(endpoint, {'"': "&quot;"}))


def schema(name: str) -> str | None:
    """One of the XSDs the WSDL imports, or None for any other name."""
    return source(name) if name in SCHEMAS else None
