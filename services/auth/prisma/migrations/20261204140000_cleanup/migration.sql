-- The cleanup job (services/auth/src/cli/cleanup.ts) finds what it deletes through these indexes
-- instead of scanning whole tables, and records each run for the service's metrics.

CREATE INDEX "refresh_tokens_expires_at_idx" ON "refresh_tokens"("expires_at");

CREATE INDEX "sessions_revoked_at_idx" ON "sessions"("revoked_at") WHERE "revoked_at" IS NOT NULL;

CREATE TABLE "cleanup_runs" (
    "id" BIGSERIAL NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "finished_at" TIMESTAMP(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "deleted" JSONB NOT NULL,

    CONSTRAINT "cleanup_runs_pkey" PRIMARY KEY ("id")
);
