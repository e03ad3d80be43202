-- CreateTable
CREATE TABLE "retention_policies" (
    "id" SERIAL NOT NULL,
    "assistant_id" INTEGER,
    "keep_days" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by_id" INTEGER,

    CONSTRAINT "retention_policies_pkey" PRIMARY KEY ("id"),
    -- A day at least, a hundred years at most.
    CONSTRAINT "retention_policies_keep_days_check" CHECK ("keep_days" BETWEEN 1 AND 36500)
);

-- CreateIndex: NULLS NOT DISTINCT makes the installation-wide row (no assistant) unique too.
CREATE UNIQUE INDEX "retention_policies_assistant_id_key" ON "retention_policies"("assistant_id") NULLS NOT DISTINCT;

-- AddForeignKey
ALTER TABLE "retention_policies" ADD CONSTRAINT "retention_policies_assistant_id_fkey" FOREIGN KEY ("assistant_id") REFERENCES "assistants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "retention_policies" ADD CONSTRAINT "retention_policies_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
