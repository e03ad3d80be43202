import { describe, expect, it } from 'vitest';
import { checkDatabaseUrl } from './database-url.ts';

describe('checkDatabaseUrl', () => {
  it('names where the database is without its password', () => {
    expect(checkDatabaseUrl('postgresql://app:secret@db.example:5432/aae')).toEqual({ location: 'postgresql://app:***@db.example:5432/aae' });
    expect(checkDatabaseUrl('postgres://app@localhost/aae')).toEqual({ location: 'postgres://app@localhost/aae' });
  });

  it('refuses what is not a postgres URL, saying what is expected', () => {
    expect(() => checkDatabaseUrl('localhost:5432')).toThrow('DATABASE_URL must start with postgresql:// (got localhost://)');
    expect(() => checkDatabaseUrl('db.example/aae')).toThrow('DATABASE_URL is not a valid URL: expected postgresql://user:password@host:port/database');
    expect(() => checkDatabaseUrl('mysql://app@localhost/aae')).toThrow('DATABASE_URL must start with postgresql:// (got mysql://)');
  });
});
