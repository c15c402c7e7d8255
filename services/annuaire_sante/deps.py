"""FastAPI dependencies of the directory's own routes, each named once (DESIGN.md style 3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.tenancy import tenant_dependency
from services.annuaire_sante.store import DirectoryStore


async def _store(request: Request) -> DirectoryStore:
    return DirectoryStore(request.app.state.fhir)


Tenant = Annotated[str, Depends(tenant_dependency)]
Store = Annotated[DirectoryStore, Depends(_store)]
