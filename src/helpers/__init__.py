"""The desk's toolkit: from a raw newspaper page to checked figures and reader reports.

Four stages, each a sub-package that imports only the ones before it (and the base modules
``paths``, ``errors``, ``files``, ``csvsafe``, ``vocab``):

    helpers.page      pages: manifest, strict reading, the Page/Article/Passage model, splitting
    helpers.figures   numerals, figure extraction, the ledger and its lookups, quantities
    helpers.story     what notebooks import: report blocks, charts, comparisons, text tools
    helpers.publish   build planning and state, execution, rendering, fonts, the ``desk`` command

Kept import-light on purpose: a kernel never pays for jieba or matplotlib it does not use.
"""
