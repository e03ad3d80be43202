import type { ReactNode } from 'react';

/**
 * A wide table that scrolls sideways on a narrow screen. The region can take focus so the
 * keyboard can scroll it too (a table of plain text has nothing else to focus).
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled by keyboard
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
