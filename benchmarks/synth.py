"""How long the synthetic authority takes, and how much memory: `python benchmarks/synth.py --children 250000`.

Generates into a temporary folder and prints, as its last line,
children=... records=... seconds=... peak_rss_mb=...
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from joinedup.synth.generate import generate  # noqa: E402
from joinedup.synth.options import options_from_arguments  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--progress", action="store_true", help="show the progress bar")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="synth-benchmark-") as folder:
        options = options_from_arguments(children=arguments.children, seed=arguments.seed, out=Path(folder) / "la")
        started = time.perf_counter()
        manifest = generate(options, show_progress=arguments.progress)
        seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes
    print(
        f"children={arguments.children} records={manifest['extract_records']} seconds={seconds:.1f} "
        f"peak_rss_mb={peak_mb:.0f}"
    )


if __name__ == "__main__":
    main()
