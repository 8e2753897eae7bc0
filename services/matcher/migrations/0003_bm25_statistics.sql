-- What BM25 ranking needs beside the full-text index, kept in step with the stories by
-- triggers in the writing transaction: each story's title and body length in words and
-- where its title ends in `tsv` (title positions come first), a full-text index on the
-- title alone (candidates of title terms), each lexeme's document frequency in titles and in
-- bodies, and the corpus totals (stories, words of titles, words of bodies).

-- The last word position of a tsvector: the shift `||` applies to the body's positions.
CREATE FUNCTION credence_last_position(tsvector) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (SELECT coalesce(max(p), 0) FROM unnest($1) AS u, unnest(u.positions) AS p);

ALTER TABLE stories
    ADD COLUMN title_end integer NOT NULL GENERATED ALWAYS AS (
        credence_last_position(to_tsvector('english'::regconfig, title))
    ) STORED,
    ADD COLUMN title_len integer NOT NULL GENERATED ALWAYS AS (
        regexp_count(title, '[[:alnum:]]+')
    ) STORED,
    ADD COLUMN body_len integer NOT NULL GENERATED ALWAYS AS (
        regexp_count(body, '[[:alnum:]]+')
    ) STORED;

CREATE INDEX stories_title_tsv_idx ON stories USING gin (to_tsvector('english'::regconfig, title));

CREATE TABLE lexeme_stats (
    lexeme     text PRIMARY KEY,
    title_docs integer NOT NULL DEFAULT 0,
    body_docs  integer NOT NULL DEFAULT 0
);

CREATE TABLE corpus_stats (
    only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    stories      bigint NOT NULL DEFAULT 0,
    title_tokens bigint NOT NULL DEFAULT 0,
    body_tokens  bigint NOT NULL DEFAULT 0
);

-- The statements' transition tables counted in (or out): lexemes are updated in sorted
-- order, so concurrent writers never deadlock.
CREATE FUNCTION credence_stories_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lexeme_stats AS s (lexeme, title_docs, body_docs)
        SELECT u.lexeme, count(*) FILTER (WHERE 'A' = ANY (u.weights)),
               count(*) FILTER (WHERE 'B' = ANY (u.weights))
        FROM added_stories AS c, unnest(c.tsv) AS u GROUP BY u.lexeme ORDER BY u.lexeme
        ON CONFLICT (lexeme) DO UPDATE SET title_docs = s.title_docs + excluded.title_docs,
            body_docs = s.body_docs + excluded.body_docs;
    UPDATE corpus_stats SET stories = stories + d.n, title_tokens = title_tokens + d.t,
            body_tokens = body_tokens + d.b
        FROM (SELECT count(*) AS n, coalesce(sum(title_len), 0) AS t,
                     coalesce(sum(body_len), 0) AS b FROM added_stories) AS d;
    RETURN NULL;
END $$;

CREATE FUNCTION credence_stories_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE lexeme_stats AS s SET title_docs = s.title_docs - d.t, body_docs = s.body_docs - d.b
        FROM (SELECT u.lexeme, count(*) FILTER (WHERE 'A' = ANY (u.weights)) AS t,
                     count(*) FILTER (WHERE 'B' = ANY (u.weights)) AS b
              FROM removed_stories AS c, unnest(c.tsv) AS u GROUP BY u.lexeme) AS d
        WHERE s.lexeme = d.lexeme;
    UPDATE corpus_stats SET stories = stories - d.n, title_tokens = title_tokens - d.t,
            body_tokens = body_tokens - d.b
        FROM (SELECT count(*) AS n, coalesce(sum(title_len), 0) AS t,
                     coalesce(sum(body_len), 0) AS b FROM removed_stories) AS d;
    RETURN NULL;
END $$;

-- Recounts everything from the stories, e.g. after maintenance that bypassed the triggers.
CREATE FUNCTION credence_recount_statistics() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE stories IN SHARE MODE;
    DELETE FROM lexeme_stats;
    INSERT INTO lexeme_stats (lexeme, title_docs, body_docs)
        SELECT u.lexeme, count(*) FILTER (WHERE 'A' = ANY (u.weights)),
               count(*) FILTER (WHERE 'B' = ANY (u.weights))
        FROM stories AS c, unnest(c.tsv) AS u GROUP BY u.lexeme;
    INSERT INTO corpus_stats (only_row) VALUES (true) ON CONFLICT DO NOTHING;
    UPDATE corpus_stats SET stories = d.n, title_tokens = d.t, body_tokens = d.b
        FROM (SELECT count(*) AS n, coalesce(sum(title_len), 0) AS t,
                     coalesce(sum(body_len), 0) AS b FROM stories) AS d;
END $$;

SELECT credence_recount_statistics();

CREATE TRIGGER stories_statistics_added AFTER INSERT ON stories
    REFERENCING NEW TABLE AS added_stories
    FOR EACH STATEMENT EXECUTE FUNCTION credence_stories_added();

CREATE TRIGGER stories_statistics_removed AFTER DELETE ON stories
    REFERENCING OLD TABLE AS removed_stories
    FOR EACH STATEMENT EXECUTE FUNCTION credence_stories_removed();
