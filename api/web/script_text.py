"""The words the pages' scripts show, in the page's language.

Scripts carry no text of their own: ``base.html`` writes this table into the page as JSON
(``<script type="application/json" id="ui-text">``) and they read it from there. Placeholders
are gettext's named ones (``%(name)s``), filled by the script.
"""

from __future__ import annotations

from agent.core.call_states import CallStatus
from api.web.i18n import N_, gettext
from api.web.wording import term

SCRIPT_TEXT = {
    "uploading": N_("Uploading %(name)s…"),
    "uploaded": N_("Uploaded %(name)s; processing…"),
    "upload_failed": N_("Upload failed (%(code)s)"),
    "upload_network_error": N_("Upload failed: network error"),
    "match_of": N_("%(current)s of %(total)s"),
    "no_matches": N_("No matches"),
}


def script_text() -> dict[str, object]:
    """The table for the page being rendered (call it while the page's language is set)."""
    words: dict[str, object] = {key: gettext(text) for key, text in SCRIPT_TEXT.items()}
    words["statuses"] = {status.value: term(status) for status in CallStatus}
    return words
