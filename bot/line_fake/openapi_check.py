"""Validate requests against LINE's OpenAPI 3.0 spec (only the subset messaging-api.yml uses).

Why not a general JSON-Schema library: the spec's polymorphism (Message, Action, FlexComponent,
Template, ...) is `discriminator` + `mapping` with subtypes written as `allOf: [base, extra]`,
which plain JSON-Schema validators do not dispatch on. We need "unknown message type" to be an
error and a subtype's fields to be checked, so we implement exactly that subset here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

SPEC_PATH = Path(__file__).with_name("messaging-api.yml")
HTTP_METHODS = ("get", "post", "put", "delete", "patch")
UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


class Violation(str):
    """`"property: message"`, keeping both parts: LINE's 400 body lists them separately."""

    property: str
    message: str

    def __new__(cls, prop: str, message: str) -> Violation:
        self = super().__new__(cls, f"{prop or '(request)'}: {message}")
        self.property, self.message = prop, message
        return self


def utf16_len(text: str) -> int:
    """LINE counts text in UTF-16 code units (an emoji like U+1F34E counts 2)."""
    return len(text.encode("utf-16-le")) // 2


@functools.cache
def load_spec(path: str | None = None) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C loader: ~20x faster when present
    with open(path or SPEC_PATH, encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


def _key(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def _range(lo: Any, hi: Any, subject: str = "") -> str:
    # Wording copied from LINE's real 400 bodies: "Size must be between 1 and 5",
    # "Length must be between 0 and 5000", "Must be between 5 and 60".
    if subject:  # sizes and lengths have an implicit lower bound of 0
        lo = 0 if lo is None else lo
    if lo is not None and hi is not None:
        core = f"between {lo} and {hi}"
    elif hi is not None:
        core = f"less than or equal to {hi}"
    else:
        core = f"greater than or equal to {lo}"
    return f"{subject} must be {core}" if subject else f"Must be {core}"


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # e.g. /v2/bot/user/{userId}/richmenu/{richMenuId}
    operation_id: str
    path_params: Mapping[str, str]
    spec: Mapping[str, Any]  # the operation object
    parameters: tuple[Mapping[str, Any], ...]  # path-level + operation-level


class SpecValidator:
    def __init__(
        self, spec: dict | None = None, str_len: Callable[[str, str], int] | None = None
    ) -> None:
        """`str_len(json_path, value)` counts characters for min/maxLength (LINE counts most
        text in UTF-16 units, some properties in grapheme clusters: see line_rules)."""
        self.spec = spec if spec is not None else load_spec()
        self.str_len = str_len or (lambda _path, value: utf16_len(value))
        self._routes = self._build_routes()

    # ---- schemas ---------------------------------------------------------------------------
    def resolve(self, ref: str) -> dict:
        if not ref.startswith("#/"):
            raise ValueError(f"only internal $refs are supported, got {ref!r}")
        node: Any = self.spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def validate(self, instance: Any, schema: Mapping[str, Any], path: str = "") -> list[Violation]:
        errors: list[Violation] = []
        self._check(instance, schema, path, errors, None, True)
        return list(dict.fromkeys(errors))  # a base can be reached twice: report once

    def validate_named(self, instance: Any, name: str, path: str = "") -> list[Violation]:
        return self.validate(instance, {"$ref": f"#/components/schemas/{name}"}, path)

    def _is_subtype(self, sub_ref: str, base_ref: str) -> bool:
        disc = self.resolve(base_ref).get("discriminator") or {}
        return sub_ref in (disc.get("mapping") or {}).values()

    def _check(
        self,
        inst: Any,
        schema: Mapping[str, Any],
        path: str,
        errors: list[Violation],
        self_ref: str | None,
        dispatch: bool,
    ) -> None:
        if "$ref" in schema:
            ref = schema["$ref"]
            return self._check(inst, self.resolve(ref), path, errors, ref, True)
        if inst is None and schema.get("nullable"):
            return
        disc = schema.get("discriminator")
        if disc and dispatch and isinstance(inst, dict):
            return self._dispatch(inst, disc, path, errors)
        for sub in schema.get("allOf", ()):
            base = sub.get("$ref")
            if base and self_ref and self._is_subtype(self_ref, base):
                # We are the mapped subtype: check the base's own fields without dispatching
                # back to us (infinite recursion), but make sure the tag really names us
                # (e.g. FlexBubble.body is a FlexBox, so {"type": "text"} there is wrong).
                self._check_tag(inst, base, self_ref, path, errors)
                self._check(inst, self.resolve(base), path, errors, base, False)
            else:
                self._check(inst, sub, path, errors, None, True)
        for kw in ("anyOf", "oneOf"):
            if kw in schema:
                ok = sum(not self.validate(inst, s, path) for s in schema[kw])
                if ok == 0 or (kw == "oneOf" and ok > 1):
                    errors.append(
                        Violation(
                            path,
                            f"must match {'exactly one' if kw == 'oneOf' else 'at least one'} "
                            "of the allowed schemas",
                        )
                    )
        t = schema.get("type")
        if t in _TYPES and not _TYPES[t](inst):
            errors.append(Violation(path, f"must be of type {t}"))
            return
        if "enum" in schema and inst not in schema["enum"]:
            errors.append(
                Violation(path, f"must be one of [{', '.join(map(str, schema['enum']))}]")
            )
        if isinstance(inst, dict):
            self._check_object(inst, schema, path, errors)
        elif isinstance(inst, list):
            self._check_array(inst, schema, path, errors)
        elif isinstance(inst, str):
            self._check_string(inst, schema, path, errors)
        elif _TYPES["number"](inst):
            lo, hi = schema.get("minimum"), schema.get("maximum")
            if (lo is not None and inst < lo) or (hi is not None and inst > hi):
                errors.append(Violation(path, _range(lo, hi)))

    def _dispatch(
        self, inst: dict, disc: Mapping[str, Any], path: str, errors: list[Violation]
    ) -> None:
        prop, mapping = disc["propertyName"], disc.get("mapping") or {}
        tag = inst.get(prop)
        if tag is None:
            errors.append(Violation(_key(path, prop), "must be specified"))
        elif not isinstance(tag, str) or tag not in mapping:
            errors.append(Violation(_key(path, prop), f"must be one of [{', '.join(mapping)}]"))
        else:
            self._check(inst, {"$ref": mapping[tag]}, path, errors, None, True)

    def _check_tag(
        self, inst: Any, base_ref: str, self_ref: str, path: str, errors: list[Violation]
    ) -> None:
        disc = self.resolve(base_ref)["discriminator"]
        prop = disc["propertyName"]
        allowed = [k for k, v in (disc.get("mapping") or {}).items() if v == self_ref]
        if isinstance(inst, dict) and inst.get(prop) not in allowed:
            msg = (
                "must be specified"
                if inst.get(prop) is None
                else f"must be one of [{', '.join(allowed)}]"
            )
            errors.append(Violation(_key(path, prop), msg))

    def _check_object(
        self, inst: dict, schema: Mapping[str, Any], path: str, errors: list[Violation]
    ) -> None:
        props = schema.get("properties") or {}
        for name in schema.get("required", ()):
            if inst.get(name) is None:
                errors.append(Violation(_key(path, name), "must be specified"))
        for name, sub in props.items():
            # An explicit null on an optional property is treated as absent (the SDK never
            # sends nulls; hand-built JSON might, and LINE's Java backend ignores them).
            if inst.get(name) is not None:
                self._check(inst[name], sub, _key(path, name), errors, None, True)
        extra = schema.get("additionalProperties")
        for name in (k for k in inst if k not in props):
            if extra is False:
                errors.append(Violation(_key(path, name), "unknown property"))
            elif isinstance(extra, dict):
                self._check(inst[name], extra, _key(path, name), errors, None, True)

    def _check_array(
        self, inst: list, schema: Mapping[str, Any], path: str, errors: list[Violation]
    ) -> None:
        lo, hi = schema.get("minItems"), schema.get("maxItems")
        if (lo is not None and len(inst) < lo) or (hi is not None and len(inst) > hi):
            errors.append(Violation(path, _range(lo, hi, "Size")))
        if schema.get("uniqueItems"):
            seen = [json.dumps(v, sort_keys=True) for v in inst]
            if len(set(seen)) != len(seen):
                errors.append(Violation(path, "must not contain duplicate items"))
        if "items" in schema:
            for i, item in enumerate(inst):
                self._check(item, schema["items"], f"{path}[{i}]", errors, None, True)

    def _check_string(
        self, inst: str, schema: Mapping[str, Any], path: str, errors: list[Violation]
    ) -> None:
        lo, hi = schema.get("minLength"), schema.get("maxLength")
        if lo is not None or hi is not None:
            n = self.str_len(path, inst)
            if (lo is not None and n < lo) or (hi is not None and n > hi):
                errors.append(Violation(path, _range(lo, hi, "Length")))
        if "pattern" in schema and not re.search(schema["pattern"], inst):
            errors.append(Violation(path, f"must match {schema['pattern']}"))
        fmt = schema.get("format")
        if fmt == "uri" and not urlsplit(inst).scheme:
            errors.append(Violation(path, "must be an absolute URI"))
        elif fmt == "uuid" and not UUID_RE.match(inst):
            errors.append(Violation(path, "must be a UUID in hexadecimal format"))

    # ---- operations ------------------------------------------------------------------------
    def _build_routes(self) -> list[tuple[re.Pattern, str, dict]]:
        routes = []
        for template, item in (self.spec.get("paths") or {}).items():
            parts = re.split(r"(\{\w+\})", template)
            rx = "".join(
                f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts
            )
            routes.append((re.compile(f"^{rx}$"), template, item))
        # Literal segments win over templates: /v2/bot/richmenu/list is not {richMenuId}.
        routes.sort(key=lambda r: (r[1].count("{"), -len(r[1])))
        return routes

    def allowed_methods(self, path: str) -> set[str]:
        return {
            m.upper()
            for rx, _t, item in self._routes
            if rx.match(path)
            for m in HTTP_METHODS
            if m in item
        }

    def find_operation(self, method: str, path: str) -> Operation | None:
        for rx, template, item in self._routes:
            m = rx.match(path)
            if m and method.lower() in item:
                op = item[method.lower()]
                merged = {
                    (p["name"], p["in"]): p
                    for p in (*item.get("parameters", ()), *op.get("parameters", ()))
                }
                return Operation(
                    method.upper(),
                    template,
                    op.get("operationId", ""),
                    m.groupdict(),
                    op,
                    tuple(merged.values()),
                )
        return None

    def validate_request(
        self,
        op: Operation,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        body: bytes,
        content_type: str = "",
    ) -> tuple[Any, list[Violation]]:
        """Check parameters and the request body. Returns (parsed JSON body or None, errors)."""
        errors: list[Violation] = []
        lower_headers = {k.lower(): v for k, v in headers.items()}
        sources = {"header": lower_headers, "query": query, "path": op.path_params}
        for p in op.parameters:
            where, name = p["in"], p["name"]
            if where not in sources:
                continue
            value = sources[where].get(name.lower() if where == "header" else name)
            if value is None:
                if p.get("required"):
                    errors.append(Violation(name, f"{where} parameter is required"))
                continue
            schema = p.get("schema") or {}
            if schema.get("type") == "string":  # non-string params would need parsing first
                errors.extend(self.validate(value, schema, name))
        parsed: Any = None
        rb = op.spec.get("requestBody")
        if not rb:
            return parsed, errors
        content = rb.get("content") or {}
        if not body:
            if rb.get("required"):
                errors.append(Violation("", "The request body is required"))
            return parsed, errors
        if "application/json" in content:
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError) as e:
                errors.append(Violation("", f"The request body could not be parsed as JSON ({e})"))
                return None, errors
            errors.extend(self.validate(parsed, content["application/json"].get("schema") or {}))
        return parsed, errors


def operations(validator: SpecValidator) -> Iterable[str]:
    """All operationIds in the spec (handy for tests and for 'not implemented' reporting)."""
    for _rx, _t, item in validator._routes:
        for m in HTTP_METHODS:
            if m in item:
                yield item[m].get("operationId", "")
