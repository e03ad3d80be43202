import { useDropzone } from 'react-dropzone';
import { formatNumber } from '../components/format.ts';
import { LeavePrompt } from '../components/leave-guard.tsx';
import { acceptedExtensions, DOCUMENT_FILE_EXTENSIONS, formatBytes } from './read-document-file.ts';
import { ENDED_STATES, useDocumentUploads, type ImportLimits, type Upload } from './use-document-uploads.ts';

const STATE_LABELS: Record<Upload['state'], string> = {
  reading: 'Reading',
  refused: 'Refused',
  waiting: 'Waiting',
  importing: 'Importing',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  unknown: 'Unknown',
};

const percentOf = (upload: Upload) => (upload.state === 'done' ? 100 : upload.chunks > 0 ? Math.floor((upload.embeddedChunks / upload.chunks) * 100) : 0);

function UploadRow({ upload, onCancel }: { upload: Upload; onCancel(): void }) {
  const percent = percentOf(upload);
  const ended = upload.state === 'refused' || upload.state === 'failed' || upload.state === 'unknown';
  const cancellable = upload.state === 'waiting' || upload.state === 'importing';
  return (
    <li className={`upload upload-${upload.state}`} data-file={upload.fileName}>
      <div className="upload-head">
        <span className="upload-name">{upload.fileName}</span>
        {upload.sizeBytes === null ? null : <span className="muted">{formatBytes(upload.sizeBytes)}</span>}
        <span className={`status status-${upload.state === 'done' ? 'completed' : ended ? 'failed' : upload.state === 'importing' ? 'running' : 'pending'}`}>
          {STATE_LABELS[upload.state]}
        </span>
        {cancellable ? (
          <button type="button" className="small" aria-label={`Cancel ${upload.fileName}`} onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      {upload.state === 'refused' || upload.state === 'cancelled' ? null : (
        <div
          className="progress upload-progress"
          role="progressbar"
          aria-label={`Import of ${upload.fileName}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${percent}%`}
        >
          <div className="progress-fill" style={{ width: `${percent}%` }} />
        </div>
      )}
      {upload.message ? (
        <p className={ended ? 'field-error upload-message' : 'muted upload-message'}>{upload.message}</p>
      ) : upload.state === 'importing' || upload.state === 'done' ? (
        <p className="muted upload-message">
          {upload.chunks > 0 ? `${formatNumber(upload.embeddedChunks)} of ${formatNumber(upload.chunks)} chunks embedded` : 'Splitting into chunks…'} ·{' '}
          {percent}%
        </p>
      ) : null}
    </li>
  );
}

const LEAVE_WORDING = {
  question: 'Leave this page? Files still waiting to be sent will not be added; imports already under way go on.',
  stay: 'Stay until they are sent',
  leave: 'Leave and drop them',
};

/** Drop or pick Markdown and plain text files; each gets a row with its import's progress, or why it was refused. */
export function UploadArea({ repositoryId, limits, onStored }: { repositoryId: number; limits: ImportLimits; onStored(): void }) {
  const { uploads, add, cancel, clearEnded, unsent, leaveBlocker } = useDocumentUploads(repositoryId, limits, onStored);
  const accept = Object.fromEntries(limits.mediaTypes.map((type) => [type, DOCUMENT_FILE_EXTENSIONS[type]]));
  const { getRootProps, getInputProps, isDragActive, open } = useDropzone({
    // Every file reaches `add`, which says per file why one is refused; `accept` filters the picker only.
    onDrop: (accepted, rejected) => void add([...accepted, ...rejected.map((rejection) => rejection.file)]),
    accept,
    noClick: true,
    noKeyboard: true,
    multiple: true,
  });
  const ended = uploads.filter((upload) => ENDED_STATES.includes(upload.state));
  const done = ended.filter((upload) => upload.state === 'done').length;
  return (
    <section className="upload-area" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Add documents</h2>
      <LeavePrompt blocker={leaveBlocker} wording={LEAVE_WORDING} />
      <div {...getRootProps({ className: `dropzone${isDragActive ? ' dropzone-active' : ''}` })}>
        <input {...getInputProps({ id: 'document-files', 'aria-label': 'Document files' })} />
        <p>{isDragActive ? 'Drop the files to add them.' : 'Drag files here, or'}</p>
        <button type="button" className="primary" onClick={open}>
          Choose files
        </button>
        <p className="muted">
          {acceptedExtensions(limits)}, up to {formatBytes(limits.maxDocumentBytes)} each; text in UTF-8, PDFs with a text layer.
          {limits.importsAtOnce > 0
            ? ` ${limits.importsAtOnce} ${limits.importsAtOnce === 1 ? 'import runs' : 'imports run'} at a time; the others wait their turn.`
            : ''}
        </p>
      </div>
      {uploads.length > 0 ? (
        <>
          <ul className="upload-list" aria-label="Files being added">
            {uploads.map((upload) => (
              <UploadRow key={upload.key} upload={upload} onCancel={() => cancel(upload.key)} />
            ))}
          </ul>
          {unsent ? <p className="muted upload-unsent">Stay on this page until every file is sent: files still waiting are dropped if you leave.</p> : null}
          <p className="visually-hidden" role="status">
            {ended.length > 0 ? `${done} of ${uploads.length} files added${ended.length > done ? `, ${ended.length - done} not added` : ''}` : ''}
          </p>
          {ended.length > 0 ? (
            <button type="button" className="small" onClick={clearEnded}>
              Clear finished
            </button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
