// commonmark-spec 0.31.2 ships the spec's examples as data, without types.
declare module 'commonmark-spec' {
  export interface Example {
    readonly markdown: string;
    readonly html: string;
    readonly section: string;
    readonly number: number;
  }
  export const tests: readonly Example[];
  export const text: string;
}
