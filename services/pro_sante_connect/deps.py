"""FastAPI dependencies of Pro Santé Connect's routes, each named once (DESIGN.md style 3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.oidc.provider import Provider
from core.peers import PeerClient, peer
from core.tenancy import tenant_dependency
from services.pro_sante_connect.ciba import Ciba
from services.pro_sante_connect.settings import ProSanteConnectSettings

ANNUAIRE = "annuaire-sante"


async def _provider(request: Request) -> Provider:
    return request.app.state.provider


async def _ciba(request: Request) -> Ciba:
    return request.app.state.ciba


async def _settings(request: Request) -> ProSanteConnectSettings:
    return request.app.state.settings


async def _annuaire(request: Request) -> PeerClient:
    return peer(request, ANNUAIRE)


Tenant = Annotated[str, Depends(tenant_dependency)]
OidcProvider = Annotated[Provider, Depends(_provider)]
CibaFlow = Annotated[Ciba, Depends(_ciba)]
Settings = Annotated[ProSanteConnectSettings, Depends(_settings)]
Annuaire = Annotated[PeerClient, Depends(_annuaire)]
