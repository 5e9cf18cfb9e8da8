/**
 * An answer that Slack would give as `{"ok": false, "error": code}`. Raised wherever the failure is known and
 * rendered in one place (webapi/envelope.ts), so no layer below the HTTP adapter decides how errors look.
 */
export class SlackError extends Error {
  readonly code: string;
  /** Extra top-level fields of the failure answer, e.g. `needed` and `provided` for `missing_scope`. */
  readonly fields: Record<string, unknown> | undefined;
  /** Set only for rate limiting, the one failure Slack answers with a non-200 status. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, fields?: Record<string, unknown>, retryAfterSeconds?: number) {
    super(code);
    this.name = 'SlackError';
    this.code = code;
    this.fields = fields;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function slackError(code: string, fields?: Record<string, unknown>): SlackError {
  return new SlackError(code, fields);
}

export function isSlackError(value: unknown): value is SlackError {
  return value instanceof SlackError;
}
