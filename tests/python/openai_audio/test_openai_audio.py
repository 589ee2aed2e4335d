"""The `openai` SDK's audio transcription and translation against the emulator's sync audio
host, as the Fireworks docs show it (`base_url=<audio host>/v1`), in every `response_format`.

The SDK builds its response objects without validation, so each JSON body is also validated
with the SDK's own pydantic types (`model_validate`), which reject a missing required field.
"""

import asyncio

import openai
import pytest
from openai.types.audio import (
    Transcription,
    TranscriptionVerbose,
    Translation,
    TranslationVerbose,
)

import fwemu

FORMATS = ["json", "verbose_json", "text", "srt", "vtt"]


@pytest.fixture(scope="module")
def client(emulator):
    return openai.OpenAI(api_key=fwemu.KEY, base_url=f"{emulator.url}/v1", max_retries=0)


def audio():
    return ("speech.wav", fwemu.wav(3.0), "audio/wav")


def check_body(response_format, raw, json_type, verbose_type, task):
    """Checks the raw HTTP answer and the SDK's parsed result for one format."""
    assert raw.http_response.status_code == 200
    parsed = raw.parse()
    if response_format == "json":
        body = json_type.model_validate(raw.http_response.json())
        assert body.text == fwemu.TEXT_3S
        assert isinstance(parsed, json_type) and parsed.text == fwemu.TEXT_3S
    elif response_format == "verbose_json":
        body = verbose_type.model_validate(raw.http_response.json())
        assert body.duration == 3.0
        assert body.language == "en"
        assert body.text == fwemu.TEXT_3S
        assert [segment.tokens for segment in body.segments] == [list(range(1000, 1006))]
        assert raw.http_response.json()["task"] == task
        assert isinstance(parsed, verbose_type) and parsed.text == fwemu.TEXT_3S
    else:
        expected = {"text": fwemu.TEXT_3S, "srt": fwemu.SRT_3S, "vtt": fwemu.VTT_3S}
        assert raw.http_response.headers["content-type"].startswith("text/plain")
        assert isinstance(parsed, str)
        assert parsed == expected[response_format]


@pytest.mark.parametrize("response_format", FORMATS)
def test_transcription_in_every_format(client, response_format):
    raw = client.audio.transcriptions.with_raw_response.create(
        model="whisper-v3", file=audio(), response_format=response_format, language="en"
    )
    check_body(response_format, raw, Transcription, TranscriptionVerbose, "transcribe")


@pytest.mark.parametrize("response_format", FORMATS)
def test_translation_in_every_format(client, response_format):
    raw = client.audio.translations.with_raw_response.create(
        model="whisper-v3-turbo", file=audio(), response_format=response_format
    )
    check_body(response_format, raw, Translation, TranslationVerbose, "translate")


def test_verbose_transcription_with_word_and_segment_timestamps(client):
    raw = client.audio.transcriptions.with_raw_response.create(
        model="whisper-v3",
        file=audio(),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        temperature=0.2,
        prompt="A test.",
    )
    body = TranscriptionVerbose.model_validate(raw.http_response.json())
    assert [word.word for word in body.words] == fwemu.TEXT_3S.split(" ")
    assert body.words[1].start == 0.5
    assert body.segments[0].temperature == 0.2


def test_an_unknown_option_is_a_bad_request_error(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(
            model="whisper-v3", file=audio(), extra_body={"speed": "fast"}
        )
    assert caught.value.status_code == 400
    assert "unknown field `speed`" in caught.value.body["message"]


def test_a_wrong_key_with_a_large_upload_is_an_authentication_error(emulator):
    """The emulator reads the rest of a refused upload, so the SDK sees the 401 instead of a
    broken connection (which it would report as `APIConnectionError` after retrying)."""
    big = ("big.mp3", bytes(8 << 20), "audio/mpeg")
    sync = openai.OpenAI(api_key="wrong", base_url=f"{emulator.url}/v1", max_retries=2)
    for _ in range(3):
        with pytest.raises(openai.AuthenticationError) as caught:
            sync.audio.transcriptions.create(model="whisper-v3", file=big)
        assert caught.value.status_code == 401
        assert caught.value.body["message"] == "invalid API key"

    async def run():
        client = openai.AsyncOpenAI(
            api_key="wrong", base_url=f"{emulator.url}/v1", max_retries=2
        )
        async with client:
            for _ in range(3):
                with pytest.raises(openai.AuthenticationError):
                    await client.audio.transcriptions.create(model="whisper-v3", file=big)

    asyncio.run(run())
