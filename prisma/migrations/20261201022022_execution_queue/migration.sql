-- AlterTable
ALTER TABLE "executions" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "claims" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "prompt_results" ADD COLUMN     "input_tokens" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "executions_queued_idx" ON "executions"("id") WHERE (status = 'pending');

-- CreateIndex
CREATE INDEX "executions_running_user_idx" ON "executions"("user_id") WHERE (status = 'running');
