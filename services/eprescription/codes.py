"""Stable error codes of the ordonnance numérique (``details.coding.code`` of its OperationOutcomes).

By range: EPR-00xx the number, the service and auth; EPR-01xx prescribing (the Bundle, its lines, the drug
reference); EPR-02xx scanning and dispensing; EPR-03xx cancelling and following up; EPR-04xx the feed to
Mon espace santé. Kernel codes (``HTTP-``, ``FHIR-``, ``AUTH-``) keep their meaning here. Codes never change
meaning once published.
"""

from enum import StrEnum


class EprCode(StrEnum):
    # EPR-00xx: the number, roles
    BAD_NUMBER = "EPR-0010"  # 400: not 16 characters of the number's alphabets
    BAD_CHECK_CHARACTER = "EPR-0011"  # 400: the check character does not match: a mistyped number
    UNKNOWN_NUMBER = "EPR-0012"  # 404: no prescription with that number in this tenant
    NOT_A_PRESCRIBER = "EPR-0020"  # 403: the professional's profession may not prescribe (settings)
    NOT_A_DISPENSER = "EPR-0021"  # 403: the professional's profession may not scan or dispense (settings)
    PATIENT_FORBIDDEN = "EPR-0022"  # 403: a patient's token on a professional's route (prescribe, dispense, cancel)
    NOT_YOUR_PRESCRIPTION = "EPR-0023"  # 403: a prescriber acting on another prescriber's prescription
    PROFESSIONAL_FORBIDDEN = "EPR-0024"  # 403: a professional's token on the patient's route (the objection)
    SEARCH_FORBIDDEN = "EPR-0025"  # 400/403: a MedicationRequest/MedicationDispense search this caller may not make

    # EPR-01xx: prescribing
    NOT_A_TRANSACTION = "EPR-0101"  # 400: the prescription is a Bundle of type transaction
    BAD_ENTRY = "EPR-0102"  # 400/422: an entry that is not a POST of a MedicationRequest
    NO_LINE = "EPR-0103"  # 422: no line, or more than EPRESCRIPTION_MAX_LINES
    TWO_PATIENTS = "EPR-0104"  # 422: the lines name different patients
    NO_INS = "EPR-0105"  # 422: the patient is not named by a qualified INS (NIR OID, 15 characters, valid key)
    MISSING_ELEMENT = "EPR-0106"  # 422: an element the FR ePrescription profile requires (dosageInstruction...)
    BAD_QUANTITY = "EPR-0107"  # 422: a quantity that is not a positive number (zero, negative, not a number)
    UNKNOWN_MEDICATION = "EPR-0108"  # 422: a medication code the drug reference does not hold
    BAD_MEDICATION = "EPR-0109"  # 422: a medication of no code system the profile takes
    BAD_VALUE = "EPR-0110"  # 422: a fixed value the sandbox imposes (intent order, status active...)
    REQUESTER_MISMATCH = "EPR-0111"  # 422: requester names another professional than the token

    # EPR-02xx: scanning and dispensing
    FULLY_DISPENSED = "EPR-0201"  # 409: the prescription (or the line) is fully dispensed: the number is spent
    LINE_CANCELLED = "EPR-0202"  # 409: the line was cancelled (or stopped) by its prescriber
    OVER_DISPENSED = "EPR-0203"  # 422: more than what remains to dispense on the line
    BAD_DISPENSE = "EPR-0204"  # 422: a MedicationDispense of no shape the service takes
    UNKNOWN_LINE = "EPR-0205"  # 422: authorizingPrescription names no line of a prescription here
    CONCURRENT_DISPENSE = "EPR-0206"  # 409: another pharmacy dispensed this line at the same moment: scan again
    BAD_SUBSTITUTION = "EPR-0207"  # 422: a substitution that is not a generic of the same group, or a refusal

    # EPR-03xx: cancelling, following up
    ALREADY_ENDED = "EPR-0301"  # 409: the prescription or line is already cancelled, stopped or completed
    DISPENSING_HIDDEN = "EPR-0302"  # 403: the patient objected: the prescriber does not see the dispensing

    # EPR-04xx: the feed to Mon espace santé
    UNKNOWN_FEED = "EPR-0401"  # 404: no feed with that id

    # EPR-05xx: the drug reference (GET /fhir/Medication, `sandbox load-bdpm`)
    UNKNOWN_PARAMETER = "EPR-0501"  # 400: a search parameter (or modifier) the Medication search does not take
    BAD_CODE = "EPR-0502"  # 400: a code= value of no shape a code system takes (system URI, digits, length)
    BAD_NAME = "EPR-0503"  # 400: a name= / name:contains= value empty or longer than 100 characters
    BAD_PAGING = "EPR-0504"  # 400: _count or _offset not an integer in bounds (_count 0-100, _offset 0-10000)
    UNKNOWN_MEDICATION_ID = "EPR-0505"  # 404: no Medication with that id in the drug reference
    BAD_MEDICATION_ID = "EPR-0506"  # 400: a Medication id of no shape the reference gives (cis-60234100...)
    REPEATED_PARAMETER = "EPR-0507"  # 400: a search parameter given twice (give one value, comma-separated for OR)
    BDPM_NOT_A_DIRECTORY = "EPR-0510"  # load-bdpm / EPRESCRIPTION_BDPM_DIR: the path is not a directory
    BDPM_FILE_MISSING = "EPR-0511"  # load-bdpm / EPRESCRIPTION_BDPM_DIR: a mandatory BDPM file is missing
