"""Sources: a TOML file per agency extract, and readers that turn the extract into canonical
records (joinedup.index.canonical) with every rejected row reported. Knows no Django."""

from .mapping import SourceMapping, load_mapping
from .readers import ReadResult, read_source, source_files

__all__ = ["ReadResult", "SourceMapping", "load_mapping", "read_source", "source_files"]
