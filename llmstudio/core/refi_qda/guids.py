"""Deterministic GUIDs: uuid5 over the project's identity and the object, so two exports
of the same project are identical byte for byte (a diff shows what changed)."""

from __future__ import annotations

import uuid


def project_namespace(created: str, source: str) -> uuid.UUID:
    """The namespace of one project: when it was created and from what (stored at
    creation, never changed, kept by Save As)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"llmstudio-project:{created}|{source}")


def guid(namespace: uuid.UUID, kind: str, *parts) -> str:
    """The GUID of one object (``kind``: user, code, source, ...) named by ``parts``."""
    key = "\x1f".join([kind, *(str(p) for p in parts)])
    return str(uuid.uuid5(namespace, key))
