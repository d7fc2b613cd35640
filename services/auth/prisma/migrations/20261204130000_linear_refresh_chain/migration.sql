-- A session's refresh tokens form one chain: each token names the token it replaced and its place
-- in the chain, and at most one token of a session is unspent at any moment. An access token
-- carries the generation it was issued with; a session refuses access tokens older than
-- `min_generation` (raised when a lost rotation is retried, so the pair it replaces stops working).

ALTER TABLE "sessions" ADD COLUMN "min_generation" INTEGER NOT NULL DEFAULT 0;

ALTER TABLE "refresh_tokens" ADD COLUMN "generation" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "parent_id" UUID;

-- Families forked before this migration (a spent token retried within the old grace window got a
-- second live token): keep each session's newest unspent token, spend the others, so that the
-- index below can hold. A client presenting one of those spent tokens later is treated like any
-- other reuse: its session is revoked.
UPDATE "refresh_tokens" t SET "spent_at" = (now() AT TIME ZONE 'UTC')
WHERE t."spent_at" IS NULL AND EXISTS (
  SELECT 1 FROM "refresh_tokens" newer
  WHERE newer."session_id" = t."session_id" AND newer."spent_at" IS NULL
    AND (newer."created_at", newer."id") > (t."created_at", t."id")
);

-- The chain's invariant, kept by the database whatever the code does.
CREATE UNIQUE INDEX "refresh_tokens_one_unspent_per_session" ON "refresh_tokens"("session_id") WHERE "spent_at" IS NULL;

-- The retry of a rotation looks up the token that rotation produced.
CREATE INDEX "refresh_tokens_parent_id_idx" ON "refresh_tokens"("parent_id");
