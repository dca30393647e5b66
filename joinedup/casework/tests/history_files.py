"""Hand-written stand-ins for the generator's history files (history/early_help.csv and
history/wellbeing.csv, beside manifest.json), in the shape the contract between them fixes."""

import csv
import json
from datetime import date
from pathlib import Path

EARLY_HELP = ["la_child_id", "referred_on", "level_of_need", "decision", "help_started_on", "closed_on",
              "closure_reason", "needs_met_at"]  # fmt: skip
WELLBEING = ["la_child_id", "recorded_on", "occasion", "sdq_total", "happy", "safe_home", "safe_school", "listened_to",
             "what_changed"]  # fmt: skip


def write_history_files(folder: Path, *, as_of: date, episodes: list[dict], scores: list[tuple]) -> Path:
    """`episodes` are early_help.csv rows (blank where a column is left out); `scores` are
    wellbeing.csv rows as tuples in its column order (la_child_id, recorded_on, occasion,
    sdq_total, the four wellbeing answers, what_changed), short ones blank at the end. Keeps a
    manifest the generator wrote."""
    (folder / "history").mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.json"
    written = json.loads(manifest.read_text()) if manifest.exists() else {}
    manifest.write_text(json.dumps(written | {"as_of": as_of.isoformat()}))
    with (folder / "history" / "early_help.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, EARLY_HELP, restval="")
        writer.writeheader()
        writer.writerows(sorted(episodes, key=lambda row: row["referred_on"]))
    with (folder / "history" / "wellbeing.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(WELLBEING)
        writer.writerows([*row, *[""] * (len(WELLBEING) - len(row))] for row in scores)
    return folder
