"""Importers: bring a peer benchmark's suite and published results into the catalog, with provenance."""
