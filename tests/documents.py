"""Reading the PDFs the shop writes (invoices, credit notes) in tests."""

import io
import unicodedata

import pypdf


def pdf_text(content: bytes) -> str:
    """Return the text of every page of a PDF, as a reader's copy-paste gets it.

    Control characters are dropped: HarfBuzz-shaped Devanagari has a few
    glyphs (positioned matras, half forms) that fpdf2 writes without a Unicode
    mapping, which pypdf then reads as raw codes; the page shows them right.
    """
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return "".join(
        char for char in text if char == "\n" or unicodedata.category(char) != "Cc"
    )
