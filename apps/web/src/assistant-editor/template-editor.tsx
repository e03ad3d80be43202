import { autocompletion, type CompletionContext, type CompletionResult, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { forceLinting, linter } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { useEffect, useRef } from 'react';

export interface TemplateProblem {
  from: number;
  to: number;
  message: string;
}

/** What the content may refer to, read afresh by completion and checks as the form changes. */
export interface TemplateScope {
  inputNames: readonly string[];
  /** Names of the prompts that run before this one. */
  earlierPrompts: readonly string[];
  check(content: string): TemplateProblem[];
}

interface TemplateEditorProps {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  scope: TemplateScope;
  invalid: boolean;
  /** The problems in words, read with the content (a description outside the shadow root cannot be referenced from inside it). */
  description: string;
}

/**
 * A prompt's content in CodeMirror: `{{` offers the declared inputs and earlier prompts' outputs,
 * and unknown names are underlined where they are written. The editor lives in a shadow root so
 * its styles go into a constructed style sheet, which the page's Content-Security-Policy
 * (`style-src 'self'`, no inline styles) allows; a `<style>` element it would block.
 */
export function TemplateEditor({ id, label, value, onChange, scope, invalid, description }: TemplateEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const labelling = useRef(new Compartment());
  const latest = useRef({ scope, onChange });
  latest.current = { scope, onChange };

  // biome-ignore lint/correctness/useExhaustiveDependencies: the editor is made once; later values and labels arrive through the effects below
  useEffect(() => {
    const element = host.current!;
    const root = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
    const editor = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap]),
          autocompletion({ override: [(context) => completeReference(context, latest.current.scope)] }),
          linter((current) => latest.current.scope.check(current.state.doc.toString()).map((problem) => ({ ...problem, severity: 'error' as const })), {
            delay: 250,
          }),
          EditorView.lineWrapping,
          labelling.current.of(contentAttributes(label, invalid, description)),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
          editorTheme,
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  // The prompt's name is in the label, and the problems in the description: both change as the person types.
  useEffect(() => {
    view.current?.dispatch({ effects: labelling.current.reconfigure(contentAttributes(label, invalid, description)) });
  }, [label, invalid, description]);

  // Inputs renamed or prompts reordered change what the content may use: check it again.
  const scopeKey = `${scope.inputNames.join('\n')}\u0000${scope.earlierPrompts.join('\n')}`;
  useEffect(() => {
    if (view.current && scopeKey !== undefined) forceLinting(view.current);
  }, [scopeKey]);

  return <div ref={host} id={id} className={invalid ? 'template-editor invalid' : 'template-editor'} data-invalid={invalid || undefined} />;
}

function contentAttributes(label: string, invalid: boolean, description: string) {
  return EditorView.contentAttributes.of({
    'aria-label': label,
    'aria-multiline': 'true',
    ...(invalid ? { 'aria-invalid': 'true' } : {}),
    ...(description ? { 'aria-description': description } : {}),
  });
}

/** Completion after `{{`: the inputs, then the outputs of prompts that run earlier. */
function completeReference(context: CompletionContext, scope: TemplateScope): CompletionResult | null {
  const typed = context.matchBefore(/\{\{[^{}]*/);
  if (!typed) return null;
  const closes = context.state.sliceDoc(context.pos, context.pos + 2) === '}}';
  return {
    from: typed.from,
    to: closes ? context.pos + 2 : context.pos,
    validFor: /^\{\{[^{}]*$/,
    options: [
      ...scope.inputNames.map((name) => ({ label: `{{${name}}}`, detail: 'input', type: 'variable' })),
      ...scope.earlierPrompts.map((name) => ({ label: `{{output:${name}}}`, detail: 'output of an earlier prompt', type: 'text' })),
    ],
  };
}

const editorTheme = EditorView.theme({
  '&': {
    border: '1px solid #aab1bb',
    borderRadius: '6px',
    background: '#ffffff',
    fontSize: '0.95rem',
  },
  '&.cm-focused': { outline: '2px solid #1f5fbf', outlineOffset: '1px' },
  '.cm-content': {
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    minHeight: '6rem',
    padding: '0.5rem 0.6rem',
    color: '#1b1f24',
  },
  '.cm-lintRange-error': { backgroundImage: 'none', textDecoration: 'underline wavy #a3201c', textUnderlineOffset: '3px' },
  '.cm-tooltip': { border: '1px solid #d9dde3', background: '#ffffff', color: '#1b1f24' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { background: '#1f5fbf', color: '#ffffff' },
  '.cm-completionDetail': { color: 'inherit', opacity: '0.85', marginLeft: '0.5em' },
});
