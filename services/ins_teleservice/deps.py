"""Dependencies of the INS teleservice routes, each named once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.db import Database
from core.tenancy import tenant_dependency
from services.ins_teleservice.settings import InsTeleserviceSettings


async def get_settings(request: Request) -> InsTeleserviceSettings:
    return request.app.state.settings


async def get_db(request: Request) -> Database:
    return request.app.state.db


Settings = Annotated[InsTeleserviceSettings, Depends(get_settings)]
Db = Annotated[Database, Depends(get_db)]
Tenant = Annotated[str, Depends(tenant_dependency)]
