// Checks real API answers against the OpenAPI document's component schemas at run time: the generated
// types only bind the compiler, this sees what the server actually sent.
import { openApiDocument } from '../../src/platform/openapi/document';
import type { Schema } from '../../src/platform/openapi/schemas';

/** Every component schema of the document, the capabilities' own (e.g. the webhooks') included. */
const schemas = openApiDocument.components.schemas;

export type SchemaName = keyof typeof schemas;

/**
 * The mismatches of `value` against a schema of the document, empty if none. Covers the subset the
 * document uses: type (or a list of types), const, enum, properties, required, items, anyOf, $ref,
 * additionalProperties.
 */
export function schemaMismatches(value: unknown, schema: Schema, path = '$'): string[] {
  if (typeof schema.$ref === 'string') return schemaMismatches(value, schemas[schema.$ref.split('/').pop() as SchemaName], path);
  if (Array.isArray(schema.anyOf)) {
    const options = (schema.anyOf as Schema[]).map((s) => schemaMismatches(value, s, path));
    return options.some((o) => o.length === 0) ? [] : options[0]!;
  }
  if ('const' in schema && value !== schema.const) return [`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`];
  if (Array.isArray(schema.enum) && !(schema.enum as unknown[]).includes(value))
    return [`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`];
  const types = schema.type === undefined ? [] : ([] as string[]).concat(schema.type as string | string[]);
  if (types.length > 0 && !types.some((type) => hasType(value, type)))
    return [`${path}: expected ${types.join(' or ')}, got ${value === null ? 'null' : typeof value}`];
  const found: string[] = [];
  if (types.includes('object') && hasType(value, 'object')) {
    const record = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? []) if (!(name in record)) found.push(`${path}.${name}: missing`);
    for (const [name, sub] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
      if (name in record) found.push(...schemaMismatches(record[name], sub, `${path}.${name}`));
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      for (const [name, v] of Object.entries(record))
        found.push(...schemaMismatches(v, schema.additionalProperties as Schema, `${path}.${name}`));
    }
  }
  if (types.includes('array') && Array.isArray(value) && schema.items)
    value.forEach((v, i) => found.push(...schemaMismatches(v, schema.items as Schema, `${path}[${i}]`)));
  return found;
}

export function componentSchema(name: SchemaName): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}
