-- Mail that must not go out late: a verification or reset mail expires with its link's token
-- (`expires_at`, null for mail that never expires). The delivery loop marks such a mail `expired`
-- (its bodies blanked, `expired_at` set) instead of sending it, and the cleanup deletes it like
-- other finished mail. `kind` says what each mail was, for the record once its bodies are gone
-- (null for mail written before kinds were recorded).

-- Added in its own statement and not used in this transaction (Postgres forbids that).
ALTER TYPE "MailStatus" ADD VALUE 'expired';

ALTER TABLE "mail_outbox" ADD COLUMN "kind" TEXT,
ADD COLUMN "expires_at" TIMESTAMP(3),
ADD COLUMN "expired_at" TIMESTAMP(3);
