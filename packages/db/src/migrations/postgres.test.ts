import { describe, expect, it } from 'vitest';
import { splitSqlStatements } from './postgres.ts';

describe('splitSqlStatements', () => {
  it('splits at the semicolons that end statements, leaving out empty ones and comment-only tails', () => {
    expect(splitSqlStatements('CREATE TABLE a (id int);\n\n-- AddIndex\nCREATE INDEX a_idx ON a(id);\n-- the end\n')).toEqual([
      'CREATE TABLE a (id int)',
      '-- AddIndex\nCREATE INDEX a_idx ON a(id)',
    ]);
  });

  it('keeps a dollar-quoted function body, with its semicolons, in one statement', () => {
    const fn = `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO t SELECT 1;
  RETURN NULL;
END;
$$`;
    const tagged = `DO $body$ BEGIN PERFORM 'x;y'; END $body$`;
    expect(splitSqlStatements(`${fn};\nCREATE TRIGGER t AFTER INSERT ON a FOR EACH STATEMENT EXECUTE FUNCTION f();\n${tagged};`)).toEqual([
      fn,
      'CREATE TRIGGER t AFTER INSERT ON a FOR EACH STATEMENT EXECUTE FUNCTION f()',
      tagged,
    ]);
  });

  it('does not split inside strings, quoted identifiers or comments, and tells $1 from a dollar quote', () => {
    const script = [
      `INSERT INTO "semi;colon" VALUES ('a;b', 'it''s; fine', E'back\\'; slash;', $1)`,
      `SELECT 1 /* a; /* nested; */ comment; */ + 2`,
      `SELECT 'x' -- trailing; comment\n  AS y`,
    ];
    expect(splitSqlStatements(`${script.join(';\n')};`)).toEqual(script);
  });
});
