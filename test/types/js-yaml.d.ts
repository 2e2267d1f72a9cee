// js-yaml ships no types; the contract test parses one YAML document with it.
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
