"""Starts the `fireworks-ai-emulator` binary for the real-client suites and makes test audio.

Every suite under tests/python/ imports this module (its conftest.py puts this directory on
`sys.path`). `tests/python/run.sh` builds the binary once and names it in
`FIREWORKS_EMULATOR_BIN`; without that variable the debug build in `target/` is used.
"""

from __future__ import annotations

import io
import os
import pathlib
import subprocess
import threading
import wave
from dataclasses import dataclass, field

REPO = pathlib.Path(__file__).resolve().parents[2]
KEY = "emulator-test-key"
ACCOUNT = "python-account"


def binary() -> str:
    """Path of the emulator binary to run."""
    path = os.environ.get("FIREWORKS_EMULATOR_BIN") or str(
        REPO / "target" / "debug" / "fireworks-ai-emulator"
    )
    if not os.access(path, os.X_OK):
        raise RuntimeError(
            f"no emulator binary at {path}: run `cargo build -p fireworks-ai-emulator --locked`"
            " or tests/python/run.sh"
        )
    return path


@dataclass
class Emulator:
    """A running emulator process: the shared base URL (every host) and the audio batch one."""

    process: subprocess.Popen
    url: str
    batch_url: str
    stderr: list[str] = field(default_factory=list)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(*args: str) -> Emulator:
    """Starts the binary on free ports with the suite's key and account, plus `args`."""
    command = [binary(), "--port", "0", "--api-key", KEY, "--account", ACCOUNT, *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stderr is not None
    url = process.stdout.readline().strip()
    batch_url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:") or not batch_url.startswith("http://"):
        process.kill()
        raise RuntimeError(f"emulator did not start: {url!r} {batch_url!r} {process.stderr.read()}")
    emulator = Emulator(process, url, batch_url)
    # Keep reading stderr so the process never blocks on a full pipe.
    threading.Thread(
        target=lambda: emulator.stderr.extend(process.stderr), daemon=True
    ).start()
    return emulator


def wav(seconds: float, rate: int = 16_000) -> bytes:
    """A silent 16-bit mono WAV file of `seconds` seconds."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\0\0" * int(seconds * rate))
    return out.getvalue()


# Bodies the emulator answers for a 3-second file (6 words, one segment), the same for every
# client: the emulator is deterministic.
TEXT_3S = "This is a deterministic transcript from."
SRT_3S = "1\n00:00:00,000 --> 00:00:02,950\n" + TEXT_3S + "\n\n"
VTT_3S = "WEBVTT\n\n00:00:00.000 --> 00:00:02.950\n" + TEXT_3S + "\n\n"
