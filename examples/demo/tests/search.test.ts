import { describe, expect, it } from 'vitest';
import { step } from './step';

describe('search', () => {
  for (const query of ['red', 'green', 'blue', 'yellow']) {
    it(`finds "${query}"`, async () => {
      console.log(`searching for ${query}`);
      await step();
      expect(query).toMatch(/^[a-z]+$/);
    });
  }

  it('fails on purpose, to show a failure in the reports', async () => {
    await step(200);
    expect({ results: 2 }).toEqual({ results: 3 });
  });

  it.todo('searches by colour and size');
});
