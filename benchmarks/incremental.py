"""How well and how fast later extracts link to an index already built:
`python benchmarks/incremental.py --children 250000`.

Generates the authority (joinedup.synth), links child health and the school census into an index
(joinedup.index.linkage.link), then links the other extracts to it as new records
(joinedup.index.linkage.incremental.link_new_records, with the index's trained parameters), and
scores the index's entries after both steps against ground_truth.csv as benchmarks/linkage.py
does. Prints, as its last line,
indexed=... new=... index_seconds=... new_seconds=... attached=... new_entries=... merges=...
precision=... recall=...
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "benchmarks"))

from linkage import EXTRACTS, pairwise_scores, read_authority, truth  # noqa: E402

from joinedup.index.linkage.engine import link  # noqa: E402
from joinedup.index.linkage.incremental import ATTACHED, NEW, link_new_records  # noqa: E402
from joinedup.synth.generate import generate  # noqa: E402
from joinedup.synth.options import options_from_arguments  # noqa: E402

FIRST = ("child_health", "school_census")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    later = tuple(name for name in EXTRACTS if name not in FIRST)
    with tempfile.TemporaryDirectory(prefix="incremental-benchmark-") as folder:
        la = Path(folder) / "la"
        generate(options_from_arguments(children=arguments.children, seed=arguments.seed, out=la), show_progress=False)
        index = read_authority(la, leave_out=later)
        new = read_authority(la, leave_out=FIRST)
        started = time.perf_counter()
        indexed = link(index)
        linked_index = time.perf_counter()
        entries = indexed.clusters[["unique_id", "cluster_id"]]
        result = link_new_records(index=index, entry_ids=entries, new=new, parameters=indexed.parameters)
        linked_new = time.perf_counter()
        children = truth(la)
    assignments = result.assignments
    clusters = pd.concat([entries, assignments[["unique_id", "cluster_id"]]], ignore_index=True)
    clusters = pd.Series(clusters["cluster_id"].to_numpy(), index=clusters["unique_id"].to_numpy())
    precision, recall, _ = pairwise_scores(clusters, children.reindex(clusters.index))
    status = assignments["status"].value_counts()
    print(
        f"indexed={len(index)} new={len(new)} index_seconds={linked_index - started:.1f} "
        f"new_seconds={linked_new - linked_index:.1f} attached={status.get(ATTACHED, 0)} "
        f"new_entries={status.get(NEW, 0)} merges={len(result.merges)} precision={precision:.4f} recall={recall:.4f}"
    )


if __name__ == "__main__":
    main()
