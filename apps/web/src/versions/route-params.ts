/** A positive whole number from a URL, or null when the text is not one. */
export function positiveInteger(raw: string | null | undefined): number | null {
  if (!raw || !/^\d{1,10}$/.test(raw)) return null;
  const value = Number(raw);
  return value > 0 && value <= 2_147_483_647 ? value : null;
}

export const versionsPath = (assistantId: number) => `/assistants/${assistantId}/versions`;
export const versionPath = (assistantId: number, number: number) => `/assistants/${assistantId}/versions/${number}`;
export const comparePath = (assistantId: number, from: number, to: number) => `/assistants/${assistantId}/versions/compare?from=${from}&to=${to}`;
