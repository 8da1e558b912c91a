"""The stores ecokg can query: the interface (``base``), the embedded engine, a remote endpoint, and the
Graph Store Protocol upload (``gsp``) that fills a remote one."""

from __future__ import annotations

from ecokg.store.base import Store


def open_store(settings, on_bytes=None) -> Store:
    """The store the settings ask for: remote endpoint, on-disk store, given files, or the bundled graph.

    ``on_bytes(n)``, if given, follows the reading of the ``data`` files (``n`` more bytes read)."""
    if settings.store:
        from ecokg.store.remote import RemoteStore

        return RemoteStore(settings.store, timeout=settings.timeout)
    from ecokg.store.embedded import EmbeddedStore

    if settings.store_path:
        return EmbeddedStore.open_read_only(settings.store_path)
    if settings.data:
        return EmbeddedStore.from_files(settings.data, on_bytes)
    return EmbeddedStore.bundled()
