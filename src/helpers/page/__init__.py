"""Stage 1, pages: the manifest, strict reading, the Page/Article/Passage model, splitting
a page into pieces and repairing its layout damage. Imports only the base modules."""

from helpers.page.manifest import load_page
from helpers.page.model import Article, Page, Passage
from helpers.page.reading import read_page, read_text

__all__ = ["Article", "Page", "Passage", "load_page", "read_page", "read_text"]
