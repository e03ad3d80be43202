-- CreateTable
CREATE TABLE "document_imports" (
    "id" TEXT NOT NULL,
    "repository_id" INTEGER NOT NULL,
    "requested_by_id" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "progress" JSONB NOT NULL,
    "documents" JSONB,
    "error" TEXT,
    "cancel_requested_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "document_imports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "document_imports_requested_by_id_status_idx" ON "document_imports"("requested_by_id", "status");

-- CreateIndex
CREATE INDEX "document_imports_finished_at_idx" ON "document_imports"("finished_at");

-- AddForeignKey
ALTER TABLE "document_imports" ADD CONSTRAINT "document_imports_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "knowledge_repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_imports" ADD CONSTRAINT "document_imports_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
