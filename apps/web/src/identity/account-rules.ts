/** The server's rule (`PASSWORD_MIN_LENGTH` in @aae/auth), checked here too so the form can say so beside the field. */
export const MIN_PASSWORD_LENGTH = 10;

/** A rough check of the shape only; the server decides what is an address. */
export function emailProblem(email: string): string | undefined {
  return /^\S+@\S+\.\S+$/.test(email.trim()) ? undefined : 'Enter an email address, like ada@example.com.';
}

export function passwordProblem(password: string): string | undefined {
  if (!password) return 'Enter a password.';
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  return undefined;
}

export function confirmationProblem(password: string, confirmation: string): string | undefined {
  return confirmation === password ? undefined : 'The two passwords differ.';
}
