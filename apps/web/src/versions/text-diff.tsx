import { diffText } from './version-diff.ts';

/**
 * The changes from one text to another, word by word: removed words struck through, added ones
 * underlined, each also named for screen readers. Text only: stored text never becomes markup.
 */
export function TextDiff({ from, to, label }: { from: string; to: string; label: string }) {
  return (
    <figure className="text-diff">
      <figcaption className="visually-hidden">{label}</figcaption>
      <pre>
        {diffText(from, to).map((part, index) =>
          part.kind === 'added' ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one diff never reorder
            <ins key={index}>
              <span className="visually-hidden">[added: </span>
              {part.text}
              <span className="visually-hidden">]</span>
            </ins>
          ) : part.kind === 'removed' ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one diff never reorder
            <del key={index}>
              <span className="visually-hidden">[removed: </span>
              {part.text}
              <span className="visually-hidden">]</span>
            </del>
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one diff never reorder
            <span key={index}>{part.text}</span>
          ),
        )}
      </pre>
    </figure>
  );
}
