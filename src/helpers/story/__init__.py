"""Stage 3, stories: the one surface a notebook imports from.

    from helpers import story                       # the report blocks: story.headline(...), ...
    from helpers.story import ledger, load_page, Quantity, fmt_yuan, charts, ...

Report blocks (``headline``, ``findings``, ``answer``, ``table``, ``quotes``, ``methodology``,
``limitations``, ``open_questions``, ``data_links``) are loaded with the package. Everything else
is loaded when first used, so a notebook that draws no chart never imports matplotlib:

* page and figures: ``manifest``, ``load_page``, ``ledger`` (``ledger.load()``, lookups),
  ``Figure``, ``FigureLookupError``, ``quantity``, ``Quantity`` and its helpers (``bound_kind``,
  ``bound_rule``, ``bound_en``, ``counted_as``, ``at_most_one_each``), ``fmt_number``,
  ``fmt_yuan``, ``fmt_day_month``, ``states_future`` (the ledger's rule for future statements);
* story tools: ``charts``, ``compare``, ``lists``, ``facilities``, ``calendar``, ``lunar``,
  ``checks``, ``glosses``, ``text``.

Nothing under ``helpers.publish`` belongs in a notebook.
"""

from __future__ import annotations

import importlib

from helpers.story.blocks import answer, data_links, findings, headline, limitations, methodology, open_questions, table
from helpers.story.quoting import quotes

_MODULES = {
    "manifest": "helpers.page.manifest",
    "ledger": "helpers.figures.ledger",
    "quantity": "helpers.figures.quantity",
    **{name: f"helpers.story.{name}" for name in
       ("charts", "compare", "lists", "facilities", "calendar", "lunar", "checks", "glosses", "text")},
}
_NAMES = {
    "load_page": "helpers.page.manifest",
    "states_future": "helpers.figures.vocabulary",
    "report_stem": "helpers.story.outputs",
    "Figure": "helpers.figures.model",
    "FigureLookupError": "helpers.figures.model",
    **{name: "helpers.figures.quantity" for name in
       ("Quantity", "bound_kind", "bound_rule", "bound_en", "counted_as", "at_most_one_each")},
    **{name: "helpers.figures.formatting" for name in ("fmt_number", "fmt_yuan", "fmt_day_month")},
}

__all__ = ["answer", "data_links", "findings", "headline", "limitations", "methodology", "open_questions",
           "quotes", "table", *_MODULES, *_NAMES]


def __getattr__(name: str):
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"helpers.story has no {name!r}; the surface is: {', '.join(sorted(__all__))}")
