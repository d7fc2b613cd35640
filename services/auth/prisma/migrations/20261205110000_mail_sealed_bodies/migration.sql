-- Pending mail is stored sealed: `text_body` and `html_body` of a row with `body_sealed` hold
-- AES-256-GCM ciphertexts (a key derived from MFA_ENCRYPTION_KEY, bound to the row's id and
-- recipient), so that whoever reads the table cannot take a live link from a mail not yet sent.
-- Rows written before this migration keep their plain bodies (false) and are sent as they are.

ALTER TABLE "mail_outbox" ADD COLUMN "body_sealed" BOOLEAN NOT NULL DEFAULT false;
