-- Revision 0003: the two functions of the residents' name index. A name search is a substring match
-- (`name ILIKE '%term%'`) and most Chinese terms are one or two characters, shorter than a trigram; so the
-- `residents` read model (schema version 2) indexes `residents_name_grams(name)`, the lower-cased name's
-- characters and pairs of adjacent characters, and a search asks for the rows whose grams contain
-- `residents_term_grams(runs)`, the grams of the term's literal runs (a one-character run: the character; a longer
-- run: its pairs), rechecked by the ILIKE itself. Both lower-case with the database's `lower()`, as ILIKE does.
-- Immutable, as `lower` is declared: an index expression. Here, not in the projection, because functions are
-- part of the schema that only migrations change (the index itself is the read model's, rebuilt with it).

CREATE OR REPLACE FUNCTION residents_name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array(SELECT substr(lower(name), i, n)
                   FROM generate_series(1, length(name)) i, (VALUES (1), (2)) w(n)
                  WHERE i + n - 1 <= length(name))
$$;

CREATE OR REPLACE FUNCTION residents_term_grams(runs text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array(SELECT CASE WHEN length(r) = 1 THEN lower(r) ELSE substr(lower(r), i, 2) END
                   FROM unnest(runs) r, generate_series(1, greatest(length(r) - 1, 1)) i
                  WHERE length(r) > 0)
$$;
