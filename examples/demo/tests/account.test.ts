import { describe, expect, it } from 'vitest';
import { step } from './step';

describe('account', () => {
  for (const action of ['signs up', 'logs in', 'changes the password', 'logs out']) {
    it(action, async () => {
      console.log(`account: ${action}`);
      await step();
      expect(action).toBeTruthy();
    });
  }
});
