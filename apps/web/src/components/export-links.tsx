/** Download links for the export URLs; the browser sends the identity cookie with them. */
export function ExportLinks({ base, label }: { base: string; label: string }) {
  const separator = base.includes('?') ? '?' : '';
  const [path, query = ''] = base.split('?');
  return (
    // biome-ignore lint/a11y/useSemanticElements: an inline group of controls, not a form's fieldset
    <div className="export-links" role="group" aria-label={label}>
      <span className="muted">{label}:</span>
      {(['json', 'ndjson', 'csv'] as const).map((format) => (
        <a key={format} className="button-link" href={`${path}.${format}${separator}${query}`} download>
          {format.toUpperCase()}
        </a>
      ))}
    </div>
  );
}
