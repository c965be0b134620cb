/** Where a bad thing was found: as much as is known of file, record (line or index) and field. */
export interface ErrorContext {
  file?: string;
  record?: number | string;
  field?: string;
}

/**
 * The one error type the CLI knows how to print: a stage name, a message, optional
 * file/record/field context and a hint. Each stage throws it (or a subclass) for expected failures.
 */
export class LakehouseError extends Error {
  constructor(
    readonly stage: string,
    message: string,
    readonly context: ErrorContext = {},
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LakehouseError";
  }

  /** One line: `stage: file:record field: message`. */
  oneLine(): string {
    const { file, record, field } = this.context;
    const where = [file ? `${file}${record !== undefined ? `:${record}` : ""}` : record !== undefined ? `record ${record}` : "", field ? `field ${field}` : ""]
      .filter(Boolean)
      .join(" ");
    return `${this.stage}: ${where ? `${where}: ` : ""}${this.message}`;
  }
}

/** Message of any thrown value, following `cause` chains once. */
export function describeError(error: unknown): string {
  if (error instanceof LakehouseError) return error.oneLine();
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
