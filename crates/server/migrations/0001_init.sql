-- passeport service: organisations, API keys, audit trail, status lists, idempotency.
CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    key_alg     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Bearer tokens: `ppk_{id}.{secret}`; only SHA-256(secret) is stored.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    org          TEXT NOT NULL REFERENCES orgs(id),
    secret_hash  BLOB NOT NULL,
    types        TEXT NOT NULL,          -- comma-separated record types
    created_at   INTEGER NOT NULL
);

CREATE TABLE status_lists (
    id          TEXT PRIMARY KEY,         -- random, unlinkable
    org         TEXT NOT NULL REFERENCES orgs(id),
    kind        TEXT NOT NULL CHECK (kind IN ('bitstring', 'token')),
    purpose     TEXT NOT NULL,
    size        INTEGER NOT NULL,
    bits        INTEGER NOT NULL,
    used        INTEGER NOT NULL DEFAULT 0,
    full        INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 0,  -- bumped on every status change (ETag)
    created_at  INTEGER NOT NULL
);
CREATE INDEX status_lists_open ON status_lists(org, kind, full);

-- One row per allocated index; never deleted, so an index is never reused.
CREATE TABLE status_entries (
    list_id        TEXT NOT NULL REFERENCES status_lists(id),
    idx            INTEGER NOT NULL,
    credential_id  TEXT NOT NULL UNIQUE,
    status         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (list_id, idx)
);

-- The audit trail: no claim values, only a digest of the subject.
CREATE TABLE credentials (
    id              TEXT PRIMARY KEY,
    org             TEXT NOT NULL REFERENCES orgs(id),
    record_type     TEXT NOT NULL,
    format          TEXT NOT NULL,
    subject_digest  TEXT NOT NULL,
    status_list     TEXT NOT NULL REFERENCES status_lists(id),
    status_idx      INTEGER NOT NULL,
    issued_at       INTEGER NOT NULL,
    valid_until     INTEGER,
    holder_bound    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX credentials_org ON credentials(org, issued_at);

-- Idempotency-Key: the first response is kept (24 h) so a retry gets the same credential.
CREATE TABLE idempotency (
    org            TEXT NOT NULL,
    key            TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    credential_id  TEXT,
    response       TEXT,                  -- NULL while the first request is in progress
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (org, key)
);
