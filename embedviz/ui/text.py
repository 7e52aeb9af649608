r"""User text inside Streamlit's Markdown: shown as typed, never rendered.

Almost every Streamlit element that shows text (``st.markdown``, ``st.caption``, ``st.error`` and the
other alerts, ``st.metric``, button and radio labels...) renders GitHub-flavoured Markdown plus
Streamlit's own directives (``:red[...]``, ``:material/icon:``, ``$math$``). A word from an uploaded
vectors file, a CSV label or a typed expression such as ``**x**``, ``[a](javascript:...)`` or
``![](http://tracker/pixel.png)`` would be rendered (an image would even be fetched). Streamlit
already shows raw HTML as text; :func:`md_escape` makes the Markdown inert too, so the user sees
exactly what they typed.

>>> print(md_escape("**bold** [link](page.html) <b>x</b>"))
\*\*bold\*\* \[link\](page.html) \<b\>x\</b\>
"""

from __future__ import annotations

import re

#: Characters that start Markdown anywhere in a line: emphasis, code, links and images, HTML and
#: autolinks, strikethrough, math, character references, and the backslash itself.
_INLINE = re.compile(r"([\\`*\[\]<>~$&])")
#: ``_`` makes emphasis only at a word's edge (``a_b_c`` is plain text in GFM).
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
#: Block syntax at the start of the text: headings, lists, quotes, rules, setext underlines.
_LINE_START = re.compile(r"^(\s*)(?:([#+\-=])|(\d+)([.)]))")
#: GFM turns ``http://x``, ``www.x`` and ``a@b.c`` into links after escapes are resolved, and
#: Streamlit turns ``:smile:`` and ``:material/home:`` into icons; a zero-width WORD JOINER breaks
#: each pattern without changing what the reader sees.
_JOINER = "\u2060"
_COLON = re.compile(r":(?=\S)")
_WWW = re.compile(r"(?i)\b(www)\.")
_AT = re.compile(r"@")


def md_escape(text) -> str:
    """``text`` (any value, made a string) as Markdown that displays it literally, on one line."""
    text = " ".join(str(text).splitlines())
    text = _INLINE.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _LINE_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2)
                                                   else m.group(3) + "\\" + m.group(4)), text)
    text = _COLON.sub(":" + _JOINER, text)
    text = _WWW.sub(r"\1" + _JOINER + ".", text)
    return _AT.sub(_JOINER + "@", text)


def md_error(error) -> str:
    """An error (an :class:`~embedviz.core.errors.EmbedvizError` or its message) for ``st.error`` and the
    other alerts: its one line, escaped (messages quote the user's input)."""
    return md_escape(str(error))


def md_code(text) -> str:
    """``text`` as an inline code span (shown in a monospace font, nothing inside it rendered).

    The fence is one backtick longer than the longest run of backticks in ``text``, so the text
    cannot close it early; a space pads a text that starts or ends with a backtick (CommonMark
    strips one such space).
    """
    text = " ".join(str(text).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"
