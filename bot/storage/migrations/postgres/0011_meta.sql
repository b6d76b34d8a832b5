-- PostgreSQL twin of ../0011_meta.sql (conventions: 0001_core.sql).
-- Facts about this database itself, such as the encryption key check: a value only the
-- right key decrypts, so a lost or wrong BOT_ENCRYPTION_KEY is caught at start-up instead
-- of on someone's /mydata.
CREATE TABLE meta (
    name  TEXT  PRIMARY KEY,
    value BYTEA NOT NULL
);
