from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "articles" / "us-rejects-netanyahu-request.txt"
RESULTS = ROOT / "benchmarks" / "results.json"
