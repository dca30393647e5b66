"""Writing files so the same authority always gives the same bytes: fixed column order, '\\n' line
ends, UTF-8, dates formatted by table lookup rather than the locale."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DATE_STYLES = {
    "iso": lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
    "dd/mm/yyyy": lambda y, m, d: f"{d:02d}/{m:02d}/{y:04d}",
    "yyyymmdd": lambda y, m, d: f"{y:04d}{m:02d}{d:02d}",
    # The school census exports dates as 2025-Jan-16 00:00:00 (liia-tools: "%Y-%b-%d %H:%M:%S").
    "school_census": lambda y, m, d: f"{y:04d}-{MONTHS[m - 1]}-{d:02d} 00:00:00",
    # The youth justice system's export: 16-Jan-2025.
    "dd-mon-yyyy": lambda y, m, d: f"{d:02d}-{MONTHS[m - 1]}-{y:04d}",
}


def format_dates(values, style: str) -> np.ndarray:
    """Dates as text in the named style; missing dates become ''."""
    days = np.asarray(values).astype("datetime64[D]")
    present = ~np.isnat(days)
    text = np.full(len(days), "", dtype=object)
    if present.any():
        unique, inverse = np.unique(days[present], return_inverse=True)
        years = unique.astype("datetime64[Y]").astype(np.int64) + 1970
        months = unique.astype("datetime64[M]").astype(np.int64) % 12 + 1
        day_of_month = (unique - unique.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
        render = DATE_STYLES[style]
        labels = np.array(
            [render(int(y), int(m), int(d)) for y, m, d in zip(years, months, day_of_month, strict=True)], dtype=object
        )
        text[present] = labels[inverse]
    return text


def write_csv(frame: pd.DataFrame, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return len(frame)


def write_json(data, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def flag(values) -> np.ndarray:
    """Booleans as the register writes them: 1 or 0."""
    return np.where(np.asarray(values, dtype=bool), "1", "0")
