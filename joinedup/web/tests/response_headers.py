"""What every response must tell the browser. A Content-Security-Policy that runs only this site's
files and inline code carrying this response's nonce, never 'unsafe-inline' or 'unsafe-eval', and
a page whose every inline script and style carries that nonce, with no event-handler attributes.
Then: no guessing of content types, no address sent to other sites, nothing kept in a cache."""

from __future__ import annotations

import re

# A tag written by a template, never by a person: stored text is escaped, so "<" cannot start one.
SCRIPT_OR_STYLE_TAG = re.compile(r"<(script|style)\b[^>]*>", re.IGNORECASE)
EVENT_HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
SAME_ON_EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
NEVER_IN_SCRIPT_SRC = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:"}


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        parsed[name.lower()] = sources
    return parsed


def header_problems(response, path: str) -> list[str]:
    """Why this response would let a script run that the site did not write, or leave a copy of
    itself behind."""
    problems = [
        f"{path} ({response.status_code}) sends {name}: {response.get(name)!r}, not {wanted!r}"
        for name, wanted in SAME_ON_EVERY_RESPONSE.items()
        if wanted not in response.get(name, "")
    ]
    header = response.get("Content-Security-Policy")
    if not header:
        return [*problems, f"{path} ({response.status_code}) sends no Content-Security-Policy"]
    policy = directives(header)
    script_src = policy.get("script-src", policy.get("default-src", []))
    problems += [
        f"{path} allows {source} in script-src"
        for source in script_src + policy.get("script-src-elem", []) + policy.get("script-src-attr", [])
        if source.lower() in NEVER_IN_SCRIPT_SRC
    ]
    problems += [
        f"{path} allows {source} in style-src" for source in policy.get("style-src", []) if source == "'unsafe-inline'"
    ]
    if any(policy.get(directive) != ["'none'"] for directive in ("object-src", "base-uri", "frame-ancestors")):
        problems.append(f"{path}: object-src, base-uri and frame-ancestors must be 'none': {header}")
    page = response.content.decode(errors="replace") if _is_html(response) else ""
    if not page.strip():
        return problems  # a redirect, a 405, a PDF: nothing here runs
    if not _nonces(script_src):
        return [*problems, f"{path} is a page but its script-src has no nonce: {header}"]
    for tag in SCRIPT_OR_STYLE_TAG.finditer(page):
        kind = tag[1].lower()
        if kind == "script" and "src=" in tag[0]:
            continue  # a file of this site's, allowed by 'self'
        allowed = _nonces(policy.get(f"{kind}-src", policy.get("default-src", [])))
        if not any(f'nonce="{nonce}"' in tag[0] for nonce in allowed):
            problems.append(f"{path}: {tag[0]} does not carry a nonce its {kind}-src allows")
    problems += [
        f"{path}: an event handler attribute in {handler[0]}" for handler in EVENT_HANDLER_ATTRIBUTE.finditer(page)
    ]
    return problems


def _nonces(sources: list[str]) -> list[str]:
    return [source[len("'nonce-") : -1] for source in sources if source.startswith("'nonce-")]


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html") and not getattr(response, "streaming", False)
