"""Make notebooks-export/penultimate_writer.py and Tests/Corpus/make_corpus.py importable."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for folder in (ROOT / "notebooks-export", ROOT / "Tests" / "Corpus"):
    sys.path.insert(0, str(folder))
