"""Stable error codes of the Annuaire Santé stand-in (``details.coding.code`` of its OperationOutcomes).

Kernel codes (``HTTP-``, ``FHIR-``) cover the FHIR API itself: a write on this read-only directory is
``HTTP-0405``, an unknown parameter ``FHIR-0013``. Codes never change meaning once published.
"""

from enum import StrEnum


class AsCode(StrEnum):
    API_KEY_MISSING = "AS-0001"  # 401: no ESANTE-API-KEY header
    API_KEY_UNKNOWN = "AS-0002"  # 401: ESANTE-API-KEY is not one of the configured keys
    RATE_LIMITED = "AS-0003"  # 429: the key went over its calls per second (Retry-After says when to retry)
    UNKNOWN_EXTRACTION = "AS-0004"  # 404: no such extraction file
