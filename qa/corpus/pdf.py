"""PDF files -> the text of every page, with where each page starts (pypdf). Bytes in.

Pages are separated by a blank line; `page_starts[n - 1]` is where page n starts, so `qa.models.page_number`
names the page of any offset. Metadata: `/Title`, `/Author`, `/CreationDate`.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

from qa.corpus.extracted import Extracted, compose, drop_title_line, one_line
from qa.errors import UnreadableFile

log = logging.getLogger("qa")


def extract_pdf(data: bytes, source: str) -> Extracted:
    """The text of every page of a PDF, with where each page starts; UnreadableFile for encrypted or broken files."""
    if b"%PDF-" not in data[:1024]:
        raise UnreadableFile("not a PDF (no %PDF- header)")
    import pypdf  # ~0.25 s to import: paid by indexing PDFs, never by asking a question
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # Many PDFs are encrypted with an empty user password (only editing is restricted): those read fine.
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile("encrypted PDF (needs a password)")
        pages = []
        for number, page in enumerate(reader.pages, 1):
            try:
                pages.append(_page_text(page.extract_text()))
            except (DependencyError, FileNotDecryptedError):
                raise
            except Exception as error:  # noqa: BLE001 - a broken content stream raises anything
                raise UnreadableFile(f"not a readable PDF (page {number}: {type(error).__name__}: {error})") from None
        info = _pdf_info(reader)
    except UnreadableFile:
        raise
    except DependencyError:  # AES encryption without the optional 'cryptography' package
        raise UnreadableFile("encrypted PDF (reading it needs the 'cryptography' package)") from None
    except FileNotDecryptedError:
        raise UnreadableFile("encrypted PDF (needs a password)") from None
    except Exception as error:  # noqa: BLE001 - pypdf raises PdfReadError, ValueError, KeyError... on broken files
        raise UnreadableFile(f"not a valid PDF ({type(error).__name__}: {error})") from None
    if not pages:
        raise UnreadableFile("PDF has no pages")
    if not any(pages):
        raise UnreadableFile("no text in the PDF (scanned pages need OCR first)")

    first_page = next(index for index, page_text in enumerate(pages) if page_text)
    title = info.pop("title", "") or one_line(pages[first_page].split("\n", 1)[0])
    pages[first_page] = drop_title_line(pages[first_page], title)
    head, body_start = compose(title, [])
    page_starts = []
    offset = body_start
    for page_text in pages:
        page_starts.append(offset)
        offset += len(page_text) + 2  # the blank line before the next page
    text = head + "\n\n".join(pages)
    log.debug("%s: %d pages", source, len(pages))
    return Extracted(key=None, title=title, text=text, body_start=body_start, meta=info, page_starts=tuple(page_starts))


def _page_text(raw: str) -> str:
    """One page's text: line endings unified, trailing spaces and surrounding blank lines removed."""
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _pdf_info(reader: Any) -> dict[str, str]:
    """title, author and date (ISO, from /CreationDate) of the document information dictionary, where present.

    A broken information dictionary is no reason to lose the text: a field that cannot be read is left out.
    """
    meta = {}
    read: Callable[[Any], object]
    for name, read in (
        ("title", lambda info: info.title),
        ("author", lambda info: info.author),
        ("date", lambda info: info.creation_date and info.creation_date.strftime("%Y-%m-%d")),
    ):
        try:
            info = reader.metadata
            value = one_line(str(read(info) or "")) if info is not None else ""
        except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on malformed /Info entries
            log.debug("unreadable PDF %s: %s", name, error)
            continue
        if value:
            meta[name] = value
    return meta
