"""Compares the control-plane operations of spec/*.yaml with the official Python SDK 1.2.30.

For every account-scoped operation of the SDK the test records what the SDK puts on the wire (it
calls the method with placeholder arguments against an httpx mock transport) and reads its types
(pydantic models for responses, TypedDicts and method signatures for requests). It then checks the
spec operation mapped to it: HTTP method, path, query parameters (names, types, required), the body
(encoding, field names, types, required) and the response type, recursively through every named
type. A spec type used for several SDK types (a resource as response and as request body) must
have the union of their fields.

Type correspondence: `str` is `string` or `int64_string` (the SDK types int64 as `str`), `int` is
`i32` or `i64`, `float` is `f64`, `Literal[...]` is an enum with exactly those values, `List`/`Dict`
are `array<...>`/`map<...>`, `datetime` is `timestamp`, and `str` may also be `duration` (a
protobuf Duration's JSON text). Two workarounds are accepted everywhere and listed in
spec/README.md ("Workarounds"): `object` (any JSON) is `control.Empty`, and a required `object`
body is the empty message. Anything else must match or
be listed, with a reason, in allowlist.yaml.
"""

from __future__ import annotations

import inspect
import json
import pathlib
import re
import types
import typing

import httpx
import pydantic
import pytest
import typing_extensions as te
import yaml

from fireworks import Fireworks
from fireworks._utils import PropertyInfo

HERE = pathlib.Path(__file__).resolve().parent
SPEC_DIR = HERE.parents[2] / "spec"
ALLOW = yaml.safe_load((HERE / "allowlist.yaml").read_text())

# SDK resource -> spec area; SDK method -> spec operation id.
OPERATIONS = {
    ("accounts", "get"): ("accounts", "get_account"),
    ("accounts", "list"): ("accounts", "list_accounts"),
    ("users", "create"): ("users", "create_user"),
    ("users", "get"): ("users", "get_user"),
    ("users", "list"): ("users", "list_users"),
    ("users", "update"): ("users", "update_user"),
    ("api_keys", "create"): ("api_keys", "create_api_key"),
    ("api_keys", "list"): ("api_keys", "list_api_keys"),
    ("api_keys", "delete"): ("api_keys", "delete_api_key"),
    ("secrets", "create"): ("secrets", "create_secret"),
    ("secrets", "get"): ("secrets", "get_secret"),
    ("secrets", "list"): ("secrets", "list_secrets"),
    ("secrets", "update"): ("secrets", "update_secret"),
    ("secrets", "delete"): ("secrets", "delete_secret"),
    ("models", "create"): ("models", "create_model"),
    ("models", "get"): ("models", "get_model"),
    ("models", "list"): ("models", "list_account_models"),
    ("models", "update"): ("models", "update_model"),
    ("models", "delete"): ("models", "delete_model"),
    ("models", "get_download_endpoint"): ("models", "get_model_download_endpoint"),
    ("models", "get_upload_endpoint"): ("models", "get_model_upload_endpoint"),
    ("models", "prepare"): ("models", "prepare_model"),
    ("models", "validate_upload"): ("models", "validate_model_upload"),
    ("datasets", "create"): ("datasets", "create_dataset"),
    ("datasets", "get"): ("datasets", "get_dataset"),
    ("datasets", "list"): ("datasets", "list_datasets"),
    ("datasets", "update"): ("datasets", "update_dataset"),
    ("datasets", "delete"): ("datasets", "delete_dataset"),
    ("datasets", "get_download_endpoint"): ("datasets", "get_dataset_download_endpoint"),
    ("datasets", "get_upload_endpoint"): ("datasets", "get_dataset_upload_endpoint"),
    ("datasets", "upload"): ("datasets", "upload_dataset"),
    ("datasets", "validate_upload"): ("datasets", "validate_dataset_upload"),
    ("deployments", "create"): ("deployments", "create_deployment"),
    ("deployments", "get"): ("deployments", "get_deployment"),
    ("deployments", "list"): ("deployments", "list_deployments"),
    ("deployments", "update"): ("deployments", "update_deployment"),
    ("deployments", "delete"): ("deployments", "delete_deployment"),
    ("deployments", "scale"): ("deployments", "scale_deployment"),
    ("deployments", "undelete"): ("deployments", "undelete_deployment"),
    ("lora", "load"): ("deployed_models", "create_deployed_model"),
    ("lora", "get"): ("deployed_models", "get_deployed_model"),
    ("lora", "list"): ("deployed_models", "list_deployed_models"),
    ("lora", "update"): ("deployed_models", "update_deployed_model"),
    ("lora", "unload"): ("deployed_models", "delete_deployed_model"),
    ("deployment_shapes", "get"): ("deployment_shapes", "get_deployment_shape"),
    ("deployment_shapes", "list"): ("deployment_shapes", "list_deployment_shapes"),
    ("deployment_shape_versions", "get"): ("deployment_shapes", "get_deployment_shape_version"),
    ("deployment_shape_versions", "list"): ("deployment_shapes", "list_deployment_shape_versions"),
    ("deployment_shape_versions", "match"): ("deployment_shapes", "match_deployment_shape_versions"),
    # The SDK's second name for the same request.
    ("deployment_shape_versions", "match_for_model"): (
        "deployment_shapes",
        "match_deployment_shape_versions",
    ),
    ("batch_inference_jobs", "create"): ("batch_inference", "create_batch_inference_job"),
    ("batch_inference_jobs", "get"): ("batch_inference", "get_batch_inference_job"),
    ("batch_inference_jobs", "list"): ("batch_inference", "list_batch_inference_jobs"),
    ("batch_inference_jobs", "delete"): ("batch_inference", "delete_batch_inference_job"),
    **{
        ("supervised_fine_tuning_jobs", m): ("supervised_fine_tuning", op)
        for m, op in [
            ("create", "create_supervised_fine_tuning_job"),
            ("get", "get_supervised_fine_tuning_job"),
            ("list", "list_supervised_fine_tuning_jobs"),
            ("delete", "delete_supervised_fine_tuning_job"),
            ("cancel", "cancel_supervised_fine_tuning_job"),
            ("resume", "resume_supervised_fine_tuning_job"),
        ]
    },
    **{
        ("reinforcement_fine_tuning_jobs", m): ("reinforcement_fine_tuning", op)
        for m, op in [
            ("create", "create_reinforcement_fine_tuning_job"),
            ("get", "get_reinforcement_fine_tuning_job"),
            ("list", "list_reinforcement_fine_tuning_jobs"),
            ("delete", "delete_reinforcement_fine_tuning_job"),
            ("cancel", "cancel_reinforcement_fine_tuning_job"),
            ("resume", "resume_reinforcement_fine_tuning_job"),
        ]
    },
    **{
        ("reinforcement_fine_tuning_steps", m): ("reinforcement_fine_tuning", op)
        for m, op in [
            ("create", "create_rlor_trainer_job"),
            ("get", "get_rlor_trainer_job"),
            ("list", "list_rlor_trainer_jobs"),
            ("delete", "delete_rlor_trainer_job"),
            ("cancel", "cancel_rlor_trainer_job"),
            ("resume", "resume_rlor_trainer_job"),
            ("execute", "execute_rlor_train_step"),
        ]
    },
    **{
        ("dpo_jobs", m): ("dpo", op)
        for m, op in [
            ("create", "create_dpo_job"),
            ("get", "get_dpo_job"),
            ("list", "list_dpo_jobs"),
            ("delete", "delete_dpo_job"),
            ("cancel", "cancel_dpo_job"),
            ("resume", "resume_dpo_job"),
            ("get_metrics_file_endpoint", "get_dpo_job_metrics_file_endpoint"),
        ]
    },
    **{
        ("evaluators", m): ("evaluators", op)
        for m, op in [
            ("create", "create_evaluator"),
            ("get", "get_evaluator"),
            ("list", "list_evaluators"),
            ("update", "update_evaluator"),
            ("delete", "delete_evaluator"),
            ("get_build_log_endpoint", "get_evaluator_build_log_endpoint"),
            ("get_source_code_endpoint", "get_evaluator_source_code_signed_url"),
            ("get_upload_endpoint", "get_evaluator_upload_endpoint"),
            ("validate_upload", "validate_evaluator_upload"),
        ]
    },
    **{
        ("evaluation_jobs", m): ("evaluation_jobs", op)
        for m, op in [
            ("create", "create_evaluation_job"),
            ("get", "get_evaluation_job"),
            ("list", "list_evaluation_jobs"),
            ("delete", "delete_evaluation_job"),
            ("get_log_endpoint", "get_evaluation_job_execution_log_endpoint"),
        ]
    },
}
# Convenience wrappers that build the body of another SDK method themselves: only their method,
# path and top-level body keys are compared (the wrapped method is compared in full).
WRAPPERS = {("deployment_shape_versions", "match_for_model")}
# SDK resources outside the control plane (inference host), not compared here.
NOT_CONTROL_PLANE = {"chat", "completions", "messages"}


# --- The SDK side -------------------------------------------------------------------------------


def norm(t):
    """A type annotation as a small tuple; Omit/NotGiven/None in unions are dropped."""
    origin = te.get_origin(t)
    args = te.get_args(t)
    if origin is te.Annotated or origin is typing.Annotated:
        return norm(args[0])
    if origin is not None and "Required" in str(origin):
        return norm(args[0])
    simple = {str: ("str",), bool: ("bool",), int: ("int",), float: ("float",), object: ("object",)}
    if t in simple:
        return simple[t]
    if t is __import__("datetime").datetime:
        return ("datetime",)
    if origin is typing.Literal:
        return ("literal", frozenset(args))
    if origin is typing.Union or origin is types.UnionType:
        rest = [
            a
            for a in args
            if a is not type(None) and getattr(a, "__name__", "") not in ("Omit", "NotGiven")
        ]
        if len(rest) == 1:
            return norm(rest[0])
        return ("union", frozenset(norm(a) for a in rest))
    name = getattr(origin, "__name__", "")
    if origin is list or name in ("Sequence", "Iterable", "SequenceNotStr"):
        return ("list", norm(args[0]))
    if getattr(t, "__name__", "") == "SequenceNotStr":
        return ("list", norm(args[0]))
    if origin is dict or name in ("Mapping", "dict"):
        return ("dict", norm(args[1]))
    if isinstance(t, type) and (issubclass(t, pydantic.BaseModel) or te.is_typeddict(t)):
        return ("class", t)
    raise AssertionError(f"unhandled SDK annotation {t!r}")


def td_hint_info(cls, hint):
    """(required, alias) of one TypedDict field."""
    required = None
    alias = None
    while True:
        origin = te.get_origin(hint)
        if origin is not None and "Required" in str(origin):
            required = "NotRequired" not in str(origin)
            hint = te.get_args(hint)[0]
            continue
        if hasattr(hint, "__metadata__"):
            for meta in hint.__metadata__:
                if isinstance(meta, PropertyInfo) and meta.alias:
                    alias = meta.alias
            hint = te.get_args(hint)[0]
            continue
        return (cls.__total__ if required is None else required), alias


def sdk_fields(cls):
    """{wire name: (normalised type, required)} of a pydantic model or TypedDict."""
    out = {}
    if te.is_typeddict(cls):
        for name, hint in typing.get_type_hints(cls, include_extras=True).items():
            if name == "account_id":
                continue
            required, alias = td_hint_info(cls, hint)
            out[alias or name] = (norm(hint), required)
    else:
        for name, field in cls.model_fields.items():
            out[field.alias or name] = (norm(field.annotation), field.is_required())
    return out


def capture_sdk():
    """Every SDK method's wire request, with its signature and type hints."""
    requests = []

    def handler(request):
        requests.append(request)
        return httpx.Response(200, json={})

    client = Fireworks(
        api_key="k",
        account_id="ACCT",
        base_url="http://mock.test",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        max_retries=0,
    )
    calls = {}
    for resource_name, resource in inspect.getmembers(client):
        if resource_name.startswith("_") or resource_name in NOT_CONTROL_PLANE:
            continue
        if type(resource).__name__.endswith("Resource") is False:
            continue
        for method_name, fn in inspect.getmembers(resource, inspect.ismethod):
            if method_name.startswith("_") or method_name.startswith("with_"):
                continue
            sig = inspect.signature(fn)
            kwargs = {}
            for p in sig.parameters.values():
                if p.name in ("extra_headers", "extra_query", "extra_body", "timeout"):
                    continue
                kwargs[p.name] = b"FILE" if p.name == "file" else f"@{p.name}@"
            requests.clear()
            fn(**kwargs)
            (request,) = requests
            calls[(resource_name, method_name)] = (request, sig, typing.get_type_hints(fn, include_extras=True))
    return calls


# --- The spec side ------------------------------------------------------------------------------


def load_specs():
    specs = {}
    for path in sorted(SPEC_DIR.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text())
        specs[spec["area"]] = spec
    return specs


SPECS = load_specs()


def resolve(area, expr):
    """(area, name) of a named type expression, resolving `<area>.<Type>` imports."""
    if "." in expr:
        imported, name = expr.split(".", 1)
        return imported, name
    return area, expr


def spec_type(area, name):
    return SPECS[area]["types"][name]


# --- Comparison ---------------------------------------------------------------------------------


class Checker:
    def __init__(self):
        self.errors = []
        self.used_allow = set()
        self.done = set()
        # (area, type) -> set of wire names the SDK types compared with it have.
        self.union = {}
        self.allow_fields = {(e["field"], e["kind"]) for e in ALLOW["fields"]}

    def allowed(self, where, kind):
        if (where, kind) in self.allow_fields:
            self.used_allow.add((where, kind))
            return True
        return False

    def error(self, message):
        self.errors.append(message)

    def compare_type(self, where, area, expr, sdk):
        """Whether the spec type expression `expr` (in `area`) matches the SDK type `sdk`."""
        kind = sdk[0]
        if kind == "str":
            # A protobuf Duration's JSON form is a string ("300s"); the SDK types it `str`, the
            # spec as `duration` (spec/README.md, Types).
            return expr in ("string", "int64_string", "duration")
        if kind == "int":
            return expr in ("i32", "i64")
        if kind == "float":
            return expr == "f64"
        if kind == "bool":
            return expr == "bool"
        if kind == "datetime":
            return expr == "timestamp"
        if kind == "union" and sdk[1] == frozenset({("str",), ("datetime",)}):
            return expr == "timestamp"
        if kind == "object":
            return resolve(area, expr) == ("control", "Empty")
        if kind == "list":
            m = re.fullmatch(r"array<(.+)>", expr)
            return bool(m) and self.compare_type(where, area, m.group(1), sdk[1])
        if kind == "dict":
            m = re.fullmatch(r"map<(.+)>", expr)
            return bool(m) and self.compare_type(where, area, m.group(1), sdk[1])
        if kind == "literal":
            t_area, t_name = resolve(area, expr)
            t = SPECS.get(t_area, {}).get("types", {}).get(t_name)
            if not t or t["kind"] != "enum":
                return False
            values = set(t["values"])
            if values != set(sdk[1]):
                self.error(
                    f"{where}: enum {t_area}.{t_name} has {sorted(values ^ set(sdk[1]))} "
                    "that the SDK's Literal does not (or the reverse)"
                )
            return True
        if kind == "class":
            t_area, t_name = resolve(area, expr)
            t = SPECS.get(t_area, {}).get("types", {}).get(t_name)
            if not t or t["kind"] != "object":
                return False
            self.compare_object(t_area, t_name, sdk[1])
            return True
        raise AssertionError(f"unhandled SDK type {sdk}")

    def compare_fields(self, where, area, spec_fields, sdk, page_items=None):
        """Each SDK field against the spec field of the same wire name."""
        for wire, (sdk_type, sdk_required) in sdk.items():
            at = f"{where}.{wire}"
            field = spec_fields.get(wire)
            if field is None:
                self.error(f"{at}: in the SDK, missing from the spec")
                continue
            if not self.compare_type(at, area, field["type"], sdk_type):
                if not self.allowed(at, "type"):
                    self.error(f"{at}: spec type `{field['type']}`, SDK type {sdk_type}")
            required = bool(field.get("required", False))
            if required != sdk_required:
                if wire == page_items and sdk_required and not required:
                    self.used_allow.add(("rule", "page-items-optional"))
                elif not self.allowed(at, "required"):
                    self.error(f"{at}: spec required={required}, SDK required={sdk_required}")

    def compare_object(self, area, name, cls):
        key = (area, name, cls)
        if key in self.done:
            return
        self.done.add(key)
        t = spec_type(area, name)
        sdk = sdk_fields(cls)
        page_items = None
        if cls.__name__.startswith("SyncCursor"):
            page_items = next(w for w in sdk if w != "nextPageToken")
        self.union.setdefault((area, name), set()).update(sdk)
        self.compare_fields(f"{area}.{name}", area, t["fields"], sdk, page_items)

    def finish(self):
        """Spec fields no SDK type compared with the spec type has."""
        for (area, name), wires in sorted(self.union.items()):
            for wire in spec_type(area, name)["fields"]:
                if wire in wires:
                    continue
                at = f"{area}.{name}.{wire}"
                if wire == "totalSize" and name.endswith("Page"):
                    self.used_allow.add(("rule", "page-total-size"))
                elif not self.allowed(at, "extra"):
                    self.error(f"{at}: in the spec, in no SDK type compared with it")


def compare_operation(checker, key, request, sig, hints):
    area, op_id = OPERATIONS[key]
    op = SPECS[area]["operations"].get(op_id)
    where = f"{area}.{op_id}"
    if op is None:
        checker.error(f"{where}: missing (SDK {key[0]}.{key[1]})")
        return
    if op["method"] != request.method:
        checker.error(f"{where}: method {op['method']}, SDK {request.method}")
    sdk_path = re.sub(r"@(\w+)@", r"{\1}", request.url.raw_path.decode().split("?")[0])
    sdk_path = sdk_path.replace("%7B", "{").replace("%7D", "}")
    if op["path"] != sdk_path:
        checker.error(f"{where}: path {op['path']}, SDK {sdk_path}")
    params = op.get("params", {})
    query = {w: p for w, p in params.items() if p["in"] == "query"}
    sdk_query = {}
    for wire, value in request.url.params.items():
        py = value.strip("@")
        required = sig.parameters[py].default is inspect.Parameter.empty
        sdk_query[wire] = (norm(hints[py]), required)
    checker.compare_fields(f"{where}.query", area, query, sdk_query)
    for wire in query.keys() - sdk_query.keys():
        if wire == op.get("update_mask") and op["method"] == "PATCH":
            # The field mask the generated client fills from the body (rule update-mask).
            checker.used_allow.add(("rule", "update-mask"))
            continue
        checker.error(f"{where}.query.{wire}: in the spec, not sent by the SDK")
    # The body.
    body = op.get("body")
    content_type = request.headers.get("content-type", "")
    if not request.content:
        if body:
            checker.error(f"{where}: spec has a body, the SDK sends none")
    elif content_type.startswith("multipart/form-data"):
        if not body or body["encoding"] != "multipart":
            checker.error(f"{where}: the SDK sends a multipart body")
        else:
            t_area, t_name = resolve(area, body["type"])
            fields = spec_type(t_area, t_name)["fields"]
            parts = set(re.findall(rb'; name="([^"]+)"', request.content))
            if {p.decode() for p in parts} != set(fields):
                checker.error(f"{where}: multipart parts {parts}, spec fields {set(fields)}")
    else:
        sent = json.loads(request.content)
        if not body or body["encoding"] != "json":
            checker.error(f"{where}: the SDK sends a JSON body")
        elif sent == "@body@":
            # A required `body: object` argument: the empty message.
            if resolve(area, body["type"]) != ("control", "Empty"):
                checker.error(f"{where}: SDK body is `object`, spec body {body['type']}")
        elif key in WRAPPERS:
            t_area, t_name = resolve(area, body["type"])
            missing = sent.keys() - spec_type(t_area, t_name)["fields"].keys()
            if missing:
                checker.error(f"{where}: body keys {sorted(missing)} of {key[1]} not in the spec")
        else:
            t_area, t_name = resolve(area, body["type"])
            sdk_body = {}
            for wire, value in sent.items():
                py = value.strip("@")
                required = sig.parameters[py].default is inspect.Parameter.empty
                sdk_body[wire] = (norm(hints[py]), required)
            t = spec_type(t_area, t_name)
            checker.compare_fields(f"{where}.body", t_area, t["fields"], sdk_body)
            checker.union.setdefault((t_area, t_name), set()).update(sdk_body)
    # The response.
    ret = hints["return"]
    resp = op["responses"]
    (status,) = [s for s in resp if str(s).startswith("2")]
    expr = resp[status]["type"]
    if ret is object:
        if resolve(area, expr) != ("control", "Empty"):
            checker.error(f"{where}: SDK response untyped, spec {expr}")
    elif not checker.compare_type(f"{where}.response", area, expr, ("class", ret)):
        checker.error(f"{where}: response {expr}, SDK {ret.__name__}")


@pytest.fixture(scope="module")
def sdk_calls():
    return capture_sdk()


def test_every_sdk_operation_is_mapped(sdk_calls):
    assert set(sdk_calls) == set(OPERATIONS), (
        f"unmapped SDK methods: {sorted(set(sdk_calls) - set(OPERATIONS))}; "
        f"mapped but gone: {sorted(set(OPERATIONS) - set(sdk_calls))}"
    )


def test_fields_match_the_sdk(sdk_calls):
    checker = Checker()
    for key, (request, sig, hints) in sorted(sdk_calls.items()):
        if key in OPERATIONS:
            compare_operation(checker, key, request, sig, hints)
    checker.finish()
    assert not checker.errors, "\n".join(checker.errors)
    listed = {(e["field"], e["kind"]) for e in ALLOW["fields"]} | {
        ("rule", r) for r in ALLOW["rules"]
    }
    assert checker.used_allow == listed, f"stale allowlist entries: {listed - checker.used_allow}"


def test_operation_count():
    """Every SDK operation has a spec operation: 93 distinct control-plane endpoints."""
    distinct = set(OPERATIONS.values())
    assert len(distinct) == 93
    for area, op_id in distinct:
        assert op_id in SPECS[area]["operations"], f"{area}.{op_id}"
