"""Peer sources: benchmarks pinned in site.yaml (`sources:`), fetched into a cache outside the
repository's tracked files (`sync`) and imported by every build into the build-time layer that
the catalog reads beside the repository's own files (`layer`). Nothing third-party is committed."""
