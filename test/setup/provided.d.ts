// Values the global setup hands to every test file through `inject(...)`.
declare module 'vitest' {
  export interface ProvidedContext {
    /** redis:// URL of the suite's throwaway redis-server (test/setup/redis-server.ts). */
    redisUrl: string;
    /** A node ≥ 22 binary installed from the npm registry's `node` package (test/setup/fixture-deps.ts). */
    node22Path: string;
  }
}

export {};
