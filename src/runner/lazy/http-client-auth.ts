/**
 * Stands in for `@actions/http-client/lib/auth` (see ./http-client.ts): the handler records its
 * token, and the stand-in client builds the real handler when it loads the real module.
 */
export class LazyBearerCredentialHandler {
  constructor(readonly token: string) {}
}

export { LazyBearerCredentialHandler as BearerCredentialHandler };
