"""Stripe's form encoding: ``line_items[0][price_data][currency]=usd`` to nested Python data."""

from urllib.parse import parse_qsl

__all__ = ["decode_form"]

# Under these keys, numeric sub-keys are ordinary dictionary keys, never list positions.
_MAPPING_KEYS = frozenset({"metadata"})


def _split_key(key: str) -> list[str]:
    """``a[b][0][c]`` -> ``["a", "b", "0", "c"]``; ``a[]`` -> ``["a", ""]``."""
    head, bracket, rest = key.partition("[")
    parts = [head]
    while bracket:
        inner, _, rest = rest.partition("]")
        parts.append(inner)
        _, bracket, rest = rest.partition("[")
    return parts


def _listify(value, parent: str = ""):
    """Turn dictionaries whose keys are all indexes (``"0"``, ``"1"``...) into lists."""
    if not isinstance(value, dict):
        return value
    converted = {key: _listify(item, key) for key, item in value.items()}
    if converted and parent not in _MAPPING_KEYS and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def decode_form(body: bytes | str) -> dict:
    """Decode an ``application/x-www-form-urlencoded`` body the way Stripe's API reads it.

    Raises ``ValueError`` when one key is used both as a value and as a container.
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = _split_key(key)
        node = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if part == "":  # "a[]" appends
                part = str(len(node))
            if last:
                if isinstance(node.get(part), dict):
                    raise ValueError(f"Invalid array or hash: {key}")
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ValueError(f"Invalid array or hash: {key}")
                node = child
    return _listify(root)
