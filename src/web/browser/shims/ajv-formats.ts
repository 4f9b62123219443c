/**
 * `ajv-formats` in the browser bundle: the formats are already inside the precompiled validators
 * (see ajv2020.ts). The list is noted on the instance: it is part of each validator's key.
 */
export default function addFormats<T extends object>(ajv: T, formats: readonly string[] = []): T {
  (ajv as { microcredFormats?: readonly string[] }).microcredFormats = formats;
  return ajv;
}
