import { describe, expect, it } from 'vitest';
import { Registry, unknownEntryMessage } from './registry.ts';

class Shelf extends Registry<string> {
  constructor() {
    super((id, known) => new Error(unknownEntryMessage('book', id, known)));
  }

  add(id: string, title: string): void {
    this.set(id, title);
  }
}

describe('Registry', () => {
  it('resolves what was registered and lists the ids in registration order', () => {
    const shelf = new Shelf();
    shelf.add('b', 'Tides');
    shelf.add('a', 'Heat');
    expect(shelf.resolve('a')).toBe('Heat');
    expect(shelf.has('b')).toBe(true);
    expect(shelf.has('c')).toBe(false);
    expect(shelf.ids()).toEqual(['b', 'a']);
  });

  it('answers an unknown id with its own error, naming the ids it knows', () => {
    const shelf = new Shelf();
    expect(() => shelf.resolve('c')).toThrow('Unknown book "c". Known books: none.');
    shelf.add('a', 'Heat');
    shelf.add('b', 'Tides');
    expect(() => shelf.resolve('c')).toThrow('Unknown book "c". Known books: a, b.');
  });
});
