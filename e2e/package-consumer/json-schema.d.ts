// The declarations of `@ai-sdk/provider` (a dependency of `ai`) import `json-schema`, whose types that package lists
// only as a dev dependency: a consumer that checks library declarations (no `skipLibCheck`) declares what they use.
declare module 'json-schema' {
  export type JSONSchema7 = { readonly [key: string]: unknown }
  export type JSONSchema7Definition = JSONSchema7 | boolean
}
