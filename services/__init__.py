"""One package per national building block; each imports only ``core`` (DESIGN.md "Layout")."""
