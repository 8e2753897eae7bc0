"""The scorer: source ratings from open lists, the article signals and the report they make."""
