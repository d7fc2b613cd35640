-- Email verification and password reset: when an account's address was last proven, and the
-- single-use tokens of the links that prove it (stored only as their SHA-256, each bound to the
-- address it was sent to).

ALTER TABLE "users" ADD COLUMN "email_verified_at" TIMESTAMP(3);

CREATE TABLE "one_time_tokens" (
    "token_hash" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "email" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "used_at" TIMESTAMP(3),

    CONSTRAINT "one_time_tokens_pkey" PRIMARY KEY ("token_hash"),
    CONSTRAINT "one_time_tokens_purpose_check" CHECK ("purpose" IN ('verify_email', 'reset_password'))
);

CREATE INDEX "one_time_tokens_user_id_idx" ON "one_time_tokens"("user_id");

CREATE INDEX "one_time_tokens_expires_at_idx" ON "one_time_tokens"("expires_at");

ALTER TABLE "one_time_tokens" ADD CONSTRAINT "one_time_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
