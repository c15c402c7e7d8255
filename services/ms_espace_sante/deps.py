"""FastAPI dependencies of Mon espace santé's routes, each named once (DESIGN.md style 3).

Every FHIR route but ``/metadata`` takes a verified access token (core/oidc; 401 AUTH-000x with
``WWW-Authenticate`` otherwise) of one of two issuers of the tenant, chosen by the token's ``iss``: Pro Santé
Connect (professionals) or the citizen login (citizen/: patients). :data:`Professional` routes take
professionals only; :data:`Caller` routes take a patient too, each route then applying the patient's rules
(access.py: their own record only). The digest names no system (client-credentials) access to the DMP, so a
software token gets 403 AUTH-0008 (widen the kinds once a source says otherwise).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.oidc.deps import PSC_VERIFIER, principal_dependency
from core.oidc.principals import Patient, Practitioner
from services.ms_espace_sante.settings import MsEspaceSanteSettings
from services.ms_espace_sante.store import DmpStore

CITIZEN_VERIFIER = "citizen_verifier"  # app.py: a TokenVerifier of the citizen login's issuer
VERIFIERS = (PSC_VERIFIER, CITIZEN_VERIFIER)


async def _store(request: Request) -> DmpStore:
    return request.app.state.dmp


async def _settings(request: Request) -> MsEspaceSanteSettings:
    return request.app.state.settings


Professional = Annotated[Practitioner, Depends(principal_dependency(Practitioner, verifier=VERIFIERS))]
Caller = Annotated[Practitioner | Patient, Depends(principal_dependency(Practitioner, Patient, verifier=VERIFIERS))]
Store = Annotated[DmpStore, Depends(_store)]
Settings = Annotated[MsEspaceSanteSettings, Depends(_settings)]
