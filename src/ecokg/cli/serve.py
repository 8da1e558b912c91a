"""``ecokg serve``: the SPARQL endpoint and the linked-data pages, under a production HTTP server (granian)."""

from __future__ import annotations

import click

from ecokg.cli.common import reporting_errors, setting_options, settings_from

SERVE_SETTINGS = ("host", "port", "workers", "threads", "timeout", "max_body", "max_memory", "max_rows",
                  "header_timeout", "body_timeout", "max_connections", "cache_size", "data", "store_path", "store",
                  "validate", "shacl_engine", "base_uri", "dist", "log_level", "label_max_age", "watchdog",
                  "reconcile_batch", "reconcile_text", "reconcile_candidates", "reconcile_extend")


@click.command()
@setting_options(*SERVE_SETTINGS)
@reporting_errors
def serve(**params) -> None:
    """Serve the SPARQL endpoint and the linked-data pages.

    Exit status (when it cannot start): 1 data that breaks the shapes (see --validate), 2 a file that is not
    valid RDF.
    """
    from ecokg.dataset.preflight import check_aside

    settings = settings_from(**params)
    pending = check_aside(settings)  # first: the check runs while the web layer is imported and the store opens
    from ecokg.web.server import serve as run_server

    run_server(settings, shown=SERVE_SETTINGS, pending=pending)
