"""Reading a Prometheus exposition the way a scraper does, with prometheus-client's parser."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample


@dataclass(frozen=True)
class Scrape:
    """The families and samples of one exposition."""

    families: dict[str, str]
    samples: list[Sample]

    def value(self, name: str, **labels: str) -> float:
        """The sample ``name`` with exactly these labels; 0.0 when there is none."""
        found = [s.value for s in self.samples if s.name == name and s.labels == labels]
        assert len(found) <= 1, f"{name}{labels} appears {len(found)} times"
        return found[0] if found else 0.0

    def has(self, name: str, **labels: str) -> bool:
        return any(s.name == name and s.labels == labels for s in self.samples)

    def labelled(self, name: str) -> dict[tuple[tuple[str, str], ...], float]:
        """Every sample called ``name``, keyed by its sorted labels."""
        return {tuple(sorted(s.labels.items())): s.value for s in self.samples if s.name == name}


def growth(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    """How much the sample ``name`` with these labels grew from one scrape to the next."""
    return after.value(name, **labels) - before.value(name, **labels)


def parse(text: str) -> Scrape:
    families = list(text_string_to_metric_families(text))
    return Scrape(
        families={family.name: family.type for family in families},
        samples=[sample for family in families for sample in family.samples],
    )
