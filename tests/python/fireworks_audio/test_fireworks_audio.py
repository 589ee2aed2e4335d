"""The official fireworks-ai 0.19.20 SDK's `AudioInference.transcribe` and `translate` against
the emulator, as the Fireworks docs show them (`base_url=<audio host>`), in every
`response_format`. The SDK validates `json` and `verbose_json` answers with its own pydantic
types (`TranscriptionResponse`, `TranscriptionVerboseResponse`), which require every segment
field it knows.
"""

import asyncio

import pytest
from fireworks.client.audio import AudioInference
from fireworks.client.audio_api import (
    TranscriptionResponse,
    TranscriptionVerboseResponse,
)
from fireworks.client.error import AuthenticationError, InvalidRequestError

import fwemu


@pytest.fixture(scope="module")
def client(emulator):
    return AudioInference(model="whisper-v3", base_url=emulator.url, api_key=fwemu.KEY)


def check(response_format, result, task):
    if response_format in (None, "json"):
        assert isinstance(result, TranscriptionResponse)
        assert result.text == fwemu.TEXT_3S
    elif response_format == "verbose_json":
        assert isinstance(result, TranscriptionVerboseResponse)
        assert (result.task, result.language, result.duration) == (task, "en", 3.0)
        assert len(result.segments) == 1
        segment = result.segments[0]
        assert segment.tokens == list(range(1000, 1006))
        assert (segment.audio_start, segment.audio_end, segment.language) == (0.0, 2.95, "en")
    else:
        expected = {"text": fwemu.TEXT_3S, "srt": fwemu.SRT_3S, "vtt": fwemu.VTT_3S}
        assert result == expected[response_format]


@pytest.mark.parametrize("response_format", [None, "json", "verbose_json", "text", "srt", "vtt"])
def test_transcribe_in_every_format(client, response_format):
    # The SDK always sends `vad_model`, `alignment_model` and `diarization_model`.
    result = client.transcribe(audio=fwemu.wav(3.0), response_format=response_format)
    check(response_format, result, "transcribe")


@pytest.mark.parametrize("response_format", [None, "json", "verbose_json", "text", "srt", "vtt"])
def test_translate_in_every_format(client, response_format):
    result = client.translate(audio=fwemu.wav(3.0), response_format=response_format)
    check(response_format, result, "translate")


def test_transcribe_with_every_option(client):
    result = client.transcribe(
        audio=fwemu.wav(10.0),
        model="whisper-v3-turbo",
        vad_model="whisperx-pyannet",
        alignment_model="mms_fa",
        skip_vad=True,
        prompt="A test.",
        response_format="verbose_json",
        temperature=[0.0, 0.2],
        preprocessing="dynamic",
        max_clip_len=2.0,
        language="de",
        timestamp_granularities=["word", "segment"],
        diarize="true",
        min_speakers=2,
        max_speakers=2,
    )
    assert isinstance(result, TranscriptionVerboseResponse)
    assert result.language == "de"
    assert len(result.words) == 20
    # At most 2 s per segment: four words at 0.5 s each.
    assert [len(segment.words) for segment in result.segments] == [4] * 5
    assert [segment.speaker_id for segment in result.segments] == [
        "SPEAKER_00", "SPEAKER_01", "SPEAKER_00", "SPEAKER_01", "SPEAKER_00",
    ]


def test_translate_with_options(client):
    result = client.translate(
        audio=fwemu.wav(3.0),
        skip_vad=False,
        max_clip_len=30.0,
        temperature=0.4,
        response_format="verbose_json",
        timestamp_granularities=["word"],
    )
    assert isinstance(result, TranscriptionVerboseResponse)
    assert result.task == "translate"
    assert len(result.words) == 6


def test_a_url_is_transcribed_as_a_url(client):
    # The SDK sends the URL as the content of a file part named `upload`.
    result = client.transcribe(
        audio="https://example.com/speech.mp3", response_format="verbose_json"
    )
    assert result.duration == 10.0


def test_bad_input_is_an_invalid_request_error(client):
    with pytest.raises(InvalidRequestError) as caught:
        client.transcribe(audio=fwemu.wav(40.0), skip_vad=True)
    assert "only allowed for audio shorter than 30 seconds" in str(caught.value)


def test_a_wrong_key_with_a_large_upload_is_an_authentication_error(emulator):
    """The emulator reads the rest of a refused upload, so the SDK gets the 401 instead of
    `httpx.ReadError`, in the sync and async calls alike."""
    wrong = AudioInference(base_url=emulator.url, api_key="wrong")
    big = bytes(8 << 20)
    for _ in range(3):
        with pytest.raises(AuthenticationError) as caught:
            wrong.transcribe(audio=big)
        assert "invalid API key" in str(caught.value)

    async def run():
        for _ in range(3):
            with pytest.raises(AuthenticationError):
                await wrong.translate_async(audio=big)

    asyncio.run(run())
