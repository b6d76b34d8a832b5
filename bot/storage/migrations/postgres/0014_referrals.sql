-- PostgreSQL twin of ../0014_referrals.sql (conventions: 0001_core.sql).
-- Referral links (DESIGN rule 9; study Table 3, item 8): a coordinator makes one deep link
-- per source (a clinic, a team, a flyer). People who start through one are counted by
-- source; a person's own record keeps only the source's name.
CREATE TABLE referral_sources (
    code       TEXT   PRIMARY KEY,      -- the part after r- in the link
    name       TEXT   NOT NULL,
    created_by BIGINT REFERENCES users (user_id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
ALTER TABLE users ADD COLUMN referral_source TEXT;
