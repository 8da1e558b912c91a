"""ecokg: an open knowledge graph of China's ecological-civilization designations."""

__version__ = "0.1.0"
