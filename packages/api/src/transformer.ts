import superjson from 'superjson';

/** Shared by server and every client, so dates survive the wire as dates. */
export const transformer = superjson;
