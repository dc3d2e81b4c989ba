"""How a call's speaker is shown: kept apart from ``speakers`` so that the transcript exports
(which the CLI's ``--help`` lists) load no database library."""

from __future__ import annotations

from pydantic import BaseModel


class SpeakerView(BaseModel):
    speaker: str
    role: str
    name: str | None = None

    @property
    def display(self) -> str:
        """``Sam Lee (agent)`` once named, else the role alone."""
        return f"{self.name} ({self.role})" if self.name else self.role
