/** The part of kinesalite's untyped API the tests and the benchmark use (an in-process Kinesis emulator). */
declare module 'kinesalite' {
  import type { Server } from 'node:http';

  interface KinesaliteOptions {
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
    path?: string;
    ssl?: boolean;
  }

  function kinesalite(options?: KinesaliteOptions): Server;
  export = kinesalite;
}
