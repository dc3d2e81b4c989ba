"""Generate a synthetic stereo support call for demos and tests.

The call is a scripted conversation between a support agent of the fictional
company "Northwind Broadband" and a customer whose internet keeps dropping.
Each turn is spoken with ``espeak-ng`` and the turns are assembled with ``sox``
into a 16 kHz, 16-bit stereo FLAC file:

* agent   -> LEFT channel only
* customer -> RIGHT channel only

Turns are separated by short gaps, with one deliberate overlap where the
customer starts talking before the agent has finished. Because the audio is
built from the script, the turn timeline written next to it is the ground
truth for tests.

Requirements: ``espeak-ng`` and ``sox`` (with FLAC support) on PATH. No Python
packages beyond the standard library.

Run from the repository root::

    python3 examples/make_sample_call.py            # writes into examples/
    python3 examples/make_sample_call.py --out-dir /tmp/call
    python3 examples/make_sample_call.py --long --out-dir /tmp/callsight-bench   # ~5.2 min

Outputs:

* ``support-call.flac``         the stereo recording
* ``support-call.script.json``  the turn timeline (speaker, channel, start,
                                end, text) in seconds

Voices: agent ``en-us+m3`` (US male), customer ``en-gb-x-rp+f2`` (British
female), both at about 155 words per minute. The output is deterministic for a
given espeak-ng / sox version: there is no randomness (sox runs in repeatable
mode, without dither).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Speaker = Literal["agent", "customer"]

SAMPLE_RATE = 16_000
BASENAME = "support-call"
SPEEDS_WPM: dict[Speaker, int] = {"agent": 155, "customer": 155}
LEAD_IN_S = 0.5
TAIL_S = 0.6
# sox effects that cut leading and trailing silence, so turn boundaries are speech boundaries.
TRIM_EDGE_SILENCE = ("silence", "1", "0.02", "0.5%", "reverse") * 2

# Note: espeak-ng 1.51 silently ignores the "+variant" on "en-gb" (en-gb+f3 is the
# default male voice), so the customer uses the RP accent, where the variant applies.
VOICES: dict[Speaker, str] = {"agent": "en-us+m3", "customer": "en-gb-x-rp+f2"}
CHANNELS: dict[Speaker, str] = {"agent": "left", "customer": "right"}


@dataclass(frozen=True)
class Line:
    """One scripted turn; ``offset`` is seconds after the previous turn ends.

    A negative offset makes the turn start before the previous one finishes.
    """

    speaker: Speaker
    text: str
    offset: float = 0.5


@dataclass(frozen=True)
class Turn:
    """A rendered turn placed on the call timeline (in samples)."""

    index: int
    speaker: Speaker
    text: str
    wav: Path
    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length


SCRIPT: tuple[Line, ...] = (
    Line(
        "agent",
        "Thank you for calling Northwind Broadband. My name is Sam. How can I help you today?",
        0.0,
    ),
    Line(
        "customer",
        "Hello Sam. My internet keeps dropping every evening. It has been like this since Monday.",
        0.6,
    ),
    Line("agent", "I am sorry to hear that. Can I have the name on the account, please?", 0.5),
    Line("customer", "Sure. My name is Emma Brown.", 0.4),
    Line(
        "agent",
        "Thank you, Emma. When the internet drops, do the lights on the router change?",
        0.5,
    ),
    Line(
        "customer",
        "Yes. The green light turns orange. Then it comes back after a few minutes.",
        0.7,
    ),
    Line("agent", "Okay. Do you use wireless, or a cable to the router?", 0.4),
    Line("customer", "Mostly wireless. But my laptop on a cable drops as well.", 0.5),
    Line("agent", "Good to know. Let me check the line from here. Please hold on a moment.", 0.3),
    Line(
        "agent",
        "The line itself looks clean. But your router is running "
        "old firmware. That old version has a known problem "
        "when the network is busy in the evening.",
        0.8,
    ),
    Line("customer", "Oh, I see. Can you fix that?", -0.4),
    Line(
        "agent",
        "Yes. I am sending the update to your router now. "
        "It will restart by itself. This takes about two minutes.",
        0.5,
    ),
    Line("customer", "Okay. I can see the lights flashing.", 0.8),
    Line("agent", "The update is done. Can you open a web page for me?", 0.6),
    Line("customer", "Yes, it opens quickly. The connection is stable now. That fixed it.", 0.7),
    Line("agent", "Great. I can confirm the issue is resolved on my side too.", 0.4),
    Line(
        "customer", "Thank you. One more thing. The power adapter is loose, and it feels warm.", 0.5
    ),
    Line("agent", "That is not good. I will send you a replacement power adapter by Friday.", 0.6),
    Line("customer", "That is perfect, thank you.", 0.3),
    Line("agent", "I will also email you a confirmation today, with your ticket details.", 0.5),
    Line("customer", "Great. I will restart the router tonight, just to be safe.", 0.5),
    Line(
        "agent",
        "Good idea. If it drops again, please give us a call. "
        "Is there anything else I can help with?",
        0.4,
    ),
    Line("customer", "No, that is all. Thanks for your help, Sam.", 0.6),
    Line(
        "agent",
        "You are welcome, Emma. Thank you for choosing Northwind Broadband. Have a good evening.",
        0.4,
    ),
    Line("customer", "You too. Goodbye.", 0.3),
)


# The second half of the long call (``--long``): more topics after the router is fixed, so the
# recording passes five minutes for the speed and accuracy benchmark (bench/asr.py).
LONG_EXTRA: tuple[Line, ...] = (
    Line("customer", "Actually, before you go, I have a question about my bill.", 0.6),
    Line("agent", "Of course. What would you like to know about the bill?", 0.5),
    Line(
        "customer",
        "This month I was charged twice for the same package. "
        "The amount is forty nine pounds, and it appears two times.",
        0.6,
    ),
    Line("agent", "Let me look at your billing history. One moment, please.", 0.5),
    Line(
        "agent",
        "I can see the two payments. The second one was taken by mistake "
        "when our system restarted last week.",
        1.2,
    ),
    Line("customer", "So will I get the money back?", 0.4),
    Line(
        "agent",
        "Yes. I have raised a refund for forty nine pounds. "
        "It should reach your card within five working days.",
        0.6,
    ),
    Line("customer", "Thank you. Will I get an email about the refund?", 0.5),
    Line("agent", "Yes, you will receive a refund notice by email this afternoon.", 0.4),
    Line(
        "customer",
        "Good. While I have you, my contract ends next month. "
        "Are there any better offers for existing customers?",
        0.7,
    ),
    Line(
        "agent",
        "There is a fibre plan with faster speeds. It costs five pounds more each month, "
        "but the first three months are free.",
        0.6,
    ),
    Line("customer", "How fast is the fibre plan compared to what I have now?", 0.5),
    Line(
        "agent",
        "Your current plan gives you about thirty megabits. "
        "The fibre plan gives you up to five hundred megabits.",
        0.5,
    ),
    Line("customer", "That sounds good. Do I need a new router for that?", 0.4),
    Line(
        "agent",
        "Yes, the fibre plan comes with a new router at no extra cost. "
        "An engineer would visit to connect it.",
        0.5,
    ),
    Line("customer", "When could the engineer come?", 0.4),
    Line(
        "agent",
        "The earliest visit is next Tuesday morning, between eight and twelve. "
        "Would that work for you?",
        0.6,
    ),
    Line("customer", "Tuesday morning is fine. I work from home on Tuesdays.", 0.5),
    Line("agent", "Great. I have booked the visit for Tuesday morning.", 0.5),
    Line("customer", "Will my phone number stay the same? I use the landline for my mother.", 0.5),
    Line(
        "agent",
        "Yes, your phone number stays the same. The landline will keep working during the switch.",
        0.4,
    ),
    Line("customer", "And what happens to my current contract?", 0.5),
    Line(
        "agent",
        "The new contract starts on the day of the engineer visit. "
        "There is no fee for ending the old one early.",
        0.6,
    ),
    Line("customer", "That is fair. Please go ahead with the upgrade then.", 0.5),
    Line(
        "agent",
        "Done. You will get a contract summary by email. "
        "Please read it and reply within fourteen days if anything is wrong.",
        0.7,
    ),
    Line("customer", "I will read it tonight. One last thing, I moved house last year.", 0.5),
    Line("customer", "Is my address on the account up to date?", 0.9),
    Line("agent", "The address on the account is twelve Station Road. Is that correct?", 0.5),
    Line("customer", "No, it is now forty Mill Lane, in the same town.", 0.4),
    Line("agent", "Thank you. I have updated the address to forty Mill Lane.", 0.6),
    Line("customer", "Will the engineer go to the new address?", 0.4),
    Line("agent", "Yes, the booking now uses the new address.", 0.4),
    Line(
        "customer",
        "My son also asked me about the wireless password. "
        "He wants to change it because too many neighbours know it.",
        0.6,
    ),
    Line(
        "agent",
        "He can change it on the router settings page. "
        "I will include the steps in the email I send you today.",
        0.5,
    ),
    Line("customer", "Does changing the password disconnect the smart television?", 0.5),
    Line(
        "agent",
        "Yes, every device has to join again with the new password. "
        "It only takes a minute for each device.",
        0.6,
    ),
    Line("customer", "Alright, we will do that at the weekend.", 0.4),
    Line(
        "customer",
        "Perfect. You have been very helpful today. "
        "I was worried this call would take much longer.",
        0.5,
    ),
    Line(
        "agent",
        "I am glad we could sort everything out. "
        "To recap, the router is fixed, a new power adapter comes by Friday, "
        "the refund is on its way, and the engineer visits on Tuesday.",
        0.6,
    ),
    Line("customer", "That is everything. Thank you again, Sam.", 0.5),
    Line("agent", "You are welcome. Have a lovely evening, Emma. Goodbye.", 0.4),
    Line("customer", "Goodbye.", 0.3),
)


def run(cmd: list[str]) -> str:
    """Run a command, fail loudly with its stderr, and return its stdout."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def require_tools() -> None:
    missing = [tool for tool in ("espeak-ng", "sox", "soxi") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"missing required tools: {', '.join(missing)}")


def sox(*args: str) -> None:
    """Call sox in repeatable mode without dither, so output is deterministic."""
    run(["sox", "-R", "-D", "-V1", *args])


def num_samples(wav: Path) -> int:
    return int(run(["soxi", "-s", str(wav)]).strip())


def synthesize(line: Line, workdir: Path, index: int) -> Path:
    """Speak one line with espeak-ng, resample to 16 kHz and trim edge silence."""
    raw = workdir / f"raw-{index:02d}.wav"
    out = workdir / f"turn-{index:02d}.wav"
    voice, speed = VOICES[line.speaker], str(SPEEDS_WPM[line.speaker])
    run(["espeak-ng", "-v", voice, "-s", speed, "-w", str(raw), line.text])
    to_16k_mono = ("-r", str(SAMPLE_RATE), "-b", "16", "-c", "1")
    sox(str(raw), *to_16k_mono, str(out), *TRIM_EDGE_SILENCE)
    return out


def seconds_to_samples(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


def layout(script: tuple[Line, ...], workdir: Path) -> list[Turn]:
    """Render every line and place it on the timeline relative to the previous turn."""
    turns: list[Turn] = []
    cursor = seconds_to_samples(LEAD_IN_S)
    for index, line in enumerate(script):
        wav = synthesize(line, workdir, index)
        start = max(0, cursor + seconds_to_samples(line.offset))
        turn = Turn(index, line.speaker, line.text, wav, start, num_samples(wav))
        if turns and turn.speaker == turns[-1].speaker and turn.start < turns[-1].end:
            raise ValueError(f"turn {index} overlaps the same speaker's previous turn")
        turns.append(turn)
        cursor = turn.end
    return turns


def render_channel(turns: list[Turn], speaker: Speaker, total: int, workdir: Path) -> Path:
    """Build a mono track holding only ``speaker``'s turns, silent elsewhere."""
    pieces: list[str] = []
    position = 0
    for turn in (t for t in turns if t.speaker == speaker):
        padded = workdir / f"placed-{turn.index:02d}.wav"
        sox(str(turn.wav), str(padded), "pad", f"{turn.start - position}s", "0s")
        pieces.append(str(padded))
        position = turn.end
    if not pieces:
        raise ValueError(f"the script has no {speaker} turns")
    out = workdir / f"{speaker}.wav"
    sox(*pieces, str(out), "pad", "0s", f"{total - position}s")
    return out


def timeline(turns: list[Turn], duration: int) -> dict[str, object]:
    return {
        "sample_rate": SAMPLE_RATE,
        "channels": {"left": "agent", "right": "customer"},
        "voices": dict(VOICES),
        "duration": round(duration / SAMPLE_RATE, 3),
        "turns": [
            {
                "index": t.index,
                "speaker": t.speaker,
                "channel": CHANNELS[t.speaker],
                "start": round(t.start / SAMPLE_RATE, 3),
                "end": round(t.end / SAMPLE_RATE, 3),
                "text": t.text,
            }
            for t in turns
        ],
    }


def long_script() -> tuple[Line, ...]:
    """The sample call without its goodbyes, followed by more topics: about six minutes."""
    return SCRIPT[:-4] + LONG_EXTRA


def build(out_dir: Path, long: bool = False) -> tuple[Path, Path]:
    """Render the call into ``out_dir`` and return (audio path, timeline path)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    basename = f"{BASENAME}-long" if long else BASENAME
    audio = out_dir / f"{basename}.flac"
    script_json = out_dir / f"{basename}.script.json"
    with tempfile.TemporaryDirectory(prefix="callsight-sample-") as tmp:
        workdir = Path(tmp)
        turns = layout(long_script() if long else SCRIPT, workdir)
        total = max(t.end for t in turns) + seconds_to_samples(TAIL_S)
        left = render_channel(turns, "agent", total, workdir)
        right = render_channel(turns, "customer", total, workdir)
        sox("-M", str(left), str(right), "-C", "8", str(audio))
    script_json.write_text(json.dumps(timeline(turns, total), indent=2) + "\n", encoding="utf-8")
    return audio, script_json


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="directory for the FLAC and JSON files (default: examples/)",
    )
    parser.add_argument(
        "--long",
        action="store_true",
        help="write the longer call (support-call-long.*, about six minutes) for bench/asr.py; "
        "it is not kept in the repository, so pass e.g. --out-dir /tmp/callsight-bench",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require_tools()
    audio, script_json = build(args.out_dir, long=args.long)
    print(f"wrote {audio} and {script_json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
