"""The SPARQL 1.1 query service: protocol, read-only classifier, formats, and killable query execution.

Nothing in this package knows of Flask; ``ecokg.web.sparql`` adapts it to HTTP.
"""
