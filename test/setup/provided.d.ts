// Values the global setup hands to every test file through `inject(...)`.
declare module 'vitest' {
  export interface ProvidedContext {
    /** redis:// URL of the suite's throwaway redis-server (test/setup/redis-server.ts). */
    redisUrl: string;
  }
}

export {};
