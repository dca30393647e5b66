"""Streaming the DfE's XML returns one record at a time, with the line each element starts on, so
a census of any size reads in little memory and a problem can be reported by line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from joinedup.common.tables import FileProblems, Problem

LINE = "{urn:joinedup}line"  # a namespaced attribute no real return can use
CHUNK = 1 << 16


def line_of(element: ET.Element) -> int:
    return int(element.get(LINE, "0"))


def text_of(element: ET.Element | None, tag: str) -> str:
    """The stripped text of the first `tag` child, '' when absent or empty."""
    if element is None:
        return ""
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def records(path: Path, *, root: str, wanted: set[str]) -> Iterator[ET.Element]:
    """Each complete element named in `wanted` (outermost only), in file order. A file whose root
        is not `root`, that is not well-formed XML (cut short, say), or that has a DOCTYPE is refused
    whole: it is not the declared format."""
    parser = expat.ParserCreate()
    done: list[ET.Element] = []
    state = {"depth": 0, "builder": None, "start_depth": 0, "root": None}

    def start(tag: str, attributes: dict) -> None:
        state["depth"] += 1
        if state["depth"] == 1:
            state["root"] = tag
            if tag != root:
                raise _WrongRoot(tag)
        builder = state["builder"]
        if builder is None and tag in wanted:
            builder = state["builder"] = ET.TreeBuilder()
            state["start_depth"] = state["depth"]
        if builder is not None:
            builder.start(tag, {**attributes, LINE: str(parser.CurrentLineNumber)})

    def end(tag: str) -> None:
        builder = state["builder"]
        if builder is not None:
            builder.end(tag)
            if state["depth"] == state["start_depth"]:
                done.append(builder.close())
                state["builder"] = None
        state["depth"] -= 1

    def data(text: str) -> None:
        if state["builder"] is not None:
            state["builder"].data(text)

    def doctype(name: str, *_) -> None:
        raise _Doctype(parser.CurrentLineNumber)

    # No DfE return has a DOCTYPE (their schemas are XSD); one in a file can only declare entities,
    # which expand (a billion laughs) or reach outside the file.
    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                parser.Parse(chunk, False)
                yield from done
                done.clear()
            parser.Parse(b"", True)
            yield from done
    except _WrongRoot as wrong:
        raise FileProblems(
            [Problem(str(path), 1, None, f"the root element is <{wrong.tag}>, not <{root}>: not the declared format")]
        ) from None
    except _Doctype as found:
        raise FileProblems(
            [Problem(str(path), found.line, None, "a DOCTYPE (entity declarations): a DfE return has none; refused")]
        ) from None
    except expat.ExpatError as error:
        message = expat.ErrorString(error.code)
        raise FileProblems(
            [Problem(str(path), error.lineno, None, f"not well-formed XML ({message}, column {error.offset})")]
        ) from None


class _WrongRoot(Exception):
    def __init__(self, tag: str):
        self.tag = tag


class _Doctype(Exception):
    def __init__(self, line: int):
        self.line = line
