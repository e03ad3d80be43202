import { closestCenter, DndContext, type DragEndEvent, KeyboardSensor, PointerSensor, useSensor, useSensors } from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { findReferences, referenceProblem, type ReferenceScope } from '@aae/events';
import type { AssistantDraft, DraftErrors, PromptDraft } from './draft.ts';
import { movePrompt, newPrompt, referenceScopeOf, removePrompt } from './draft.ts';
import { FieldError } from './field-error.tsx';
import { fieldId } from './field-ids.ts';
import { PromptFields, type PromptOptions } from './prompt-fields.tsx';
import type { TemplateScope } from './template-editor.tsx';

interface PromptListEditorProps {
  draft: AssistantDraft;
  errors: DraftErrors;
  options: PromptOptions;
  onChange(prompts: PromptDraft[]): void;
}

/**
 * The prompts in the order they run: dragged by their handle (mouse, touch, or keyboard: space
 * then arrows) or moved with the buttons. Prompts sharing a position run in parallel and are
 * drawn as one group.
 */
export function PromptListEditor({ draft, errors, options, onChange }: PromptListEditorProps) {
  const prompts = draft.prompts;
  const { positions, ...references } = referenceScopeOf(draft);
  const { inputNames } = references;
  const sensors = useSensors(useSensor(PointerSensor), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const move = (from: number, to: number) => onChange(movePrompt(prompts, from, to));
  const update = (key: string, change: Partial<PromptDraft>) => onChange(prompts.map((prompt) => (prompt.key === key ? { ...prompt, ...change } : prompt)));
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    move(
      prompts.findIndex((prompt) => prompt.key === active.id),
      prompts.findIndex((prompt) => prompt.key === over.id),
    );
  };
  const titleOf = (prompt: PromptDraft, index: number) => prompt.name.trim() || `prompt ${index + 1}`;

  return (
    <section className="editor-section" aria-labelledby="prompts-heading">
      <h2 id="prompts-heading">Prompts</h2>
      <p className="muted">Prompts run from top to bottom; prompts in one step run in parallel.</p>
      <FieldError id={fieldId('prompts')} error={errors.prompts} />
      <DndContext
        sensors={sensors}
        collisionDetection={closestCenter}
        onDragEnd={onDragEnd}
        accessibility={{
          announcements: {
            onDragStart: ({ active }) => `Picked up ${nameOf(prompts, active.id)}.`,
            onDragOver: ({ active, over }) =>
              over ? `${nameOf(prompts, active.id)} is over ${nameOf(prompts, over.id)}.` : `${nameOf(prompts, active.id)} is no longer over a prompt.`,
            onDragEnd: ({ active, over }) =>
              over ? `${nameOf(prompts, active.id)} was dropped at the place of ${nameOf(prompts, over.id)}.` : `${nameOf(prompts, active.id)} was dropped.`,
            onDragCancel: ({ active }) => `Moving ${nameOf(prompts, active.id)} was cancelled.`,
          },
        }}
      >
        <SortableContext items={prompts.map((prompt) => prompt.key)} strategy={verticalListSortingStrategy}>
          <ol className="prompt-editor-list">
            {prompts.map((prompt, index) => {
              const position = positions[index]!;
              const group = prompts.filter((_, other) => positions[other] === position);
              const earlierPrompts = prompts
                .filter((_, other) => positions[other]! < position)
                .map((other) => other.name.trim())
                .filter(Boolean);
              const scope: TemplateScope = {
                inputNames,
                earlierPrompts,
                check: (content) => problemsIn(content, position, references),
              };
              return (
                <SortablePrompt
                  key={prompt.key}
                  prompt={prompt}
                  title={titleOf(prompt, index)}
                  step={position}
                  parallelWith={group.filter((other) => other.key !== prompt.key).map((other) => titleOf(other, prompts.indexOf(other)))}
                  startsGroup={group.length > 1 && group[0] === prompt}
                  joinsGroup={group.length > 1 && group[0] !== prompt}
                  canMoveUp={index > 0}
                  canMoveDown={index < prompts.length - 1}
                  canRemove={prompts.length > 1}
                  onMoveUp={() => move(index, index - 1)}
                  onMoveDown={() => move(index, index + 1)}
                  onRemove={() => onChange(removePrompt(prompts, prompts.indexOf(prompt)))}
                >
                  <PromptFields
                    prompt={prompt}
                    title={titleOf(prompt, index)}
                    first={index === 0}
                    errors={errors}
                    options={options}
                    scope={scope}
                    onChange={(change) => update(prompt.key, change)}
                  />
                </SortablePrompt>
              );
            })}
          </ol>
        </SortableContext>
      </DndContext>
      <button type="button" onClick={() => onChange([...prompts, newPrompt(options.models[0] ?? 'local')])}>
        Add prompt
      </button>
    </section>
  );
}

/** The placeholders a prompt at `position` may not use, where they are written: the server's rule. */
function problemsIn(content: string, position: number, scope: ReferenceScope) {
  return findReferences(content).flatMap((reference) => {
    const message = referenceProblem(reference, position, scope);
    return message === null ? [] : [{ from: reference.from, to: reference.to, message }];
  });
}

function nameOf(prompts: readonly PromptDraft[], key: string | number): string {
  const index = prompts.findIndex((prompt) => prompt.key === key);
  return prompts[index]?.name.trim() || `prompt ${index + 1}`;
}

interface SortablePromptProps {
  prompt: PromptDraft;
  title: string;
  step: number;
  parallelWith: string[];
  startsGroup: boolean;
  joinsGroup: boolean;
  canMoveUp: boolean;
  canMoveDown: boolean;
  canRemove: boolean;
  onMoveUp(): void;
  onMoveDown(): void;
  onRemove(): void;
  children: React.ReactNode;
}

function SortablePrompt({
  prompt,
  title,
  step,
  parallelWith,
  startsGroup,
  joinsGroup,
  canMoveUp,
  canMoveDown,
  canRemove,
  onMoveUp,
  onMoveDown,
  onRemove,
  children,
}: SortablePromptProps) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: prompt.key });
  const classes = [
    'prompt-editor',
    parallelWith.length > 0 ? 'parallel' : '',
    startsGroup ? 'group-start' : '',
    joinsGroup ? 'group-join' : '',
    isDragging ? 'dragging' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <li ref={setNodeRef} className={classes} data-step={step} style={{ transform: CSS.Transform.toString(transform), transition }}>
      <header className="prompt-editor-head">
        <button type="button" className="small drag-handle" ref={setActivatorNodeRef} {...attributes} {...listeners} aria-label={`Drag to reorder ${title}`}>
          <span aria-hidden="true">⠿</span>
        </button>
        <h3>
          Step {step}: {title}
        </h3>
        {parallelWith.length > 0 ? <span className="badge parallel-badge">in parallel with {parallelWith.join(', ')}</span> : null}
        <span className="prompt-editor-actions">
          <button type="button" className="small" disabled={!canMoveUp} onClick={onMoveUp}>
            Move up<span className="visually-hidden"> {title}</span>
          </button>
          <button type="button" className="small" disabled={!canMoveDown} onClick={onMoveDown}>
            Move down<span className="visually-hidden"> {title}</span>
          </button>
          <button type="button" className="small danger" disabled={!canRemove} onClick={onRemove}>
            Remove<span className="visually-hidden"> {title}</span>
          </button>
        </span>
      </header>
      {children}
    </li>
  );
}
