"""The audio batch API's documented commands against the emulator's audio batch port, started
with `--batch-auth raw` (the documented `Authorization: <key>`): curl submit and poll as in the
API reference, and the cookbook's `requests` submit-and-poll loop, in every `response_format`.
Completed bodies are decoded by their `content_type` and checked with the 0.19.20 SDK's types.
"""

import json
import shutil
import subprocess
import time

import pytest
import requests
from fireworks.client.audio_api import (
    TranscriptionResponse,
    TranscriptionVerboseResponse,
)

import fwemu

CURL = shutil.which("curl")


@pytest.fixture(scope="module")
def batch():
    running = fwemu.start("--batch-auth", "raw")
    yield running
    running.stop()


@pytest.fixture
def audio_file(tmp_path):
    path = tmp_path / "audio.wav"
    path.write_bytes(fwemu.wav(3.0))
    return path


def curl(*args):
    """Runs curl; its stdout. curl must be installed: these tests never skip."""
    assert CURL, "curl is not installed"
    done = subprocess.run([CURL, "-sS", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def decode(status):
    """The completed job's body, decoded by its content type as the cookbook does."""
    assert status["status"] == "completed"
    assert "message" in status and status["message"] is None
    if status["content_type"].split(";")[0].strip() == "application/json":
        return json.loads(status["body"])
    assert status["content_type"] == "text/plain; charset=utf-8"
    return status["body"]


def test_documented_curl_submit_and_poll(batch, audio_file):
    submitted = json.loads(
        curl(
            "-X", "POST",
            f"{batch.batch_url}/v1/audio/transcriptions?endpoint_id=audio-prod",
            "-H", f"Authorization: {fwemu.KEY}",
            "-F", f"file=@{audio_file}",
            "-F", "model=whisper-v3",
            "-F", "response_format=verbose_json",
        )
    )
    assert submitted["status"] == "submitted"
    assert submitted["account_id"] == fwemu.ACCOUNT
    assert submitted["endpoint_id"] == "audio-prod"
    status_url = (
        f"{batch.batch_url}/v1/accounts/{submitted['account_id']}"
        f"/batch_job/{submitted['batch_id']}"
    )
    states = []
    for _ in range(3):
        status = json.loads(
            curl("-X", "GET", status_url, "-H", f"Authorization: {fwemu.KEY}")
        )
        states.append(status["status"])
    assert states == ["processing", "processing", "completed"]
    verbose = TranscriptionVerboseResponse(**decode(status))
    assert verbose.text == fwemu.TEXT_3S


def test_documented_curl_sync_transcription(batch, audio_file):
    body = curl(
        "-X", "POST",
        f"{batch.url}/v1/audio/transcriptions",
        "-H", f"Authorization: {fwemu.KEY}",
        "-F", f"file=@{audio_file}",
        "-F", "model=whisper-v3",
        "-F", "response_format=srt",
    )
    assert body == fwemu.SRT_3S


def test_curl_gets_the_refusal_of_a_large_upload(batch, tmp_path):
    big = tmp_path / "big.mp3"
    big.write_bytes(bytes(8 << 20))
    for url in (
        f"{batch.batch_url}/v1/audio/transcriptions?endpoint_id=audio-prod",
        f"{batch.url}/v1/audio/transcriptions",
    ):
        out = curl(
            "-o", "/dev/null", "-w", "%{http_code}",
            "-X", "POST", url,
            "-H", "Authorization: wrong-key",
            "-F", f"file=@{big}",
        )
        assert out == "401"
    # Without `Expect: 100-continue`, curl sends the whole file first, then reads the answer.
    out = curl(
        "-o", "/dev/null", "-w", "%{http_code}",
        "-H", "Expect:",
        "-X", "POST", f"{batch.url}/v1/audio/transcriptions?endpoint_id=audio-fast",
        "-H", f"Authorization: {fwemu.KEY}",
        "-F", f"file=@{big}",
    )
    assert out == "400"


def submit_and_poll(batch, audio_file, task, response_format, model="whisper-v3"):
    """The cookbook's loop with `requests`: submit, then poll until `completed`."""
    endpoint = {"whisper-v3": "audio-prod", "whisper-v3-turbo": "audio-turbo"}[model]
    headers = {"Authorization": fwemu.KEY}
    with open(audio_file, "rb") as f:
        response = requests.post(
            f"{batch.batch_url}/v1/audio/{task}?endpoint_id={endpoint}",
            headers=headers,
            files={"file": f},
            data={"model": model, "response_format": response_format},
            timeout=30,
        )
    assert response.status_code == 200, response.text
    submitted = response.json()
    url = (
        f"{batch.batch_url}/v1/accounts/{submitted['account_id']}"
        f"/batch_job/{submitted['batch_id']}"
    )
    for _ in range(10):
        status = requests.get(url, headers=headers, timeout=30)
        assert status.status_code == 200, status.text
        status = status.json()
        if status["status"] == "completed":
            return decode(status)
        assert status["status"] == "processing"
        assert status["message"] == "Request is being processed"
        time.sleep(0.05)
    raise AssertionError("the job never completed")


@pytest.mark.parametrize("task", ["transcriptions", "translations"])
@pytest.mark.parametrize("response_format", ["json", "verbose_json", "text", "srt", "vtt"])
def test_documented_requests_submit_and_poll(batch, audio_file, task, response_format):
    body = submit_and_poll(batch, audio_file, task, response_format, "whisper-v3-turbo")
    if response_format == "json":
        assert TranscriptionResponse(**body).text == fwemu.TEXT_3S
    elif response_format == "verbose_json":
        verbose = TranscriptionVerboseResponse(**body)
        assert verbose.task == {"transcriptions": "transcribe", "translations": "translate"}[task]
        assert len(verbose.segments) == 1
    else:
        assert body == {"text": fwemu.TEXT_3S, "srt": fwemu.SRT_3S, "vtt": fwemu.VTT_3S}[
            response_format
        ]


def test_the_batch_host_refuses_bearer_and_a_missing_endpoint_id(batch, audio_file):
    status_url = f"{batch.batch_url}/v1/accounts/{fwemu.ACCOUNT}/batch_job/demo-batch"
    bearer = requests.get(status_url, headers={"Authorization": f"Bearer {fwemu.KEY}"}, timeout=30)
    assert bearer.status_code == 401
    assert bearer.json()["error"]["type"] == "authentication_error"
    by_query = requests.get(status_url, params={"key": fwemu.KEY}, timeout=30)
    assert by_query.status_code == 200
    with open(audio_file, "rb") as f:
        missing = requests.post(
            f"{batch.batch_url}/v1/audio/transcriptions",
            headers={"Authorization": fwemu.KEY},
            files={"file": f},
            timeout=30,
        )
    assert missing.status_code == 400
    assert "`endpoint_id`" in missing.json()["error"]["message"]
