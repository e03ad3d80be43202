-- CreateIndex
CREATE INDEX "webhook_deliveries_execution_id_idx" ON "webhook_deliveries"("execution_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_finished_idx" ON "webhook_deliveries"("created_at") WHERE (status <> 'pending');

-- Deliveries of executions already deleted (by retention) go now; from here on they go with them.
DELETE FROM "webhook_deliveries" d
WHERE d."execution_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "executions" e WHERE e."id" = d."execution_id");

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
