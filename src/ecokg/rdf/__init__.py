"""RDF itself: namespaces, reading files, the formats, the text of SPARQL queries."""
