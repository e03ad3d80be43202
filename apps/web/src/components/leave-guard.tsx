import { useEffect, useRef } from 'react';
import { useBlocker } from 'react-router';

/**
 * Asks before leaving a page that would lose work (a form with unsaved changes, files not yet
 * sent): in-app navigation shows the question in place; closing or reloading the tab gets the
 * browser's own. `allowNext()` lets the next navigation through (after a save). `dirtyInApp`, when
 * given, decides for in-app navigation alone (work that survives leaving the page, not closing it).
 */
export function useLeaveGuard(dirty: boolean, dirtyInApp = dirty) {
  const dirtyRef = useRef(dirtyInApp);
  dirtyRef.current = dirtyInApp;
  const allowed = useRef(false);
  const blocker = useBlocker(({ currentLocation, nextLocation }) => {
    if (allowed.current) {
      allowed.current = false;
      return false;
    }
    return dirtyRef.current && currentLocation.pathname !== nextLocation.pathname;
  });
  // Nothing left to lose while the question was up (the files were sent, say): it goes away.
  useEffect(() => {
    if (blocker.state === 'blocked' && !dirtyInApp) blocker.reset();
  }, [blocker, dirtyInApp]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
  return {
    blocker,
    allowNext: () => {
      allowed.current = true;
    },
  };
}

const EDITOR_WORDING = {
  question: 'Leave without saving? Your changes to this assistant will be lost.',
  stay: 'Stay and keep editing',
  leave: 'Leave and discard',
};

/** The question shown while a navigation waits on the person's answer. */
export function LeavePrompt({ blocker, wording = EDITOR_WORDING }: { blocker: ReturnType<typeof useBlocker>; wording?: typeof EDITOR_WORDING }) {
  const stay = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (blocker.state === 'blocked') stay.current?.focus();
  }, [blocker.state]);
  if (blocker.state !== 'blocked') return null;
  return (
    <div className="leave-prompt error-box" role="alertdialog" aria-labelledby="leave-question">
      <strong id="leave-question">{wording.question}</strong>
      <div className="row-actions">
        <button ref={stay} type="button" onClick={() => blocker.reset()}>
          {wording.stay}
        </button>
        <button type="button" className="danger" onClick={() => blocker.proceed()}>
          {wording.leave}
        </button>
      </div>
    </div>
  );
}
