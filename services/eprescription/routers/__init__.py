"""The routes of the ordonnance numérique, one module per API area."""
