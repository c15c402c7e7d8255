"""The directory's FHIR API: resource types, read-only interactions, search parameters (spec digest §6.1).

Parameters follow the Annuaire Santé v2 CapabilityStatement and the ``as-sp-*`` SearchParameters of the
IG; where the IG expression would also match non-MSS telecoms (``mailbox-mss`` is ``telecom.value``
there), the email ContactPoints are selected so that a phone number never answers a mailbox search.
``name:family`` / ``name:given`` are the documented query form of the v2 guide (practitioner.md §4.3);
``next`` links are ``[base]/_page?id=<cursor>`` (use-case/uc-call-type.md) and ``_count`` goes up to
the documented 10,000 (advanced/modifying-search-results.md), bounded by ``ANNUAIRE_SANTE_MAX_COUNT``.
"""

from __future__ import annotations

from dataclasses import replace

from core.fhir.declare import FhirSpec, ResourceSpec, SearchParam
from services.annuaire_sante import nos

READ_ONLY = frozenset({"read", "search-type"})
PAGE_SIZE = 50  # the real API answers the first 50 results
MAX_COUNT = 10_000  # "GET [base]/Device?_count=10000  # Renvoie 10000 équipements"

DATA_TRACE = f"meta.extension.where(url='{nos.EXT_DATA_TRACE}').extension.where(url='systeme-information').value"
# as-sp-data-registration-authority indexes the data trace's autorite-enregistrement. Its expression reads
# ``extension`` of the resource while the profiles put as-ext-data-trace in ``meta.extension`` (rs-as-core):
# the trace is where the profiles put it, so the parameter reads it there.
DATA_AUTHORITY = (f"meta.extension.where(url='{nos.EXT_DATA_TRACE}')"
                  ".extension.where(url='autorite-enregistrement').value")
MAILBOX_TYPE = f"telecom.extension.where(url='{nos.EXT_MAILBOX_METADATA}').extension.where(url='type').value"
SMARTCARD = f"extension.where(url='{nos.EXT_SMARTCARD}').extension"


def authority(rtype: str) -> SearchParam:
    return SearchParam("data-registration-authority", "token", f"{rtype}.{DATA_AUTHORITY}",
                       description="Registration authority (TRE_R60: CNOM, CNOP..., ARS)")


def traced(rtype: str) -> tuple[SearchParam, ...]:
    """Identifier and data-trace parameters of the FINESS authorisations (Device, HealthcareService)."""
    return (
        SearchParam("identifier", "token", f"{rtype}.identifier", description="ARHGOS authorisation number"),
        SearchParam("data-information-system", "token", f"{rtype}.{DATA_TRACE}",
                    description="Source information system (FINESS)"),
        authority(rtype),
    )


def common(rtype: str) -> tuple[SearchParam, ...]:
    """Parameters every directory resource has: status, identifiers, source system, MSS mailboxes."""
    return (
        SearchParam("active", "token", f"{rtype}.active", description="true: open records; false: closed ones"),
        SearchParam("identifier", "token", f"{rtype}.identifier",
                    description="Business identifier, with or without its system"),
        SearchParam("data-information-system", "token", f"{rtype}.{DATA_TRACE}",
                    description="Source information system (RPPS, FINESS, MSS, CG)"),
        authority(rtype),
        SearchParam("mailbox-mss", "string", f"{rtype}.telecom.where(system='email').value",
                    description="MSSanté address (:contains, :exact)"),
        SearchParam("mailbox-mss-type", "token", f"{rtype}.{MAILBOX_TYPE}",
                    description="MSSanté mailbox type: PER, ORG, APP, CAB"),
    )


SPEC = FhirSpec(
    name="annuaire-sante",
    default_count=PAGE_SIZE,
    max_count=MAX_COUNT,
    transactions=False,
    paging="cursor",
    resources=[
        ResourceSpec("Practitioner", interactions=READ_ONLY, profile=nos.PROFILES["Practitioner"][1], params=(
            *common("Practitioner"),
            SearchParam("identifier-type", "token", "Practitioner.identifier.type", description="RPPS or IDNPS"),
            SearchParam("name", "string", "Practitioner.name", parts=("family", "given"),
                        description="Any part of the name, civility (prefix) and exercise civility (suffix) "
                        "included (:contains, :exact, :text; name:family and name:given as family and given)"),
            SearchParam("family", "string", "Practitioner.name.family",
                        description="Nom d'exercice (:contains, :exact, :text)"),
            SearchParam("given", "string", "Practitioner.name.given",
                        description="Prénom d'exercice (:contains, :exact, :text)"),
            SearchParam("qualification-code", "token", "Practitioner.qualification.code",
                        description="Profession (TRE_G15), category (TRE_R09) or savoir-faire (TRE_R38)"),
            SearchParam("number-smartcard", "string", f"Practitioner.{SMARTCARD}.where(url='number').value",
                        description="CPx card number"),
            SearchParam("type-smartcard", "token", f"Practitioner.{SMARTCARD}.where(url='type').value",
                        description="CPx card type (TRE_R87: CPS, CPF...)"),
        )),
        ResourceSpec("PractitionerRole", interactions=READ_ONLY, profile=nos.PROFILES["PractitionerRole"][1],
                     params=(
            *common("PractitionerRole"),
            SearchParam("practitioner", "reference", "PractitionerRole.practitioner", targets=("Practitioner",)),
            SearchParam("organization", "reference", "PractitionerRole.organization", targets=("Organization",)),
            SearchParam("role", "token", "PractitionerRole.code",
                        description="Genre d'activité (TRE_R22), mode d'exercice (TRE_R23) or fonction (TRE_R21)"),
        )),
        ResourceSpec("Organization", interactions=READ_ONLY, profile=nos.PROFILES["Organization"][1], params=(
            *common("Organization"),
            SearchParam("identifier-type", "token", "Organization.identifier.type",
                        description="IDNST, FINEJ, FINEG, SIREN or SIRET"),
            SearchParam("name", "string", "Organization.name | Organization.alias",
                        description="Raison sociale or enseigne (:contains, :exact)"),
            SearchParam("address", "string", "Organization.address"),
            SearchParam("address-line", "string", "Organization.address.line",
                        description="Street lines of the address (as-sp-address-line)"),
            SearchParam("address-city", "string", "Organization.address.city"),
            SearchParam("address-postalcode", "string", "Organization.address.postalCode",
                        description="Postal code or its beginning (78 for the Yvelines)"),
            SearchParam("type", "token", "Organization.type",
                        description="Entity level (fr-core-cs-v2-3307), sector (TRE_R02), category (TRE_R66)"),
            SearchParam("partof", "reference", "Organization.partOf", targets=("Organization",)),
            SearchParam("pharmacy-licence", "string",
                        f"Organization.extension.where(url='{nos.EXT_PHARMACY_LICENCE}').value",
                        description="Licence number of a pharmacie d'officine (as-sp-pharmacy-licence)"),
        )),
        # Device: équipements matériels lourds; parameters of AS-DOC version-2/resources/device.md
        ResourceSpec("Device", interactions=READ_ONLY, profile=nos.PROFILES["Device"][0], params=(
            *traced("Device"),
            SearchParam("organization", "reference", "Device.owner", targets=("Organization",),
                        description="The structure (FINESS EG) holding the equipment"),
            SearchParam("status", "token", "Device.status", description="active, inactive"),
            SearchParam("type", "token", "Device.type", description="Equipment type (TRE_R272, 05602 scanographe)"),
            SearchParam("manufacturer", "string", "Device.manufacturer", description="Brand (:contains, :exact)"),
            # the DP profile forbids modelNumber: declared as documented, it matches nothing
            SearchParam("model", "string", "Device.modelNumber", description="Model (never filled in open data)"),
        )),
        # HealthcareService: activités de soins (and équipements sociaux); AS-DOC resources/healthcare-service.md
        ResourceSpec("HealthcareService", interactions=READ_ONLY, profile=nos.PROFILES["HealthcareService"][0],
                     params=(
            SearchParam("active", "token", "HealthcareService.active",
                        description="true: authorised; false: withdrawn"),
            *traced("HealthcareService"),
            SearchParam("_profile", "uri", "HealthcareService.meta.profile",
                        description="as-dp-healthcareservice-healthcare-activity or -social-equipment"),
            SearchParam("organization", "reference", "HealthcareService.providedBy", targets=("Organization",),
                        description="The structure (FINESS EG) the activity is authorised for"),
            SearchParam("service-category", "token", "HealthcareService.category",
                        description="Modalité of a healthcare activity (TRE_R275)"),
            SearchParam("service-type", "token", "HealthcareService.type",
                        description="Activité sanitaire régulée (TRE_R274)"),
            SearchParam("characteristic", "token", "HealthcareService.characteristic",
                        description="Forme of a healthcare activity (TRE_R276, e.g. 07 chirurgie ambulatoire)"),
        )),
    ],
)


def directory_spec(*, max_count: int = MAX_COUNT) -> FhirSpec:
    """The directory's API with its largest page (``ANNUAIRE_SANTE_MAX_COUNT``)."""
    return replace(SPEC, max_count=max_count)
