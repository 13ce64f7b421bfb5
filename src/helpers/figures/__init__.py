"""Stage 2, figures: numerals, the ledger's vocabulary, extraction of figures with their units,
qualifiers, bounds and tense, the page ledger and its lookups, and bounds-aware quantities.
Imports only the base modules and ``helpers.page``."""
