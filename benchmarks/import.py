"""How long importing an extract takes, and how much memory: `python benchmarks/import.py --rows 1000000`.

Writes an N-row extract in the child health system's shape (joinedup/index/sources/synthetic/
child_health.toml) and a newer one (1% of records changed, 1% gone, 1% new) in a separate
process, imports the first into a fresh SQLite database in a temporary folder, imports it again
(nothing changes), then the newer one. Prints, as its last line,
rows=... seconds=... peak_rss_mb=...
where seconds is the first import and peak_rss_mb the importing process's peak.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

SOURCE_FILE = ROOT / "joinedup" / "index" / "sources" / "synthetic" / "child_health.toml"
GIVEN = (
    "Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie Theo "
    "Olivia Amelia Isla Ava Ivy Freya Lily Florence Mia Willow Rosie Sophia Isabella Grace Daisy Sienna "
    "Poppy Elsie Emily Ella Evelyn Phoebe Sofia Evie Charlotte Aisha Zara Maryam Jacob Thomas James William"
).split()
FAMILY = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
    "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
    "Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker "
    "Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Khan"
).split()
STREETS = "Maple Road|Mill Way|Station Road|Church Lane|Park Avenue|High Street|Chestnut Close|Bridge Walk".split("|")
TOWNS = ["Clarkton", "Alexanderbury", "Parrystead", "Holmewick"]


def write_extracts(rows: int, first: Path, newer: Path) -> None:
    frame = extract_frame(rows)
    frame.to_csv(first, index=False, lineterminator="\n")
    hundredth = max(rows // 100, 1)
    frame.loc[: hundredth - 1, "FAMILY_NAME"] += "-Smith"  # changed
    arrivals = extract_frame(hundredth, seed=2).assign(LOCAL_PATIENT_ID=[f"CH9{n:08d}" for n in range(hundredth)])
    pd.concat([frame.iloc[: rows - hundredth], arrivals]).to_csv(newer, index=False, lineterminator="\n")


def extract_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """A child health extract of `rows` children, built column at a time."""
    rng = np.random.default_rng(seed)

    def pick(options, size=rows):
        return np.asarray(options, dtype=object)[rng.integers(0, len(options), size)]

    born = np.datetime64("2007-04-01") + rng.integers(0, 18 * 365, rows).astype("timedelta64[D]")
    registered = born + rng.integers(7, 60, rows).astype("timedelta64[D]")
    district = pd.Series(rng.integers(1, 30, rows)).astype(str)
    inward = (
        pd.Series(rng.integers(1, 10, rows)).astype(str)
        + pick(list("ABDEFGHJLNPQRSTUWXYZ"))
        + pick(list("ABDEFGHJLNPQRSTUWXYZ"))
    )
    frame = pd.DataFrame(
        {
            "NHS_NUMBER": pd.Series(rng.integers(9_990_000_000, 9_999_999_999, rows)).astype(str),
            "NHS_NUMBER_STATUS": "01",
            "LOCAL_PATIENT_ID": "CH" + pd.Series(rng.permutation(rows) + 10_000_000).astype(str),
            "GIVEN_NAME": pick(GIVEN),
            "OTHER_GIVEN_NAMES": np.where(rng.random(rows) < 0.6, pick(GIVEN), ""),
            "FAMILY_NAME": pick(FAMILY),
            "DATE_OF_BIRTH": pd.Series(born).dt.strftime("%Y%m%d"),
            "STATED_GENDER_CODE": pick(["1", "2"]),
            "ETHNIC_CATEGORY": pick(list("ABCDEFGHJKLMNPRSZ")),
            "ADDRESS_LINE_1": pd.Series(rng.integers(1, 200, rows)).astype(str) + " " + pick(STREETS),
            "ADDRESS_LINE_2": "",
            "ADDRESS_LINE_3": pick(TOWNS),
            "POSTCODE": "RB" + district + " " + inward,
            "GP_PRACTICE_CODE": "E" + pd.Series(rng.integers(81001, 81200, rows)).astype(str),
            "GP_REGISTRATION_DATE": pd.Series(registered).dt.strftime("%Y%m%d"),
            "SCHOOL_URN": np.where(
                rng.random(rows) < 0.7, pd.Series(rng.integers(100000, 150000, rows)).astype(str), ""
            ),
        }
    )
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--progress", action="store_true", help="show the progress bar")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-benchmark-") as folder:
        extract, newer = Path(folder) / "child_health_records.csv", Path(folder) / "newer" / "child_health_records.csv"
        newer.parent.mkdir()
        writer = multiprocessing.get_context("fork").Process(
            target=write_extracts, args=(arguments.rows, extract, newer)
        )
        writer.start()
        writer.join()
        os.environ.pop("DATABASE_URL", None)
        os.environ["JOINEDUP_VAR_DIR"] = str(Path(folder) / "var")
        os.environ["JOINEDUP_MODE"] = "test"
        os.environ["DJANGO_SETTINGS_MODULE"] = "joinedup.settings"
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from joinedup.common.progress import progress
        from joinedup.index.services import import_file

        def stage(**options):
            return progress(enabled=arguments.progress, **options)

        started, cpu = time.perf_counter(), time.process_time()
        batch = import_file(mapping_path=SOURCE_FILE, path=extract, progress=stage)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        again = time.perf_counter()
        import_file(mapping_path=SOURCE_FILE, path=extract, progress=stage)
        again_seconds = time.perf_counter() - again
        print(
            f"created={batch.created} rejected={batch.rejected} cpu_seconds={cpu_seconds:.1f} "
            f"same_file_again_seconds={again_seconds:.1f} load_average={os.getloadavg()[0]:.1f}"
        )
        later = time.perf_counter()
        update = import_file(mapping_path=SOURCE_FILE, path=newer, progress=stage)
        print(
            f"newer_extract: created={update.created} updated={update.updated} withdrawn={update.withdrawn} "
            f"unchanged={update.unchanged} seconds={time.perf_counter() - later:.1f}"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes
    print(f"rows={arguments.rows} seconds={seconds:.1f} peak_rss_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
