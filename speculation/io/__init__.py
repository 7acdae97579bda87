"""io — the bottom layer over errors: reading show folders and config, ingesting tables, writing outputs."""
