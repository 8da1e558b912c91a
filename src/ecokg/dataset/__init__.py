"""The knowledge as files: validation (SHACL), the build of dumps and VoID, the example queries."""
