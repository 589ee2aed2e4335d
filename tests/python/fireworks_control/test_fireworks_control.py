"""The official `fireworks-ai` 1.2.30 SDK (Stainless), unchanged, against the emulator's control
plane (`base_url` pointed at the emulator binary): one call of every shape, with every
response also validated by the SDK's own pydantic types (`model_validate`), since the SDK
builds response objects without validation.

Shapes: create, get, list across pages, update (with an `updateMask`, which the SDK itself never
sends, so it goes in `extra_query`), delete, custom verbs (`:cancel`, `:resume`, `:scale`,
`:undelete`), the dataset upload flows (multipart `:upload`; `:getUploadEndpoint`, a `PUT` to
the signed URL, `:validateUpload`, `:getDownloadEndpoint`), a batch inference job from create to
completed, a job seeded to fail, and grpc-gateway errors (404 code 5, 409 code 6, 401 code 16).
"""

import time
import urllib.request

import fireworks
import pytest
from fireworks import Fireworks
from fireworks.types import (
    BatchInferenceJob,
    Dataset,
    DatasetGetUploadEndpointResponse,
    DatasetUploadResponse,
    Deployment,
    SupervisedFineTuningJob,
)

import fwemu

MODEL = "accounts/fireworks/models/llama-v3p1-8b-instruct"


@pytest.fixture(scope="module")
def client(emulator):
    return Fireworks(
        api_key=fwemu.KEY, account_id=fwemu.ACCOUNT, base_url=emulator.url, max_retries=0
    )


def validated(model, raw):
    """The raw response's JSON, validated with the SDK type `model`."""
    body = raw.http_response.json()
    model.model_validate(body)
    return body


def test_create_get_list_update_delete_a_dataset(client):
    raw = client.datasets.with_raw_response.create(
        dataset={"displayName": "Train", "userUploaded": {}, "format": "CHAT"},
        dataset_id="py-ds-1",
    )
    assert raw.http_request.url.path == f"/v1/accounts/{fwemu.ACCOUNT}/datasets"
    body = validated(Dataset, raw)
    created = raw.parse()
    assert created.name == f"accounts/{fwemu.ACCOUNT}/datasets/py-ds-1"
    assert created.state == "UPLOADING"
    assert created.create_time is not None and body["createTime"] == body["updateTime"]

    got = client.datasets.get("py-ds-1")
    assert got.display_name == "Train"
    assert client.datasets.get("py-ds-1", read_mask="name").model_dump(exclude_none=True) == {
        "name": created.name
    }

    for n in range(2, 6):
        client.datasets.create(dataset={}, dataset_id=f"py-ds-{n}")
    first = client.datasets.list(page_size=2)
    assert [d.name.rsplit("/", 1)[1] for d in first.datasets] == ["py-ds-1", "py-ds-2"]
    assert first.next_page_token
    assert first.has_next_page()
    # The SDK follows the tokens itself: every dataset once, in name order.
    ids = [d.name.rsplit("/", 1)[1] for d in client.datasets.list(page_size=2)]
    assert ids == [f"py-ds-{n}" for n in range(1, 6)]
    pages = list(client.datasets.list(page_size=2).iter_pages())
    assert [len(page.datasets) for page in pages] == [2, 2, 1]
    assert pages[-1].next_page_token is None

    # No mask: the fields sent are merged; with a mask exactly its paths change.
    merged = client.datasets.update("py-ds-1", display_name="Renamed")
    assert merged.display_name == "Renamed" and merged.format == "CHAT"
    masked = client.datasets.with_raw_response.update(
        "py-ds-1",
        display_name="Masked",
        external_url="gs://ignored",
        extra_query={"updateMask": "displayName,format"},
    )
    assert masked.http_request.url.params["updateMask"] == "displayName,format"
    body = validated(Dataset, masked)
    assert body["displayName"] == "Masked"
    assert "externalUrl" not in body, "not in the mask"
    assert "format" not in body, "in the mask and not sent: cleared"

    assert client.datasets.delete("py-ds-2") == {}
    with pytest.raises(fireworks.NotFoundError) as caught:
        client.datasets.get("py-ds-2")
    assert caught.value.status_code == 404
    assert caught.value.body["code"] == 5
    assert caught.value.body["details"] == []
    assert "py-ds-2" in caught.value.body["message"]


def test_errors_have_the_grpc_gateway_codes(client, emulator):
    client.datasets.create(dataset={}, dataset_id="py-dup")
    with pytest.raises(fireworks.ConflictError) as conflict:
        client.datasets.create(dataset={}, dataset_id="py-dup")
    assert conflict.value.status_code == 409
    assert conflict.value.body["code"] == 6
    with pytest.raises(fireworks.BadRequestError) as invalid:
        client.datasets.create(dataset={}, dataset_id="Not Valid")
    assert invalid.value.body["code"] == 3
    wrong = Fireworks(
        api_key="wrong", account_id=fwemu.ACCOUNT, base_url=emulator.url, max_retries=0
    )
    with pytest.raises(fireworks.AuthenticationError) as unauthenticated:
        wrong.datasets.list()
    assert unauthenticated.value.body["code"] == 16


def test_multipart_upload_makes_a_dataset_ready(client):
    client.datasets.create(dataset={"userUploaded": {}}, dataset_id="py-upload")
    raw = client.datasets.with_raw_response.upload(
        "py-upload", file=("train.jsonl", b'{"messages": []}\n{"messages": []}\n')
    )
    assert raw.http_request.headers["content-type"].startswith("multipart/form-data")
    validated(DatasetUploadResponse, raw)
    assert raw.parse().filename == "train.jsonl"
    ready = client.datasets.get("py-upload")
    assert ready.state == "READY"
    assert ready.example_count == "2"


def test_signed_url_upload_flow_and_download(client):
    client.datasets.create(dataset={"userUploaded": {}}, dataset_id="py-signed")
    data = b'{"messages": [{"role": "user", "content": "hi"}]}\n'
    raw = client.datasets.with_raw_response.get_upload_endpoint(
        "py-signed", filename_to_size={"big.jsonl": str(len(data))}
    )
    validated(DatasetGetUploadEndpointResponse, raw)
    url = raw.parse().filename_to_signed_urls["big.jsonl"]
    # A signed URL is used without the API key, as with the real storage host.
    request = urllib.request.Request(
        url, data=data, method="PUT", headers={"Content-Type": "application/octet-stream"}
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    assert client.datasets.validate_upload("py-signed", body={}) == {}
    ready = client.datasets.get("py-signed")
    assert ready.state == "READY" and ready.example_count == "1"
    download = client.datasets.get_download_endpoint("py-signed").filename_to_signed_urls
    with urllib.request.urlopen(download["big.jsonl"]) as response:
        assert response.read() == data


def test_a_batch_inference_job_runs_from_create_to_completed(client):
    client.datasets.create(dataset={"userUploaded": {}}, dataset_id="py-batch-in")
    lines = b'{"custom_id": "q1", "body": {"messages": [{"role": "user", "content": "Hello"}]}}\n'
    client.datasets.upload("py-batch-in", file=("in.jsonl", lines))
    raw = client.batch_inference_jobs.with_raw_response.create(
        batch_inference_job_id="py-job",
        model=MODEL,
        input_dataset_id=f"accounts/{fwemu.ACCOUNT}/datasets/py-batch-in",
        inference_parameters={"maxTokens": 64},
    )
    assert raw.http_request.url.params["batchInferenceJobId"] == "py-job"
    validated(BatchInferenceJob, raw)
    states = [raw.parse().state]
    while states[-1] not in ("JOB_STATE_COMPLETED", "JOB_STATE_FAILED"):
        got = client.batch_inference_jobs.with_raw_response.get("py-job")
        validated(BatchInferenceJob, got)
        states.append(got.parse().state)
        assert len(states) < 10
        time.sleep(0.01)
    assert states == ["JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_COMPLETED"]
    job = client.batch_inference_jobs.get("py-job")
    assert job.job_progress.percent == 100
    output = job.output_dataset_id.rsplit("/", 1)[1]
    assert client.datasets.get(output).state == "READY"
    urls = client.datasets.get_download_endpoint(output).filename_to_signed_urls
    with urllib.request.urlopen(urls["results.jsonl"]) as response:
        result = response.read().decode()
    assert '"custom_id":"q1"' in result and "echo: Hello" in result
    listed = [j.name for j in client.batch_inference_jobs.list()]
    assert job.name in listed


def test_a_job_seeded_to_fail_reports_its_status(client):
    job = client.batch_inference_jobs.create(model=MODEL, display_name="emulator-fail once")
    job_id = job.name.rsplit("/", 1)[1]
    for _ in range(2):
        job = client.batch_inference_jobs.get(job_id)
    assert job.state == "JOB_STATE_FAILED"
    assert job.status.code == "INTERNAL"
    assert "on purpose" in job.status.message


def test_custom_verbs_cancel_resume_scale_undelete(client):
    raw = client.supervised_fine_tuning_jobs.with_raw_response.create(
        dataset="accounts/x/datasets/y", supervised_fine_tuning_job_id="py-sft"
    )
    validated(SupervisedFineTuningJob, raw)
    assert client.supervised_fine_tuning_jobs.cancel("py-sft", body={}) == {}
    assert client.supervised_fine_tuning_jobs.get("py-sft").state == "JOB_STATE_CANCELLED"
    resumed = client.supervised_fine_tuning_jobs.resume("py-sft", body={})
    assert resumed.state == "JOB_STATE_RUNNING"

    raw = client.deployments.with_raw_response.create(base_model=MODEL, deployment_id="py-dep")
    validated(Deployment, raw)
    assert raw.parse().state == "CREATING"
    assert client.deployments.scale("py-dep", replica_count=2) == {}
    assert client.deployments.get("py-dep").replica_count == 2
    assert client.deployments.delete("py-dep") == {}
    with pytest.raises(fireworks.NotFoundError):
        client.deployments.get("py-dep")
    back = client.deployments.undelete("py-dep", body={})
    assert back.name == f"accounts/{fwemu.ACCOUNT}/deployments/py-dep"


def test_accounts_secrets_and_api_keys(client):
    names = [a.name for a in client.accounts.list()]
    assert f"accounts/{fwemu.ACCOUNT}" in names
    secret = client.secrets.create(
        key_name="WANDB_API_KEY", name=f"accounts/{fwemu.ACCOUNT}/secrets/wandb", value="s3cret"
    )
    assert secret.name == f"accounts/{fwemu.ACCOUNT}/secrets/wandb"
    assert client.secrets.get("wandb").key_name == "WANDB_API_KEY"
    key = client.api_keys.create("me", api_key={"displayName": "ci"})
    assert key.key and key.key_id
    listed = list(client.api_keys.list("me"))
    assert [k.key_id for k in listed] == [key.key_id]
    assert listed[0].key is None
    client.api_keys.delete("me", key_id=key.key_id)
    assert list(client.api_keys.list("me")) == []


def test_evaluator_upload_flow_and_build_log(client):
    from fireworks.types import EvaluatorCreateResponse, EvaluatorGetBuildLogEndpointResponse

    raw = client.evaluators.with_raw_response.create(
        evaluator={"displayName": "exact match", "entryPoint": "main.py::evaluate"},
        evaluator_id="py-eval",
    )
    assert raw.http_request.url.path == f"/v1/accounts/{fwemu.ACCOUNT}/evaluatorsV2"
    validated(EvaluatorCreateResponse, raw)
    assert raw.parse().name == f"accounts/{fwemu.ACCOUNT}/evaluators/py-eval"
    assert raw.parse().state == "BUILDING"
    source = b"def evaluate(row):\n    return 1.0\n"
    urls = client.evaluators.get_upload_endpoint(
        "py-eval", filename_to_size={"main.py": str(len(source))}
    ).filename_to_signed_urls
    request = urllib.request.Request(urls["main.py"], data=source, method="PUT")
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    assert client.evaluators.validate_upload("py-eval", body={}) == {}
    assert client.evaluators.get("py-eval").state == "ACTIVE"
    log = client.evaluators.with_raw_response.get_build_log_endpoint("py-eval")
    validated(EvaluatorGetBuildLogEndpointResponse, log)
    with urllib.request.urlopen(log.parse().build_log_signed_uri) as response:
        assert b"py-eval" in response.read()
