-- Suspension for VCDM credentials: a second Bitstring Status List entry (purpose `suspension`)
-- in a separate per-org list. A credential may now hold one entry per list, so the one-entry-
-- per-credential constraint of `status_entries` becomes one entry per (credential, list).
CREATE TABLE status_entries_new (
    list_id        TEXT NOT NULL REFERENCES status_lists(id),
    idx            INTEGER NOT NULL,
    credential_id  TEXT NOT NULL,
    status         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (list_id, idx),
    UNIQUE (credential_id, list_id)
);
INSERT INTO status_entries_new (list_id, idx, credential_id, status)
    SELECT list_id, idx, credential_id, status FROM status_entries;
DROP TABLE status_entries;
ALTER TABLE status_entries_new RENAME TO status_entries;

-- The audit row names the suspension entry (NULL for dc+sd-jwt and older credentials).
ALTER TABLE credentials ADD COLUMN suspension_list TEXT REFERENCES status_lists(id);
ALTER TABLE credentials ADD COLUMN suspension_idx INTEGER;

CREATE INDEX status_lists_open_purpose ON status_lists(org, kind, purpose, full);
