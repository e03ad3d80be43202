-- Versions of assistants: each save writes a version with its own prompts; an execution records the
-- version it runs. Every existing assistant becomes version 1 holding its current prompts, and every
-- existing execution points at it.

-- CreateTable
CREATE TABLE "assistant_versions" (
    "id" SERIAL NOT NULL,
    "assistant_id" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "input_variables" JSONB NOT NULL DEFAULT '[]',
    "created_by_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "assistant_versions_pkey" PRIMARY KEY ("id")
);

-- Backfill: version 1 of every assistant, saved by its owner when it was made.
INSERT INTO "assistant_versions" ("assistant_id", "number", "name", "description", "input_variables", "created_by_id", "created_at")
SELECT "id", 1, "name", "description", "input_variables", "owner_id", "created_at" FROM "assistants" ORDER BY "id";

-- CreateIndex
CREATE UNIQUE INDEX "assistant_versions_assistant_id_number_key" ON "assistant_versions"("assistant_id", "number");

-- AlterTable
ALTER TABLE "assistants" ADD COLUMN "current_version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable, backfilled: today's prompts belong to version 1.
ALTER TABLE "assistant_prompts" ADD COLUMN "lineage_id" INTEGER, ADD COLUMN "version_id" INTEGER;
UPDATE "assistant_prompts" p SET "version_id" = v."id" FROM "assistant_versions" v WHERE v."assistant_id" = p."assistant_id" AND v."number" = 1;
ALTER TABLE "assistant_prompts" ALTER COLUMN "version_id" SET NOT NULL;

-- DropIndex
DROP INDEX "assistant_prompts_assistant_id_position_idx";

-- CreateIndex
CREATE INDEX "assistant_prompts_assistant_id_idx" ON "assistant_prompts"("assistant_id");

-- CreateIndex
CREATE INDEX "assistant_prompts_version_id_position_idx" ON "assistant_prompts"("version_id", "position");

-- AlterTable: existing executions ran version 1 (a constant default is not a rewrite of the table);
-- new ones say their version.
ALTER TABLE "executions" ADD COLUMN "assistant_version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "executions" ALTER COLUMN "assistant_version" DROP DEFAULT;

-- A row written without its version (SQL by hand, an older process) runs the assistant's current one.
CREATE FUNCTION "executions_assistant_version"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."assistant_version" IS NULL THEN
    SELECT a."current_version" INTO NEW."assistant_version" FROM "assistants" a WHERE a."id" = NEW."assistant_id";
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "executions_assistant_version"
BEFORE INSERT ON "executions"
FOR EACH ROW EXECUTE FUNCTION "executions_assistant_version"();

-- AddForeignKey
ALTER TABLE "assistant_versions" ADD CONSTRAINT "assistant_versions_assistant_id_fkey" FOREIGN KEY ("assistant_id") REFERENCES "assistants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assistant_versions" ADD CONSTRAINT "assistant_versions_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assistant_prompts" ADD CONSTRAINT "assistant_prompts_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "assistant_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executions" ADD CONSTRAINT "executions_assistant_id_assistant_version_fkey" FOREIGN KEY ("assistant_id", "assistant_version") REFERENCES "assistant_versions"("assistant_id", "number") ON DELETE RESTRICT ON UPDATE CASCADE;
