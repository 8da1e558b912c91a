"""What the views share: the settings and the store, kept on the app (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ecokg.settings import Settings
from ecokg.store.base import Store


@dataclass
class AppContext:
    settings: Settings
    store: Store


def ctx() -> AppContext:
    return current_app.extensions["ecokg"]
