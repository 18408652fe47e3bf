-- Shared presentations (`POST /v1/presentations`, `GET /p/{id}`): links an employer opens.
CREATE TABLE presentations (
    id                 TEXT PRIMARY KEY,         -- 128+ random bits, base64url
    presentation       TEXT NOT NULL,            -- the compact presentation, as posted
    delete_token_hash  BLOB NOT NULL,            -- SHA-256 of the delete token, never the token
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    deleted_at         INTEGER                   -- set on DELETE; the row stays so GET answers 410
);
CREATE INDEX presentations_expiry ON presentations(expires_at);
