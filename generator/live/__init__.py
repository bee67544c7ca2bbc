"""What `leaderboard serve` adds to the static site: upload checks, a lazy pool of loaded models
and the JSON/NDJSON API the playground page talks to. Kept apart from `generator.site` because
the site must build (and deploy) without ever importing a model backend.
"""
