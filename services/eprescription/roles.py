"""Who may do what (digest §5.1): prescribers and pharmacists by profession (settings), patients their own.

Each check raises a 403 whose EPR-002x code and sentence say which kind of token the route wants, so a
vendor who logged in the wrong person sees the fix rather than the kernel's generic AUTH-0008.
"""

from __future__ import annotations

from core.errors import SandboxError
from core.oidc.principals import Patient, Practitioner, Principal
from services.eprescription.codes import EprCode
from services.eprescription.settings import EprescriptionSettings

PROFESSIONS = {"10": "médecin", "21": "pharmacien", "40": "chirurgien-dentiste", "50": "sage-femme",
               "60": "infirmier", "70": "masseur-kinésithérapeute"}


def _named(code: str | None) -> str:
    return f"{code} ({PROFESSIONS[code]})" if code in PROFESSIONS else repr(code)


def professional(user: Principal, action: str) -> Practitioner:
    """``user`` as a professional; a patient's token gets 403 EPR-0022."""
    if isinstance(user, Practitioner):
        return user
    raise SandboxError(403, EprCode.PATIENT_FORBIDDEN, f"A patient's token may not {action}: this is a "
                       "professional's act; log in through Pro Santé Connect.", issue="forbidden")


def prescriber(user: Principal, settings: EprescriptionSettings) -> Practitioner:
    """``user`` as a prescriber: a professional whose profession is in EPRESCRIPTION_PRESCRIBER_PROFESSIONS."""
    pro = professional(user, "prescribe")
    if pro.profession not in settings.prescriber_professions:
        allowed = ", ".join(map(_named, settings.prescriber_professions))
        raise SandboxError(403, EprCode.NOT_A_PRESCRIBER, f"Profession {_named(pro.profession)} may not prescribe "
                           f"medicines here; prescribers are {allowed} (EPRESCRIPTION_PRESCRIBER_PROFESSIONS).",
                           issue="forbidden")
    return pro


def dispenser(user: Principal, settings: EprescriptionSettings, action: str = "dispense") -> Practitioner:
    """``user`` as a pharmacist: a professional whose profession is in EPRESCRIPTION_DISPENSER_PROFESSIONS."""
    pro = professional(user, action)
    if pro.profession not in settings.dispenser_professions:
        allowed = ", ".join(map(_named, settings.dispenser_professions))
        raise SandboxError(403, EprCode.NOT_A_DISPENSER, f"Profession {_named(pro.profession)} may not {action}; "
                           f"that is for {allowed} (EPRESCRIPTION_DISPENSER_PROFESSIONS).", issue="forbidden")
    return pro


def is_dispenser(user: Principal, settings: EprescriptionSettings) -> bool:
    return isinstance(user, Practitioner) and user.profession in settings.dispenser_professions


def patient(user: Principal, action: str) -> Patient:
    """``user`` as a patient; a professional's token gets 403 EPR-0024."""
    if isinstance(user, Patient):
        return user
    raise SandboxError(403, EprCode.PROFESSIONAL_FORBIDDEN, f"Only the patient may {action}: log in with the "
                       "Mon espace santé citizen login.", issue="forbidden")


def display_name(pro: Practitioner) -> str:
    name = " ".join(p for p in (pro.given_name, pro.family_name) if p)
    return name or pro.id_nat_ps
