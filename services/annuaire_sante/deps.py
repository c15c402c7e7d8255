"""FastAPI dependencies of the directory's own routes, each named once (DESIGN.md style 3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.tenancy import request_tenant
from services.annuaire_sante.store import DirectoryStore


def _store(request: Request) -> DirectoryStore:
    return DirectoryStore(request.app.state.fhir)


Tenant = Annotated[str, Depends(request_tenant)]
Store = Annotated[DirectoryStore, Depends(_store)]
