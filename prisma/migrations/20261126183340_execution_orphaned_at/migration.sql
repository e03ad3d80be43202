-- AlterTable
ALTER TABLE "executions" ADD COLUMN     "orphaned_at" TIMESTAMPTZ(3);
