/** `ajv-formats` in the browser bundle: the formats are already inside the precompiled validators (see ajv2020.ts). */
export default function addFormats<T>(ajv: T): T {
  return ajv;
}
