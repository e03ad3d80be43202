-- AlterTable
ALTER TABLE "executions" ADD COLUMN     "heartbeat_at" TIMESTAMPTZ(3),
ADD COLUMN     "worker_id" TEXT;
