"""The desk's toolkit: from a raw newspaper page to checked figures and reader reports.

Kept import-light on purpose: notebooks import the submodules they need
(``from helpers import ledger``), so a kernel never pays for jieba or matplotlib
it does not use.
"""

__all__ = ["paths"]
