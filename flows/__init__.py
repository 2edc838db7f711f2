"""Prefect flows: thin orchestration over council/ (the core) and models/ (the tables). Entrypoints in prefect.yaml."""
