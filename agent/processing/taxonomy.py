"""The issue taxonomy an operator configures: categories with descriptions and example phrases
per language, read from a YAML (or JSON) file; a default for support desks ships with Callsight.

A file looks like::

    fallback: other
    categories:
      - name: connectivity
        description: The connection drops, is slow or does not work.
        examples:
          en: [internet keeps dropping, no connection, wifi]
          ja: [ネットが切れる, つながらない]
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.core.domain import IssueCategory, IssueTaxonomy

DEFAULT_TAXONOMY_FILE = Path(__file__).with_name("issue_taxonomy.yaml")


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be read; the message names the file and what is wrong."""


class _CategoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_ -]*$")
    description: str = Field(min_length=1, max_length=500)
    examples: dict[str, list[str]] = Field(min_length=1)

    @field_validator("examples")
    @classmethod
    def _some_phrases(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not any(phrase.strip() for phrases in value.values() for phrase in phrases):
            raise ValueError("give at least one example phrase")
        return value


class _TaxonomyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fallback: str = Field("other", min_length=1, max_length=100)
    categories: list[_CategoryFile] = Field(min_length=1)


def load_taxonomy(path: Path | None = None) -> IssueTaxonomy:
    """The taxonomy in ``path`` (the shipped default when None); raises TaxonomyError."""
    source = path or DEFAULT_TAXONOMY_FILE
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
        parsed = _TaxonomyFile.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise TaxonomyError(f"issue taxonomy {source}: {error}") from error
    names = [category.name for category in parsed.categories]
    if len(set(names)) != len(names):
        raise TaxonomyError(f"issue taxonomy {source}: category names must be unique")
    return IssueTaxonomy(tuple(_category(c) for c in parsed.categories), parsed.fallback)


def _category(parsed: _CategoryFile) -> IssueCategory:
    examples = {
        language.lower(): tuple(p.strip() for p in phrases if p.strip())
        for language, phrases in parsed.examples.items()
    }
    return IssueCategory(parsed.name, parsed.description.strip(), examples)
