"""Query services behind the linked-data pages: entity descriptions, listings, search, chart data.

Nothing here knows of Flask or HTTP.  Every service talks to the graph only through
``ecokg.store.Store.query`` with standard SPARQL 1.1, and passes anything that came from a
user only through ``ecokg.rdf.sparql_text.bind`` (terms written by pyoxigraph), never as pasted text.
"""

from ecokg.services.graph import GraphServices

__all__ = ["GraphServices"]
