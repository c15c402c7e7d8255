"""Stable error codes of the INS teleservice (spec digest §1.3, §8). Codes never change meaning.

SOAP faults carry the code twice: as ``Subcode/Value`` (``soap:INS-0009``, the form the real service uses
for ``soap:siram_100``) and as ``siram:Erreur/@code``. Where the real service's code is known it is used
instead (unknown IDAM: ``siram_100`` + ``desir_550``; wrong certificate CN: ``siram_100`` + ``DESIR_560``).
FHIR and admin routes put the code in ``OperationOutcome.issue.details.coding``.
"""

from enum import StrEnum

# Real INSi codes (TLSI fixtures, README; the texts they come with are in faults.py).
SIRAM_100 = "siram_100"  # access refused (subcode)
DESIR_550 = "desir_550"  # unknown software approval number (IDAM)
DESIR_560 = "DESIR_560"  # insufficient rights: certificate CN is not INSI-AUTO / INSI-MANU


class InsCode(StrEnum):
    # SOAP envelope, transport and headers
    MALFORMED_XML = "INS-0001"  # body is not well-formed XML, or carries a DTD
    NOT_SOAP = "INS-0002"  # not a SOAP 1.2 Envelope with one Body holding one element
    MEDIA_TYPE = "INS-0003"  # Content-Type is not application/soap+xml (415)
    TOO_LARGE = "INS-0004"  # body over INS_TELESERVICE_MAX_REQUEST_BYTES (413)
    ACTION_MISSING = "INS-0005"  # no SOAP action: neither Content-Type action= nor wsa:Action
    UNKNOWN_OPERATION = "INS-0006"  # action names no INSi operation (wsa:ActionNotSupported)
    ACTION_MISMATCH = "INS-0007"  # Content-Type action= and wsa:Action differ
    BODY_MISMATCH = "INS-0008"  # body element is not the one of the action
    MESSAGE_ID_MISSING = "INS-0009"  # no wsa:MessageID header
    MESSAGE_ID_INVALID = "INS-0010"  # wsa:MessageID empty, not an absolute URI, or repeated
    CONTEXTE_LPS = "INS-0011"  # ctxlps:ContexteLPS missing, repeated or invalid
    CONTEXTE_BAM = "INS-0012"  # ctxbam:ContexteBAM missing, repeated or invalid
    NOT_UNDERSTOOD = "INS-0013"  # a mustUnderstand header block the service does not process
    VERSION_MISMATCH = "INS-0014"  # SOAP 1.1 (or unknown) envelope namespace
    SCHEMA = "INS-0015"  # body element content does not follow the XSD (unknown, misplaced, repeated)
    # Identity traits and INS (every channel: SOAP, FHIR, admin)
    TRAIT_MISSING = "INS-0020"  # a mandatory trait is absent or empty
    BAD_NAME = "INS-0021"  # a name has characters outside A-Z, space, hyphen, apostrophe (after normalisation)
    BAD_SEX = "INS-0022"  # sex is not M/F (SOAP) or male/female (FHIR)
    BAD_DATE = "INS-0023"  # birth date malformed, impossible or in the future
    BAD_COG = "INS-0024"  # birth place is not a valid INSEE COG
    BAD_INS = "INS-0025"  # matricule malformed or key not matching (NIR/NIA)
    BAD_INS_SYSTEM = "INS-0026"  # INS system/OID is neither NIR (...4.8) nor NIA (...4.9)
    BAD_RANK = "INS-0027"  # RangNaissance is not a number 1-9
    # FHIR façade
    BAD_OPERATION_INPUT = "INS-0030"  # body is neither a Parameters nor a Patient, or lacks the patient
    BAD_PARAMETER = "INS-0031"  # an operation parameter is unknown, repeated or of the wrong type
    # Sandbox admin
    BAD_JSON = "INS-0040"  # admin body is not a JSON object
    BAD_IDENTITY = "INS-0041"  # admin identity field missing or of the wrong type
    IDENTITY_EXISTS = "INS-0042"  # an identity with that id or INS exists in the tenant (409)
    IDENTITY_NOT_FOUND = "INS-0043"  # no identity with that id in the tenant (404)
    BAD_SOFTWARE = "INS-0044"  # software registration: idam/name missing, of the wrong type or malformed
    SOFTWARE_EXISTS = "INS-0045"  # that IDAM is already accepted in the tenant (registered or by the setting) (409)
    SOFTWARE_NOT_FOUND = "INS-0046"  # no software registered with that IDAM in the tenant (404)
    SOFTWARE_FROM_SETTING = "INS-0047"  # that IDAM comes from INS_TELESERVICE_APPROVED_IDAMS: not removable (409)
    SOFTWARE_LIMIT = "INS-0048"  # the tenant registered MAX_PER_TENANT (100) IDAMs already (409)
