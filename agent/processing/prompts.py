"""Prompt templates kept as data in ``prompts/``: loaded, validated, rendered fail-fast.

A template file is ``prompts/<name>/<version>.<language>.md``: a header between ``---`` lines
(``name``, ``version``, ``language``, ``variables``) and a body with a ``## system`` and a
``## user`` section. Placeholders are ``{variable}``; every placeholder must be declared and
every declared variable used, or loading fails. Rendering without a declared variable fails.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
_HEADER_KEYS = {"name", "version", "language", "variables"}


class PromptError(ValueError):
    """A template that cannot be loaded or rendered; the message names the file and the fix."""


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: str
    language: str
    variables: frozenset[str]
    system: str
    user: str

    @property
    def id(self) -> str:
        """``summary/v1.en``: what a summary records as its prompt version."""
        return f"{self.name}/{self.version}.{self.language}"

    def render(self, values: Mapping[str, str]) -> tuple[str, str]:
        """The system and user messages; raises PromptError on a missing or unknown variable."""
        missing = sorted(self.variables - values.keys())
        unknown = sorted(values.keys() - self.variables)
        if missing or unknown:
            raise PromptError(
                f"prompt {self.id}: missing variables {missing}, unknown variables {unknown}"
            )
        return self.system.format_map(values), self.user.format_map(values)


def load_template(path: Path) -> PromptTemplate:
    """Parse and validate one template file."""
    text = path.read_text(encoding="utf-8")
    header, body = _split_header(path, text)
    sections = _sections(path, body)
    declared = frozenset(v.strip() for v in header["variables"].split(",") if v.strip())
    used = _placeholders(sections["system"]) | _placeholders(sections["user"])
    if used != declared:
        raise PromptError(
            f"{path}: placeholders {sorted(used)} differ from declared variables "
            f"{sorted(declared)}; declare every placeholder and use every variable"
        )
    return PromptTemplate(
        name=header["name"],
        version=header["version"],
        language=header["language"],
        variables=declared,
        system=sections["system"],
        user=sections["user"],
    )


def load_prompts(directory: Path = PROMPTS_DIR) -> dict[tuple[str, str], PromptTemplate]:
    """Every template under ``directory``, keyed by (name, language); newest version wins."""
    found: dict[tuple[str, str], PromptTemplate] = {}
    for path in sorted(directory.glob("*/*.md")):
        template = load_template(path)
        key = (template.name, template.language)
        if key not in found or _version_key(template.version) > _version_key(found[key].version):
            found[key] = template
    return found


def _version_key(version: str) -> tuple[int, str]:
    digits = version.lstrip("v")
    return (int(digits), version) if digits.isdigit() else (0, version)


def _split_header(path: Path, text: str) -> tuple[dict[str, str], str]:
    parts = text.split("---\n", 2)
    if len(parts) != 3 or parts[0].strip():
        raise PromptError(f"{path}: a template starts with a header between '---' lines")
    header: dict[str, str] = {}
    for line in parts[1].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            header[key.strip()] = value.strip()
    missing = sorted(_HEADER_KEYS - header.keys())
    if missing:
        raise PromptError(f"{path}: header lacks {missing}")
    return header, parts[2]


def _sections(path: Path, body: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip().lower(), [])
        elif current is not None:
            current.append(line)
    if set(sections) != {"system", "user"}:
        raise PromptError(f"{path}: the body needs exactly a '## system' and a '## user' section")
    return {name: "\n".join(lines).strip() + "\n" for name, lines in sections.items()}


def _placeholders(text: str) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as error:
        raise PromptError(f"unbalanced braces in a template: {error}") from None
