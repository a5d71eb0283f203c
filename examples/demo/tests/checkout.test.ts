import { describe, expect, it } from 'vitest';
import { getLogger } from 'trc/runner-plugin';
import { step } from './step';

describe('checkout', () => {
  for (const item of ['book', 'lamp', 'kettle', 'chair', 'plant']) {
    it(`buys a ${item}`, async (ctx) => {
      const log = getLogger(ctx);
      log.info({ item }, 'adding to the cart');
      console.log(`cart: ${item}`);
      await step();
      log.info({ item, traceId: ctx.task.meta.traceId }, 'paid');
      expect(item.length).toBeGreaterThan(0);
    });
  }
});
