"""Text for the pages: user text (names, values, messages) made inert inside Markdown."""

from __future__ import annotations

import re

_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>|~$])")  # links, images, HTML, code, emphasis, tables, maths


_MARKDOWN_LINE_START = re.compile(r"^(\s*)([-+#>=]|\d+[.)])", re.MULTILINE)  # lists, headings, quotes


def plain(text: object) -> str:
    """User text (names, values, messages) made inert inside Markdown: no links, images, HTML or formatting."""
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", str(text))
    escaped = escaped.replace("://", "\\:\\/\\/").replace("www.", "www\\.")  # no bare-URL autolinks
    return _MARKDOWN_LINE_START.sub(lambda m: f"{m.group(1)}{m.group(2)[:-1]}\\{m.group(2)[-1]}", escaped)
