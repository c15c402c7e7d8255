"""PATCH bodies applied to a resource's JSON: JSON Patch (RFC 6902) and FHIRPath Patch (FHIR R4 3.1.0.6).

Both functions return a new dict and never mutate their arguments. They only apply the patch: the caller
re-validates the result (``core.fhir.models.validate_resource``) and checks ``resourceType``/``id``.

Every error is a :class:`SandboxError` with code ``FHIR-0015`` (``Code.BAD_PATCH``):

- 400 when the patch document is malformed (not a list / not a Parameters, unknown operation, missing
  part, bad FHIRPath, FHIRPath outside the supported subset);
- 422 when a well-formed patch cannot apply (path matches nothing or several elements where one is
  required, index out of range, JSON Patch ``test`` failing, element already set on ``add`` ...).

FHIRPath Patch paths are resolved by a small navigator that returns *locations* (container + key or
index) in the resource, since fhirpathpy returns copies. Supported subset:

- a leading type name (``Patient``; another type name selects nothing, as in FHIRPath);
- element names, stepping implicitly into lists; choice elements by concrete name (``valueQuantity``)
  or by base name (``value``) when the R4 model knows the element;
- indexers ``[n]``, ``first()``, ``last()``;
- ``where(a = literal and b.c != literal ...)`` where the left side is a child path or ``$this`` and the
  literal a 'string', a number, ``true`` or ``false`` (FHIRPath equality: a single value must match).

Element cardinality (list or not) and choice types come from the ``fhir.resources`` R4 models, so that
``add`` of ``identifier`` creates a list and backbone ``part`` values are assembled with the right shape;
an element the model does not know is applied as given and left to validation.

FHIRPath ``delete`` removes every matching element (nothing matched: no-op); ``insert`` into a list that is
absent is accepted at index 0. Empty arrays and objects left behind are removed.

Where: ``json_patch`` (RFC 6902 through the jsonpatch library), ``fhirpath_patch`` (the Parameters read into
operations, then applied), ``patch_paths`` (the path subset: parser and locations), ``patch_elements`` (what
the R4 models say of each element), ``patch_errors`` (the two errors).
"""

from __future__ import annotations

from core.fhir.fhirpath_patch import apply_fhirpath_patch
from core.fhir.json_patch import apply_json_patch

__all__ = ["apply_json_patch", "apply_fhirpath_patch"]
