-- Where a copy of a story came from (publisher, wire origin, the wire's own URL, how much
-- text the matcher judged), and its sentence embedding so re-ranking needs no re-encoding.
ALTER TABLE stories
    ADD COLUMN publisher_domain text NOT NULL DEFAULT '',
    ADD COLUMN wire_origin      text NOT NULL DEFAULT '',
    ADD COLUMN origin_url       text NOT NULL DEFAULT '',
    ADD COLUMN text_basis       integer NOT NULL DEFAULT 0,
    ADD COLUMN embedding        real[];
