"""Stable error codes of Mon espace santé / DMP (``details.coding.code`` of its OperationOutcomes).

One StrEnum for the whole service, by range: MES-00xx service, auth, store, transactions and retrieval
(transactions.py, retrieval.py); MES-01xx metadata validation, value sets and the INS check
(metadata.py); MES-02xx access rules, modes, consents and audit (access.py); MES-03xx the patient side
(citizen/, patient routes). Kernel codes (``HTTP-``, ``FHIR-``, ``AUTH-``) keep their meaning here. Codes
never change meaning once published.
"""

from enum import StrEnum


class MesCode(StrEnum):
    # MES-00xx: service, store, transactions, retrieval
    NOT_A_TRANSACTION = "MES-0001"  # 400: ITI-65 takes a Bundle of type transaction
    BAD_SUBMISSION = "MES-0002"  # 400/422: the bundle's shape is not an MHD provide bundle (lists, entries, methods)
    NO_SUBMISSION_SET = "MES-0003"  # 422: no SubmissionSet List, or more than one
    NO_DOCUMENT = "MES-0004"  # 422: no DocumentReference in the bundle
    BINARY_UNREFERENCED = "MES-0005"  # 422: a Binary of the bundle no DocumentReference points to
    BINARY_MISSING = "MES-0006"  # 422: attachment.url names no Binary of the bundle (nor a stored one)
    DOCUMENT_TOO_LARGE = "MES-0007"  # 413: a document above MS_ESPACE_SANTE_MAX_DOCUMENT_BYTES
    BAD_ATTACHMENT_DATA = "MES-0008"  # 400: Binary.data / attachment.data is not base64
    REPLACED_NOT_FOUND = "MES-0009"  # 404/422: relatesTo replaces / PATCH names no stored DocumentReference
    ALREADY_SUPERSEDED = "MES-0010"  # 409: the replaced document is no longer current (another replacement won)
    BAD_REPLACEMENT_PATCH = "MES-0011"  # 422: a PATCH entry other than status -> superseded of a replaced document
    SIMPLIFIED_PUBLISH = "MES-0012"  # 400/422: ITI-105 rules (attachment.data required, url forbidden, current)
    NOT_ACCEPTABLE = "MES-0013"  # 406: Accept names neither the document's MIME type nor application/fhir+json
    DOCUMENT_GONE = "MES-0014"  # 410: the document was deleted or is no longer available
    BAD_PATIENT_QUERY = "MES-0015"  # 400: TD02 Patient search takes identifier=urn:oid:1.2.250.1.213.1.4.8|<INS>
    WRONG_RESOURCE_TYPE = "MES-0016"  # 400: the body is not the resource type this endpoint takes
    UNKNOWN_PATIENT = "MES-0017"  # 422: the document's subject names no patient with a DMP here
    SEARCH_PARAM_MISSING = "MES-0020"  # 400: ITI-67/ITI-66 without a mandatory parameter (patient, status, code)
    SEARCH_ONE_PATIENT = "MES-0021"  # 400: the patient parameter names more than one patient, or has a modifier
    SEARCH_LIST_CODE = "MES-0022"  # 400: ITI-66 code is not MHDlistTypes submissionset or folder
    # MES-003x: metadata updates (updates.py, routers/updates.py: PATCH of status, securityLabel, isArchived)
    UPDATE_ELEMENT_FORBIDDEN = "MES-0030"  # 405: the patch changes another element than those three
    UPDATE_NOT_FOUND = "MES-0031"  # 404: the identifier (or id) names no stored DocumentReference
    UPDATE_AMBIGUOUS = "MES-0032"  # 412: the identifier names several DocumentReferences
    UPDATE_FORBIDDEN = "MES-0033"  # 403: this professional may not make this change (author, médecin traitant)
    UPDATE_TRANSITION = "MES-0034"  # 422: a status change the document lifecycle forbids (digest §4.7)
    BAD_UPDATE_QUERY = "MES-0035"  # 400: the conditional PATCH takes one identifier=<system>|<value>
    BAD_ARCHIVE_FLAG = "MES-0036"  # 422: pdsm-ext-is-archived twice, or without a valueBoolean

    # MES-01xx: metadata validation, value sets, the INS check (metadata*.py, valuesets/, ins_check.py)
    MISSING_ELEMENT = "MES-0101"  # 422: a metadata element the PDSm/MHD profile requires is absent or empty
    MALFORMED_ELEMENT = "MES-0102"  # 400: an element of the wrong JSON type (object, array, string, number)
    INVALID_VALUE = "MES-0103"  # 422: a well-typed value of the wrong form (date, identifier, language, fixed value)
    UNKNOWN_CODE = "MES-0104"  # 422: a code its code system's bundled value set does not hold
    UNKNOWN_CODE_SYSTEM = "MES-0105"  # 422: a code system the element's value set does not take
    RETIRED_CODE = "MES-0106"  # 422: a retired LOINC type code (the diagnostics name its replacement)
    BAD_DOCUMENT_STATUS = "MES-0107"  # 422: status not current/superseded, docStatus present, a feed not current
    BAD_AUTHOR = "MES-0108"  # 422: author/source not a contained Practitioner(Role)/Device/Patient, no idNat_PS/RPPS
    BAD_REFERENCE = "MES-0109"  # 422: a reference to no contained resource or no entry of the bundle
    SIZE_MISMATCH = "MES-0110"  # 422: attachment.size is not the number of bytes of the document
    HASH_MISMATCH = "MES-0111"  # 422: attachment.hash is not the base64 SHA-1 of the document's bytes
    NO_INS = "MES-0112"  # 422: the patient is not named by an INS (urn:oid:1.2.250.1.213.1.4.8|<15 characters>)
    PROVISIONAL_IDENTITY = "MES-0113"  # 422: a NIA (urn:oid:1.2.250.1.213.1.4.9) or unqualified identity cannot feed
    PATIENT_MISMATCH = "MES-0114"  # 422: the submission set, documents and source patients name different INS
    INS_UNKNOWN = "MES-0115"  # 422: INSi knows no identity with this INS
    INS_TRAITS_MISMATCH = "MES-0116"  # 422: INSi holds other traits for this INS (the traits named in expression)
    INS_FORMER = "MES-0117"  # 422: this INS is a former one; INSi gives the active INS to use
    INS_UNAVAILABLE = "MES-0118"  # 502: the INS teleservice could not be asked or answered nonsense

    # MES-02xx: access rules, modes, consents, audit (access.py)
    BAD_ACCESS_MODE = "MES-0201"  # 400: X-Access-Mode is not normal, bris_de_glace or centre_15 (TRE_R248)
    NOT_HABILITATED = "MES-0202"  # 403: the profession may not see this document class/type (habilitation matrix)
    MASKED = "MES-0203"  # 403: MASQUE_PS document, caller neither its author nor the médecin traitant
    BLOCKED = "MES-0204"  # 403: the patient blocked this professional (every mode)
    EMERGENCY_OPPOSED = "MES-0205"  # 403: the patient opposed this emergency mode (bris de glace / centre 15)
    MODE_NOT_ALLOWED = "MES-0206"  # 403: this profession may not use this access mode
    UNKNOWN_PROFESSION = "MES-0207"  # 403: the token carries no profession (SubjectRole) the matrix knows
    AUDIT_FORBIDDEN = "MES-0208"  # 403: AuditEvent searches are the patient's, not professionals'
    NOT_A_PROFESSIONAL = "MES-0209"  # 403: this access rule applies to professionals; the caller is not one
    NOT_A_FEEDER = "MES-0210"  # 403: a software token whose client is not in MS_ESPACE_SANTE_FEEDER_CLIENTS writes
    NOT_THE_FEEDERS_DOCUMENT = "MES-0211"  # 403: a feeding software replaces a document it did not write itself

    # MES-03xx: the patient side (citizen/, the patient's routes and consents)
    UNKNOWN_CLIENT = "MES-0301"  # 404: no citizen client with that id in this tenant (/citizen/_admin/clients)
    CLIENT_EXISTS = "MES-0302"  # 409: POST /citizen/_admin/clients with a client_id already declared
    NOT_YOUR_RECORD = "MES-0303"  # 403: a patient (or their app) acting on another patient's record
    SCOPE_MISSING = "MES-0304"  # 403: the patient's token lacks the scope (mes.documents.read / .write) the route needs
    PATIENT_ONLY = "MES-0305"  # 403: a professional's or software's token on a route that is the patient's
    BAD_CONSENT = "MES-0306"  # 422: a Consent of no shape the patient side takes (block, opposition, temporary access)
    UNKNOWN_PROFESSIONAL = "MES-0307"  # 422: the consent names no professional of the Annuaire Santé
    BAD_PERIOD = "MES-0308"  # 422: a temporary access without start and end, already ended, or longer than a year
    CONSENT_EXISTS = "MES-0309"  # 409: the same block, opposition or an overlapping temporary access is active
    UNKNOWN_CONSENT = "MES-0310"  # 404: no Consent with that id in the patient's record
    DIRECTORY_UNAVAILABLE = "MES-0311"  # 502: the Annuaire Santé could not be asked who a consent names
    CARER_CANNOT_GRANT = "MES-0312"  # 403: a carer may not give or revoke consents: rights they do not hold
    UNKNOWN_CARER = "MES-0313"  # 422: a carer consent names no citizen with a record here (or the patient themself)
    APP_NOT_AUTHORISED = "MES-0314"  # 401: the patient revoked (or never gave) this app's authorisation
    PATIENT_DOCUMENT = "MES-0315"  # 422: a patient's document is of class 90 and authored by a contained Patient
    BAD_CONDITION = "MES-0316"  # 422: a declared Condition without one code of the sandbox's declared-condition system
