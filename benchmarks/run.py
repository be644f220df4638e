"""`make bench`: search quality and speed, printed and written to benchmarks/results.md."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def run(title: str, args: list[str]) -> str:
    print(f"\n== {title} ==", flush=True)
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    out = proc.stdout.strip()
    print(out, flush=True)
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"Fehler in {title} (Exit-Code {proc.returncode})")
    return out


def main() -> int:
    kb = [str(ROOT / ".venv" / "bin" / "kb")] if (ROOT / ".venv" / "bin" / "kb").exists() else []
    sections = []
    subprocess.run([*kb, "index"] if kb else [sys.executable, "-m", "kb.cli", "index"],
                   cwd=ROOT, check=True, capture_output=True)
    sections.append(("Entwicklungsset (eval/queries.yaml)",
                     run("Entwicklungsset", ["-m", "kb.cli", "eval", "eval/queries.yaml",
                                             "--compare"])))
    sections.append(("Kontrollset (eval/heldout.yaml, nicht zum Abstimmen benutzt)",
                     run("Kontrollset", ["-m", "kb.cli", "eval", "eval/heldout.yaml",
                                         "--compare"])))
    sections.append(("GermanQuAD", run("GermanQuAD", ["benchmarks/germanquad.py"])))
    sections.append(("Suchlatenz", run("Suchlatenz", ["benchmarks/latency.py"])))
    sections.append(("Skalierung, Indexaufbau und HTTP-Last",
                     run("Skalierung", ["benchmarks/scale.py"])))
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    text = [f"# Benchmark-Ergebnisse ({stamp})", "",
            "Erzeugt mit `make bench`. Jeder Abschnitt gibt die Ausgabe des Messprogramms wieder.",
            ""]
    for title, body in sections:
        text += [f"## {title}", "", "```", body, "```", ""]
    (ROOT / "benchmarks" / "results.md").write_text("\n".join(text), encoding="utf-8")
    print("\nGeschrieben: benchmarks/results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
