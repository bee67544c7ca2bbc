"""The static site: view data, pages, templates, search index and the incremental, atomic build."""
