"""Ordonnance numérique (e-prescription) stand-in (spec digest §5): prescribe, scan, dispense, cancel, follow up."""
