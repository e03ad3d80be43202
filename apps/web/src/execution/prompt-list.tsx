import { PromptCard } from '../components/prompt-card.tsx';
import type { ExecutionView } from '../execution-events/fold.ts';

/** The progress tab: one card per prompt, with its stored output once done or its text as it streams. */
export function PromptList({
  view,
  total,
  outputs,
  liveText,
  texts,
}: {
  view: ExecutionView;
  /** Each prompt's text, by prompt id, as the version that ran has it. */
  texts?: ReadonlyMap<number, string> | undefined;
  total: number;
  outputs: ReadonlyMap<number, string>;
  /** Streamed text by prompt id; none while replaying. */
  liveText: ReadonlyMap<number, string> | undefined;
}) {
  return (
    <ol className="prompt-list" aria-label="Prompts">
      {view.prompts.map((prompt) => (
        <li key={prompt.promptId}>
          <PromptCard
            prompt={prompt}
            total={total}
            promptName={(id) => view.prompts.find((candidate) => candidate.promptId === id)?.name}
            output={prompt.status === 'complete' ? outputs.get(prompt.promptId) : undefined}
            liveText={liveText?.get(prompt.promptId)}
            text={texts?.get(prompt.promptId)}
          />
        </li>
      ))}
    </ol>
  );
}
