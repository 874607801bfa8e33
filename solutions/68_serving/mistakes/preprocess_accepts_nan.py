"""Mistake: no finiteness check: json.loads reads NaN and Infinity, and they reach the model.

A NaN feature gives NaN probabilities, which json.dumps then writes as invalid JSON.
"""

import json
from typing import Any

import torch

CAUGHT_BY = "not finite"
REJECTED_BY = "test_preprocess_refuses_a_bad_body_with_a_clear_value_error"


_KEYS = {"user", "features", "version"}


def _is_number(value: Any) -> bool:
    # JSON true/false arrive as bool, which Python counts as an int
    return isinstance(value, int | float) and not isinstance(value, bool)


def preprocess(body: bytes, n_features: int) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"the body is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"the body must be a JSON object, got a JSON {type(data).__name__}")
    extra = sorted(set(data) - _KEYS)
    if extra:
        raise ValueError(f"unexpected key {extra[0]!r}; the keys are 'user', 'features', 'version'")
    for key in ("user", "features"):
        if key not in data:
            raise ValueError(f"missing key {key!r}")
    user = data["user"]
    if not isinstance(user, str) or not user:
        raise ValueError(f"'user' must be a non-empty string, got {json.dumps(user)}")
    version = data.get("version")
    if version is not None and not isinstance(version, str):
        raise ValueError(f"'version' must be a string, got {json.dumps(version)}")
    features = data["features"]
    if not isinstance(features, list) or not features:
        raise ValueError(
            f"'features' must be a list of {n_features} numbers or a non-empty list of such "
            f"rows, got {json.dumps(features)[:80]}"
        )
    single = not isinstance(features[0], list)
    rows = [features] if single else features
    for i, row in enumerate(rows):
        where = "'features'" if single else f"'features' row {i}"
        if not isinstance(row, list):
            raise ValueError(f"{where} must be a list of {n_features} numbers, got {row!r}")
        if len(row) != n_features:
            raise ValueError(f"{where} has {len(row)} numbers; the model takes {n_features}")
        for j, value in enumerate(row):
            if not _is_number(value):
                raise ValueError(f"{where}[{j}] must be a number, got {json.dumps(value)}")
    return {
        "features": torch.tensor(rows, dtype=torch.float32),  # (K, n_features)
        "user": user,
        "version": version,
        "single": single,
    }
