import type { FastifySerializerCompiler } from 'fastify';
import fastJsonStringify from 'fast-json-stringify';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

const compiled = new WeakMap<z.ZodType, (data: unknown) => string>();

/**
 * Fastify's serializer for every route's response schema: the zod schema as JSON Schema,
 * compiled once by fast-json-stringify (what Fastify itself does with JSON Schema responses).
 * It writes only the properties a schema names, so what a strict schema leaves out (a record's
 * internal or legacy fields) never reaches a client, as with a zod encode. It does not
 * validate: responses are built by this service from its own records, and a zod encode of
 * each one before `JSON.stringify` cost a tenth of the api's CPU on `GET /v1/jobs/{id}`.
 * Compiled once per schema object and process: schemas are module constants shared by every
 * route (the error envelope by all of them) and by every app built in one process.
 */
export const responseSerializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => {
  let serialize = compiled.get(schema);
  if (serialize === undefined) {
    serialize = fastJsonStringify(toSerializableSchema(schema));
    compiled.set(schema, serialize);
  }
  return serialize;
};

/**
 * The JSON Schema fast-json-stringify serializes by. The input side of each schema: a field
 * with a default may be absent from a response, as zod's encode allows. Nullable fields become
 * `type: [T, 'null']`: as `anyOf`, fast-json-stringify would validate each value to choose.
 * (On the input side a zod object has no `additionalProperties: false`, so the branch of a union,
 * chosen by validating the value, takes a record's extra fields, which are then left out.)
 */
export function toSerializableSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-07',
    unrepresentable: 'any',
  }) as JsonSchema;
  return withNullableTypes(json) as JsonSchema;
}

function withNullableTypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withNullableTypes);
  if (typeof value !== 'object' || value === null) return value;
  const schema: JsonSchema = Object.fromEntries(
    Object.entries(value).map(([key, child]) => [key, withNullableTypes(child)]),
  );
  const options = schema.anyOf;
  if (!Array.isArray(options) || options.length !== 2) return schema;
  const [first, second] = options as [JsonSchema, JsonSchema];
  const other = isNullSchema(second) ? first : isNullSchema(first) ? second : null;
  if (other === null) return schema;
  const { anyOf: _options, ...siblings } = schema;
  // Any value at all (`z.unknown()`) already includes null.
  if (Object.keys(other).length === 0) return { ...siblings };
  if (typeof other.type !== 'string') return schema;
  const { const: only, enum: values, ...rest } = other;
  // A union branch is chosen by validating the value: null must pass an enum, or a const.
  const allowed: unknown[] | null = Array.isArray(values)
    ? values
    : only !== undefined
      ? [only]
      : null;
  return {
    ...siblings,
    ...rest,
    type: [other.type, 'null'],
    ...(allowed !== null && { enum: [...allowed, null] }),
  };
}

function isNullSchema(schema: JsonSchema): boolean {
  return schema.type === 'null' && Object.keys(schema).length === 1;
}
