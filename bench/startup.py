"""Start-up time of ``callsight --help``, as whole processes, next to a baseline in the same run.

Usage: python bench/startup.py [--runs N] [--old-tree DIR]

Times N (default 5) whole-process runs of each, alternating so both see the same machine load,
after one untimed warm-up run each (compiled bytecode and the page cache in place):

- now: ``callsight --help`` as it is;
- baseline: a process that first imports what the CLI imported before it parsed its arguments
  until issue 10 (faster-whisper, PyAV, langchain, openai, simple-salesforce, PyJWT, SQLModel,
  Alembic, the settings, the pipeline and the call views), then runs the same ``--help``;
- with ``--old-tree DIR`` (an export of an older commit, e.g.
  ``git archive 7522c15 | tar -x -C /tmp/old``), also that tree's own ``python -m api --help``.

Prints median, min and max wall seconds of each, the load average and the number of cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUN_HELP = "import sys; from api.cli.main import main; sys.argv = ['callsight', '--help']; main()"
OLD_EAGER_IMPORTS = (
    "faster_whisper",
    "av",
    "jwt",
    "langchain_openai",
    "langchain_text_splitters",
    "openai",
    "simple_salesforce",
    "sqlmodel",
    "alembic",
    "agent.core.settings",
    "agent.processing.pipeline",
    "agent.calls.views",
)


def now_command() -> list[str]:
    """The installed ``callsight`` script beside this interpreter, else ``python -m api``."""
    script = Path(sys.executable).parent / "callsight"
    return [str(script), "--help"] if script.exists() else [sys.executable, "-m", "api", "--help"]


def baseline_command() -> list[str]:
    return [sys.executable, "-c", f"import {', '.join(OLD_EAGER_IMPORTS)}; {RUN_HELP}"]


def wall_seconds(command: list[str], tree: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=tree, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(commands: dict[str, tuple[list[str], Path]], runs: int) -> dict[str, list[float]]:
    for command, tree in commands.values():
        wall_seconds(command, tree)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, tree) in commands.items():
            times[name].append(wall_seconds(command, tree))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Timed runs of each (default 5).")
    parser.add_argument("--old-tree", type=Path, help="An older checkout to time as well.")
    args = parser.parse_args()
    runs = args.runs
    commands = {
        "now: callsight --help": (now_command(), REPO),
        "baseline: old eager imports, then --help": (baseline_command(), REPO),
    }
    if args.old_tree:
        old = [sys.executable, "-m", "api", "--help"]
        commands["old tree: python -m api --help"] = (old, args.old_tree.resolve())
    load_before = os.getloadavg()
    times = measure(commands, runs)
    load_after = os.getloadavg()
    print(f"{'':42} {'median_s':>9} {'min_s':>7} {'max_s':>7}  ({runs} whole-process runs each)")
    for name, seconds in times.items():
        print(
            f"{name:42} {statistics.median(seconds):9.3f} {min(seconds):7.3f} {max(seconds):7.3f}"
        )
    print(f"cores: {os.cpu_count()}")
    print(f"load average (1, 5, 15 min) before: {_load(load_before)}; after: {_load(load_after)}")


def _load(values: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    main()
