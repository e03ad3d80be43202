-- CreateEnum
CREATE TYPE "user_role" AS ENUM ('user', 'admin');

-- CreateEnum
CREATE TYPE "execution_status" AS ENUM ('pending', 'running', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "assistant_event_type" AS ENUM ('execution-start', 'execution-complete', 'execution-error', 'prompt-start', 'prompt-complete', 'knowledge-retrieval-start', 'knowledge-retrieved', 'variable-substitution', 'tool-execution-start', 'tool-execution-complete', 'progress');

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "role" "user_role" NOT NULL DEFAULT 'user',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assistants" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "input_variables" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "assistants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assistant_prompts" (
    "id" SERIAL NOT NULL,
    "assistant_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "model_id" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "repository_ids" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "enabled_tools" TEXT[] DEFAULT ARRAY[]::TEXT[],

    CONSTRAINT "assistant_prompts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "executions" (
    "id" SERIAL NOT NULL,
    "assistant_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "status" "execution_status" NOT NULL DEFAULT 'pending',
    "input" JSONB NOT NULL DEFAULT '{}',
    "total_tokens" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "executions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prompt_results" (
    "id" SERIAL NOT NULL,
    "execution_id" INTEGER NOT NULL,
    "prompt_id" INTEGER NOT NULL,
    "output" TEXT NOT NULL,
    "output_tokens" INTEGER NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "cached" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "prompt_results_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assistant_architect_events" (
    "id" BIGSERIAL NOT NULL,
    "execution_id" INTEGER NOT NULL,
    "sequence" INTEGER NOT NULL,
    "event_type" "assistant_event_type" NOT NULL,
    "event_data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "assistant_architect_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_name_key" ON "users"("name");

-- CreateIndex
CREATE INDEX "assistant_prompts_assistant_id_position_idx" ON "assistant_prompts"("assistant_id", "position");

-- CreateIndex
CREATE INDEX "executions_user_id_id_idx" ON "executions"("user_id", "id");

-- CreateIndex
CREATE INDEX "executions_status_idx" ON "executions"("status");

-- CreateIndex
CREATE UNIQUE INDEX "prompt_results_execution_id_prompt_id_key" ON "prompt_results"("execution_id", "prompt_id");

-- CreateIndex
CREATE INDEX "assistant_architect_events_execution_id_idx" ON "assistant_architect_events"("execution_id");

-- CreateIndex
CREATE INDEX "assistant_architect_events_event_type_idx" ON "assistant_architect_events"("event_type");

-- CreateIndex
CREATE UNIQUE INDEX "assistant_architect_events_execution_id_sequence_key" ON "assistant_architect_events"("execution_id", "sequence");

-- AddForeignKey
ALTER TABLE "assistant_prompts" ADD CONSTRAINT "assistant_prompts_assistant_id_fkey" FOREIGN KEY ("assistant_id") REFERENCES "assistants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executions" ADD CONSTRAINT "executions_assistant_id_fkey" FOREIGN KEY ("assistant_id") REFERENCES "assistants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executions" ADD CONSTRAINT "executions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompt_results" ADD CONSTRAINT "prompt_results_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompt_results" ADD CONSTRAINT "prompt_results_prompt_id_fkey" FOREIGN KEY ("prompt_id") REFERENCES "assistant_prompts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assistant_architect_events" ADD CONSTRAINT "assistant_architect_events_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
