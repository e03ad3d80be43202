/** An error from the API, with its code when it has one, as a person can read it. */
export function ErrorMessage({ error, title }: { error: { message: string; data?: { code?: string } | null }; title?: string }) {
  const code = error.data?.code;
  return (
    <div className="error-box" role="alert">
      <strong>{title ?? describeCode(code)}</strong>
      <p>{error.message}</p>
    </div>
  );
}

function describeCode(code: string | undefined): string {
  switch (code) {
    case 'NOT_FOUND':
      return 'Not found';
    case 'FORBIDDEN':
      return 'Not allowed';
    case 'UNAUTHORIZED':
      return 'Not signed in';
    case 'BAD_REQUEST':
      return 'Check the input';
    case 'CONFLICT':
      return 'Not possible';
    case 'TOO_MANY_REQUESTS':
      return 'Too many requests';
    default:
      return 'Something went wrong';
  }
}
