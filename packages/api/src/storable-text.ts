/**
 * PostgreSQL's text and jsonb refuse U+0000: input carrying it could never be stored, so it is
 * refused up front with this message. Use as `z.string().refine(...withoutNul)`.
 */
export const withoutNul = [(value: string) => !value.includes('\u0000'), 'must not contain a NUL character (\\u0000)'] as const;
