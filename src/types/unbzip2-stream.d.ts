/** unbzip2-stream ships no types: its default export makes a classic (through) stream that takes bzip2 bytes and gives the text. */
declare module 'unbzip2-stream' {
  import type { Duplex } from 'node:stream';

  export default function unbzip2Stream(): Duplex;
}
