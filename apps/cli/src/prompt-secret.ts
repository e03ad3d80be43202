import { CliError, EXIT } from './exit-codes.ts';

/**
 * Reads one line from the terminal without echoing it (a password, a token). Without a terminal
 * there is no one to ask: the caller passes the value another way.
 */
export function readSecret(question: string, out: NodeJS.WritableStream): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    return Promise.reject(new CliError(EXIT.usage, `${question.replace(/: $/, '')} is needed and there is no terminal to ask on`));
  }
  out.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (outcome: () => void) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      out.write('\n');
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done(() => resolve(value));
        if (char === '\u0003') return done(() => reject(new CliError(EXIT.interrupted, 'Interrupted')));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    input.on('data', onData);
  });
}
