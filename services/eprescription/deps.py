"""FastAPI dependencies of the ordonnance numérique's routes, each named once (DESIGN.md style 3).

Professionals carry Pro Santé Connect tokens, patients Mon espace santé citizen tokens (the token's
``iss`` picks the verifier, core/oidc/deps). :data:`Caller` takes both: each route then refuses the wrong
kind with its own EPR-002x code (roles.py), which names what to do, rather than the kernel's AUTH-0008.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.oidc.deps import PSC_VERIFIER, principal_dependency
from core.oidc.principals import Patient, Practitioner
from services.eprescription.settings import EprescriptionSettings
from services.eprescription.store import EprStore

CITIZEN_VERIFIER = "citizen_verifier"  # app.py: a TokenVerifier of Mon espace santé's citizen login
VERIFIERS = (PSC_VERIFIER, CITIZEN_VERIFIER)


async def _store(request: Request) -> EprStore:
    return request.app.state.epr


async def _settings(request: Request) -> EprescriptionSettings:
    return request.app.state.settings


Caller = Annotated[Practitioner | Patient, Depends(principal_dependency(Practitioner, Patient, verifier=VERIFIERS))]
Store = Annotated[EprStore, Depends(_store)]
Settings = Annotated[EprescriptionSettings, Depends(_settings)]
