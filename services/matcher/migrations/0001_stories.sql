-- The wire stories: one row per story, deduplicated by URL and by content hash, searchable
-- by full text (title weighted above body) and filterable by outlet and publication date.
CREATE TABLE stories (
    id           text PRIMARY KEY,
    outlet       text NOT NULL,
    outlet_key   text NOT NULL,
    source       text NOT NULL,
    url          text NOT NULL DEFAULT '',
    title        text NOT NULL DEFAULT '',
    body         text NOT NULL DEFAULT '',
    published_at timestamptz,
    content_hash text NOT NULL,
    added_at     timestamptz NOT NULL DEFAULT now(),
    tsv          tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, body), 'B')
    ) STORED
);

CREATE UNIQUE INDEX stories_url_key ON stories (url) WHERE url <> '';
CREATE UNIQUE INDEX stories_content_hash_key ON stories (content_hash);
CREATE INDEX stories_tsv_idx ON stories USING gin (tsv);
CREATE INDEX stories_published_at_idx ON stories (published_at);
CREATE INDEX stories_outlet_key_idx ON stories (outlet_key, published_at);
CREATE INDEX stories_source_idx ON stories (source, published_at);
