"""The services behind the gateway: slug -> app factory import string (DESIGN.md "Run modes").

The gateway imports services only through these strings, so no package imports another. A service
runs in-process unless its ``<SLUG>_URL`` setting names where it runs (split mode).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from core.settings import SandboxSettings, ServiceSettings


def import_string(target: str) -> Any:
    """Resolve ``"pkg.module:attr"`` (or ``"pkg.module.attr"``) to the object it names."""
    module_name, sep, attr = target.partition(":")
    if not sep:
        module_name, _, attr = target.rpartition(".")
    if not module_name or not attr:
        raise ValueError(f"Import string {target!r} must look like 'pkg.module:attr'.")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class ServiceSpec:
    """One registered service: its slug, its ``create_app(settings)`` and, optionally, its settings class.

    ``error_form`` is the form of its errors (``fhir``: OperationOutcome, ``oauth``: RFC 6749 JSON, ``soap``:
    SOAP 1.2 Fault) and ``error_paths`` overrides it for paths starting with a prefix: the gateway answers an
    injected fault in that form (gateway/faults.py).
    """

    slug: str
    factory: str
    settings_factory: str | None = None
    error_form: str = "fhir"
    error_paths: tuple[tuple[str, str], ...] = ()

    def error_form_of(self, path: str) -> str:
        """The error form of a request to ``path`` (the path after the slug)."""
        for prefix, form in self.error_paths:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return form
        return self.error_form

    def build_settings(self, sandbox: SandboxSettings) -> ServiceSettings:
        """The service's settings, read from its ``<SLUG>_`` environment keys."""
        cls = import_string(self.settings_factory) if self.settings_factory else ServiceSettings
        return cls.for_slug(self.slug, sandbox)

    def build_app(self, settings: ServiceSettings) -> Any:
        """A fresh ASGI app of the service (its lifespan is not run here)."""
        return import_string(self.factory)(settings)


# Business services register here as their issues land; tests pass their own list to create_app.
DEFAULT_SERVICES: list[ServiceSpec] = [
    ServiceSpec("ins-teleservice", "services.ins_teleservice.app:create_app",
                "services.ins_teleservice.settings:InsTeleserviceSettings", error_paths=(("/lps", "soap"),)),
    ServiceSpec("annuaire-sante", "services.annuaire_sante.app:create_app",
                "services.annuaire_sante.settings:AnnuaireSanteSettings"),
    ServiceSpec("pro-sante-connect", "services.pro_sante_connect.app:create_app",
                "services.pro_sante_connect.settings:ProSanteConnectSettings", error_form="oauth"),
    ServiceSpec("ms-espace-sante", "services.ms_espace_sante.app:create_app",
                "services.ms_espace_sante.settings:MsEspaceSanteSettings"),
    ServiceSpec("eprescription", "services.eprescription.app:create_app",
                "services.eprescription.settings:EprescriptionSettings"),
]
