"""FastAPI dependencies of Mon espace santé's routes, each named once (DESIGN.md style 3).

Every FHIR route but ``/metadata`` takes a verified access token (core/oidc; 401 AUTH-000x with
``WWW-Authenticate`` otherwise) of one of two issuers of the tenant, chosen by the token's ``iss``: Pro Santé
Connect (professionals) or the citizen login (citizen/: patients). :data:`Professional` routes take
professionals only; :data:`Caller` routes take a patient too, each route then applying the patient's rules
(access.py: their own record only). The digest names no system (client-credentials) access to the DMP, so a
software token gets 403 AUTH-0008 there; :data:`Writer` (ITI-65, ITI-105) also takes the software of the national
services that feed records (``MS_ESPACE_SANTE_FEEDER_CLIENTS``, feeders.py), any other software 403 MES-0210.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.oidc.deps import PSC_VERIFIER, principal_dependency
from core.oidc.principals import Patient, Practitioner, System
from services.ms_espace_sante.feeders import require_feeder
from services.ms_espace_sante.settings import MsEspaceSanteSettings
from services.ms_espace_sante.store import DmpStore

CITIZEN_VERIFIER = "citizen_verifier"  # app.py: a TokenVerifier of the citizen login's issuer
VERIFIERS = (PSC_VERIFIER, CITIZEN_VERIFIER)


async def _store(request: Request) -> DmpStore:
    return request.app.state.dmp


async def _settings(request: Request) -> MsEspaceSanteSettings:
    return request.app.state.settings


_writer = principal_dependency(Practitioner, Patient, System, verifier=VERIFIERS)


async def _feeding_writer(request: Request, user: Annotated[Practitioner | Patient | System, Depends(_writer)]
                          ) -> Practitioner | Patient | System:
    return require_feeder(user, request.app.state.dmp.feeders)  # type: ignore[return-value]


Professional = Annotated[Practitioner, Depends(principal_dependency(Practitioner, verifier=VERIFIERS))]
Caller = Annotated[Practitioner | Patient, Depends(principal_dependency(Practitioner, Patient, verifier=VERIFIERS))]
Writer = Annotated[Practitioner | Patient | System, Depends(_feeding_writer)]
Store = Annotated[DmpStore, Depends(_store)]
Settings = Annotated[MsEspaceSanteSettings, Depends(_settings)]
